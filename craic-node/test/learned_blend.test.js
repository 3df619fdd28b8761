'use strict'
// The learned Hybrid blend from Node: config.blend, engine.blendReport() reproducing the shared
// fixture testdata/learned_blend.json (the same report as Rust and Python), snapshots, and typed
// errors for bad settings.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const craic = require('..')

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'learned_blend.json'), 'utf8'))

async function learned (config = { blend: 'learned' }) {
  const data = await craic.generate(fixture.preset, { seed: fixture.seed })
  return craic.Engine.build(data.items(), data.interactions(), { preferences: data.preferences(), config })
}

function close (a, b) {
  assert.equal(a.length, b.length)
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12, `${x} != ${b[i]}`))
}

// `report` is the fixture's `want`, every float to 1e-12.
function assertMatches (report, want) {
  assert.deepEqual(report.components, want.components)
  assert.deepEqual([report.cutoff, report.trainInteractions, report.holdoutInteractions],
    [want.cutoff, want.train_interactions, want.holdout_interactions])
  assert.equal(report.buckets.length, want.buckets.length)
  report.buckets.forEach((got, i) => {
    const exp = want.buckets[i]
    assert.deepEqual([got.name, got.minHistory, got.maxHistory ?? null, got.users],
      [exp.name, exp.min_history, exp.max_history, exp.users])
    close(got.weights, exp.weights)
    close(got.componentNdcg, exp.component_ndcg)
    close([got.blendNdcg], [exp.blend_ndcg])
  })
  assert.deepEqual([report.halfLifeSecs ?? null, report.neighbours, report.shrinkage, report.discount],
    [want.half_life_secs, want.neighbours, want.shrinkage, want.discount])
  assert.equal(report.grid.length, want.grid.length)
  report.grid.forEach((got, i) => {
    const exp = want.grid[i]
    assert.deepEqual([got.halfLifeSecs ?? null, got.neighbours, got.shrinkage, got.discount],
      [exp.half_life_secs, exp.neighbours, exp.shrinkage, exp.discount])
    close([got.ndcg], [exp.ndcg])
  })
}

test('the report matches the shared fixture and survives a snapshot', async () => {
  const engine = await learned()
  const report = engine.blendReport()
  const want = fixture.report
  assertMatches(report, want)
  const loaded = await craic.Engine.fromSnapshot(await engine.toSnapshot())
  assert.deepEqual(loaded.engine.blendReport(), report)
  assert.deepEqual(loaded.engine.config(), engine.config())
  // The engine serves the chosen values; its config spells the grid out for a retrain.
  const config = engine.config()
  assert.deepEqual([config.halfLifeSecs ?? null, config.neighbours, config.shrinkage],
    [want.half_life_secs, want.neighbours, want.shrinkage])
  assert.equal(config.blend.holdoutFraction, 0.2)
  assert.deepEqual(config.blend.neighbours, [50, 25, 100])
  assert.deepEqual(config.blend.shrinkage, [10, 0, 30])
  assert.deepEqual(config.blend.halfLifeSecs, [30 * 86400, 90 * 86400])
  assert.deepEqual(config.blend.discount, [0, 0.3, 0.6])
})

// The log of bursts of testdata/learned_returning.json's recipe (as in Rust and Python).
function burstLog ({ t0, users, items }) {
  const catalogue = Array.from({ length: items }, (_, n) => ({ id: `e${n}`, startsAt: t0 + 100 * 86400 }))
  const log = []
  const half = items / 2
  for (let u = 0; u < users; u++) {
    const [start, group] = [t0 + 3600 * u, u % 2]
    for (let s = 0; s < 10; s++) {
      const itemId = `e${2 * ((u * 13 + s * 7) % half) + group}`
      log.push({ userId: `u${u}`, itemId, kind: 'save', timestamp: start + 120 * s })
    }
    log.push({ userId: `u${u}`, itemId: `e${2 * (u % half) + 1 - group}`, kind: 'hide', timestamp: start + 1200 })
  }
  return [catalogue, log]
}

