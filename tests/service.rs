//! Integration tests of `craic::service`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use craic::service::{
    Gate, InMemorySource, RetrainOptions, Schedule, Service, ServiceError, ServiceErrorKind,
    ServiceOptions, ServiceResult, TrainingData, TrainingSource,
};
use craic::synthetic::Dataset;
use craic::{Blend, Config, ErrorKind, Interaction, Request, Strategy};

mod service_common;
use service_common::{active_user, counter, now, service, tiny};

#[test]
fn cache_hit_miss_and_invalidation() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let other = data.interactions.iter().find(|x| x.user_id != u).unwrap();
    let req = Request::new(5).now(at);
    let (h0, m0) = (
        counter(&svc, "craic_cache_hits_total"),
        counter(&svc, "craic_cache_misses_total"),
    );
    let a = svc.recommend(&u, &req).unwrap();
    let b = svc.recommend(&u, &req).unwrap();
    assert_eq!(a, b);
    assert_eq!(counter(&svc, "craic_cache_hits_total"), h0 + 2);
    assert_eq!(counter(&svc, "craic_cache_misses_total"), m0);
    // Other options are another entry.
    svc.recommend(&u, &req.clone().strategy(Strategy::Popularity))
        .unwrap();
    assert_eq!(counter(&svc, "craic_cache_misses_total"), m0 + 1);
    svc.recommend(&other.user_id, &req).unwrap();
    let before = svc.cache_len();
    // The user interacts: only their lists are dropped.
    svc.record(&[Interaction::new(&u, &a[0].item_id, "click", at - 10)])
        .unwrap();
    assert_eq!(svc.cache_len(), before - 2);
    let misses = counter(&svc, "craic_cache_misses_total");
    svc.recommend(&u, &req).unwrap();
    assert_eq!(counter(&svc, "craic_cache_misses_total"), misses + 1);
    let hits = counter(&svc, "craic_cache_hits_total");
    svc.recommend(&other.user_id, &req).unwrap();
    assert_eq!(counter(&svc, "craic_cache_hits_total"), hits + 1);
    // A swap clears everything.
    svc.swap_engine(svc.engine().clone());
    assert_eq!(svc.cache_len(), 0);
}

#[test]
fn cached_lists_never_return_started_events() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).now(at);
    let first = svc.recommend(&u, &req).unwrap();
    let engine = svc.engine();
    let start = |id: &str| engine.item(id).unwrap().starts_at;
    let earliest = first.iter().map(|r| start(&r.item_id)).min().unwrap();
    // Same options, later clock: the cache key matches, the earliest event has started.
    let later = Request::new(5).now(earliest);
    let misses = counter(&svc, "craic_cache_misses_total");
    let second = svc.recommend(&u, &later).unwrap();
    assert!(second.iter().all(|r| start(&r.item_id) > earliest));
    assert_eq!(
        second.len(),
        5,
        "fewer than k remained, so it was recomputed"
    );
    assert_eq!(counter(&svc, "craic_cache_misses_total"), misses + 1);
    assert_eq!(second, engine.recommend(&u, &later).unwrap());
}

#[test]
fn retrain_accepted_swaps_and_clears_the_cache() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    svc.recommend(&u, &Request::new(5).now(at)).unwrap();
    let old = svc.model_info().version;
    let out = svc.retrain_blocking(None).unwrap();
    assert!(out.accepted(), "{:?}", out.rejection);
    assert!(out.metrics.candidate.ndcg > out.metrics.popularity.ndcg);
    assert_eq!(out.old_version, old);
    let new = out.new_version.clone().unwrap();
    assert_eq!(svc.model_info().version, new);
    assert!(new.starts_with("v2-"));
    assert!(svc.model_info().metrics.contains_key("ndcg@10"));
    assert_eq!(svc.cache_len(), 0);
    assert_eq!(svc.retrain_history(), vec![out]);
    let text = svc.metrics_text();
    assert!(text.contains(&format!("craic_model_info{{version=\"{new}\"}} 1\n")));
    assert!(text.contains(&format!("craic_model_info{{version=\"{old}\"}} 0\n")));
    assert!(text.contains("craic_last_retrain_accepted 1\n"));
    assert!(text.contains("craic_retrains_total{outcome=\"accepted\"} 1\n"));
}

