//! Times the full build and single-user recommendations on a synthetic preset.
//!
//! `cargo run --release --example profile -- [small|medium|large] [users-to-query]`
//!
//! Environment: `SPLIT=0.2` builds on the first 80 % of the log and recommends as of that
//! point. `REPEAT=n` runs every recommend pass n times and keeps each user's best time, which
//! takes out preemption by other processes on a busy machine. `ONLY=hybrid` times one strategy
//! only — handy under `perf record`; `ONLY=record` times only the single-interaction updates;
//! `ONLY=rebuild` times rebuilding every neighbour list (best and median of `REPEAT`, default 3).
//! After the strategies it times `similar_items` (k = 10) for as many items as users.
//! `MAX_ITEM_USERS=500` overrides the similarity cost guard. `DIVERSITY=0.3` re-ranks every
//! request for variety with that trade-off and at most 1 event per artist, 2 per venue.
//! Without `BLEND` the engine serves the fixed Hybrid blend (what every latency figure before
//! the learned blend became the default was measured with); `BLEND=learned` builds with the
//! learned blend, the library's default (the build then includes learning it and tuning its
//! hyperparameters on the default grid, each point printed); `BLEND=learned-pinned` learns it
//! with the configuration's hyperparameters pinned (no tuning). With either,
//! `DISCOUNT=0` (or `DISCOUNT=0.6`, `DISCOUNT=0,0.6`) sets the popularity discounts tried.
//! `ITEM_NEIGHBOURS=50` keeps that many item neighbours per event (the opt-in item lists: the
//! build and records then maintain them) and times the `item_based` strategy too;
//! `LINEAR_ITEMS=2000` (with `LINEAR_L2=λ`) fits a linear item model, which that strategy then
//! reads.
//! `HIDE_WEIGHT=1` sets the weight of a hide (default 0.25; 1.0 before 2026-12-05).

use std::time::Instant;

use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Engine, Request, Strategy};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds this process has used (user + system, every thread), from `/proc/self/stat`
/// (clock ticks of 1/100 s); 0 where it cannot be read. Less sensitive to other processes on a
/// shared machine than wall time.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the `(comm)`: state is field 3, utime 14 and stime 15.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .map_or(0.0, |ticks| ticks / 100.0)
}

/// The environment variable `name` parsed, if set and well-formed.
fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "medium".into());
    let queries: usize = args.next().map_or(Ok(2000), |s| s.parse())?;
    let cfg = match preset.as_str() {
        "small" => SyntheticConfig::small(),
        "large" => SyntheticConfig::large(),
        _ => SyntheticConfig::medium(),
    };
    let t = Instant::now();
    let data = Dataset::generate(&cfg);
    println!("generate: {:.2?}, peak RSS {:.0} MB", t.elapsed(), rss_mb());
    let (engine, now) = build(&data)?;
    let users: Vec<String> = (0..queries)
        .map(|i| format!("u{}", (i * 7919) % cfg.users))
        .collect();
    let only_env = std::env::var("ONLY").ok();
    let record_only = only_env.as_deref() == Some("record");
    if only_env.as_deref() == Some("rebuild") {
        time_rebuild(&engine);
        return Ok(());
    }
    let only: Option<Strategy> = only_env.and_then(|s| s.parse().ok());
    let repeat: usize = env("REPEAT").unwrap_or(1);
    if !record_only {
        time_recommend(&engine, &users, only, repeat, now);
    }
    if only.is_some() {
        return Ok(());
    }
    if !record_only {
        time_similar_items(&engine, &data, users.len(), repeat, now);
    }
    time_record(&engine, &data, queries, now)?;
    println!("peak RSS after all: {:.0} MB", rss_mb());
    Ok(())
}

/// Builds the engine as the environment asks (`SPLIT`, `BLEND`, `MAX_ITEM_USERS`,
/// `ITEM_NEIGHBOURS`) and prints
/// the time and memory it took; returns it with the time to recommend as of (the cut).
fn build(data: &Dataset) -> Result<(Engine, i64), craic::Error> {
    // `SPLIT=0.2`: build on the first 80 % of the log and recommend as of the cut (as the
    // offline evaluation and the Python benchmark do: more events are upcoming then).
    let split: f64 = env("SPLIT").unwrap_or(0.0);
    let train = &data.interactions[..((1.0 - split) * data.interactions.len() as f64) as usize];
    let now = train.last().map_or(0, |x| x.timestamp);
    let (t, cpu) = (Instant::now(), cpu_secs());
    let mut config = Config::default();
    if let Some(w) = env::<f64>("HIDE_WEIGHT") {
        config = config.with_kind_weight("hide", w)?;
    }
    config.blend = blend_from_env(&config);
    if let Some(cap) = env("MAX_ITEM_USERS") {
        config.max_item_users = cap;
    }
    if let Some(k) = env("ITEM_NEIGHBOURS") {
        config.item_neighbours = k;
    }
    if let Some(n) = env("LINEAR_ITEMS") {
        config.linear_items = n;
    }
    if let Some(l2) = env("LINEAR_L2") {
        config.linear_l2 = l2;
    }
    let engine = Engine::build(data.items.clone(), train, data.preferences.clone(), config)?;
    println!(
        "build: {:.2?} ({:.2} s CPU), peak RSS {:.0} MB, {:?}",
        t.elapsed(),
        cpu_secs() - cpu,
        rss_mb(),
        engine.stats()
    );
    for p in engine.blend_report().iter().flat_map(|r| &r.grid) {
        println!(
            "grid: half-life {:?} s, k {}, shrinkage {}, discount {}: holdout NDCG@10 {:.4}",
            p.half_life_secs, p.neighbours, p.shrinkage, p.discount, p.ndcg
        );
    }
    Ok((engine, now))
}

