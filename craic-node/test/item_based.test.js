'use strict'
// The item-based strategy on the shared fixture testdata/item_based.json (the same neighbours,
// lists, scores and reasons as the Rust and Python tests, computed from the formula), fill-up,
// and the typed error when the engine keeps no item lists.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'item_based.json'), 'utf8'))
const items = data.items.map(i => ({ id: i.id, startsAt: i.starts_at, city: i.city, genres: i.genres, artists: i.artists }))
const interactions = data.interactions.map(i => ({ userId: i.user_id, itemId: i.item_id, kind: i.kind, timestamp: i.timestamp }))
const c = data.config
const config = { itemNeighbours: c.item_neighbours, shrinkage: c.shrinkage, minOverlap: c.min_overlap, halfLifeSecs: c.half_life_secs, kinds: c.kinds }
// Similarities are kept as 32-bit floats.
const TOLERANCE = 1e-6

test('config itemNeighbours', async () => {
  assert.equal(new craic.Engine().config().itemNeighbours, 0)
  const e = await craic.Engine.build(items, interactions, { config })
  assert.equal(e.config().itemNeighbours, c.item_neighbours)
  assert.throws(() => new craic.Engine({ itemNeighbours: 1001 }), err => err.code === 'CRAIC_INVALID_CONFIG')
})

test('the fixture item neighbours and recommendations', async () => {
  const e = await craic.Engine.build(items, interactions, { config })
  for (const [item, expected] of Object.entries(data.neighbours)) {
    const got = e.itemNeighbours(item)
    assert.deepEqual(got.map(n => n.itemId), expected.map(x => x[0]), item)
    got.forEach((n, i) => assert.ok(Math.abs(n.similarity - expected[i][1]) < TOLERANCE, item))
  }
  for (const r of data.recommend) {
    const recs = e.recommend(r.user, { k: r.k, strategy: 'item_based', now: data.now, explain: true })
    assert.deepEqual(recs.map(x => x.itemId), r.expect, r.user)
    recs.forEach((x, i) => assert.ok(Math.abs(x.score - r.scores[i]) < TOLERANCE, `${r.user} ${x.itemId}`))
    assert.deepEqual(recs.map(x => x.explanation[0].component), r.expect.map(() => 'item_based'))
    assert.deepEqual(recs.map(x => x.explanation[0].reason), r.reasons)
  }
  const f = data.fill_up
  const recs = e.recommend(f.user, { k: f.k, strategy: 'item_based', now: data.now, explain: true })
  const components = recs.map(x => x.explanation[0].component)
  assert.deepEqual(components, [...Array(f.k).keys()].map(i => i < f.item_based ? 'item_based' : 'popularity'))
})

test('item_based without item lists is a typed error', async () => {
  const off = await craic.Engine.build(items, interactions)
  assert.deepEqual(off.itemNeighbours('a'), [])
  assert.throws(() => off.recommend('fan', { k: 3, strategy: 'item_based', now: data.now }), err => err instanceof craic.CraicError && err.code === 'CRAIC_INVALID_CONFIG')
})

test('the learned blend weighs item_based when item lists are on', async () => {
  // Enough users that the holdout (each one's last save) has MIN_HOLDOUT_USERS (as in Rust).
  const t0 = 1_700_000_000
  const events = [...Array(12).keys()].map(n => ({ id: `e${n}`, startsAt: t0 + 10_000_000 }))
  const log = []
  for (let u = 0; u < 600; u++) {
    for (let s = 0; s < 4; s++) {
      log.push({ userId: `u${u}`, itemId: `e${(u + s * (1 + u % 3)) % 12}`, kind: 'save', timestamp: t0 + 1_000 * s + u })
    }
  }
  const on = await craic.Engine.build(events, log, { config: { itemNeighbours: 5 } })
  assert.deepEqual(on.blendReport().components, ['collaborative', 'content', 'popularity', 'appeal', 'item_based'])
  assert.ok(on.blendWeights('u1').itemBased >= 0)
  const off = await craic.Engine.build(events, log)
  assert.ok(!off.blendReport().components.includes('item_based'))
  assert.equal(off.blendWeights('u1').itemBased, 0)
  // A log too young to learn from (the shared fixture's few users) serves the fixed blend.
  const young = await craic.Engine.build(items, interactions, { config: { ...config, blend: 'learned' } })
  assert.equal(young.blendReport(), null)
})

test('maxUserItems is the item side\'s cost guard (the Rust and Python tests\' log)', async () => {
  const t = 1700000000
  const events = ['a', 'b', 'c', 'd', 'e', 'f'].map(id => ({ id, startsAt: t + 10000000 }))
  const log = ['a', 'b', 'c', 'd', 'e'].map((itemId, n) => ({ userId: 'heavy', itemId, kind: 'save', timestamp: t + n }))
  log.push({ userId: 'light', itemId: 'a', kind: 'save', timestamp: t + 10 })
  log.push({ userId: 'light', itemId: 'b', kind: 'save', timestamp: t + 11 })
  const withCap = cap => craic.Engine.build(events, log, { config: { itemNeighbours: 3, minOverlap: 1, maxUserItems: cap } })
  const guarded = await withCap(4)
  assert.equal(guarded.config().maxUserItems, 4)
  assert.deepEqual(guarded.itemNeighbours('c'), [])
  assert.equal(guarded.itemNeighbours('a')[0].itemId, 'b')
  const opened = await withCap(5)
  const names = opened.itemNeighbours('c').map(n => n.itemId)
  assert.equal(names.length, 3)
  assert.ok(names.every(n => ['a', 'b', 'd', 'e'].includes(n)))
  await opened.record([{ userId: 'heavy', itemId: 'f', kind: 'save', timestamp: t + 20 }])
  assert.deepEqual(opened.itemNeighbours('c'), [])
  const loaded = await craic.Engine.fromSnapshot(await guarded.toSnapshot())
  assert.equal(loaded.engine.config().maxUserItems, 4)
  assert.equal(new craic.Engine().config().maxUserItems, 100)
  for (const bad of [0, 1, 100001]) {
    assert.throws(() => new craic.Engine({ maxUserItems: bad }), err => err.code === 'CRAIC_INVALID_CONFIG')
  }
})
