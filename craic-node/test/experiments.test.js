'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { GrowthBook } = require('@growthbook/growthbook')
const craic = require('..')

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'growthbook-cases.json'), 'utf8'))
const close = (a, b) => Math.abs(a - b) < 1e-6
const T0 = 1_700_000_000
const AB = [
  { name: 'control', weight: 0.5, strategy: 'popularity' },
  { name: 'hybrid', weight: 0.5, strategy: 'hybrid' }
]

test('GrowthBook conformance: every case of every function', () => {
  let n = 0
  for (const [seed, value, version, expected] of cases.hash) {
    const got = craic.hash(seed, value, version)
    if (expected === null) assert.equal(got, null)
    else assert.ok(close(got, expected), `hash(${seed}, ${value}, ${version}) = ${got}, want ${expected}`)
    n++
  }
  for (const [name, [count, coverage, weights], expected] of cases.getBucketRange) {
    const got = craic.getBucketRanges(count, coverage, weights ?? undefined)
    assert.equal(got.length, expected.length, name)
    got.forEach((g, i) => assert.ok(close(g[0], expected[i][0]) && close(g[1], expected[i][1]), name))
    n++
  }
  for (const [name, x, ranges, expected] of cases.chooseVariation) {
    assert.equal(craic.chooseVariation(x, ranges), expected, name)
    n++
  }
  for (const [name, user, namespace, expected] of cases.inNamespace) {
    assert.equal(craic.inNamespace(user, namespace), expected, name)
    n++
  }
  for (const [count, expected] of cases.getEqualWeights) {
    const got = craic.getEqualWeights(count)
    assert.equal(got.length, expected.length)
    got.forEach((w, i) => assert.ok(close(w, expected[i])))
    n++
  }
  const total = ['hash', 'getBucketRange', 'chooseVariation', 'inNamespace', 'getEqualWeights']
    .reduce((s, k) => s + cases[k].length, 0)
  assert.equal(n, total)
})

// A small deterministic generator, so the ids are the same on every run.
function rng (seed) {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}
const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789-_',
  'àéîõüçñßøåæœ',
  '東京大阪札幌名古屋福岡音楽劇場',
  ['😀', '🎸', '🎭', '🇮🇪', '👩‍🎤']
]
function randomId (next) {
  const alphabet = ALPHABETS[Math.floor(next() * ALPHABETS.length)]
  const chars = Array.isArray(alphabet) ? alphabet : [...alphabet]
  const len = 1 + Math.floor(next() * 16)
  let id = ''
  for (let i = 0; i < len; i++) id += chars[Math.floor(next() * chars.length)]
  return id
}

test('craic agrees with GrowthBook\'s own JS SDK on every assignment', () => {
  const next = rng(42)
  const designs = [
    // craic's default hash version is 2, GrowthBook's inline experiments' is 1: always say which.
    { weights: [0.5, 0.5], hashVersion: 2 },
    { weights: [0.5, 0.5], hashVersion: 1 },
    { weights: [0.1, 0.2, 0.7], hashVersion: 2 },
    { weights: [0.25, 0.25, 0.25, 0.25], coverage: 0.6, hashVersion: 2 },
    { weights: [0.5, 0.5], coverage: 0.3, hashVersion: 1 },
    { weights: [0.3, 0.7], namespace: ['events', 0.2, 0.7], hashVersion: 2 },
    { weights: [0.5, 0.5], hashVersion: 1, seed: 'my-seed', namespace: ['ns', 0, 0.5] },
    { weights: [0.34, 0.33, 0.33], coverage: 0.9, seed: 'ça-va', hashVersion: 2 }
  ]
  let compared = 0
  let inside = 0
  designs.forEach((d, e) => {
    const key = `exp-${e}`
    const variants = d.weights.map((weight, i) => ({ name: `v${i}`, weight, strategy: i === 0 ? 'popularity' : 'hybrid' }))
    const options = {}
    if (d.coverage !== undefined) options.coverage = d.coverage
    if (d.namespace) options.namespace = d.namespace
    options.hashVersion = d.hashVersion
    if (d.seed) options.seed = d.seed
    const ours = new craic.Experiment(key, variants, options)
    for (let u = 0; u < 400; u++) {
      const id = randomId(next)
      const gb = new GrowthBook({ attributes: { id } })
      const theirs = gb.run({
        key,
        variations: variants.map(v => v.name),
        weights: d.weights,
        coverage: d.coverage,
        namespace: d.namespace,
        hashVersion: d.hashVersion,
        seed: d.seed
      })
      gb.destroy()
      const a = ours.assign(id)
      if (theirs.inExperiment) {
        assert.ok(a, `${key}: GrowthBook put ${JSON.stringify(id)} in, craic did not`)
        assert.equal(a.index, theirs.variationId, `${key}: ${JSON.stringify(id)}`)
        assert.ok(close(a.bucket, theirs.bucket), `${key}: bucket of ${JSON.stringify(id)}`)
        inside++
      } else {
        assert.equal(a, null, `${key}: craic put ${JSON.stringify(id)} in, GrowthBook did not`)
      }
      compared++
    }
  })
  assert.equal(compared, designs.length * 400)
  assert.ok(inside > compared / 4, 'most designs include most users')
})