#[test]
fn retrain_rejected_by_the_gate() {
    let data = tiny();
    // A gate no candidate can pass: it must be twice as good as the serving config.
    let opts = ServiceOptions {
        retrain: RetrainOptions {
            gate: Gate {
                max_relative_drop: -1.0,
                must_beat_popularity: true,
                ..Gate::default()
            },
            ..RetrainOptions::default()
        },
        ..ServiceOptions::default()
    };
    let svc = service(&data, opts);
    let old = svc.model_info().version;
    let out = svc.retrain_blocking(None).unwrap();
    assert!(!out.accepted());
    assert_eq!(out.rejection.as_ref().unwrap().kind(), "below_serving");
    assert_eq!(out.new_version, None);
    assert_eq!(svc.model_info().version, old);
    // A deliberately bad candidate: popularity only (no collaborative share, no content).
    let svc = service(&data, ServiceOptions::default());
    let old = svc.model_info().version;
    let bad = Config {
        neighbours: 1,
        hybrid_k0: 1e12,
        hybrid_content_share: 0.0,
        blend: Blend::Fixed,
        ..Config::default()
    };
    let out = svc.retrain_with(bad).unwrap().wait().unwrap();
    assert!(!out.accepted(), "{:?}", out.metrics);
    assert!(svc
        .metrics_text()
        .contains("craic_last_retrain_accepted 0\n"));
    assert_eq!(svc.model_info().version, old);
}

/// A source whose `load` can be held until the test releases it (so a retrain is provably in
/// progress meanwhile), and that records through the service once it has loaded (from another
/// thread; the retrain waits until that batch is appended, so the write provably lands while
/// the retrain builds). No sleeps: every wait is on a condition the test controls.
struct SlowSource {
    inner: InMemorySource,
    /// While true, `load` waits.
    held: Mutex<bool>,
    released: Condvar,
    svc: OnceLock<Service>,
    during: Mutex<Vec<Interaction>>,
    fired: AtomicBool,
    /// The thread `load` started to record `during`, joined by the test.
    recorder: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set once the recorder's batch is appended.
    appended: Mutex<bool>,
    appended_cv: Condvar,
}

impl TrainingSource for SlowSource {
    fn load(&self) -> ServiceResult<TrainingData> {
        let mut held = self.held.lock().unwrap();
        while *held {
            held = self.released.wait(held).unwrap();
        }
        drop(held);
        if let (Some(svc), false) = (self.svc.get(), self.fired.swap(true, Ordering::SeqCst)) {
            let svc = svc.clone();
            let batch = self.during.lock().unwrap().clone();
            let recorder = std::thread::spawn(move || {
                let applied = svc.record(&batch).unwrap();
                assert_eq!(applied.interactions, batch.len());
            });
            *self.recorder.lock().unwrap() = Some(recorder);
        }
        self.inner.load()
    }
    fn append(&self, x: &[Interaction]) -> ServiceResult<Vec<usize>> {
        let out = self.inner.append(x);
        *self.appended.lock().unwrap() = true;
        self.appended_cv.notify_all();
        out
    }
    /// The retrain asks right after loading: with a recorder started, it waits here until the
    /// recorder's batch is appended (the service applies it under the same lock, before the
    /// retrain can take its buffered writes).
    fn capacity(&self) -> Option<usize> {
        if self.recorder.lock().unwrap().is_some() {
            let mut appended = self.appended.lock().unwrap();
            while !*appended {
                appended = self.appended_cv.wait(appended).unwrap();
            }
        }
        self.inner.capacity()
    }
}

impl SlowSource {
    fn hold(&self, held: bool) {
        *self.held.lock().unwrap() = held;
        self.released.notify_all();
    }
}

fn slow_service(data: &Dataset) -> (Service, Arc<SlowSource>) {
    let source = Arc::new(SlowSource {
        inner: InMemorySource::with_data(data.clone().into()),
        held: Mutex::new(false),
        released: Condvar::new(),
        appended: Mutex::new(false),
        appended_cv: Condvar::new(),
        svc: OnceLock::new(),
        during: Mutex::new(Vec::new()),
        fired: AtomicBool::new(false),
        recorder: Mutex::new(None),
    });
    let opts = ServiceOptions {
        source: Some(source.clone()),
        ..ServiceOptions::default()
    };
    source.fired.store(true, Ordering::SeqCst); // not while building the first model
    let svc = Service::new(Config::default(), opts).unwrap();
    source.svc.set(svc.clone()).unwrap();
    (svc, source)
}

