//! Soak test of the Service's bounded memory: records many events through one Service and
//! checks that its resident memory stays flat once every bounded structure has reached its
//! bound.
//!
//! ```text
//! cargo run --release --example soak -- --events 10000000 [--margin 0.10] [--users 200] [--items 80]
//! ```
//!
//! A Service is built on a synthetic world of `--users` users and `--items` events (the `tiny`
//! preset resized, 40 interactions per user) with a manual clock, a 500 000-interaction training log, a 1-day experiment idempotency window and one
//! registered experiment. Each event advances the clock by a quarter of a second (10 M events
//! span ~29 days), and is, in turn:
//! * 1 in 20: `recommend_in_experiment` (an exposure when the user is in the experiment,
//!   idempotency key `experiment|user|version|day`) with a fresh exposure id every call, so the
//!   idempotency set keeps receiving new ids;
//! * otherwise an interaction (save, click or hide) recorded in batches of 100, whose saves and
//!   clicks of exposed users are conversions.
//!
//! Warm-up is the first 30 % of the events (~8.7 days: past the 7-day alert-bucket retention,
//! the 1-day window and the log's capacity). The world is small on purpose: the model itself
//! grows with the distinct user–event pairs seen (at most users × events cells), so only a
//! catalogue the stream saturates during warm-up shows the *service's* structures staying
//! bounded; on a growing catalogue RSS grows with the model, as it should. RSS (`VmRSS` of `/proc/self/status`) is printed at
//! every tenth of the run with the events/s of the last tenth and the bounded structures' sizes;
//! the process exits with status 1 when the final RSS exceeds the RSS after warm-up by more
//! than `--margin` (a fraction, default 0.10). Nothing here is a timed assertion.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use craic::experiments::Experiment;
use craic::rng::SplitMix64;
use craic::service::{ManualClock, Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Interaction, Request, Strategy};

/// Resident memory in KiB, from `/proc/self/status` (0 where unavailable).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The Service under soak, its clock and what the events draw from.
struct Soak {
    svc: Service,
    clock: ManualClock,
    /// Unix seconds at the first event.
    start: i64,
    users: Vec<String>,
    items: Vec<String>,
}

fn main() -> ExitCode {
    let events: u64 = arg("--events", 10_000_000);
    let margin: f64 = arg("--margin", 0.10);
    let soak = setup(arg("--users", 200), arg("--items", 80));
    let warm_rss = run(&soak, events);
    let end_rss = rss_kib();
    let limit = warm_rss as f64 * (1.0 + margin);
    println!(
        "after warm-up {:.1} MiB, at the end {:.1} MiB, limit {:.1} MiB",
        warm_rss as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        limit / 1024.0
    );
    if warm_rss > 0 && end_rss as f64 > limit {
        println!(
            "FAIL: RSS grew by more than {:.0} % after warm-up",
            margin * 100.0
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The Service on a synthetic world of `users_n` users and `items_n` events, with a manual
/// clock at the log's end and the `soak` experiment registered.
fn setup(users_n: usize, items_n: usize) -> Soak {
    let world = SyntheticConfig {
        users: users_n,
        items: items_n,
        interactions: users_n * 40,
        ..SyntheticConfig::tiny()
    };
    let data = Dataset::generate(&world);
    let start = data.config.end();
    let clock = ManualClock::at(start);
    let options = ServiceOptions {
        clock: Arc::new(clock.clone()),
        training_capacity: 500_000,
        experiment_window: Duration::from_secs(86_400),
        ..ServiceOptions::default()
    };
    let mut users: Vec<String> = data
        .interactions
        .iter()
        .map(|x| x.user_id.clone())
        .collect();
    users.sort_unstable();
    users.dedup();
    let items: Vec<String> = data.items.iter().map(|i| i.id.clone()).collect();
    let svc = Service::build(Config::default(), data.into(), options).expect("service builds");
    let experiment = Experiment::builder("soak")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .expect("valid experiment");
    svc.register_experiment(experiment)
        .expect("experiment registers");
    Soak {
        svc,
        clock,
        start,
        users,
        items,
    }
}

/// Feeds `events` events, printing a CSV row at every tenth; returns the RSS (KiB) at the end
/// of warm-up.
fn run(soak: &Soak, events: u64) -> u64 {
    let mut rng = SplitMix64::new(7);
    let checkpoint = (events / 10).max(1);
    let warm_up = events * 3 / 10;
    let mut batch: Vec<Interaction> = Vec::with_capacity(100);
    let (mut warm_rss, mut last) = (0u64, Instant::now());
    println!("events,rss_mib,events_per_s,ids,alert_buckets,late_events,sim_days");
    for i in 1..=events {
        let ms = soak.start * 1_000 + (i as i64) * 250;
        event(soak, i, ms, &mut rng, &mut batch);
        if i % checkpoint == 0 {
            let rss = rss_kib();
            let m = soak.svc.experiment_memory();
            let rate = checkpoint as f64 / last.elapsed().as_secs_f64();
            last = Instant::now();
            let days = (ms / 1_000 - soak.start) as f64 / 86_400.0;
            println!(
                "{i},{:.1},{rate:.0},{},{},{},{days:.1}",
                rss as f64 / 1024.0,
                m.remembered_ids,
                m.alert_buckets,
                m.late_events
            );
            if i == warm_up.div_ceil(checkpoint) * checkpoint {
                warm_rss = rss;
            }
        }
    }
    warm_rss
}

/// Event `i` at `ms` (unix milliseconds): a recommendation in the experiment (1 in 20) or an
/// interaction added to `batch`, recorded when the batch holds 100.
fn event(soak: &Soak, i: u64, ms: i64, rng: &mut SplitMix64, batch: &mut Vec<Interaction>) {
    const KINDS: [&str; 4] = ["save", "click", "click", "hide"];
    let at = ms / 1_000;
    let user = &soak.users[rng.below(soak.users.len() as u64) as usize];
    if i % 20 == 0 {
        soak.clock.set_ms(ms);
        let req = Request::new(10).now(at);
        let id = format!("soak|{user}|{i}");
        soak.svc
            .recommend_in_experiment_with_id("soak", user, &req, Some(&id))
            .expect("recommends");
    } else {
        let item = &soak.items[rng.below(soak.items.len() as u64) as usize];
        let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
        batch.push(Interaction::new(user.as_str(), item.as_str(), kind, at));
        if batch.len() == 100 {
            soak.clock.set_ms(ms);
            soak.svc.record(batch).expect("records");
            batch.clear();
        }
    }
}