test('experiments: definition, options and invalid definitions', () => {
  const e = new craic.Experiment('feed', AB, { coverage: 0.8, namespace: ['ns', 0, 0.5], hashVersion: 1, seed: 's' })
  assert.equal(e.key, 'feed')
  assert.equal(e.coverage, 0.8)
  assert.deepEqual(e.namespace, ['ns', 0, 0.5])
  assert.equal(e.hashVersion, 1)
  assert.equal(e.seed, 's')
  assert.deepEqual(e.variants, AB)
  assert.equal(e.ranges.length, 2)
  const many = e.assignMany(['a', 'b', 'c'])
  assert.equal(many.length, 3)
  for (const bad of [
    () => new craic.Experiment('feed', [{ name: 'a', weight: 0.7, strategy: 'hybrid' }, { name: 'b', weight: 0.7, strategy: 'hybrid' }]),
    () => new craic.Experiment('feed', AB, { hashVersion: 3 }),
    () => new craic.Experiment('feed', AB, { hashVersion: 1.5 }),
    () => new craic.Experiment('feed', [{ name: 'a', weight: 1, strategy: 'magic' }]),
    () => new craic.Experiment('', AB)
  ]) {
    assert.throws(bad, (err) => err instanceof craic.InvalidInputError &&
      ['CRAIC_INVALID_EXPERIMENT', 'CRAIC_INVALID_ID'].includes(err.code))
  }
  assert.throws(() => new craic.Experiment('feed', AB, { cover: 1 }), (err) => err.code === 'CRAIC_INVALID_CONFIG')
})

function tracker () {
  const t = new craic.ExperimentTracker()
  t.register(new craic.Experiment('feed', AB))
  return t
}

test('tracking: idempotent events, counts, unattributed conversions', () => {
  const t = tracker()
  assert.equal(t.experiment('nope'), null)
  assert.equal(t.experiment('feed').key, 'feed')
  assert.ok(t.recordConversion('c0', 'feed', 'ann', T0 - 10))
  assert.ok(t.recordExposure('e1', 'feed', 'ann', 'hybrid', T0))
  assert.ok(t.recordConversion('c1', 'feed', 'ann', T0))
  assert.equal(t.recordConversion('c1', 'feed', 'ann', T0), false)
  assert.equal(t.recordAll([
    { type: 'exposure', id: 'e3', experiment: 'feed', userId: 'cy', variant: 'control', timestamp: T0 },
    { type: 'conversion', id: 'c2', experiment: 'feed', userId: 'cy', timestamp: T0 + 5 },
    { type: 'conversion', id: 'c3', experiment: 'feed', userId: 'cy', timestamp: T0 + 6 },
    { type: 'exposure', id: 'e1', experiment: 'feed', userId: 'ann', variant: 'hybrid', timestamp: T0 }
  ]), 3)
  assert.ok(t.recordExposure('e2', 'feed', 'bob', 'control', T0))
  const c = t.counts('feed')
  assert.deepEqual(c.variants.map(v => [v.variant, v.exposedUsers, v.convertingUsers, v.conversions]),
    [['control', 2, 1, 2], ['hybrid', 1, 1, 1]])
  assert.equal(c.unattributedConversions, 1)
  assert.equal(c.unattributedUsers, 1)
  assert.equal(c.usersInMultipleVariants, 0)
})

