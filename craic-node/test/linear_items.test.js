'use strict'
// The linear item model (EASE) behind the item_based strategy, on the shared fixture
// testdata/linear_items.json (the same lists, scores and reasons as the Rust and Python tests,
// computed from the formula by testdata/make_linear_items.py): a live history between
// retrains, rebuild() fitting an engine fed by records, the learned blend, typed errors.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'linear_items.json'), 'utf8'))
const items = data.items.map(i => ({ id: i.id, startsAt: i.starts_at, city: i.city, genres: i.genres, artists: i.artists }))
const row = i => ({ userId: i.user_id, itemId: i.item_id, kind: i.kind, timestamp: i.timestamp })
const interactions = data.interactions.map(row)
const c = data.config
const config = { linearItems: c.linear_items, linearL2: c.linear_l2, halfLifeSecs: c.half_life_secs, kinds: c.kinds, blend: 'fixed' }
// The weights are kept as 32-bit floats.
const TOLERANCE = 1e-6

function check (e, r) {
  const recs = e.recommend(r.user, { k: r.k, strategy: 'item_based', now: data.now, explain: true })
  assert.deepEqual(recs.map(x => x.itemId), r.expect, r.user)
  recs.forEach((x, i) => assert.ok(Math.abs(x.score - r.scores[i]) < TOLERANCE, `${r.user} ${x.itemId}`))
  assert.deepEqual(recs.map(x => x.explanation[0].component), r.expect.map(() => 'item_based'))
  assert.deepEqual(recs.map(x => x.explanation[0].reason), r.reasons)
}

test('config linearItems, linearL2 and linearFocus', () => {
  const d = new craic.Engine().config()
  assert.equal(d.linearItems, 0)
  assert.equal(d.linearL2, 250)
  const e = new craic.Engine(config)
  assert.equal(e.config().linearItems, c.linear_items)
  assert.equal(e.config().linearL2, c.linear_l2)
  assert.throws(() => new craic.Engine({ linearItems: 4001 }), err => err.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => new craic.Engine({ linearItems: 1.5 }), err => err.code === 'CRAIC_INVALID_CONFIG')
  for (const l2 of [0, -1, NaN]) {
    assert.throws(() => new craic.Engine({ linearItems: 10, linearL2: l2 }), err => err.code === 'CRAIC_INVALID_WEIGHT', String(l2))
  }
  assert.equal(d.linearFocus, 10)
  assert.equal(new craic.Engine({ linearFocus: 0 }).config().linearFocus, 0)
  for (const focus of [-1, NaN, Infinity]) {
    assert.throws(() => new craic.Engine({ linearFocus: focus }), err => err.code === 'CRAIC_INVALID_WEIGHT', String(focus))
  }
})

test('with a decay and a recency focus the fixture lists are the formula', async () => {
  const f = data.focus.config
  const e = await craic.Engine.build(items, interactions, {
    config: { ...config, halfLifeSecs: f.half_life_secs, linearFocus: f.linear_focus }
  })
  for (const r of data.focus.recommend) check(e, r)
})

test('the fixture lists are the closed form', async () => {
  const e = await craic.Engine.build(items, interactions, { config })
  for (const r of data.recommend) check(e, r)
})

test('a record moves the scores; the weights stay until a retrain', async () => {
  const e = await craic.Engine.build(items, interactions, { config })
  await e.record([row(data.after_record.interaction)])
  check(e, data.after_record)
})

test('an engine fed by records is fitted by rebuild()', async () => {
  const e = new craic.Engine(config)
  e.upsertItems(items)
  await e.record(interactions)
  const r = data.recommend[0]
  const before = e.recommend(r.user, { k: r.k, strategy: 'item_based', now: data.now, explain: true })
  assert.deepEqual(before.map(x => x.explanation[0].component), r.expect.map(() => 'popularity'))
  await e.rebuild()
  for (const r of data.recommend) check(e, r)
})

test('the learned blend weighs the linear model as item_based', async () => {
  const t0 = 1_700_000_000
  const events = [...Array(12).keys()].map(n => ({ id: `e${n}`, startsAt: t0 + 10_000_000 }))
  const log = []
  for (let u = 0; u < 600; u++) {
    for (let s = 0; s < 4; s++) {
      log.push({ userId: `u${u}`, itemId: `e${(u + s * (1 + u % 3)) % 12}`, kind: 'save', timestamp: t0 + 1_000 * s + u })
    }
  }
  const on = await craic.Engine.build(events, log, { config: { linearItems: 12, linearL2: 10 } })
  assert.deepEqual(on.blendReport().components, ['collaborative', 'content', 'popularity', 'appeal', 'item_based'])
})
