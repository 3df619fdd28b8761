'use strict'
// Recommend latency and batch throughput of craic from Node.js, measured the way the Rust
// `profile` example measures them (examples/profile.rs): one engine built from a generated
// preset, single-threaded per-call latency over a sample of users (each user's time is the best
// of `--passes` passes), k = 10, eligibility on, `now` = the end of the generated period.
//
//   (cd craic-node && npm install && npm run build)      # release build of the addon
//   node benches/node/bench.js --preset medium --users 5000 --passes 3
//
// Prints a Markdown table; docs/performance.md records the figures with the machine's size.
const craic = require('../../craic-node')

function args () {
  const out = { preset: 'medium', users: 5000, passes: 3, seed: 42 }
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in out)) throw new Error(`unknown option --${key} (preset, users, passes, seed)`)
    out[key] = key === 'preset' ? argv[i + 1] : Number(argv[i + 1])
  }
  return out
}

function quantile (sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function micros (ns) {
  return Number(ns) / 1000
}

async function main () {
  const o = args()
  const t0 = process.hrtime.bigint()
  const data = await craic.generate(o.preset, { seed: o.seed })
  const items = data.items()
  const interactions = data.interactions()
  const preferences = data.preferences()
  const t1 = process.hrtime.bigint()
  const engine = await craic.Engine.build(items, interactions, { preferences })
  const t2 = process.hrtime.bigint()
  const now = data.config.start + data.config.days * 86_400
  const seen = [...new Set(interactions.map(i => i.userId))]
  const step = Math.max(1, Math.floor(seen.length / o.users))
  const users = seen.filter((_, i) => i % step === 0).slice(0, o.users)
  console.log(`preset ${o.preset}: ${items.length} events, ${interactions.length} interactions, ` +
    `${seen.length} active users; generate + convert ${(Number(t1 - t0) / 1e9).toFixed(2)} s, ` +
    `Engine.build from JS ${(Number(t2 - t1) / 1e9).toFixed(2)} s; ${users.length} users sampled, ` +
    `best of ${o.passes} passes each; node ${process.version}`)
  console.log('')
  console.log('| strategy | p50 µs | p95 µs | p99 µs | recommendMany users/s |')
  console.log('|---|---:|---:|---:|---:|')
  for (const strategy of ['popularity', 'collaborative', 'content', 'hybrid', 'item_based']) {
    const options = { k: 10, strategy, now }
    const best = new Array(users.length).fill(Infinity)
    for (let pass = 0; pass < o.passes; pass++) {
      for (let u = 0; u < users.length; u++) {
        const start = process.hrtime.bigint()
        engine.recommend(users[u], options)
        const took = micros(process.hrtime.bigint() - start)
        if (took < best[u]) best[u] = took
      }
    }
    best.sort((a, b) => a - b)
    const b0 = process.hrtime.bigint()
    await engine.recommendMany(users, options)
    const perSecond = users.length / (Number(process.hrtime.bigint() - b0) / 1e9)
    const f = (x) => x.toFixed(1)
    console.log(`| ${strategy} | ${f(quantile(best, 0.5))} | ${f(quantile(best, 0.95))} | ` +
      `${f(quantile(best, 0.99))} | ${Math.round(perSecond).toLocaleString('en')} |`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
