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

test('the report matches the shared fixture and survives a snapshot', async () => {
  const engine = await learned()
  const report = engine.blendReport()
  const want = fixture.report
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
  const loaded = await craic.Engine.fromSnapshot(await engine.toSnapshot())
  assert.deepEqual(loaded.engine.blendReport(), report)
  assert.equal(engine.config().blend.holdoutFraction, 0.2)
})

test('the fixed blend reports nothing; settings round-trip', async () => {
  const data = await craic.generate('tiny')
  const fixed = await craic.Engine.build(data.items(), data.interactions())
  assert.equal(fixed.blendReport(), null)
  assert.equal(fixed.config().blend, 'fixed')
  const settings = { holdoutFraction: 0.3, usersPerBucket: 50, candidates: 20, grid: 5, seed: 7 }
  assert.deepEqual(new craic.Engine({ blend: settings }).config().blend, settings)
  assert.deepEqual(new craic.Engine({ blend: { grid: 4 } }).config().blend,
    { holdoutFraction: 0.2, usersPerBucket: 1000, candidates: 50, grid: 4, seed: 42 })
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
    { seed: -1 }
  ]
  for (const blend of bad) {
    assert.throws(() => new craic.Engine({ blend }), err => err instanceof craic.InvalidInputError && err.code === 'CRAIC_INVALID_CONFIG', JSON.stringify(blend))
  }
})
