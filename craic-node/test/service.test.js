'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const os = require('node:os')
const fs = require('node:fs')
const path = require('node:path')
const craic = require('..')

const DAY = 86_400
let tinyData
async function tiny () {
  tinyData ??= await craic.generate('tiny')
  return tinyData
}
const endOf = (data) => data.config.start + data.config.days * DAY
async function serviceOf (options = {}) {
  const data = await tiny()
  return craic.Service.build(data.items(), data.interactions(), { preferences: data.preferences(), ...options })
}
const firstUser = (data) => data.interactions()[0].userId

test('service: recommend through the cache, metrics, writes', async () => {
  const data = await tiny()
  const svc = await serviceOf()
  const user = firstUser(data)
  const now = endOf(data)
  const first = svc.recommend(user, { k: 5, now })
  assert.equal(first.length, 5)
  assert.equal(svc.cacheLen(), 1)
  assert.deepEqual(svc.recommend(user, { k: 5, now }), first)
  assert.match(svc.metricsText(), /^craic_cache_hits_total 1$/m)
  for (const line of svc.metricsEmf('craic').trim().split('\n')) JSON.parse(line)
  await svc.record([{ userId: user, itemId: data.items()[0].id, kind: 'hide', timestamp: now - 10 }])
  assert.ok(!svc.recommend(user, { k: 5, now }).some(r => r.itemId === data.items()[0].id))
  svc.upsertItems([{ id: 'new-gig', startsAt: now + DAY, city: data.cities[0], genres: [data.genres[0]] }])
  svc.setPreferences('newbie', { genres: [data.genres[0]], cities: [data.cities[0]] })
  assert.equal(svc.recommend('newbie', { k: 100, now }).filter(r => r.itemId === 'new-gig').length, 1)
  assert.equal(svc.stats().items, data.items().length + 1)
  assert.throws(() => svc.recommend(user, { k: 0 }), (e) => e.code === 'CRAIC_INVALID_K')
  await assert.rejects(svc.record([{ userId: user, itemId: 'ghost', kind: 'save', timestamp: now }]),
    (e) => e instanceof craic.NotFoundError && e.row === 0)
  assert.throws(() => craic.Service.build([], [], { cacheTtlSecs: -1 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => craic.Service.build([], [], { cacheTTL: 5 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  const gated = await craic.Service.build([], [], { maxDropVsRecorded: 0.1, minDataRatio: 0.9 })
  assert.equal(gated.modelInfo().version.startsWith('v1-'), true)
})

test('service: the in-memory log keeps trainingCapacity; experimentWindowSecs must be >= 1', async () => {
  const data = await tiny()
  const n = data.interactions().length
  const svc = await serviceOf({ trainingCapacity: 100, experimentWindowSecs: 3600 })
  assert.match(svc.metricsText(), new RegExp(`^craic_training_interactions_dropped_total ${n - 100}$`, 'm'))
  assert.throws(() => craic.Service.build([], [], { experimentWindowSecs: 0 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})

test('service: a retrain is gated, swaps the model, and a second one at once is refused', async () => {
  const svc = await serviceOf()
  const old = svc.modelInfo().version
  const outcome = await svc.retrain()
  assert.ok(outcome.accepted, outcome.rejection)
  assert.equal(outcome.rejection, null)
  assert.equal(outcome.rejectionKind, null)
  assert.equal(outcome.recordedNdcg, null) // the initial model recorded no metrics
  assert.ok(outcome.candidate.users > 0)
  assert.ok(outcome.candidate.ndcg > outcome.popularity.ndcg)
  assert.equal(outcome.oldVersion, old)
  assert.ok(outcome.newVersion.startsWith('v2-'))
  assert.equal(svc.modelInfo().version, outcome.newVersion)
  assert.equal(svc.modelInfo().metrics['ndcg@10'], outcome.candidate.ndcg)
  assert.deepEqual(svc.retrainHistory(), [outcome])
  assert.match(svc.metricsText(), /craic_retrains_total\{outcome="accepted"\} 1/)

  const running = svc.retrain()
  assert.ok(svc.retrainRunning())
  assert.throws(() => svc.retrain(), (e) => e instanceof craic.RetrainRunningError && e.code === 'CRAIC_RETRAIN_RUNNING')
  const again = await running
  assert.equal(svc.retrainRunning(), false)
  // The next candidate is also compared with what the serving version recorded.
  assert.ok(again.accepted, again.rejection)
  assert.equal(again.recordedNdcg, outcome.candidate.ndcg)

  const strict = await serviceOf({ maxRelativeDrop: -1 })
  const rejected = await strict.retrain({ config: { neighbours: 5 } })
  assert.equal(rejected.accepted, false)
  assert.equal(typeof rejected.rejection, 'string')
  assert.equal(rejected.rejectionKind, 'below_serving')
  assert.equal(rejected.newVersion, null)
  assert.throws(() => strict.retrain({ configs: {} }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})

test('service: the event loop keeps running while a medium-sized build and retrain run', async () => {
  const data = await craic.generate('medium') // 100 000 users, 20 000 events, 2 M interactions
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  try {
    const building = craic.Service.build(data.items(), data.interactions(), { preferences: data.preferences() })
    // The call returned before the build finished: the JS thread is free while it runs.
    const ticksAtStart = ticks
    const svc = await building
    const retrained = svc.retrain()
    const outcome = await retrained
    assert.ok(outcome.accepted)
    assert.ok(ticks > ticksAtStart, `timers fired ${ticks - ticksAtStart} times during build + retrain`)
  } finally {
    clearInterval(timer)
  }
})

test('service: schedule handles', async () => {
  const svc = await serviceOf()
  const handle = svc.startSchedule(3, 30, 60)
  assert.equal(handle.running, true)
  await handle.stop()
  assert.equal(handle.running, false)
  await handle.stop()
  assert.throws(() => svc.startSchedule(24, 0), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')
})

test('service: snapshot files round-trip; missing and corrupt files reject with codes', async () => {
  const data = await tiny()
  const svc = await serviceOf()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'craic-'))
  try {
    const file = path.join(dir, 'model.snap')
    await svc.saveSnapshot(file)
    await svc.saveSnapshot(file)
    assert.deepEqual(fs.readdirSync(dir), ['model.snap'])
    const restored = await craic.Service.fromSnapshotFile(file, { cacheCapacity: 10 })
    assert.deepEqual(restored.modelInfo(), svc.modelInfo())
    const user = firstUser(data)
    const now = endOf(data)
    assert.deepEqual(restored.recommend(user, { k: 5, now }), svc.recommend(user, { k: 5, now }))
    const bytes = fs.readFileSync(file)
    fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1))
    await assert.rejects(craic.Service.fromSnapshotFile(file), (e) => e instanceof craic.SnapshotError && e.code === 'CRAIC_INVALID_SNAPSHOT')
    await assert.rejects(craic.Service.fromSnapshotFile(path.join(dir, 'nope.snap')),
      (e) => e instanceof craic.StorageError && e.code === 'CRAIC_IO' && e.message.includes('nope.snap'))
    await assert.rejects(svc.saveSnapshot(path.join(dir, 'no-such-dir', 'x.snap')), (e) => e.code === 'CRAIC_IO')
  } finally {
    fs.rmSync(dir, { recursive: true })
  }
})

test('service: experiments — assignment, exposures, conversions, report', async () => {
  const data = await tiny()
  const svc = await serviceOf()
  const now = endOf(data)
  const exp = new craic.Experiment('feed', [
    { name: 'control', weight: 0.5, strategy: 'popularity' },
    { name: 'treatment', weight: 0.5, strategy: 'hybrid' }
  ])
  svc.registerExperiment(exp)
  svc.registerExperiment(exp)
  const users = [...new Set(data.interactions().map(i => i.userId))].sort().slice(0, 20)
  const variants = new Set()
  for (const u of users) {
    const r = svc.recommendInExperiment('feed', u, { k: 5, now })
    assert.deepEqual(r.assignment, exp.assign(u))
    assert.equal(r.variant, r.assignment.variant)
    assert.ok(r.newExposure)
    const strategy = r.variant === 'control' ? 'popularity' : 'hybrid'
    assert.deepEqual(r.recommendations, svc.recommend(u, { k: 5, now, strategy }))
    variants.add(r.variant)
  }
  assert.deepEqual([...variants].sort(), ['control', 'treatment'])
  assert.equal(svc.recommendInExperiment('feed', users[0], { k: 5, now }).newExposure, false)
  assert.equal(svc.recommendInExperiment('feed', users[0], { k: 5, now, exposureId: 'mine' }).newExposure, true)
  await svc.record([{ userId: users[0], itemId: data.items()[0].id, kind: 'click', timestamp: Math.floor(Date.now() / 1000) + 5 }])
  const report = svc.experimentReport('feed', { alpha: 0.1 })
  assert.equal(report.totalExposedUsers, 20)
  assert.equal(report.variants.reduce((s, v) => s + v.conversions, 0), 1)
  assert.throws(() => svc.recommendInExperiment('nope', users[0]), (e) => e instanceof craic.NotFoundError && e.code === 'CRAIC_UNKNOWN_EXPERIMENT')
  assert.throws(() => svc.recommendInExperiment('feed', users[0], { exposureID: 'x' }), (e) => e.code === 'CRAIC_INVALID_CONFIG')

  svc.registerExperiment(new craic.Experiment('nobody', [
    { name: 'a', weight: 0.5, strategy: 'hybrid' }, { name: 'b', weight: 0.5, strategy: 'content' }
  ], { coverage: 0 }))
  const outside = svc.recommendInExperiment('nobody', users[0], { k: 4, now, strategy: 'popularity' })
  assert.equal(outside.assignment, null)
  assert.equal(outside.variant, null)
  assert.equal(outside.newExposure, false)
})

test('service: drift report, alert rules and JS callbacks', async () => {
  const data = await tiny()
  const svc = await serviceOf()
  const now = endOf(data)
  const hides = data.interactions().slice(0, 30).map((x, j) =>
    ({ userId: x.userId, itemId: data.items()[j % 3].id, kind: 'hide', timestamp: now - j }))
  const report = svc.driftReport(now)
  assert.equal(report.at, now)
  assert.deepEqual(report.features.map(f => f.feature), ['interaction_kind', 'genre', 'city', 'score'])
  assert.equal(report.features[0].report, null)

  const seen = []
  const called = new Promise((resolve) => svc.onAlert((alert) => { seen.push(alert); resolve() }))
  svc.setAlertRules([
    { type: 'drift', feature: 'interaction_kind', threshold: 0.25 },
    { type: 'conversion_floor', experiment: 'feed', variant: 'a', floor: 0.5, windowSecs: 3600 }
  ])
  assert.deepEqual(svc.checkAlerts(now), [])
  await svc.record(hides)
  const drift = svc.driftReport(now).features[0]
  assert.equal(drift.currentCount, 30)
  assert.equal(drift.report.level, 'significant')
  const firing = svc.checkAlerts(now)
  assert.equal(firing.length, 1)
  assert.equal(firing[0].rule.type, 'drift')
  assert.equal(firing[0].what, 'interaction_kind')
  assert.ok(firing[0].value > 0.25)
  assert.equal(firing[0].since, now)
  await called
  assert.deepEqual(seen, firing)
  assert.equal(svc.checkAlerts(now + 1).length, 1)
  assert.match(svc.metricsText(), /^craic_alerts_firing 1$/m)
  assert.throws(() => svc.setAlertRules([{ type: 'drift', threshold: 1 }]), (e) => e.code === 'CRAIC_INVALID_CONFIG' && e.row === 0)
  assert.throws(() => svc.setAlertRules([{ type: 'magic' }]), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})
