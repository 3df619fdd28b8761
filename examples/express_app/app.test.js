'use strict'
// Starts the Express example on an ephemeral loopback port and calls it with fetch.
const test = require('node:test')
const assert = require('node:assert/strict')
const craic = require('craic')
const { createApp, demoService, DEMO_EXPERIMENT } = require('./app')

async function listening (service, options) {
  const server = createApp(service, options).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  return { server, base }
}

async function json (response) {
  return { status: response.status, body: await response.json() }
}

test('express example: recommend in the experiment, ingest, retrain, metrics, errors', async () => {
  const service = await demoService()
  const { server, base } = await listening(service, { experiment: DEMO_EXPERIMENT })
  try {
    const user = 'u1'
    const rec = await json(await fetch(`${base}/recommendations/${user}?k=3&explain=true`))
    assert.equal(rec.status, 200)
    assert.equal(rec.body.experiment, 'feed')
    assert.equal(rec.body.variant, DEMO_EXPERIMENT.assign(user).variant)
    assert.equal(rec.body.recommendations.length, 3)
    assert.ok(rec.body.recommendations[0].explanation.length > 0)
    const itemId = rec.body.recommendations[0].itemId

    const now = Math.floor(Date.now() / 1000)
    const ingest = await json(await fetch(`${base}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ userId: user, itemId, kind: 'save', timestamp: now }])
    }))
    assert.deepEqual(ingest, { status: 200, body: { recorded: 1 } })
    const after = await json(await fetch(`${base}/recommendations/${user}?k=3`))
    assert.ok(!after.body.recommendations.some(r => r.itemId === itemId), 'a saved item is not recommended again')
    assert.equal(service.experimentReport('feed').variants.reduce((s, v) => s + v.conversions, 0), 1)

    const bad = await json(await fetch(`${base}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ userId: user, itemId: 'ghost', kind: 'save', timestamp: now }])
    }))
    assert.equal(bad.status, 404)
    assert.equal(bad.body.code, 'CRAIC_UNKNOWN_ITEM')
    assert.equal(bad.body.row, 0)
    const badK = await json(await fetch(`${base}/recommendations/${user}?k=0`))
    assert.equal(badK.status, 422)
    assert.equal(badK.body.code, 'CRAIC_INVALID_K')

    const retrain = await json(await fetch(`${base}/retrain`, { method: 'POST' }))
    assert.equal(retrain.status, 200)
    assert.equal(typeof retrain.body.accepted, 'boolean')
    assert.ok(retrain.body.candidate.users > 0) // holdout users were evaluated

    const metrics = await fetch(`${base}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    const text = await metrics.text()
    assert.match(text, /^craic_recommendations_served_total [1-9]/m)
    assert.match(text, /craic_retrains_total\{outcome=/)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

test('express example: a retrain in the background answers 202 and lands in the history', async () => {
  const data = await craic.generate('small')
  const service = await craic.Service.build(data.items(), data.interactions(), { preferences: data.preferences() })
  const { server, base } = await listening(service)
  try {
    const started = await json(await fetch(`${base}/retrain?wait=false`, { method: 'POST' }))
    assert.deepEqual(started, { status: 202, body: { started: true } })
    while (service.retrainRunning()) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(service.retrainHistory().length, 1)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})