#[test]
fn interactions_recorded_during_a_retrain_reach_the_new_model() {
    let data = tiny();
    let (svc, source) = slow_service(&data);
    let t = data.config.end() - 5;
    // Each newcomer saves the same two events, so they become each other's neighbours.
    let newcomers: Vec<Interaction> = (0..20)
        .flat_map(|i| {
            data.items[..2]
                .iter()
                .map(move |item| Interaction::new(format!("late-{i}"), &item.id, "save", t))
        })
        .collect();
    *source.during.lock().unwrap() = newcomers;
    source.fired.store(false, Ordering::SeqCst);
    let before = svc.engine().stats().interactions;
    let out = svc.retrain_blocking(None).unwrap();
    let recorder = source.recorder.lock().unwrap().take();
    recorder.expect("load started the recorder").join().unwrap();
    assert!(out.accepted(), "{:?}", out.rejection);
    assert_eq!(
        out.pending_applied, 1,
        "the batch arrived during the retrain"
    );
    let engine = svc.engine();
    assert_eq!(engine.stats().interactions, before + 40);
    assert_eq!(source.inner.interaction_count() as u64, before + 40);
    assert!(engine
        .neighbours("late-3")
        .iter()
        .any(|(n, _)| n == "late-4"));
}

#[test]
fn one_retrain_at_a_time() {
    let data = tiny();
    let (svc, source) = slow_service(&data);
    source.hold(true); // the retrain stays in progress until released below
    let job = svc.try_retrain(None).unwrap();
    assert!(svc.retrain_running());
    let err = svc.try_retrain(None).unwrap_err();
    assert!(matches!(err, ServiceError::RetrainRunning));
    assert_eq!(err.kind(), ServiceErrorKind::RetrainRunning);
    // A blocking request waits for the running one, then runs its own.
    let waiter = {
        let svc = svc.clone();
        std::thread::spawn(move || svc.retrain_blocking(None))
    };
    assert!(svc.retrain_running());
    source.hold(false);
    let first = job.wait().unwrap();
    let second = waiter.join().unwrap().unwrap();
    assert!(second.started_at >= first.started_at);
    assert!(!svc.retrain_running());
    assert_eq!(svc.retrain_history().len(), 2);
    assert!(first.finished_at <= second.finished_at);
}

#[test]
fn snapshot_files_round_trip_and_reject_damage() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let dir = std::env::temp_dir().join(format!("craic-svc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.snap");
    svc.save_snapshot(&path).unwrap();
    // A temporary file left behind by a crashed writer is ignored.
    std::fs::write(dir.join(".model.snap.tmp-1-0"), b"half a snapshot").unwrap();
    svc.save_snapshot(&path).unwrap();
    let back = Service::from_snapshot_file(&path, ServiceOptions::default()).unwrap();
    assert_eq!(back.model_info(), svc.model_info());
    let (u, at) = active_user(&svc, &data);
    let req = Request::new(5).now(at);
    assert_eq!(
        back.recommend(&u, &req).unwrap(),
        svc.recommend(&u, &req).unwrap()
    );
    assert_eq!(back.engine().stats(), svc.engine().stats());
    // Truncated: invalid_snapshot.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.join("cut.snap");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = Service::from_snapshot_file(&cut, ServiceOptions::default()).unwrap_err();
    assert_eq!(
        err.kind(),
        ServiceErrorKind::Core(ErrorKind::InvalidSnapshot)
    );
    // Flipped byte: invalid_snapshot.
    let mut flipped = bytes.clone();
    flipped[100] ^= 0x40;
    std::fs::write(&cut, &flipped).unwrap();
    let err = Service::from_snapshot_file(&cut, ServiceOptions::default()).unwrap_err();
    assert_eq!(
        err.kind(),
        ServiceErrorKind::Core(ErrorKind::InvalidSnapshot)
    );
    // Missing: io.
    let err = Service::from_snapshot_file(dir.join("nope"), ServiceOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Io);
    // Saving into a missing directory: io, and nothing left behind.
    let err = svc.save_snapshot(dir.join("missing/x.snap")).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Io);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn schedule_next_run() {
    let day = 86_400;
    let midnight = 1_767_225_600; // 2026-01-01T00:00:00Z
    let s = Schedule::daily_at(3, 30, 0).unwrap();
    assert_eq!(s.next_after(midnight), midnight + 3 * 3600 + 1800);
    assert_eq!(
        s.next_after(midnight + 3 * 3600 + 1800),
        midnight + day + 3 * 3600 + 1800
    );
    assert_eq!(
        s.next_after(midnight + 3 * 3600 + 1799),
        midnight + 3 * 3600 + 1800
    );
    assert_eq!(s.next_after(midnight - 1), midnight + 3 * 3600 + 1800);
    // 02:00 at UTC+2 is 00:00 UTC; from 23:00 UTC the next one is an hour later, tomorrow local.
    let s = Schedule::daily_at(2, 0, 120).unwrap();
    assert_eq!(s.next_after(midnight - 3600), midnight);
    assert_eq!(s.next_after(midnight), midnight + day);
    // 23:30 at UTC−5 is 04:30 UTC the next day.
    let s = Schedule::daily_at(23, 30, -300).unwrap();
    assert_eq!(s.next_after(midnight), midnight + 4 * 3600 + 1800);
    assert_eq!(
        s.next_after(midnight + 5 * 3600),
        midnight + day + 4 * 3600 + 1800
    );
    // Always strictly after, at most a day later.
    for t in (midnight..midnight + 2 * day).step_by(977) {
        for s in [
            Schedule::daily_at(0, 0, 0).unwrap(),
            Schedule::daily_at(12, 59, 330).unwrap(),
        ] {
            let n = s.next_after(t);
            assert!(n > t && n <= t + day);
            assert_eq!(s.next_after(n - 1), n);
        }
    }
    assert_eq!(
        Schedule::daily_at(24, 0, 0).unwrap_err().kind(),
        ServiceErrorKind::Core(ErrorKind::InvalidConfig)
    );
    assert!(Schedule::daily_at(1, 60, 0).is_err());
    assert!(Schedule::daily_at(1, 0, 19 * 60).is_err());
}