test('a log of bursts matches its shared fixture (returning users fill the warm buckets)', async () => {
  const bursts = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'testdata', 'learned_returning.json'), 'utf8'))
  const [items, log] = burstLog(bursts.recipe)
  const report = (await craic.Engine.build(items, log)).blendReport()
  assertMatches(report, bursts.report)
  assert.ok(report.buckets[1].users + report.buckets[2].users >= 100) // MIN_WARM_USERS
})

test('pinned hyperparameters are honoured', async () => {
  const engine = await learned({ blend: { halfLifeSecs: [null], neighbours: [7], shrinkage: [0], discount: [0.5] } })
  const report = engine.blendReport()
  assert.deepEqual(report.grid.map(p => [p.halfLifeSecs ?? null, p.neighbours, p.shrinkage, p.discount]), [[null, 7, 0, 0.5]])
  assert.equal(report.discount, 0.5)
  assert.deepEqual(engine.config().blend.discount, [0.5])
  const config = engine.config()
  assert.deepEqual([config.halfLifeSecs ?? null, config.neighbours, config.shrinkage], [null, 7, 0])
})

test('the default blend is learned, the fixed one reports nothing; settings round-trip', async () => {
  const data = await craic.generate('tiny')
  const byDefault = await craic.Engine.build(data.items(), data.interactions())
  assert.notEqual(byDefault.blendReport(), null)
  assert.deepEqual(new craic.Engine().config().blend, new craic.Engine({ blend: 'learned' }).config().blend)
  const fixed = await craic.Engine.build(data.items(), data.interactions(), { config: { blend: 'fixed' } })
  assert.equal(fixed.blendReport(), null)
  assert.equal(fixed.config().blend, 'fixed')
  const settings = { holdoutFraction: 0.3, usersPerBucket: 50, candidates: 20, grid: 5, seed: 7, excludeTouched: true }
  assert.deepEqual(new craic.Engine({ blend: settings }).config().blend, settings)
  assert.deepEqual(new craic.Engine({ blend: { grid: 4 } }).config().blend,
    { holdoutFraction: 0.2, usersPerBucket: 1000, candidates: 50, grid: 4, seed: 42, excludeTouched: false })
})

test('bad settings are typed errors', () => {
  const bad = [
    'magic',
    { holdoutFraction: 0.9 },
    { holdoutFraction: NaN },
    { usersPerBucket: 0 },
    { candidates: 5 },
    { grid: 0 },
    { grid: 1.5 },
    { seed: -1 },
    { neighbours: [] },
    { neighbours: [0] },
    { neighbours: [2.5] },
    { shrinkage: [NaN] },
    { halfLifeSecs: [0] },
    { shrinkage: Array(9).fill(1) },
    { discount: [] },
    { discount: [-0.1] },
    { discount: [2.5] },
    { discount: [NaN] }
  ]
  for (const blend of bad) {
    assert.throws(() => new craic.Engine({ blend }), err => err instanceof craic.InvalidInputError && err.code === 'CRAIC_INVALID_CONFIG', JSON.stringify(blend))
  }
})

test("each user's weights are a bucket's, appeal included", async () => {
  const engine = await learned()
  const buckets = fixture.report.buckets.map((b) => b.weights)
  assert.deepEqual(fixture.report.components, ['collaborative', 'content', 'popularity', 'appeal'])
  const data = await craic.generate(fixture.preset, { seed: fixture.seed })
  const users = [...new Set(data.interactions().map((x) => x.userId))]
  const appeal = users.map((user) => {
    const w = engine.blendWeights(user)
    const got = [w.collaborative, w.content, w.popularity, w.appeal]
    // A bucket's weights, but collaborative is 0 for a user without neighbours and content for
    // one without a profile (as the core serves them).
    const fits = (b) => b.every((x, i) => Math.abs(x - got[i]) <= 1e-12 || (i < 2 && got[i] === 0))
    assert.ok(buckets.some(fits), `${user}: ${got}`)
    assert.equal(w.itemBased, 0)
    return w.appeal
  })
  assert.ok(Math.max(...appeal) > 0, 'some bucket weighs appeal, and its users show it')
})
