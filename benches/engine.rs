//! Core engine costs on the synthetic generator (`craic::synthetic`).
//!
//! Every dataset is generated once per process (outside any timed code) and shared by the groups;
//! engines are built outside the timed code too, except in `build`, which times exactly that.
//!
//! * `build/{small,medium}` — [`Engine::build`] from the generated catalogue, preferences and
//!   interaction log (default [`Config`]): catalogue + preferences + bulk matrix load + the
//!   parallel build of every neighbour list. The owned inputs (items, preferences) are cloned
//!   outside the timing (`iter_batched`, `BatchSize::LargeInput`); interactions are borrowed. The
//!   resulting engine is dropped outside the timing as well. `medium` (100 k users, 20 k events,
//!   2 M interactions) runs 10 flat samples (~1 build each) in ~1.5 min (80 s target; ~8 s a
//!   build on a busy 2-core machine).
//! * `recommend/{popularity,collaborative,content,hybrid}/<preset>` — one [`Engine::recommend`]
//!   call (k = 10, `now` = the last timestamp of the log, so eligibility filtering is on) on the
//!   calling thread, cycling through a fixed list of 1 000 users spread over the id range: the
//!   figure is the mean over users (heavy, light, preference-only), not one user's latency.
//! * `recommend_many/hybrid_1000_users/<preset>` — one [`Engine::recommend_many`] call for the same
//!   1 000 users (hybrid, k = 10, same `now`), which fans out over rayon's pool (all cores);
//!   reported as users/s via `Throughput::Elements(1000)` (30 samples).
//! * `record_one/<preset>` — one [`Engine::record`] of a single interaction (an existing user on an
//!   upcoming event; ~70 % click, 20 % save, 10 % hide) applied incrementally to a built engine.
//!   The list of 1 000 interactions is cycled through, each one re-stamped one second after the
//!   previous so time only moves forward. The engine is **not** reset between iterations: it keeps
//!   every interaction recorded so far (warm-up included), as a live engine would, so later
//!   iterations see slightly denser rows. Decay rebases happen if and when the clock calls for one.
//!
//! * `similar_items/<preset>` — one [`Engine::similar_items`] call (k = 10, same `now`), cycling
//!   through 1 000 items spread over the catalogue (started or not, as event pages are).
//!
//! * `item_based/{build_small,recommend/<preset>,record_one/<preset>}` — the opt-in item lists
//!   (`Config::item_neighbours` = 50): a build of `small` with them, one `ItemBased` request
//!   (as `recommend`), and one record on an engine keeping them (as `record_one`). The same
//!   groups without them are the ones above: the difference is the lists' cost.
//!
//! * `linear_items/{build_small,recommend/<preset>}` — the opt-in linear item model
//!   (`Config::linear_items` = 2 000, EASE; the fixed blend): a build of `small` with it (the
//!   difference from `build/small` is the fit: all of `small`'s 500 events), and one
//!   `ItemBased` request reading it at `<preset>` (2 000 of `medium`'s 20 000 events modelled).
//!
//! `recommend/hybrid_diverse/<preset>` is `hybrid` re-ranked for variety (diversity 0.3, caps).
//! `<preset>` is `medium` by default; `CRAIC_BENCH_PRESET=small` swaps `small()` in for a quick run
//! (and drops the then-duplicate `build/medium`). Smoke run, each benchmark once (criterion's
//! test mode, what `scripts/test-all` runs): `CRAIC_BENCH_PRESET=small cargo test --workspace
//! --bench '*'`.

use std::hint::black_box;
use std::time::Duration;

use craic::synthetic::Dataset;
use craic::{Config, Engine, Request, Strategy};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, BenchmarkId, Criterion,
    SamplingMode, Throughput,
};

/// A benchmark group timed by the wall clock.
type Group<'a> = BenchmarkGroup<'a, WallTime>;

mod common;

/// Users cycled through by the `recommend` groups.
const USERS: usize = 1_000;
/// Recommendations per request.
const K: usize = 10;

fn build(c: &mut Criterion) {
    let small = common::small_dataset();
    let (preset, _) = common::large_preset();
    let mut group = c.benchmark_group("build");
    // ~65 ms a build: 100 flat samples need more than the default 5 s.
    group.measurement_time(Duration::from_secs(10));
    // The plain build (the fixed blend): a learned build adds its holdout search, timed by the
    // `profile` example (`BLEND=learned`, docs/performance.md).
    let plain = Config {
        blend: craic::Blend::Fixed,
        ..Config::default()
    };
    bench_build(&mut group, "small", small, &plain);

    if common::is_medium(preset) {
        let medium = common::large_dataset();
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(80));
        bench_build(&mut group, "medium", medium, &plain);
    }
    group.finish();
}

fn recommend(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let data = common::large_dataset();
    let engine = common::build_engine(data);
    let now = common::log_end(data);
    let users = common::user_ids(data, USERS);

    let mut group = c.benchmark_group("recommend");
    for strategy in Strategy::ALL {
        let req = Request::new(K).strategy(strategy).now(now);
        let id = BenchmarkId::new(strategy.as_str(), preset);
        bench_recommend(&mut group, id, &engine, &users, &req);
    }
    // The same hybrid requests re-ranked for variety (diversity 0.3, ≤ 1 per artist, ≤ 2 per
    // venue): the difference to `hybrid` is the re-ranking's cost.
    let req = Request::new(K)
        .now(now)
        .diversity(0.3)
        .max_per_artist(1)
        .max_per_venue(2);
    let id = BenchmarkId::new("hybrid_diverse", preset);
    bench_recommend(&mut group, id, &engine, &users, &req);
    group.finish();

    let refs: Vec<&str> = users.iter().map(String::as_str).collect();
    let req = Request::new(K).strategy(Strategy::Hybrid).now(now);
    let mut group = c.benchmark_group("recommend_many");
    // ~0.45 s a call on `medium` (2 busy cores): 30 samples keep the group under ~20 s.
    group
        .throughput(Throughput::Elements(USERS as u64))
        .sample_size(30)
        .measurement_time(Duration::from_secs(15));
    group.bench_function(BenchmarkId::new("hybrid_1000_users", preset), |b| {
        b.iter(|| {
            engine
                .recommend_many(black_box(&refs), &req)
                .expect("recommends")
        })
    });
    group.finish();
}