/// Structural check of the Prometheus text format 0.0.4.
fn check_prometheus(text: &str) -> usize {
    let mut types: std::collections::HashMap<String, String> = Default::default();
    let mut samples = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (what, name) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(what == "HELP" || what == "TYPE", "{line}");
            assert!(name.starts_with("craic_"), "{line}");
            if what == "TYPE" {
                let t = parts.next().unwrap();
                assert!(["counter", "gauge", "histogram"].contains(&t), "{line}");
                assert!(types.insert(name.into(), t.into()).is_none(), "{line}");
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        assert!(
            value.parse::<f64>().is_ok() || value == "+Inf" || value == "NaN",
            "{line}"
        );
        let name = series.split('{').next().unwrap();
        assert!(name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'));
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample before its TYPE: {line}");
        if let Some(labels) = series.strip_prefix(name) {
            if !labels.is_empty() {
                assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
                for pair in labels[1..labels.len() - 1].split("\",") {
                    let (k, v) = pair.split_once('=').unwrap();
                    assert!(
                        k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{line}"
                    );
                    assert!(v.starts_with('"'), "{line}");
                }
            }
        }
        samples += 1;
    }
    assert!(text.ends_with('\n'));
    samples
}

#[test]
fn metrics_text_and_emf() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    svc.recommend(&u, &Request::new(3).now(at).strategy(Strategy::Content))
        .unwrap();
    let _ = svc.recommend(&u, &Request::new(0));
    let _ = svc.record(&[Interaction::new(&u, "no-such-item", "save", at)]);
    svc.record(&[Interaction::new(&u, &data.items[1].id, "click", at)])
        .unwrap();
    let text = svc.metrics_text();
    assert!(check_prometheus(&text) > 50);
    for name in [
        "craic_recommend_duration_seconds_bucket{strategy=\"content\",le=\"+Inf\"} 1",
        "craic_requests_total{strategy=\"hybrid\"}",
        "craic_errors_total{kind=\"invalid_k\",operation=\"recommend\"} 1",
        "craic_errors_total{kind=\"unknown_item\",operation=\"record\"} 1",
        "craic_interactions_recorded_total 1",
        "craic_record_duration_seconds_count 2",
        "craic_model_age_seconds ",
        "# TYPE craic_retrain_duration_seconds histogram",
    ] {
        assert!(text.contains(name), "{name} missing in\n{text}");
    }
    let emf = svc.metrics_emf("craic");
    let mut n = 0;
    for line in emf.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "craic");
        assert!(v["_aws"]["Timestamp"].as_i64().unwrap() > 1_700_000_000_000);
        n += 1;
    }
    assert!(n > 10);
}

