'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const craic = require('..')

const FUTURE = 2_000_000_000
const NOW = 1_800_000_000

function city () {
  const engine = new craic.Engine()
  engine.upsertItems([
    { id: 'rave', startsAt: FUTURE, city: 'dublin', venue: 'index', genres: ['techno'] },
    { id: 'trad', startsAt: FUTURE, city: 'dublin', venue: 'cobblestone', genres: ['folk'] },
    { id: 'jazz', startsAt: FUTURE, city: 'cork', venue: 'triskel', genres: ['jazz'] }
  ])
  return engine
}

test('cold start follows stated preferences, with an explanation', () => {
  const engine = city()
  engine.setPreferences('ana', { genres: ['folk'], cities: ['dublin'] })
  const recs = engine.recommend('ana', { k: 2, now: NOW, explain: true })
  assert.equal(recs.length, 2)
  assert.equal(recs[0].itemId, 'trad')
  assert.equal(recs[0].explanation[0].reason, 'matches genre folk')
  assert.deepEqual(engine.preferences('ana'), { genres: ['folk'], artists: [], cities: ['dublin'] })
})

test('record applies a batch; hidden and saved items are never recommended', async () => {
  const engine = city()
  const applied = await engine.record([
    { userId: 'ana', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ana', itemId: 'jazz', kind: 'hide', timestamp: 1_700_000_100 }
  ])
  assert.equal(applied.interactions, 2)
  assert.equal(applied.usersChanged, 1)
  for (const strategy of ['popularity', 'collaborative', 'content', 'hybrid']) {
    const recs = engine.recommend('ana', { k: 3, strategy, now: NOW })
    assert.deepEqual(recs.map(r => r.itemId), ['rave'], strategy)
  }
  const stats = engine.stats()
  assert.equal(stats.users, 1)
  assert.equal(stats.items, 3)
  assert.equal(stats.interactions, 2)
  assert.equal(stats.watermark, 1_700_000_100)
})

test('errors carry a class, a stable code, the kind and the row', async () => {
  const engine = city()
  assert.throws(() => engine.removeItems(['nope']), (e) =>
    e instanceof craic.NotFoundError && e instanceof craic.CraicError && e instanceof Error &&
    e.code === 'CRAIC_UNKNOWN_ITEM' && e.kind === 'unknown_item' && e.row === 0)
  await assert.rejects(engine.record([
    { userId: 'ana', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ana', itemId: 'ghost', kind: 'save', timestamp: 1_700_000_000 }
  ]), (e) => e instanceof craic.NotFoundError && e.code === 'CRAIC_UNKNOWN_ITEM' && e.row === 1)
  assert.equal(engine.stats().interactions, 0, 'a rejected batch changes nothing')
  assert.throws(() => engine.recordOne('ana', 'trad', 'save', 1_700_000_000_000),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_TIMESTAMP')
  assert.throws(() => engine.recordOne('ana', 'trad', 'save', 1_700_000_000.5),
    (e) => e.code === 'CRAIC_INVALID_TIMESTAMP')
  assert.throws(() => engine.recordOne('ana', 'trad', 'save', NaN),
    (e) => e.code === 'CRAIC_INVALID_TIMESTAMP')
  assert.throws(() => engine.recordOne('ana', 'trad', 'purchase', 1_700_000_000),
    (e) => e.code === 'CRAIC_UNKNOWN_KIND')
  assert.throws(() => engine.recordOne('x'.repeat(10_000), 'trad', 'save', 1_700_000_000),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_ID')
  assert.throws(() => engine.upsertItems([{ id: 'ok', startsAt: FUTURE }, { id: 'bad', startsAt: 1.5 }]),
    (e) => e.code === 'CRAIC_INVALID_TIMESTAMP' && e.row === 1)
})

test('k must be a whole number between 1 and maxK', () => {
  const engine = city()
  for (const k of [0, -1, 2.5, NaN, Infinity, 1e300, 1001]) {
    assert.throws(() => engine.recommend('ana', { k }), (e) =>
      e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_K', `k = ${k}`)
  }
  assert.equal(engine.recommend('ana', { k: 3, now: NOW }).length, 3)
})

test('unknown option names are an error, not ignored', () => {
  const engine = city()
  assert.throws(() => engine.recommend('ana', { k: 2, excludeSave: true }),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => new craic.Engine({ halfLife: 10 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => engine.upsertItems([{ id: 'x', startAt: FUTURE }]), (e) => e.code === 'CRAIC_INVALID_CONFIG' || e.code === 'InvalidArg')
  assert.throws(() => engine.recommend('ana', { strategy: 'magic' }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})

test('config: defaults, custom kinds, no decay', async () => {
  const defaults = new craic.Engine().config()
  assert.equal(defaults.neighbours, 50)
  assert.equal(defaults.kinds.save, 1)
  assert.equal(defaults.kinds.click, 0.25)
  assert.equal(defaults.kinds.hide, 0.25)
  assert.equal(defaults.halfLifeSecs, 30 * 86400)
  const custom = new craic.Engine({ kinds: { purchase: 3, click: 0.5 }, halfLifeSecs: null, maxK: 20 }).config()
  assert.equal(custom.kinds.purchase, 3)
  assert.equal(custom.kinds.click, 0.5)
  assert.equal(custom.halfLifeSecs, null)
  assert.equal(custom.maxK, 20)
  assert.throws(() => new craic.Engine({ kinds: { save: NaN } }), (e) => e.code === 'CRAIC_INVALID_WEIGHT')
  assert.throws(() => new craic.Engine({ contentWeights: { mood: 1 } }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => new craic.Engine({ neighbours: -3 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})

test('snapshots round-trip as Buffers; broken bytes reject with SnapshotError', async () => {
  const engine = city()
  await engine.record([
    { userId: 'ana', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ben', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ben', itemId: 'rave', kind: 'save', timestamp: 1_700_000_000 }
  ])
  const bytes = await engine.toSnapshot({ version: 'v1', createdAt: 1_700_000_500, metrics: { ndcg: 0.25 } })
  assert.ok(Buffer.isBuffer(bytes))
  const { engine: loaded, meta } = await craic.Engine.fromSnapshot(bytes)
  assert.equal(meta.version, 'v1')
  assert.equal(meta.createdAt, 1_700_000_500)
  assert.equal(meta.interactions, 3)
  assert.deepEqual(meta.metrics, { ndcg: 0.25 })
  assert.deepEqual(loaded.recommend('ana', { now: NOW }), engine.recommend('ana', { now: NOW }))
  await assert.rejects(craic.Engine.fromSnapshot(bytes.subarray(0, bytes.length - 7)),
    (e) => e instanceof craic.SnapshotError && e.code === 'CRAIC_INVALID_SNAPSHOT')
  await assert.rejects(craic.Engine.fromSnapshot(Buffer.from('not a snapshot')),
    (e) => e instanceof craic.SnapshotError)
})

test('neighbours, similarity, blend weights and the interaction matrix', async () => {
  const engine = city()
  await engine.record([
    { userId: 'ana', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ana', itemId: 'rave', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ben', itemId: 'trad', kind: 'save', timestamp: 1_700_000_000 },
    { userId: 'ben', itemId: 'rave', kind: 'click', timestamp: 1_700_000_000 }
  ])
  const [n] = engine.neighbours('ana')
  assert.equal(n.userId, 'ben')
  assert.ok(n.similarity > 0)
  assert.equal(engine.similarity('ana', 'ben'), n.similarity)
  const w = engine.blendWeights('ana')
  assert.ok(Math.abs(w.collaborative + w.content + w.popularity - 1) < 1e-12)
  assert.equal(await engine.verifyNeighbours(), undefined)
  await assert.rejects(engine.verifyNeighbours(-1), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')
  const m = engine.interactionMatrix()
  assert.deepEqual(m.shape, [2, 3])
  assert.ok(m.indptr instanceof Uint32Array)
  assert.ok(m.data instanceof Float64Array)
  assert.equal(m.indptr[m.indptr.length - 1], 4)
  assert.deepEqual(m.userIds, ['ana', 'ben'])
})
