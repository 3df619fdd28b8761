'use strict'
// Similar events on the shared fixture testdata/similar.json (the same lists, components and
// reasons as the Rust and Python tests), the Service's similarItems, freshness after a record,
// and typed errors.
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

test('errors are typed', async () => {
  const e = await built()
  for (const c of data.errors) {
    assert.throws(() => e.similarItems(c.item, { k: c.k, now: data.now }), err => err instanceof craic.CraicError && err.kind === c.kind, JSON.stringify(c))
  }
  assert.throws(() => e.similarItems('nope'), craic.NotFoundError)
  assert.throws(() => e.similarItems('a', { k: 1.5 }), err => err.code === 'CRAIC_INVALID_K')
  assert.throws(() => e.similarItems('a', { kk: 3 }), craic.InvalidInputError)
})

test('the service serves similar items', async () => {
  const svc = await craic.Service.build(items, interactions)
  const c = data.similar[0]
  assert.deepEqual(svc.similarItems(c.item, { k: c.k, now: data.now }).map(r => r.itemId), c.expect)
  assert.throws(() => svc.similarItems('nope', { now: data.now }), craic.NotFoundError)
  // Co-engagement is read from the live model: two people engaging with d and new make new
  // d's first similar event at once.
  const t = data.now
  await svc.record([
    { userId: 'p1', itemId: 'd', kind: 'save', timestamp: t },
    { userId: 'p1', itemId: 'new', kind: 'save', timestamp: t },
    { userId: 'p2', itemId: 'd', kind: 'save', timestamp: t },
    { userId: 'p2', itemId: 'new', kind: 'click', timestamp: t }
  ])
  const first = svc.similarItems('d', { k: 3, now: t })[0]
  assert.equal(first.itemId, 'new')
  assert.deepEqual([first.explanation[0].component, first.explanation[0].reason], ['item_based', '2 people interacted with both'])
})
