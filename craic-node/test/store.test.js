'use strict'
// craic-store from Node: an SQLite file store (the embedded default), the log's idempotency
// and cursor, loading an engine and tailing it, the model registry, experiments, retrain runs,
// and typed errors (bad URL, a server that is down, a version published twice).
const test = require('node:test')
const assert = require('node:assert/strict')
const os = require('node:os')
const fs = require('node:fs')
const path = require('node:path')
const craic = require('..')

const FUTURE = 2_000_000_000
const T = 1_700_000_000

async function withStore (fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'craic-store-'))
  try {
    const store = await craic.Store.open(`sqlite://${path.join(dir, 'craic.db')}`)
    await fn(store, dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const items = [
  { id: 'rave', startsAt: FUTURE, city: 'dublin', genres: ['techno'] },
  { id: 'trad', startsAt: FUTURE, city: 'dublin', genres: ['folk'] },
  { id: 'jazz', startsAt: FUTURE, city: 'cork', genres: ['jazz'] }
]

test('store: idempotent appends, cursors, load then tail equals loading once', async () => {
  await withStore(async (store, dir) => {
    await store.upsertItems(items)
    await store.setPreferences({ ana: { genres: ['folk'], cities: ['dublin'] } })
    assert.deepEqual((await store.items()).map(i => i.id).sort(), ['jazz', 'rave', 'trad'])
    assert.deepEqual((await store.preferences()).ana.genres, ['folk'])
    const first = [
      { userId: 'ana', itemId: 'rave', kind: 'save', timestamp: T },
      { userId: 'ben', itemId: 'rave', kind: 'save', timestamp: T + 1 },
      { userId: 'ben', itemId: 'trad', kind: 'click', timestamp: T + 2, key: 'evt-3' }
    ]
    assert.deepEqual(await store.append(first), { inserted: 3, duplicates: 0, newIndices: [0, 1, 2] })
    assert.deepEqual(await store.append(first), { inserted: 0, duplicates: 3, newIndices: [] })
    const page = await store.readLog(0, 2)
    assert.equal(page.records.length, 2)
    assert.equal(page.records[0].interaction.userId, 'ana')
    const rest = await store.readLog(page.next, 10)
    assert.equal(rest.records.length, 1)
    assert.equal(rest.records[0].key, 'evt-3')
    assert.equal(await store.logHead(), rest.records[0].cursor)

    const loaded = await store.loadEngine()
    assert.equal(loaded.interactions, 3)
    assert.deepEqual(loaded.skipped, [])
    await store.append([
      { userId: 'cy', itemId: 'rave', kind: 'save', timestamp: T + 3 },
      { userId: 'cy', itemId: 'trad', kind: 'save', timestamp: T + 4 }
    ])
    const tailed = await store.tail(loaded.engine, loaded.cursor)
    assert.equal(tailed.interactions, 2)
    assert.equal((await store.tail(loaded.engine, tailed.cursor)).interactions, 0)
    const once = await store.loadEngine()
    for (const user of ['ana', 'ben', 'cy']) {
      assert.deepEqual(loaded.engine.recommend(user, { now: T }), once.engine.recommend(user, { now: T }), user)
    }
    // The file persists: a second handle sees everything.
    const again = await craic.Store.open(`sqlite://${path.join(dir, 'craic.db')}`)
    assert.equal((await again.readLog(0, 100)).records.length, 5)
  })
})

test('store: model registry, experiments and retrain runs', async () => {
  await withStore(async (store) => {
    const engine = new craic.Engine()
    engine.upsertItems(items)
    const bytes = await engine.toSnapshot({ version: 'v1', createdAt: T })
    await store.publishModel({ version: 'v1', bytes, metricsJson: '{"ndcg@10":0.2}', trainedAt: T }, true)
    const current = await store.currentModel()
    assert.equal(current.version, 'v1')
    assert.ok(current.bytes.equals(bytes))
    const { engine: restored } = await craic.Engine.fromSnapshot(current.bytes)
    assert.equal(restored.stats().items, 3)
    await assert.rejects(store.publishModel({ version: 'v1', bytes, metricsJson: '{}', trainedAt: T }, false),
      (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_CONFLICT')
    await assert.rejects(store.setCurrentModel('v9'), (e) => e instanceof craic.NotFoundError && e.code === 'CRAIC_NOT_FOUND')
    assert.deepEqual((await store.models()).map(m => [m.version, m.current]), [['v1', true]])

    const feed = new craic.Experiment('feed', [
      { name: 'control', weight: 0.5, strategy: 'popularity' },
      { name: 'hybrid', weight: 0.5, strategy: 'hybrid' }
    ], { coverage: 0.9 })
    await store.putExperiment(feed)
    const [stored] = await store.experiments()
    assert.equal(stored.key, 'feed')
    assert.deepEqual(stored.variants, feed.variants)
    assert.equal(stored.coverage, 0.9)
    assert.deepEqual(stored.assign('ana'), feed.assign('ana'))
    assert.deepEqual(await store.assign('feed', 'ana', 'hybrid'), { variant: 'hybrid', new: true })
    assert.deepEqual(await store.assign('feed', 'ana', 'control'), { variant: 'hybrid', new: false })
    const exposure = { experiment: 'feed', user: 'ana', variant: 'hybrid', key: 'x1', at: T }
    assert.equal(await store.recordExposure(exposure), true)
    assert.equal(await store.recordExposure(exposure), false)
    assert.equal(await store.recordConversion({ ...exposure, key: 'c1', value: 2 }), true)
    assert.deepEqual(await store.experimentCounts('feed'), [
      { variant: 'control', assignments: 0, exposures: 0, conversions: 0, conversionValue: 0 },
      { variant: 'hybrid', assignments: 1, exposures: 1, conversions: 1, conversionValue: 2 }
    ])

    const id = await store.recordRetrain({ startedAt: T, finishedAt: T + 5, outcome: 'published', version: 'v1', interactions: 3 })
    const [run] = await store.retrainRuns(10)
    assert.equal(run.id, id)
    assert.equal(run.outcome, 'published')
  })
})

test('store: bad URLs, a server that is down and bad rows are typed errors', async () => {
  await assert.rejects(craic.Store.open('postgres://x'), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_URL')
  await assert.rejects(craic.Store.open('mysql://root:secret@127.0.0.1:1/craic'), (e) =>
    e instanceof craic.StorageError && e.code === 'CRAIC_UNAVAILABLE' && !e.message.includes('secret'))
  await withStore(async (store) => {
    await assert.rejects(store.append([{ userId: 'a', itemId: 'b', kind: 'save', timestamp: T * 1000 }]),
      (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_TIMESTAMP')
    assert.throws(() => store.append([{ userId: 'a', itemId: 'b', kind: 'save', timestamp: 1.5 }]),
      (e) => e.code === 'CRAIC_INVALID_TIMESTAMP' && e.row === 0)
    assert.throws(() => store.readLog(-1, 10), (e) => e.code === 'CRAIC_OUT_OF_RANGE')
  })
})

test('store: impression ranks are stored and read back', async () => {
  // The store suite's rank scenario (craic-store/tests/common/suite/log.rs), as in Python's
  // test_store.py: ranks read back as appended, the first stays when a showing is re-sent with
  // another rank, and a rank on another kind or a bad one is a typed error.
  await withStore(async (store) => {
    await store.upsertItems(items)
    const top = 2 ** 32 - 1
    const rows = [
      { userId: 'ana', itemId: 'rave', kind: 'impression', timestamp: T, rank: 3 },
      { userId: 'ana', itemId: 'trad', kind: 'impression', timestamp: T },
      { userId: 'ben', itemId: 'rave', kind: 'save', timestamp: T + 1 },
      { userId: 'ben', itemId: 'trad', kind: 'impression', timestamp: T + 2, rank: top }
    ]
    assert.equal((await store.append(rows)).inserted, 4)
    const resent = await store.append([{ ...rows[0], rank: 7 }])
    assert.deepEqual([resent.inserted, resent.duplicates], [0, 1])
    const page = await store.readLog(0, 100)
    assert.deepEqual(page.records.map(r => r.interaction.rank), [3, undefined, undefined, top])
    assert.deepEqual(page.records[0].interaction, rows[0])

    await assert.rejects(store.append([{ ...rows[0], userId: 'cy' }, { ...rows[2], userId: 'cy', rank: 1 }]),
      e => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_RANK')
    for (const rank of [-1, 1.5, NaN, 2 ** 32]) {
      assert.throws(() => store.append([rows[0], { ...rows[0], userId: 'cy', rank }]),
        e => e instanceof craic.InvalidInputError && e.code === 'CRAIC_OUT_OF_RANGE' && e.row === 1)
    }
    assert.equal(await store.logHead(), page.next, 'nothing written')

    const loaded = await store.loadEngine()
    assert.deepEqual([loaded.interactions, loaded.skipped], [4, []])
    await store.append([{ userId: 'cy', itemId: 'trad', kind: 'impression', timestamp: T + 4, rank: 0 }])
    assert.equal((await store.tail(loaded.engine, loaded.cursor)).interactions, 1)
    assert.equal((await store.readLog(loaded.cursor, 10)).records[0].interaction.rank, 0)
  })
})
