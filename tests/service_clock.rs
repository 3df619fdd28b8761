//! The service's one clock: every time comes from the request or event, or from the injectable
//! [`Clock`]. These tests move a [`ManualClock`] instead of sleeping, and wait for the schedule
//! thread through the training source it calls, never for a duration.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use craic::alerts::AlertRule;
use craic::experiments::{Experiment, StatsConfig};
use craic::service::{
    Clock, InMemorySource, ManualClock, Schedule, Service, ServiceOptions, ServiceResult,
    TrainingData, TrainingSource,
};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Interaction, Request, Strategy};

fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

/// A service on `data` whose clock is `clock`.
fn service_at(data: &Dataset, clock: &ManualClock, options: ServiceOptions) -> Service {
    let options = ServiceOptions {
        clock: Arc::new(clock.clone()),
        ..options
    };
    Service::build(Config::default(), data.clone().into(), options).unwrap()
}

/// Value of a counter series in the Prometheus text (0 when absent).
fn counter(svc: &Service, series: &str) -> u64 {
    svc.metrics_text()
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .map_or(0, |v| v.parse().unwrap())
}

/// The first user with a full Hybrid list at the data's end.
fn active_user(svc: &Service, data: &Dataset) -> (String, i64) {
    let at = data.config.end();
    let full = |u: &str| svc.recommend(u, &Request::new(5).now(at)).unwrap().len() == 5;
    let x = data.interactions.iter().find(|x| full(&x.user_id));
    (x.expect("a user with recommendations").user_id.clone(), at)
}

/// Before: the TTL was measured on the process's monotonic clock, and this test slept 200 ms
/// against a 150 ms TTL.
#[test]
fn cache_ttl_and_capacity_follow_the_services_clock() {
    let data = tiny();
    let clock = ManualClock::at(data.config.end());
    let opts = ServiceOptions {
        cache_ttl: Duration::from_millis(150),
        cache_capacity: 3,
        ..ServiceOptions::default()
    };
    let svc = service_at(&data, &clock, opts);
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).now(at);
    svc.recommend(&u, &req).unwrap();
    let hits = counter(&svc, "craic_cache_hits_total");
    clock.advance(Duration::from_millis(149));
    svc.recommend(&u, &req).unwrap();
    assert_eq!(
        counter(&svc, "craic_cache_hits_total"),
        hits + 1,
        "still fresh"
    );
    clock.advance(Duration::from_millis(1));
    let misses = counter(&svc, "craic_cache_misses_total");
    svc.recommend(&u, &req).unwrap();
    assert_eq!(
        counter(&svc, "craic_cache_misses_total"),
        misses + 1,
        "expired at the TTL"
    );
    for x in data.interactions.iter().take(50) {
        svc.recommend(&x.user_id, &req).unwrap();
    }
    assert!(svc.cache_len() <= 3);
}

/// A source that reports every load (the initial build, then each retrain) on a channel.
struct Signalling {
    inner: InMemorySource,
    loads: Mutex<Sender<i64>>,
    clock: ManualClock,
}

impl TrainingSource for Signalling {
    fn load(&self) -> ServiceResult<TrainingData> {
        let _ = self.loads.lock().unwrap().send(self.clock.now());
        self.inner.load()
    }
    fn append(&self, x: &[Interaction]) -> ServiceResult<()> {
        self.inner.append(x)
    }
}

fn signalling_service(data: &Dataset, clock: &ManualClock) -> (Service, Receiver<i64>) {
    let (tx, rx) = channel();
    let source = Arc::new(Signalling {
        inner: InMemorySource::with_data(data.clone().into()),
        loads: Mutex::new(tx),
        clock: clock.clone(),
    });
    let options = ServiceOptions {
        source: Some(source),
        clock: Arc::new(clock.clone()),
        ..ServiceOptions::default()
    };
    let svc = Service::new(Config::default(), options).unwrap();
    assert_eq!(
        rx.recv().unwrap(),
        clock.now(),
        "the initial build loads once"
    );
    (svc, rx)
}

