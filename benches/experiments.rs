//! Throughput of experiment assignment (`Experiment::assign`).

use std::hint::black_box;

use craic::experiments::Experiment;
use craic::Strategy;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const USERS: usize = 10_000;

fn assignment(c: &mut Criterion) {
    let users: Vec<String> = (0..USERS).map(|i| format!("user-{i:08}")).collect();
    let plain = Experiment::builder("home-feed-2026")
        .variant("control", 0.25, Strategy::Popularity)
        .variant("collaborative", 0.25, Strategy::Collaborative)
        .variant("content", 0.25, Strategy::Content)
        .variant("hybrid", 0.25, Strategy::Hybrid)
        .build()
        .expect("valid experiment");
    let namespaced = Experiment::builder("home-feed-2026")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .coverage(0.8)
        .namespace("feed", 0.0, 0.5)
        .build()
        .expect("valid experiment");

    let mut group = c.benchmark_group("experiments");
    group.throughput(Throughput::Elements(USERS as u64));
    for (name, exp) in [
        ("assign_v2_4_variants", &plain),
        ("assign_v2_namespace_coverage", &namespaced),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut assigned = 0usize;
                for u in &users {
                    if let Some(a) = exp.assign(black_box(u)) {
                        assigned += a.index;
                    }
                }
                black_box(assigned)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, assignment);
criterion_main!(benches);