test('tracking errors have codes; a bad batch records nothing', () => {
  const t = tracker()
  assert.throws(() => t.recordExposure('e1', 'nope', 'ann', 'hybrid', T0), (e) => e instanceof craic.NotFoundError && e.code === 'CRAIC_UNKNOWN_EXPERIMENT')
  assert.throws(() => t.recordExposure('e1', 'feed', 'ann', 'nope', T0), (e) => e.code === 'CRAIC_UNKNOWN_VARIANT')
  assert.throws(() => t.recordConversion('', 'feed', 'ann', T0), (e) => e.code === 'CRAIC_INVALID_ID')
  assert.throws(() => t.recordConversion('c', 'feed', 'ann', T0 * 1000), (e) => e.code === 'CRAIC_INVALID_TIMESTAMP')
  assert.throws(() => t.counts('nope'), (e) => e.code === 'CRAIC_UNKNOWN_EXPERIMENT')
  assert.throws(() => t.register(new craic.Experiment('feed', AB, { coverage: 0.5 })), (e) => e.code === 'CRAIC_INVALID_EXPERIMENT')
  assert.throws(() => t.recordAll([
    { type: 'exposure', id: 'e1', experiment: 'feed', userId: 'ann', variant: 'hybrid', timestamp: T0 },
    { type: 'exposure', id: 'e2', experiment: 'feed', userId: 'bob', variant: 'nope', timestamp: T0 }
  ]), (e) => e instanceof craic.NotFoundError && e.code === 'CRAIC_UNKNOWN_VARIANT' && e.row === 1)
  assert.equal(t.counts('feed').variants[1].exposedUsers, 0)
  assert.throws(() => t.recordAll([{ type: 'click', id: 'x', experiment: 'feed', userId: 'u', timestamp: T0 }]),
    (e) => e.code === 'CRAIC_INVALID_EXPERIMENT' && e.row === 0)
  for (const alpha of [0, 1, NaN]) {
    assert.throws(() => t.report('feed', { alpha }), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')
  }
  assert.throws(() => t.report('feed', { mixingVariance: -1 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => t.report('nope'), (e) => e.code === 'CRAIC_UNKNOWN_EXPERIMENT')
})

test('report: a real lift is significant, and a broken split is a sample-ratio mismatch', () => {
  const t = tracker()
  const exp = t.experiment('feed')
  const rates = { control: 0.10, hybrid: 0.20 }
  const events = []
  for (let n = 0; n < 4000; n++) {
    const user = `user-${n}`
    const a = exp.assign(user)
    events.push({ type: 'exposure', id: `x${n}`, experiment: 'feed', userId: user, variant: a.variant, timestamp: T0 })
    if ((n * 7919) % 1000 < rates[a.variant] * 1000) {
      events.push({ type: 'conversion', id: `c${n}`, experiment: 'feed', userId: user, timestamp: T0 + 60 })
    }
  }
  assert.equal(t.recordAll(events), events.length)
  const r = t.report('feed', { alpha: 0.05 })
  assert.equal(r.experiment, 'feed')
  assert.equal(r.alpha, 0.05)
  assert.equal(r.srmAlpha, 0.001)
  assert.equal(r.totalExposedUsers, 4000)
  assert.equal(r.sampleRatioMismatch.mismatch, false)
  assert.equal(r.sampleRatioMismatch.degreesOfFreedom, 1)
  const [control, hybrid] = r.variants
  assert.equal(control.strategy, 'popularity')
  assert.equal(control.comparison, null)
  for (const [v, rate] of [[control, 0.10], [hybrid, 0.20]]) {
    const est = v.conversionRate
    assert.ok(est.lower < est.value && est.value < est.upper)
    assert.ok(Math.abs(est.value - rate) < 0.02)
  }
  const cmp = hybrid.comparison
  assert.ok(cmp.absoluteLift.lower > 0)
  assert.ok(cmp.relativeLift.value > 0.5)
  assert.ok(cmp.pValue < 1e-6 && cmp.significant && cmp.z > 0)
  assert.ok(cmp.sequential.reject && cmp.sequential.pValue < 0.05 && cmp.sequential.logLikelihoodRatio > 0)

  const broken = tracker()
  broken.recordAll(Array.from({ length: 500 }, (_, n) =>
    ({ type: 'exposure', id: `x${n}`, experiment: 'feed', userId: `u${n}`, variant: 'control', timestamp: T0 })))
  assert.ok(broken.report('feed').sampleRatioMismatch.mismatch)
})

test('tracker: idempotency window and late events', () => {
  // The same case as craic-py/tests/test_experiments.py.
  assert.equal(new craic.ExperimentTracker().idempotencyWindowSecs(), 7 * 86_400)
  const t = new craic.ExperimentTracker({ idempotencyWindowSecs: 60 })
  t.register(new craic.Experiment('feed', AB))
  assert.equal(t.idempotencyWindowSecs(), 60)
  assert.ok(t.recordExposure('e1', 'feed', 'ann', 'hybrid', T0))
  assert.ok(t.recordConversion('c1', 'feed', 'ann', T0 + 1_000))
  // 1 000 s behind the newest event, outside the 60 s window: late, ignored, counted.
  assert.equal(t.recordExposure('e2', 'feed', 'bob', 'control', T0), false)
  assert.equal(t.lateEvents(), 1)
  assert.equal(t.counts('feed').variants[0].exposedUsers, 0)
  for (const bad of [0, -5, 1.5]) {
    assert.throws(() => new craic.ExperimentTracker({ idempotencyWindowSecs: bad }), (e) => e instanceof craic.CraicError)
  }
  assert.throws(() => new craic.ExperimentTracker({ window: 60 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
})

// The same scenario as Rust's tests/service_arms.rs and Python's tests/test_arms.py: two
// variants with different `neighbours`; the users of each arm get that arm's engine's lists.
test('experiments: a variant with a config is served from an engine of its own', async () => {
  const data = await craic.generate('tiny')
  const now = data.config.start + data.config.days * 86_400
  const exp = new craic.Experiment('neighbours', [
    // The fixed blend: a learned one would tune the neighbourhood size.
    { name: 'few', weight: 0.5, strategy: 'hybrid', config: { neighbours: 2, blend: 'fixed' } },
    { name: 'many', weight: 0.5, strategy: 'hybrid', config: { neighbours: 200, blend: 'fixed' } }
  ])
  assert.equal(exp.variants[0].config.neighbours, 2)
  assert.equal(exp.variants[1].config.neighbours, 200)
  assert.ok(new craic.Experiment('plain', AB).variants[0].config == null)
  assert.throws(() => new craic.Experiment('bad', [
    { name: 'a', weight: 0.5, strategy: 'hybrid', config: { neighbours: 0 } },
    { name: 'b', weight: 0.5, strategy: 'hybrid' }
  ]), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')

  const svc = await craic.Service.build(data.items(), data.interactions(), { preferences: data.preferences(), cacheCapacity: 0 })
  svc.registerExperiment(exp)
  // The service keeps its catalogue ordered by id, and the order of floating-point sums
  // follows it: the reference engines are built from the same order.
  const items = [...data.items()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const refs = []
  for (const v of exp.variants) {
    refs.push(await craic.Engine.build(items, data.interactions(), { preferences: data.preferences(), config: v.config }))
  }
  const users = [...new Set(data.interactions().map(i => i.userId))].sort()
  const perArm = [0, 0]
  let differ = 0
  for (const u of users) {
    const got = svc.recommendInExperiment('neighbours', u, { k: 10, now })
    const arm = got.assignment.index
    perArm[arm]++
    const want = refs[arm].recommend(u, { k: 10, now })
    const other = refs[1 - arm].recommend(u, { k: 10, now })
    if (JSON.stringify(want) !== JSON.stringify(other)) differ++
    assert.deepEqual(got.recommendations, want, u)
  }
  assert.ok(perArm.every(n => n > 10), `${perArm}`)
  assert.ok(differ > 0, 'the two configurations give different lists')

  const bounded = await craic.Service.build(data.items(), data.interactions(), { maxArmConfigs: 1 })
  assert.throws(() => bounded.registerExperiment(exp), (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_OUT_OF_RANGE')
  assert.throws(() => bounded.recommendInExperiment('neighbours', users[0]), (e) => e.code === 'CRAIC_UNKNOWN_EXPERIMENT')
})