/// Before: the schedule slept on the wall clock, so a test could only check that dropping the
/// handle returned within a time limit.
#[test]
fn the_schedule_runs_when_the_clock_reaches_its_time() {
    let data = tiny();
    let day = data.config.end().div_euclid(86_400) * 86_400;
    let clock = ManualClock::at(day + 3 * 3600 - 60); // 02:59 UTC
    let (svc, loads) = signalling_service(&data, &clock);
    let handle = svc.start_schedule(Schedule::daily_at(3, 0, 0).unwrap());
    clock.set(day + 3 * 3600); // 03:00: the schedule thread wakes and retrains
    assert_eq!(
        loads.recv().unwrap(),
        day + 3 * 3600,
        "the scheduled retrain loaded"
    );
    handle.stop(); // waits for the retrain in progress
    let history = svc.retrain_history();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].started_at,
        day + 3 * 3600,
        "stamped by the service's clock"
    );
    assert!(loads.try_recv().is_err(), "one run only");
}

#[test]
fn a_dropped_schedule_stops_without_running() {
    let data = tiny();
    let clock = ManualClock::at(data.config.end());
    let (svc, loads) = signalling_service(&data, &clock);
    let handle = svc.start_schedule(Schedule::daily_at(3, 0, 0).unwrap());
    drop(handle); // returns although the next run is hours away by the clock
    assert!(svc.retrain_history().is_empty());
    assert!(loads.try_recv().is_err());
}

/// Before: exposures were stamped with the wall clock while conversions kept their own time, so
/// a replayed (or backfilled) request's conversion came "before" its exposure and was lost.
#[test]
fn replayed_exposures_keep_the_requests_time() {
    let data = tiny();
    let clock = ManualClock::at(data.config.end() + 300 * 86_400); // long after the data
    let svc = service_at(&data, &clock, ServiceOptions::default());
    let exp = Experiment::builder("feed")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap();
    svc.register_experiment(exp).unwrap();
    let (u, at) = active_user(&svc, &data);
    let r = svc
        .recommend_in_experiment("feed", &u, &Request::new(5).now(at))
        .unwrap();
    let item = &r.recommendations[0].item_id;
    svc.record(&[Interaction::new(&u, item, "save", at + 60)])
        .unwrap();
    let report = svc
        .experiment_report("feed", &StatsConfig::default())
        .unwrap();
    let v = &report.variants[r.assignment.unwrap().index];
    assert_eq!((v.exposed_users, v.converting_users), (1, 1));
}

#[test]
fn conversion_floor_alert_per_variant() {
    let data = tiny();
    let clock = ManualClock::at(data.config.end());
    let svc = service_at(&data, &clock, ServiceOptions::default());
    let exp = Experiment::builder("floor")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap();
    svc.register_experiment(exp.clone()).unwrap();
    let (u, at) = active_user(&svc, &data);
    let variant = exp.assign(&u).unwrap().variant_name(&exp).to_owned();
    svc.set_alert_rules(vec![AlertRule::ConversionFloor {
        experiment: "floor".into(),
        variant: variant.clone(),
        floor: 0.5,
        window_secs: 3600,
        min_exposures: 1,
    }])
    .unwrap();
    let r = svc
        .recommend_in_experiment("floor", &u, &Request::new(5).now(at))
        .unwrap();
    // Buckets are minutes, counted once they have ended.
    let t = at + 120;
    let a = svc.check_alerts(t);
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].what.clone(), a[0].value),
        (format!("floor/{variant}"), 0.0)
    );
    let item = &r.recommendations[0].item_id;
    svc.record(&[Interaction::new(&u, item, "click", at + 1)])
        .unwrap();
    assert!(
        svc.check_alerts(t + 1).is_empty(),
        "1 conversion / 1 exposure clears it"
    );
}
