//! Bounded memory of the Service: the in-memory training log's capacity (and the retrain gate's
//! data ratio against it), the experiments' idempotency window and alert buckets. Sizes are
//! asserted, never RSS or time (the 10 M-event soak is `examples/soak.rs`).

use std::sync::Arc;
use std::time::Duration;

use craic::experiments::{Experiment, StatsConfig};
use craic::service::{Gate, ManualClock, RetrainOptions, Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Interaction, Request, Strategy};

const DAY: i64 = 86_400;

fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

fn service_at(data: &Dataset, clock: &ManualClock, options: ServiceOptions) -> Service {
    let options = ServiceOptions {
        clock: Arc::new(clock.clone()),
        ..options
    };
    Service::build(Config::default(), data.clone().into(), options).unwrap()
}

fn counter(svc: &Service, series: &str) -> u64 {
    svc.metrics_text()
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .map_or(0, |v| v.parse().unwrap())
}

/// `data`'s interactions again, `shift` seconds later (same users and items).
fn shifted(data: &Dataset, shift: i64) -> Vec<Interaction> {
    data.interactions
        .iter()
        .map(|x| Interaction {
            timestamp: x.timestamp + shift,
            ..x.clone()
        })
        .collect()
}

#[test]
fn the_in_memory_log_keeps_its_capacity_and_the_gate_compares_with_it() {
    let data = tiny();
    let n = data.interactions.len();
    let clock = ManualClock::at(data.config.end());
    let gate = Gate {
        max_relative_drop: f64::INFINITY,
        max_drop_vs_recorded: f64::INFINITY,
        must_beat_popularity: false,
        ..Gate::default()
    };
    let options = ServiceOptions {
        training_capacity: n,
        retrain: RetrainOptions {
            gate,
            ..RetrainOptions::default()
        },
        ..ServiceOptions::default()
    };
    let svc = service_at(&data, &clock, options);
    let span = data.config.end() - data.config.start;
    for round in 1..=3 {
        svc.record(&shifted(&data, round * span)).unwrap();
    }
    // 4 n interactions went in, n are kept: the oldest 3 n were dropped and counted.
    assert_eq!(
        counter(&svc, "craic_training_interactions_dropped_total"),
        3 * n as u64
    );
    clock.set(data.config.end() + 3 * span);
    let outcome = svc.retrain_blocking(None).unwrap();
    assert_eq!(outcome.metrics.train_data, n as u64);
    // The serving model saw 4 n; the bounded log can only ever hold n, so the data-ratio rule
    // compares with n and the candidate is not refused for too little data.
    assert_eq!(outcome.metrics.serving_data, n as u64);
    let kind = outcome.rejection.as_ref().map(|r| r.kind());
    assert_ne!(kind, Some("too_little_data"), "{:?}", outcome.rejection);
}

fn experiment() -> Experiment {
    Experiment::builder("feed")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap()
}

#[test]
fn experiment_structures_stay_at_their_bound_under_a_long_stream() {
    let data = tiny();
    let start = data.config.end();
    let clock = ManualClock::at(start);
    let options = ServiceOptions {
        experiment_window: Duration::from_secs(DAY as u64),
        cache_capacity: 0,
        ..ServiceOptions::default()
    };
    let svc = service_at(&data, &clock, options);
    svc.register_experiment(experiment()).unwrap();
    let mut users: Vec<&str> = data
        .interactions
        .iter()
        .map(|x| x.user_id.as_str())
        .collect();
    users.sort_unstable();
    users.dedup();
    users.truncate(20);
    let item = &data.items[0].id;
    // 10 days, one round every 3 hours: every user exposed and saving, with explicit exposure
    // ids (one per user and round) so the ids keep coming.
    let rounds = 10 * 8;
    let per_round = 2 * users.len();
    let mut max_ids = 0;
    for h in 0..rounds {
        let at = start + h * 3 * 3_600;
        clock.set(at);
        for u in &users {
            let req = Request::new(3).now(at);
            let id = format!("x|{u}|{h}");
            svc.recommend_in_experiment_with_id("feed", u, &req, Some(&id))
                .unwrap();
            svc.record(&[Interaction::new(*u, item, "save", at)])
                .unwrap();
        }
        let m = svc.experiment_memory();
        max_ids = max_ids.max(m.remembered_ids);
        // One day of ids (9 rounds, both ends included) at most.
        assert!(m.remembered_ids <= 9 * per_round, "{m:?} at round {h}");
        // 7 days of minute buckets at most, per variant (here one bucket a round).
        assert!(m.alert_buckets <= 2 * (7 * 8 + 1), "{m:?} at round {h}");
        assert_eq!(m.pending_conversions, 0, "{m:?}");
    }
    assert_eq!(max_ids, 9 * per_round);
    let m = svc.experiment_memory();
    assert_eq!(m.alert_buckets, 2 * (7 * 8 + 1)); // at the bound: 7 days of rounds
    assert_eq!(m.late_events, 0);
    let report = svc
        .experiment_report("feed", &StatsConfig::default())
        .unwrap();
    assert_eq!(report.total_exposed_users, users.len() as u64);
    let conversions: u64 = report.variants.iter().map(|v| v.conversions).sum();
    assert_eq!(conversions, (rounds as usize * users.len()) as u64);
}

#[test]
fn an_event_older_than_the_window_is_late_not_double_counted() {
    let data = tiny();
    let start = data.config.end();
    let clock = ManualClock::at(start);
    let options = ServiceOptions {
        experiment_window: Duration::from_secs(DAY as u64),
        ..ServiceOptions::default()
    };
    let svc = service_at(&data, &clock, options);
    svc.register_experiment(experiment()).unwrap();
    let u = data.interactions[0].user_id.as_str();
    let item = &data.items[0].id;
    let req = Request::new(3).now(start);
    assert!(
        svc.recommend_in_experiment("feed", u, &req)
            .unwrap()
            .new_exposure
    );
    let save = Interaction::new(u, item, "save", start + 10);
    svc.record(std::slice::from_ref(&save)).unwrap();
    // Two days later the first exposure's id has been forgotten: replaying it (and the save)
    // must not count again; they are late.
    let later = Request::new(3).now(start + 2 * DAY);
    svc.recommend_in_experiment("feed", u, &later).unwrap();
    assert!(
        !svc.recommend_in_experiment("feed", u, &req)
            .unwrap()
            .new_exposure
    );
    svc.record(std::slice::from_ref(&save)).unwrap();
    let m = svc.experiment_memory();
    assert_eq!(m.late_events, 2);
    assert_eq!(counter(&svc, "craic_experiment_late_events_total"), 2);
    let report = svc
        .experiment_report("feed", &StatsConfig::default())
        .unwrap();
    let conversions: u64 = report.variants.iter().map(|v| v.conversions).sum();
    assert_eq!((report.total_exposed_users, conversions), (1, 1));
}
