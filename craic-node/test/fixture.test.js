'use strict'
// testdata/fixture.json, asserted from Node (craic-core/tests/fixture.rs asserts it from Rust,
// craic-py/tests/test_fixture.py from Python): the same expected results in all three languages.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'fixture.json'), 'utf8'))

const items = data.items.map(i => ({
  id: i.id,
  startsAt: i.starts_at,
  city: i.city,
  venue: i.venue,
  genres: i.genres,
  artists: i.artists,
  ...(i.ends_at !== undefined && i.ends_at !== null ? { endsAt: i.ends_at } : {}),
  ...(i.tags ? { tags: i.tags } : {})
}))
const preferences = Object.fromEntries(Object.entries(data.preferences).map(([user, p]) => [user, p]))
const interactions = data.interactions.map(r => ({ userId: r.user_id, itemId: r.item_id, kind: r.kind, timestamp: r.timestamp }))

async function engines () {
  const built = await craic.Engine.build(items, interactions, { preferences })
  const incremental = new craic.Engine()
  incremental.upsertItems(items)
  for (const [user, p] of Object.entries(preferences)) incremental.setPreferences(user, p)
  for (const r of interactions) incremental.recordOne(r.userId, r.itemId, r.kind, r.timestamp)
  return [['build', built], ['incremental', incremental]]
}

test('fixture: neighbours', async () => {
  for (const [how, e] of await engines()) {
    assert.equal(await e.verifyNeighbours(), undefined, how)
    for (const c of data.neighbours) {
      const n = e.neighbours(c.user)
      assert.equal(n[0].userId, c.first, how)
      assert.ok(n[0].similarity >= c.min_similarity, how)
    }
  }
})

test('fixture: recommendations, every case and strategy', async () => {
  assert.ok(data.recommend.length >= 10)
  let checked = 0
  for (const [how, e] of await engines()) {
    for (const c of data.recommend) {
      for (const strategy of c.strategies) {
        const options = { k: c.k, strategy, now: c.now ?? data.now, explain: c.explain ?? false }
        if (c.city !== undefined && c.city !== null) options.city = c.city
        if (c.exclude) options.exclude = c.exclude
        const recs = e.recommend(c.user, options)
        const got = recs.map(r => r.itemId)
        const ctx = JSON.stringify([how, c.user, strategy, got])
        const top = c.top ?? []
        const topSet = c.top_set ?? []
        assert.deepEqual(got.slice(0, top.length), top, ctx)
        assert.deepEqual(got.slice(0, topSet.length).sort(), [...topSet].sort(), ctx)
        for (const id of c.never ?? []) assert.ok(!got.includes(id), ctx)
        if (c.len !== undefined) assert.equal(got.length, c.len, ctx)
        if (c.first_reason !== undefined || c.first_component !== undefined) {
          const first = recs[0].explanation[0]
          if (c.first_reason !== undefined) assert.equal(first.reason, c.first_reason, ctx)
          if (c.first_component !== undefined) assert.equal(first.component, c.first_component, ctx)
        }
        checked++
      }
    }
  }
  assert.ok(checked >= 2 * 20)
})
