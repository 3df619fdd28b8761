'use strict'
// Bad input from JavaScript never crashes the process: a random mix of bad arguments to every
// public function and method gives an Error (a craic error with a code, or napi's own error for a
// value of the wrong type), and the engine answers correctly afterwards.
//
// A short seeded run is part of the tests; a long one is a documented command:
//   CRAIC_FUZZ_CALLS=1000000 node --test craic-node/test/bad-input.test.js
const test = require('node:test')
const assert = require('node:assert/strict')
const craic = require('..')

const CALLS = Number(process.env.CRAIC_FUZZ_CALLS ?? 3000)
const T = 1_700_000_000
const FUTURE = 2_000_000_000

test('every error kind has a code and a specific class', () => {
  const rows = craic.errorCodes()
  assert.ok(rows.length >= 15)
  for (const { kind, code, className } of rows) {
    assert.equal(code, `CRAIC_${kind.toUpperCase()}`)
    assert.notEqual(className, 'CraicError', kind)
    assert.ok(craic[className].prototype instanceof craic.CraicError, className)
  }
  assert.equal(rows.find(r => r.kind === 'unknown_item').className, 'NotFoundError')
  assert.equal(rows.find(r => r.kind === 'invalid_snapshot').className, 'SnapshotError')
  assert.equal(rows.find(r => r.kind === 'io').className, 'StorageError')
  assert.equal(rows.find(r => r.kind === 'poisoned').className, 'PoisonedError')
  assert.equal(rows.find(r => r.kind === 'inconsistent_model').className, 'PoisonedError')
  assert.equal(rows.find(r => r.kind === 'out_of_range').className, 'InvalidInputError')
})

test('ids: 10 kB strings, lone surrogates, NUL and emoji are handled, never a crash', () => {
  const engine = new craic.Engine()
  engine.upsertItems([{ id: 'gig', startsAt: FUTURE }])
  assert.throws(() => engine.recordOne('x'.repeat(10_000), 'gig', 'save', T), (e) => e.code === 'CRAIC_INVALID_ID')
  // A lone surrogate cannot cross into UTF-8: napi replaces it with U+FFFD.
  engine.recordOne('\ud800', 'gig', 'save', T)
  assert.equal(engine.stats().users, 1)
  engine.recordOne('🎸 fan', 'gig', 'save', T)
  assert.equal(engine.stats().users, 2)
  assert.throws(() => engine.recommend(42), (e) => e instanceof Error)
  assert.throws(() => engine.recommend('a', 'k=3'), (e) => e instanceof Error)
  assert.throws(() => engine.recommend('a', { k: '3' }), (e) => e instanceof Error)
  assert.throws(() => engine.upsertItems('gig'), (e) => e instanceof Error)
})

function rng (seed) {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

const BAD = [
  NaN, Infinity, -Infinity, -1, 0, 1.5, 2 ** 53, 1e300, -(2 ** 31), T * 1000,
  '', 'x'.repeat(10_000), '\ud800', '\u0000', '🎸', 'gig', 'save', 'hybrid',
  null, undefined, true, {}, [], [1, 2], { k: 2.5 }, { strategy: 'nope' }, { bogus: 1 },
  () => 1, 10n, Buffer.from('junk'), [{ userId: 'u', itemId: 'gig', kind: 'save', timestamp: NaN }],
  [{ id: 'x', startsAt: NaN }], { now: -5 }, [[0, 1]], ['ns', 0, 1]
]

test(`fuzz: ${CALLS} calls with bad arguments raise Errors; the engine still answers`, async () => {
  const next = rng(7)
  const pick = () => BAD[Math.floor(next() * BAD.length)]
  const engine = new craic.Engine()
  engine.upsertItems([{ id: 'gig', startsAt: FUTURE, city: 'dublin', genres: ['techno'] },
    { id: 'gig2', startsAt: FUTURE, city: 'dublin', genres: ['folk'] }])
  await engine.record([{ userId: 'ana', itemId: 'gig', kind: 'save', timestamp: T },
    { userId: 'ben', itemId: 'gig', kind: 'save', timestamp: T }])
  const tracker = new craic.ExperimentTracker()
  const targets = [
    ['Engine.recommend', (a, b) => engine.recommend(a, b)],
    ['Engine.recommendMany', (a, b) => engine.recommendMany(a, b)],
    ['Engine.record', (a) => engine.record(a)],
    ['Engine.recordOne', (a, b, c, d) => engine.recordOne(a, b, c, d)],
    ['Engine.upsertItems', (a) => engine.upsertItems(a)],
    ['Engine.removeItems', (a) => engine.removeItems(a)],
    ['Engine.setPreferences', (a, b) => engine.setPreferences(a, b)],
    ['Engine.neighbours', (a) => engine.neighbours(a)],
    ['Engine.similarity', (a, b) => engine.similarity(a, b)],
    ['Engine.blendWeights', (a) => engine.blendWeights(a)],
    ['Engine.toSnapshot', (a) => engine.toSnapshot(a)],
    ['Engine.fromSnapshot', (a) => craic.Engine.fromSnapshot(a)],
    ['new Engine', (a) => new craic.Engine(a)],
    ['Engine.build', (a, b, c) => craic.Engine.build(a, b, c)],
    ['hash', (a, b, c) => craic.hash(a, b, c)],
    ['getEqualWeights', (a) => craic.getEqualWeights(a)],
    ['getBucketRanges', (a, b, c) => craic.getBucketRanges(a, b, c)],
    ['chooseVariation', (a, b) => craic.chooseVariation(a, b)],
    ['inNamespace', (a, b) => craic.inNamespace(a, b)],
    ['new Experiment', (a, b, c) => new craic.Experiment(a, b, c)],
    ['ExperimentTracker.recordExposure', (a, b, c, d, e) => tracker.recordExposure(a, b, c, d, e)],
    ['ExperimentTracker.recordAll', (a) => tracker.recordAll(a)],
    ['ExperimentTracker.report', (a, b) => tracker.report(a, b)],
    ['timeSplit', (a, b) => craic.timeSplit(a, b)],
    ['relevantItems', (a, b) => craic.relevantItems(a, b)],
    ['scoreUser', (a, b, c) => craic.scoreUser(a, b, c)],
    ['evaluate', (a, b) => craic.evaluate(engine, a, b)],
    ['presetConfig', (a) => craic.presetConfig(a)],
    ['worldConfig', (a, b) => craic.worldConfig(a, b)]
  ]
  const failures = new Map()
  for (let n = 0; n < CALLS; n++) {
    const [name, call] = targets[Math.floor(next() * targets.length)]
    const args = [pick(), pick(), pick(), pick(), pick()]
    try {
      const out = call(...args)
      if (out && typeof out.then === 'function') {
        await out.catch((e) => { if (!(e instanceof Error)) failures.set(name, e) })
      }
    } catch (e) {
      if (!(e instanceof Error)) failures.set(name, e)
      else if (e instanceof craic.CraicError) assert.match(e.code, /^CRAIC_[A-Z_]+$/, name)
    }
  }
  assert.deepEqual([...failures.keys()], [], 'only Error objects were thrown')
  assert.equal(await engine.verifyNeighbours(), undefined)
  const recs = engine.recommend('ana', { k: 1, now: T })
  assert.ok(recs.length <= 1)
})
