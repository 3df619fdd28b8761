'use strict'
// Impressions from Node: exposure-aware demotion, impressions never counting as engagement,
// typed errors for bad impressions, excludeTouched, and Service.recommend({ logImpressions }).
// The same scenario, with the same expected lists, runs in Rust (craic-core/tests/impressions.rs)
// and Python (craic-py/tests/test_impressions.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'fixture.json'), 'utf8'))
const NOW = data.now
const items = data.items.map(i => ({
  id: i.id,
  startsAt: i.starts_at,
  city: i.city,
  venue: i.venue,
  genres: i.genres,
  artists: i.artists
}))
const interactions = data.interactions.map(r => ({ userId: r.user_id, itemId: r.item_id, kind: r.kind, timestamp: r.timestamp }))
const STRATEGIES = ['popularity', 'collaborative', 'content', 'hybrid']

const engine = (config) => craic.Engine.build(items, interactions, { preferences: data.preferences, config })
const shown = (userId, itemId, n, at) =>
  Array.from({ length: n }, (_, x) => ({ userId, itemId, timestamp: at + 60 * x, rank: 0 }))
const ids = recs => recs.map(r => r.itemId)

test('demotion grows with showings and recovers with time', async () => {
  const e = await engine()
  const before = e.recommend('dan', { k: 3, strategy: 'popularity', now: NOW })
  assert.deepEqual(ids(before), ['rave', 'techcork', 'trad'])
  await e.recordImpressions(shown('dan', 'rave', 6, NOW - 3600))
  const after = e.recommend('dan', { k: 3, strategy: 'popularity', now: NOW })
  assert.deepEqual(ids(after), ['techcork', 'trad', 'warehouse'])
  const demoted = e.recommend('dan', { k: 7, strategy: 'popularity', now: NOW })
  assert.ok(demoted.find(r => r.itemId === 'rave').score < before[0].score)
  const exposure = e.exposure('dan', NOW)
  assert.equal(exposure.length, 1)
  assert.equal(exposure[0].itemId, 'rave')
  assert.ok(exposure[0].showings > 5.9 && exposure[0].showings < 6)
  const later = e.recommend('dan', { k: 3, strategy: 'popularity', now: NOW + 10 * 86_400 })
  assert.equal(later[0].itemId, 'rave')
  assert.equal(later[0].score, before[0].score)
  e.recordOne('dan', 'rave', 'click', NOW - 60)
  assert.deepEqual(e.exposure('dan', NOW), [])
})

