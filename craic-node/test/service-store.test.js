'use strict'
// A Service run on a store from Node: two replicas on one SQLite file — one ingests, the other
// catches up by cursor and picks up the model the first one publishes; a restart restores the
// current version.
const test = require('node:test')
const assert = require('node:assert/strict')
const os = require('node:os')
const fs = require('node:fs')
const path = require('node:path')
const craic = require('..')

const DAY = 86_400

test('service on a store: two replicas, catch-up, model sync, restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'craic-svc-'))
  try {
    const data = await craic.generate('tiny')
    const url = `sqlite://${path.join(dir, 'craic.db')}`
    const store = await craic.Store.open(url)
    await store.upsertItems(data.items())
    await store.setPreferences(data.preferences())
    await store.append(data.interactions())

    const writer = await craic.Service.open(url)
    const reader = await craic.Service.open(url)
    assert.ok(writer.storeCursor() >= await store.logHead())
    assert.equal(reader.storeCursor(), writer.storeCursor())
    const now = data.config.start + data.config.days * DAY
    const users = [...new Set(data.interactions().map(i => i.userId))].sort().slice(0, 30)
    const items = data.items()
    const fresh = users.map((u, n) => ({ userId: u, itemId: items[n % items.length].id, kind: 'save', timestamp: now - 60 }))
    assert.equal((await writer.record(fresh)).interactions, fresh.length)
    assert.equal((await writer.record(fresh)).interactions, 0) // re-sent: applied once
    // A catalogue edit and a preference change on the writer reach the reader too.
    const moved = { ...items[0], city: items[1].city }
    writer.upsertItems([moved])
    writer.setPreferences(users[0], { genres: [items[1].genres[0]], artists: [], cities: [] })
    const caught = await reader.catchUp()
    assert.equal(caught.applied, fresh.length)
    assert.equal(caught.changes, 2)
    assert.ok(caught.changesCursor > 0)
    assert.equal(caught.deferred, false)
    assert.equal(caught.cursor, await store.logHead())
    assert.equal((await reader.catchUp()).changes, 0)
    for (const u of users) {
      assert.deepEqual(reader.recommend(u, { k: 5, now }), writer.recommend(u, { k: 5, now }), u)
    }
    const outcome = await writer.retrain()
    assert.ok(outcome.accepted, outcome.rejection)
    assert.equal(await reader.syncModel(), outcome.newVersion)
    assert.equal(reader.modelInfo().version, writer.modelInfo().version)
    assert.equal((await store.currentModel()).version, outcome.newVersion)
    const restarted = await craic.Service.open(url)
    assert.equal(restarted.modelInfo().version, outcome.newVersion)

    const plain = await craic.Service.build([], [])
    assert.equal(plain.storeCursor(), null)
    await assert.rejects(plain.catchUp(), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_INPUT')
    await assert.rejects(craic.Service.open('mysql://root:pw@127.0.0.1:1/craic'), (e) => e instanceof craic.StorageError && e.code === 'CRAIC_UNAVAILABLE')
    assert.throws(() => craic.Service.open(url, { cacheTTL: 1 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('removed events reach replicas and survive a restart', async () => {
  // The same scenario as craic-py/tests/test_service_store.py and tests/service_replicas.rs.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'craic-svc-'))
  try {
    const data = await craic.generate('tiny')
    const url = `sqlite://${path.join(dir, 'craic.db')}`
    const store = await craic.Store.open(url)
    await store.upsertItems(data.items())
    await store.append(data.interactions())
    const writer = await craic.Service.open(url)
    const reader = await craic.Service.open(url)
    const now = data.config.start + data.config.days * DAY
    const user = data.interactions()[0].userId
    const shown = (svc) => svc.recommend(user, { k: 10, now, strategy: 'popularity' }).map(r => r.itemId)

    const gone = shown(writer).slice(0, 3)
    assert.throws(() => writer.removeItems([gone[0], 'no-such-event']), (e) =>
      e instanceof craic.NotFoundError && e.code === 'CRAIC_UNKNOWN_ITEM' && e.row === 1)
    assert.deepEqual(await store.removedItems(), [])
    assert.equal(writer.removeItems(gone), 3)
    assert.deepEqual(await store.removedItems(), [...gone].sort())
    assert.equal((await store.items()).length, data.items().length)
    await reader.catchUp()
    const restarted = await craic.Service.open(url)
    for (const svc of [writer, reader, restarted]) {
      assert.equal(shown(svc).length, 10)
      assert.ok(shown(svc).every(id => !gone.includes(id)))
      assert.equal(svc.stats().liveItems, data.items().length - 3)
    }
    assert.equal(await store.removeItems([gone[0]]), 0)
    await assert.rejects(store.removeItems(['no-such-event']), (e) => e instanceof craic.NotFoundError)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