#[test]
fn hot_swaps_never_interrupt_serving() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let base = svc.engine().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..4)
        .map(|t| {
            let (svc, stop, served, u) = (svc.clone(), stop.clone(), served.clone(), u.clone());
            std::thread::spawn(move || {
                let strategy = Strategy::ALL[t % 4];
                while !stop.load(Ordering::Relaxed) {
                    let recs = svc.recommend(&u, &Request::new(5).now(at).strategy(strategy));
                    assert_eq!(recs.expect("no error during swaps").len(), 5);
                    served.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut versions = std::collections::HashSet::new();
    for _ in 0..100 {
        versions.insert(svc.swap_engine(base.clone()));
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = svc.retrain_blocking(None).unwrap();
    assert!(out.accepted());
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(versions.len(), 100);
    assert!(served.load(Ordering::Relaxed) >= 4);
}

#[test]
fn restored_services_continue_version_numbers() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    assert!(svc.retrain_blocking(None).unwrap().accepted());
    let path = std::env::temp_dir().join(format!("craic-svc-v-{}.snap", std::process::id()));
    svc.save_snapshot(&path).unwrap();
    let back = Service::from_snapshot_file(&path, ServiceOptions::default()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(back.model_info().version.starts_with("v2-"));
    assert!(back.swap_engine(back.engine().clone()).starts_with("v3-"));
    // The restored catalogue is in the training source: new interactions are accepted.
    back.record(&[Interaction::new("newbie", &data.items[0].id, "save", now())])
        .unwrap();
}

#[test]
fn removed_events_stay_removed_across_a_retrain_and_a_snapshot_file() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (u, at) = active_user(&svc, &data);
    let request = Request::new(10).now(at).strategy(Strategy::Popularity);
    let ids = |svc: &Service| -> Vec<String> {
        let recs = svc.recommend(&u, &request).unwrap();
        recs.into_iter().map(|r| r.item_id).collect()
    };
    let first = ids(&svc);
    let gone = [first[0].as_str(), first[1].as_str()];
    assert_eq!(svc.remove_items(&gone).unwrap(), 2);
    let check = |svc: &Service| {
        let now = ids(svc);
        assert_eq!(now.len(), 10);
        assert!(now.iter().all(|id| !gone.contains(&id.as_str())), "{now:?}");
    };
    check(&svc);
    assert!(svc.retrain_blocking(None).unwrap().accepted());
    check(&svc);
    let dir = std::env::temp_dir().join(format!("craic-removed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.snap");
    svc.save_snapshot(&path).unwrap();
    let restored = Service::from_snapshot_file(&path, ServiceOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    check(&restored);
    // The restored service's in-memory source knows the removal: a retrain keeps it.
    restored
        .record(&[Interaction::new(&u, &first[5], "save", at - 1)])
        .unwrap();
    let _ = restored.retrain_blocking(None).unwrap();
    check(&restored);
    let err = svc.remove_items(&["no-such-event"]).unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::UnknownItem));
}

/// The in-memory training log keeps an impression's rank, so the data a retrain reads has it;
/// a rank on another kind is `invalid_rank` and records nothing.
#[test]
fn the_training_log_keeps_impression_ranks() {
    let data = tiny();
    let svc = service(&data, ServiceOptions::default());
    let (user, at) = active_user(&svc, &data);
    let shown = svc
        .recommend_logging_impressions(&user, &Request::new(5).now(at))
        .unwrap();
    let item = &shown[0].item_id;
    svc.record(&[Interaction::impression(&user, item, at + 1, 9)])
        .unwrap();
    let source = svc.options().source.clone().unwrap();
    let before = source.load().unwrap().interactions;
    let logged: Vec<(&str, Option<u32>)> = before[before.len() - 6..]
        .iter()
        .map(|x| (x.item_id.as_str(), x.rank))
        .collect();
    let mut want: Vec<(&str, Option<u32>)> = (shown.iter().enumerate())
        .map(|(n, r)| (r.item_id.as_str(), Some(n as u32)))
        .collect();
    want.push((item, Some(9)));
    assert_eq!(logged, want);

    let err = svc
        .record(&[Interaction::new(&user, item, "save", at + 2).with_rank(0)])
        .unwrap_err();
    assert_eq!(err.kind(), ServiceErrorKind::Core(ErrorKind::InvalidRank));
    assert_eq!(source.load().unwrap().interactions, before);
    assert!(svc.retrain_blocking(None).is_ok());
}