test('disabled demotion changes nothing; impressions are never engagement', async () => {
  const off = { exposureDemotion: 0 }
  const plain = await engine(off)
  const seen = await engine(off)
  for (const user of ['ana', 'ben', 'cat', 'dan', 'eve']) {
    for (const item of ['rave', 'trad', 'standup', 'jazzcork']) {
      await seen.recordImpressions(shown(user, item, 3, NOW - 3600))
    }
  }
  for (const user of ['ana', 'ben', 'cat', 'dan', 'eve', 'newbie']) {
    assert.deepEqual(seen.neighbours(user), plain.neighbours(user))
    for (const strategy of STRATEGIES) {
      const opts = { k: 5, strategy, now: NOW, explain: true }
      assert.deepEqual(seen.recommend(user, opts), plain.recommend(user, opts))
    }
  }
  assert.equal(seen.stats().cells, plain.stats().cells)
  assert.throws(() => new craic.Engine({ exposureDemotion: NaN }),
    e => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_WEIGHT')
})

test('bad impressions are typed errors and change nothing', async () => {
  const e = await engine()
  const before = e.stats()
  const good = { userId: 'ana', itemId: 'rave', timestamp: NOW, rank: 0 }
  for (const [bad, cls, code] of [
    [{ ...good, rank: -1 }, craic.InvalidInputError, 'CRAIC_OUT_OF_RANGE'],
    [{ ...good, rank: NaN }, craic.InvalidInputError, 'CRAIC_OUT_OF_RANGE'],
    [{ ...good, rank: 1.5 }, craic.InvalidInputError, 'CRAIC_OUT_OF_RANGE'],
    [{ ...good, itemId: 'nope' }, craic.NotFoundError, 'CRAIC_UNKNOWN_ITEM']
  ]) {
    await assert.rejects(async () => e.recordImpressions([good, bad]),
      err => err instanceof cls && err.code === code && err.row === 1)
  }
  const shownAt = { userId: 'ana', itemId: 'rave', kind: 'impression', timestamp: NOW, rank: 2 }
  await assert.rejects(async () => e.record([shownAt, { ...shownAt, kind: 'click' }]),
    err => err instanceof craic.InvalidInputError && err.code === 'CRAIC_INVALID_RANK' && err.row === 1)
  assert.deepEqual(e.stats(), before)
  assert.deepEqual(e.exposure('ana', NOW), [])
})

test('excludeTouched equals passing the ids', async () => {
  const e = await engine()
  await e.recordImpressions(shown('eve', 'trad', 2, NOW - 3600))
  const cases = [
    [true, ['rave', 'techcork', 'standup']],
    [['click'], ['rave']],
    [['impression'], ['trad']],
    [['impression', 'save'], ['trad', 'techcork']]
  ]
  for (const strategy of STRATEGIES) {
    for (const [touched, exclude] of cases) {
      assert.deepEqual(
        e.recommend('eve', { k: 7, strategy, now: NOW, excludeTouched: touched }),
        e.recommend('eve', { k: 7, strategy, now: NOW, exclude }),
        `${strategy} ${touched}`)
    }
  }
  assert.throws(() => e.recommend('eve', { k: 3, now: NOW, excludeTouched: ['purr'] }),
    err => err instanceof craic.InvalidInputError && err.code === 'CRAIC_UNKNOWN_KIND')
})

test('Service.recommend logs what it returns with logImpressions', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'craic-impr-'))
  const url = `sqlite://${dir}/craic.db`
  const svc = await craic.Service.open(url)
  svc.upsertItems(Array.from({ length: 6 }, (_, n) => ({ id: `e${n}`, startsAt: 1_900_000_000, city: 'dublin' })))
  await svc.record(Array.from({ length: 6 }, (_, n) => ({ userId: `u${n}`, itemId: `e${n}`, kind: 'save', timestamp: 1_700_000_000 + n })))
  await svc.record([{ userId: 'ben', itemId: 'e1', kind: 'save', timestamp: 1_700_000_010 }])
  const first = svc.recommend('cat', { k: 3, now: 1_800_000_000 })
  assert.deepEqual(ids(first), ['e1', 'e5', 'e4'])
  let logged
  for (let dt = 0; dt < 4; dt++) {
    logged = svc.recommend('cat', { k: 3, now: 1_800_000_000 + dt, logImpressions: true })
  }
  assert.deepEqual(ids(logged), ['e1', 'e3', 'e2'])
  assert.ok(logged[0].score < first[0].score)
  // The store's log holds them: an engine loaded from it has the same exposure.
  const store = await craic.Store.open(url)
  const loaded = await store.loadEngine()
  const counts = Object.fromEntries(loaded.engine.exposure('cat', 1_800_000_004).map(x => [x.itemId, x.showings]))
  assert.ok(counts[first[0].itemId] > 3.9)
  // With the rank each was shown at, 0 at the top of each list.
  const log = (await store.readLog(0, 100)).records.map(r => r.interaction)
  const ranks = log.filter(x => x.kind === 'impression').map(x => x.rank)
  assert.deepEqual(ranks, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
  const restarted = await craic.Service.open(url)
  const at = { k: 3, now: 1_800_000_004 }
  assert.deepEqual(restarted.recommend('cat', at), svc.recommend('cat', at))
  await assert.rejects(async () => svc.recordImpressions([{ userId: 'cat', itemId: 'e0', timestamp: 1_800_000_000, rank: -2 }]),
    err => err instanceof craic.InvalidInputError && err.code === 'CRAIC_OUT_OF_RANGE')
  fs.rmSync(dir, { recursive: true, force: true })
})
