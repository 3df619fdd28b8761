//! Costs of impressions, exposure-aware demotion and `Request::exclude_touched`, on the
//! synthetic generator (`medium` by default, `CRAIC_BENCH_PRESET=small` for a quick run).
//!
//! * `impressions/record_feed_20/<preset>` — one [`Engine::record_impressions`] of a feed of 20
//!   items shown to one user (ranks 0..19, the 20 items the hybrid strategy recommended to that
//!   user), cycling through 1 000 users, the clock one second further each call. The engine is
//!   not reset: exposure accumulates as on a live service.
//! * `impressions/recommend_hybrid/{plain,demoted}/<preset>` — one hybrid [`Engine::recommend`]
//!   (k = 10) for the same 1 000 users, on the built engine and on one where each user was
//!   shown their feed 5 times (so their top items are demoted).
//! * `exclude_touched/hybrid/{none,exclude_ids,exclude_touched}/<preset>` — one hybrid
//!   recommend (k = 10) with nothing excluded, with every item the user has touched passed as
//!   ids in `exclude`, and with `exclude_touched(Touched::Any)` (the same items, excluded inside
//!   the scan). The request for `exclude_ids` is built outside the timing.

use std::hint::black_box;
use std::time::Duration;

use craic::synthetic::Dataset;
use craic::{Engine, Impression, Request, Strategy, Touched};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[allow(dead_code)] // shared with benches/engine.rs, which uses all of it
mod common;

const USERS: usize = 1_000;
const K: usize = 10;
const FEED: usize = 20;

/// Each user's feed of `FEED` items, shown at `at`.
fn feeds(engine: &Engine, users: &[String], now: i64) -> Vec<Vec<Impression>> {
    let req = Request::new(FEED).strategy(Strategy::Hybrid).now(now);
    users
        .iter()
        .map(|u| {
            let recs = engine.recommend(u, &req).expect("recommends");
            recs.iter()
                .enumerate()
                .map(|(r, x)| Impression::new(u, &x.item_id, now, r as i64))
                .collect()
        })
        .collect()
}

fn impressions(c: &mut Criterion) {
    let (preset, _) = common::large_preset();
    let data = common::large_dataset();
    let engine = common::build_engine(data);
    let now = common::log_end(data);
    let users = common::user_ids(data, USERS);
    let mut shown = feeds(&engine, &users, now);

    let mut group = c.benchmark_group("impressions");
    group.measurement_time(Duration::from_secs(8));
    let mut clock = now;
    group.bench_function(BenchmarkId::new("record_feed_20", preset), |b| {
        let mut next = 0;
        b.iter(|| {
            clock += 1;
            let feed = &mut shown[next];
            next = (next + 1) % USERS;
            feed.iter_mut().for_each(|x| x.timestamp = clock);
            engine.record_impressions(black_box(feed)).expect("records")
        })
    });

    let plain = common::build_engine(data);
    let demoted = common::build_engine(data);
    for visit in 0..5 {
        for feed in feeds(&demoted, &users, now - 3_600 + visit * 600) {
            demoted.record_impressions(&feed).expect("records");
        }
    }
    let req = Request::new(K).strategy(Strategy::Hybrid).now(now);
    for (name, e) in [("plain", &plain), ("demoted", &demoted)] {
        group.bench_function(
            BenchmarkId::new(format!("recommend_hybrid/{name}"), preset),
            |b| {
                let mut next = 0;
                b.iter(|| {
                    let user = &users[next];
                    next = (next + 1) % USERS;
                    e.recommend(black_box(user), &req).expect("recommends")
                })
            },
        );
    }
    group.finish();

    exclude_touched(c, preset, data, &plain, &users, now);
}

/// Recommend (k = 10) with nothing excluded, with the user's touched items passed as ids, and
/// with `exclude_touched`.
fn exclude_touched(
    c: &mut Criterion,
    preset: &str,
    data: &Dataset,
    plain: &Engine,
    users: &[String],
    now: i64,
) {
    // Every item each user touched, as ids (what a caller passes without `exclude_touched`).
    let base = Request::new(K).strategy(Strategy::Hybrid).now(now);
    let mut touched_ids: std::collections::HashMap<&str, Vec<&str>> =
        users.iter().map(|u| (u.as_str(), Vec::new())).collect();
    for x in &data.interactions {
        if let Some(list) = touched_ids.get_mut(x.user_id.as_str()) {
            list.push(x.item_id.as_str());
        }
    }
    let by_ids: Vec<Request> = users
        .iter()
        .map(|u| {
            base.clone()
                .exclude(touched_ids[u.as_str()].iter().copied())
        })
        .collect();
    let touched = base.clone().exclude_touched(Touched::Any);
    let mut group = c.benchmark_group("exclude_touched");
    group.measurement_time(Duration::from_secs(8));
    let cases: [(&str, Vec<&Request>); 3] = [
        ("none", vec![&base; USERS]),
        ("exclude_ids", by_ids.iter().collect()),
        ("exclude_touched", vec![&touched; USERS]),
    ];
    for (name, reqs) in &cases {
        group.bench_function(BenchmarkId::new(format!("hybrid/{name}"), preset), |b| {
            let mut next = 0;
            b.iter(|| {
                let n = next;
                next = (next + 1) % USERS;
                plain
                    .recommend(black_box(&users[n]), reqs[n])
                    .expect("recommends")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, impressions);
criterion_main!(benches);
