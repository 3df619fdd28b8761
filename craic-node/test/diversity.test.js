'use strict'
// Re-ranking for variety on the shared fixture testdata/diversity.json (the same lists as the
// Rust and Python tests), caps for every strategy, and typed errors for bad options.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'diversity.json'), 'utf8'))

function engine () {
  const e = new craic.Engine()
  e.upsertItems(data.items.map(i => ({ id: i.id, startsAt: i.starts_at, city: i.city, venue: i.venue, genres: i.genres, artists: i.artists })))
  return e
}

async function built () {
  const e = engine()
  await e.record(data.interactions.map(i => ({ userId: i.user_id, itemId: i.item_id, kind: i.kind, timestamp: i.timestamp })))
  return e
}

test('the fixture lists', async () => {
  const e = await built()
  for (const c of data.cases) {
    const opts = { k: c.k, strategy: data.strategy, now: data.now, diversity: c.diversity ?? 0 }
    if (c.max_per_artist !== undefined) opts.maxPerArtist = c.max_per_artist
    if (c.max_per_venue !== undefined) opts.maxPerVenue = c.max_per_venue
    assert.deepEqual(e.recommend(data.user, opts).map(r => r.itemId), c.expect, JSON.stringify(c))
  }
})

test('caps hold for every strategy', async () => {
  const e = await built()
  const items = Object.fromEntries(data.items.map(i => [i.id, i]))
  const caps = data.caps
  for (const strategy of ['popularity', 'collaborative', 'content', 'hybrid', 'item_based']) {
    for (const user of caps.users) {
      const recs = e.recommend(user, { k: caps.k, strategy, now: data.now, maxPerArtist: caps.max_per_artist, maxPerVenue: caps.max_per_venue })
      assert.equal(recs.length, caps.k)
      const count = xs => Math.max(...Object.values(xs.reduce((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {})))
      assert.ok(count(recs.flatMap(r => items[r.itemId].artists)) <= caps.max_per_artist)
      assert.ok(count(recs.map(r => items[r.itemId].venue)) <= caps.max_per_venue)
    }
  }
})

test('diversity 0 is the plain ranking', async () => {
  const e = await built()
  assert.deepEqual(e.recommend('u0', { k: 4, now: data.now, diversity: 0 }), e.recommend('u0', { k: 4, now: data.now }))
})

test('bad options are typed errors', async () => {
  const e = await built()
  const cases = [
    [{ diversity: NaN }, 'CRAIC_INVALID_WEIGHT'],
    [{ diversity: 1.5 }, 'CRAIC_INVALID_WEIGHT'],
    [{ diversity: -0.5 }, 'CRAIC_INVALID_WEIGHT'],
    [{ maxPerArtist: 0 }, 'CRAIC_OUT_OF_RANGE'],
    [{ maxPerVenue: 0 }, 'CRAIC_OUT_OF_RANGE'],
    [{ maxPerArtist: -1 }, 'CRAIC_OUT_OF_RANGE'],
    [{ maxPerArtist: 1.5 }, 'CRAIC_OUT_OF_RANGE']
  ]
  for (const [opts, code] of cases) {
    assert.throws(() => e.recommend('u0', { k: 3, now: data.now, ...opts }), err => err instanceof craic.CraicError && err.code === code)
  }
})

test('the fixture metrics, by hand', async () => {
  const e = await built()
  const ev = data.evaluate
  const test = ev.test.map(i => ({ userId: i.user_id, itemId: i.item_id, kind: i.kind, timestamp: i.timestamp }))
  const camel = s => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
  for (const c of ev.cases) {
    const m = await craic.evaluate(e, test, { k: ev.k, strategy: data.strategy, diversity: c.diversity })
    for (const [name, want] of Object.entries(c.expect)) {
      assert.ok(Math.abs(m[camel(name)] - want) < 1e-12, `${name}: ${m[camel(name)]} vs ${want}`)
    }
  }
})