/// `BLEND=learned`: the learned blend, tuned on the default grid; `BLEND=learned-pinned`: learned
/// with `config`'s hyperparameters pinned; else the fixed blend. `DISCOUNT`: the discounts tried.
fn blend_from_env(config: &Config) -> craic::Blend {
    let mut hyper = match std::env::var("BLEND").as_deref() {
        Ok("learned") => craic::HyperGrid::default(),
        Ok("learned-pinned") => craic::HyperGrid::pinned(config),
        _ => return craic::Blend::Fixed,
    };
    if let Ok(list) = std::env::var("DISCOUNT") {
        hyper.discount = Some(
            list.split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect(),
        );
    }
    craic::Blend::Learned(craic::LearnSettings {
        hyper,
        ..craic::LearnSettings::default()
    })
}

/// The neighbour lists alone, rebuilt from the loaded matrix: best and median of `REPEAT`.
fn time_rebuild(engine: &Engine) {
    let n: usize = env("REPEAT").unwrap_or(3);
    let mut times: Vec<f64> = (0..n.max(1))
        .map(|_| {
            let t = Instant::now();
            engine.rebuild();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "rebuild neighbours: best {:.2} s, median {:.2} s",
        times[0],
        times[times.len() / 2]
    );
}

/// Recommendations (k = 10) for every user with every strategy (or `only` that one),
/// re-ranked for variety when `DIVERSITY` is set.
fn time_recommend(
    engine: &Engine,
    users: &[String],
    only: Option<Strategy>,
    repeat: usize,
    now: i64,
) {
    let diversity: Option<f64> = env("DIVERSITY");
    let c = engine.config();
    let lists = c.item_neighbours > 0 || c.linear_items > 0;
    for s in Strategy::EVERY
        .into_iter()
        .filter(|s| lists || *s != Strategy::ItemBased)
        .filter(|s| only.is_none_or(|o| o == *s))
    {
        let mut req = Request::new(10).strategy(s).now(now);
        if let Some(d) = diversity {
            req = req.diversity(d).max_per_artist(1).max_per_venue(2);
        }
        let (p50, p99) = best_of(repeat, users.len(), |n| {
            let r = engine.recommend(&users[n], &req).unwrap();
            assert_eq!(r.len(), 10);
        });
        println!("recommend {s}: p50 {p50:.1} µs, p99 {p99:.1} µs");
    }
}

/// Similar events for an event page: `count` items all over the catalogue, upcoming or not.
fn time_similar_items(engine: &Engine, data: &Dataset, count: usize, repeat: usize, now: i64) {
    let items: Vec<&str> = (0..count)
        .map(|n| data.items[(n * 7919) % data.items.len()].id.as_str())
        .collect();
    let (p50, p99) = best_of(repeat, items.len(), |n| {
        let r = engine.similar_items(items[n], 10, Some(now), None).unwrap();
        assert_eq!(r.len(), 10);
    });
    println!("similar_items: p50 {p50:.1} µs, p99 {p99:.1} µs");
}

/// Single interactions applied incrementally (exact), after the last one in the log.
fn time_record(
    engine: &Engine,
    data: &Dataset,
    queries: usize,
    now: i64,
) -> Result<(), craic::Error> {
    let mut lat: Vec<u128> = Vec::new();
    let mut full = 0;
    for n in 0..queries {
        let x = &data.interactions[(n * 104_729) % data.interactions.len()];
        let kind = ["click", "save", "click", "hide"][n % 4];
        let one =
            craic::Interaction::new(x.user_id.clone(), x.item_id.clone(), kind, now + n as i64);
        let t = Instant::now();
        let applied = engine.record(&[one])?;
        lat.push(t.elapsed().as_nanos());
        full += applied.lists_recomputed;
    }
    lat.sort_unstable();
    let q = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    println!(
        "record one interaction: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({:.1} lists recomputed per interaction)",
        q(0.5),
        q(0.99),
        q(1.0),
        full as f64 / queries as f64
    );
    Ok(())
}

/// p50 and p99 in µs of `call(n)` over `n` in `0..count`, each call's latency the best of
/// `repeat` passes (other calls run in between, so caches are as cold as in one pass, but a
/// pass preempted by another process does not count).
fn best_of(repeat: usize, count: usize, mut call: impl FnMut(usize)) -> (f64, f64) {
    let mut lat: Vec<u128> = vec![u128::MAX; count];
    for _ in 0..repeat {
        for (n, best) in lat.iter_mut().enumerate() {
            let t = Instant::now();
            call(n);
            *best = (*best).min(t.elapsed().as_nanos());
        }
    }
    lat.sort_unstable();
    let q = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    (q(0.5), q(0.99))
}
