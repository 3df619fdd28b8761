'use strict'
// Similar events and the item-based strategy on the shared fixture testdata/similar.json (the
// same lists, components and reasons as the Rust and Python tests), the Service's
// similarItems, and typed errors.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'similar.json'), 'utf8'))
const items = data.items.map(i => ({ id: i.id, startsAt: i.starts_at, city: i.city, venue: i.venue, genres: i.genres, artists: i.artists }))
const interactions = data.interactions.map(i => ({ userId: i.user_id, itemId: i.item_id, kind: i.kind, timestamp: i.timestamp }))

async function built () {
  const e = new craic.Engine()
  e.upsertItems(items)
  await e.record(interactions)
  return e
}

test('the fixture similar items', async () => {
  const e = await built()
  for (const c of data.similar) {
    const opts = { k: c.k, now: c.now ?? data.now }
    if (c.city !== undefined) opts.city = c.city
    const recs = e.similarItems(c.item, opts)
    assert.deepEqual(recs.map(r => r.itemId), c.expect, JSON.stringify(c))
    assert.deepEqual(recs.map(r => r.explanation[0].component), c.components)
    assert.deepEqual(recs.map(r => r.explanation[0].reason), c.reasons)
  }
})

test('the fixture item-based strategy', async () => {
  const e = await built()
  for (const c of data.item_based) {
    const recs = e.recommend(c.user, { k: c.k, strategy: 'item_based', now: data.now, explain: true })
    assert.deepEqual(recs.map(r => r.itemId), c.expect, c.user)
    const first = recs[0].explanation[0]
    assert.deepEqual([first.component, first.reason], [c.component, c.reason])
  }
})

test('errors are typed', async () => {
  const e = await built()
  for (const c of data.errors) {
    assert.throws(() => e.similarItems(c.item, { k: c.k, now: data.now }), err => err instanceof craic.CraicError && err.kind === c.kind, JSON.stringify(c))
  }
  assert.throws(() => e.similarItems('nope'), craic.NotFoundError)
  assert.throws(() => e.similarItems('a', { k: 1.5 }), err => err.code === 'CRAIC_INVALID_K')
  assert.throws(() => e.similarItems('a', { kk: 3 }), craic.InvalidInputError)
})

test('item neighbours and the configuration', async () => {
  const e = await built()
  assert.deepEqual(e.itemNeighbours('a').map(n => n.itemId), ['b', 'c'])
  assert.deepEqual(e.itemNeighbours('nope'), [])
  assert.equal(new craic.Engine({ itemNeighbours: 5 }).config().itemNeighbours, 5)
  assert.throws(() => new craic.Engine({ itemNeighbours: 0 }), craic.InvalidInputError)
})

test('the service serves similar items', async () => {
  const svc = await craic.Service.build(items, interactions)
  const c = data.similar[0]
  assert.deepEqual(svc.similarItems(c.item, { k: c.k, now: data.now }).map(r => r.itemId), c.expect)
  assert.throws(() => svc.similarItems('nope', { now: data.now }), craic.NotFoundError)
})