fn similar_items(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let data = common::large_dataset();
    let engine = common::build_engine(data);
    let now = common::log_end(data);
    let step = (data.items.len() / USERS).max(1);
    let items: Vec<&str> = (0..USERS)
        .map(|n| data.items[(n * step) % data.items.len()].id.as_str())
        .collect();
    let mut group = c.benchmark_group("similar_items");
    group.bench_function(preset, |b| {
        let mut next = 0;
        b.iter(|| {
            let item = items[next];
            next = (next + 1) % items.len();
            engine
                .similar_items(black_box(item), K, Some(now), None)
                .expect("similar items")
        })
    });
    group.finish();
}

fn record_one(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let data = common::large_dataset();
    let engine = common::build_engine(data);
    let mut group = c.benchmark_group("record_one");
    // ~1.2 ms a call on `medium`: linear sampling (5 050 calls) needs ~6 s.
    group.measurement_time(Duration::from_secs(10));
    bench_record(
        &mut group,
        BenchmarkId::from_parameter(preset),
        &engine,
        data,
    );
    group.finish();
}

/// Times [`Engine::build`] of `data` under `config`; the owned inputs are cloned, and the
/// engine dropped, outside the timing.
fn bench_build(group: &mut Group<'_>, id: &str, data: &Dataset, config: &Config) {
    group.bench_function(id, |b| {
        b.iter_batched(
            || (data.items.clone(), data.preferences.clone()),
            |(items, prefs)| {
                Engine::build(items, black_box(&data.interactions), prefs, config.clone())
                    .expect("builds")
            },
            BatchSize::LargeInput,
        )
    });
}

/// Times one [`Engine::recommend`] of `req`, cycling through `users`.
fn bench_recommend(
    group: &mut Group<'_>,
    id: BenchmarkId,
    engine: &Engine,
    users: &[String],
    req: &Request,
) {
    group.bench_function(id, |b| {
        let mut next = 0;
        b.iter(|| {
            let user = &users[next];
            next = (next + 1) % users.len();
            engine.recommend(black_box(user), req).expect("recommends")
        })
    });
}

/// Times one [`Engine::record`] of a single interaction, cycling through [`USERS`] of them,
/// each re-stamped one second after the previous (from the end of the log).
fn bench_record(group: &mut Group<'_>, id: BenchmarkId, engine: &Engine, data: &Dataset) {
    let mut pending = common::incremental_interactions(data, USERS);
    let mut clock = common::log_end(data);
    group.bench_function(id, |b| {
        let mut next = 0;
        b.iter(|| {
            clock += 1;
            let x = &mut pending[next];
            next = (next + 1) % USERS;
            x.timestamp = clock;
            engine
                .record(std::slice::from_ref(black_box(&*x)))
                .expect("records")
        })
    });
}

/// The configuration with item lists on.
fn with_item_lists() -> Config {
    Config {
        item_neighbours: 50,
        ..Config::default()
    }
}

fn item_based(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let small = common::small_dataset();
    let mut group = c.benchmark_group("item_based");
    group.measurement_time(Duration::from_secs(10));
    bench_build(&mut group, "build_small", small, &with_item_lists());
    let data = common::large_dataset();
    let engine = common::build_engine_with(data, with_item_lists());
    let now = common::log_end(data);
    let users = common::user_ids(data, USERS);
    let req = Request::new(K).strategy(Strategy::ItemBased).now(now);
    let id = BenchmarkId::new("recommend", preset);
    bench_recommend(&mut group, id, &engine, &users, &req);
    let id = BenchmarkId::new("record_one", preset);
    bench_record(&mut group, id, &engine, data);
    group.finish();
}

/// The plain configuration (the fixed blend, as `build/small`) with a linear item model of
/// 2 000 events (its recency focus at the default).
fn with_linear_items() -> Config {
    Config {
        linear_items: 2_000,
        blend: craic::Blend::Fixed,
        ..Config::default()
    }
}

fn linear_items(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let small = common::small_dataset();
    let mut group = c.benchmark_group("linear_items");
    group.measurement_time(Duration::from_secs(10));
    bench_build(&mut group, "build_small", small, &with_linear_items());
    let data = common::large_dataset();
    let engine = common::build_engine_with(data, with_linear_items());
    let now = common::log_end(data);
    let users = common::user_ids(data, USERS);
    let req = Request::new(K).strategy(Strategy::ItemBased).now(now);
    let id = BenchmarkId::new("recommend", preset);
    bench_recommend(&mut group, id, &engine, &users, &req);
    // The same without the recency focus (what it costs: ranking the read cells by recency).
    let unfocused = Config {
        linear_focus: 0.0,
        ..with_linear_items()
    };
    let engine = common::build_engine_with(data, unfocused);
    let id = BenchmarkId::new("recommend_unfocused", preset);
    bench_recommend(&mut group, id, &engine, &users, &req);
    group.finish();
}

criterion_group!(
    benches,
    build,
    recommend,
    similar_items,
    record_one,
    item_based,
    linear_items
);
criterion_main!(benches);
