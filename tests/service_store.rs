//! The Service run on a store (`Service::open`): training source, restart from the registry,
//! the data-ratio gate, persisted experiments, a replica following on its own, a database
//! that goes away. Two replicas on every backend: `service_replicas.rs`.
//!
//! MariaDB is expected on `CRAIC_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`); when it
//! does not answer, the MariaDB test fails saying how to start it.

mod store_common;

use std::sync::Arc;
use std::time::Duration;

use craic::experiments::{Experiment, StatsConfig};
use craic::service::{
    Rejection, Service, ServiceError, ServiceErrorKind, ServiceOptions, StoreSource, TrainingSource,
};
use craic::{Config, Interaction, Request, Strategy};
use craic_store::{BlockingStore, Cursor, LogEntry, StoreErrorKind};
use store_common::{lenient, lists, mariadb, seed, tiny, TempDb};

#[test]
fn store_source_loads_everything_and_writes_through_idempotently() {
    let db = TempDb::new();
    let data = tiny();
    let store = Arc::new(BlockingStore::open(&db.url()).unwrap());
    seed(&store, &data, 1_000);
    // A row the configuration cannot use: skipped and reported with its cursor, not fatal.
    let bad = Interaction::new("ana", &data.items[0].id, "teleport", 1_700_000_000);
    store.append(&[LogEntry::new(bad)]).unwrap();
    let source = StoreSource::new(Arc::clone(&store), Config::default());
    let loaded = source.load().unwrap();
    assert_eq!(loaded.items.len(), data.items.len());
    assert_eq!(loaded.preferences.len(), data.preferences.len());
    assert_eq!(loaded.interactions, data.interactions[..1_000].to_vec());
    let skipped = source.last_skipped();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].table, "interactions");
    assert_eq!(skipped[0].row_id, 1_001);

    // Write-through, and re-sending is a no-op.
    let more = &data.interactions[1_000..1_100];
    assert_eq!(source.append(more).unwrap(), (0..100).collect::<Vec<_>>());
    assert!(source.append(more).unwrap().is_empty(), "nothing new");
    assert_eq!(source.load().unwrap().interactions.len(), 1_100);
    assert_eq!(store.log_head().unwrap(), Cursor(1_101));
}

#[test]
fn open_builds_publishes_and_restarts_from_the_registry() {
    let db = TempDb::new();
    let data = tiny();
    let at = data.config.end();
    let store = Arc::new(BlockingStore::open(&db.url()).unwrap());
    seed(&store, &data, 1_500);
    let svc = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    let first = svc.model_info().version;
    let current = store.current_model().unwrap().unwrap();
    assert_eq!(current.version, first);
    assert!(
        current.metrics_json.contains("\"cursor\":1500"),
        "{}",
        current.metrics_json
    );
    assert_eq!(svc.store_cursor(), Some(Cursor(1_500)));

    // Interactions after the snapshot: recorded by the service (written to the store) and
    // appended by someone else.
    svc.record(&data.interactions[1_500..1_800]).unwrap();
    let others: Vec<LogEntry> = data.interactions[1_800..]
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();
    store.append(&others).unwrap();
    let n = data.interactions.len();
    assert_eq!(svc.catch_up().unwrap().applied as usize, n - 1_800);
    let before = lists(&svc, &data, at);
    drop(svc);

    // Restart: the same version, tailed from its cursor to the same model.
    let again = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    assert_eq!(again.model_info().version, first);
    assert_eq!(again.engine().stats().interactions as usize, n);
    assert_eq!(again.store_cursor(), Some(Cursor(n as u64)));
    assert_eq!(lists(&again, &data, at), before);

    // A retrain reads the whole log from the store and publishes its model.
    let outcome = again.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    assert_eq!(outcome.metrics.train_data as usize, n);
    let new = outcome.new_version.clone().unwrap();
    assert_eq!(store.current_model().unwrap().unwrap().version, new);
    assert_eq!(store.models().unwrap().len(), 2);
    let runs = store.retrain_runs(10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, "published");
    assert_eq!(runs[0].version.as_deref(), Some(new.as_str()));
    assert_eq!(runs[0].interactions as usize, n);
    let after = lists(&again, &data, at);
    drop(again);
    let third = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    assert_eq!(third.model_info().version, new);
    assert_eq!(lists(&third, &data, at), after);
}

#[test]
fn gate_refuses_a_candidate_trained_on_much_less_data() {
    let data = tiny();
    let dir = TempDb::new();
    let path = dir.0.join("model.snap");
    let full = Service::build(Config::default(), data.clone().into(), lenient(0.5)).unwrap();
    full.save_snapshot(&path).unwrap();
    let version = full.model_info().version;
    // A restart from the snapshot file alone (in memory): the log is gone, only what arrives
    // after the restart is training data.
    let fresh: Vec<Interaction> = data.interactions[1_600..].to_vec();
    let restart = |ratio: f64| {
        let svc = Service::from_snapshot_file(&path, lenient(ratio)).unwrap();
        svc.record(&fresh).unwrap();
        svc
    };
    let svc = restart(0.5);
    let outcome = svc.retrain_blocking(None).unwrap();
    let why = outcome.rejection.clone().unwrap();
    let n = data.interactions.len() as u64;
    let tail = fresh.len() as u64;
    assert_eq!(why.kind(), "too_little_data", "{why}");
    assert!(
        matches!(why, Rejection::TooLittleData { train, serving, .. } if train == tail && serving == n + tail),
        "{why:?}"
    );
    assert_eq!(outcome.metrics.serving_data, n + tail);
    assert_eq!(svc.model_info().version, version);

    // Without the rule, the tiny candidate would have replaced the full model.
    let unguarded = restart(0.0);
    let outcome = unguarded.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    assert_eq!(unguarded.engine().stats().interactions, tail);
}

/// Exposures and conversions recorded by a service are in the store, and a restarted service
/// reports the same statistics.
fn experiments_survive_a_restart(url: &str) {
    let data = tiny();
    let store = Arc::new(BlockingStore::open(url).unwrap());
    seed(&store, &data, data.interactions.len());
    let svc = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    let exp = Experiment::builder("feed")
        .variant("control", 0.5, Strategy::Popularity)
        .variant("hybrid", 0.5, Strategy::Hybrid)
        .build()
        .unwrap();
    svc.register_experiment(exp).unwrap();
    let at = data.config.end();
    let mut users: Vec<&str> = data
        .interactions
        .iter()
        .map(|x| x.user_id.as_str())
        .collect();
    users.sort();
    users.dedup();
    // Saves soon after the exposures: the tracker's idempotency window (7 days) is relative to
    // the newest event, so an exposure stamped long before an already recorded save is late.
    let t = at + 10;
    for (n, u) in users.iter().take(60).enumerate() {
        let r = svc
            .recommend_in_experiment("feed", u, &Request::new(5).now(at))
            .unwrap();
        if n % 3 == 0 {
            if let Some(first) = r.recommendations.first() {
                let save = Interaction::new(*u, &first.item_id, "save", t);
                svc.record(&[save]).unwrap();
            }
        }
    }
    let config = StatsConfig::default();
    let report = svc.experiment_report("feed", &config).unwrap();
    let converting: u64 = report.variants.iter().map(|v| v.converting_users).sum();
    assert!(converting > 0, "{report:?}");
    let stored = store.experiment_counts("feed").unwrap();
    let exposures: u64 = stored.iter().map(|v| v.exposures).sum();
    assert_eq!(exposures, 60);
    drop(svc);
    let again = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    assert_eq!(again.experiment_report("feed", &config).unwrap(), report);
}

#[test]
fn experiments_survive_a_restart_on_sqlite() {
    let db = TempDb::new();
    experiments_survive_a_restart(&db.url());
}

#[test]
fn experiments_survive_a_restart_on_mariadb() {
    let db = mariadb::Db::new();
    experiments_survive_a_restart(&db.url());
}

#[test]
fn errors_are_typed() {
    let e =
        Service::open_url("nosuch://x", Config::default(), ServiceOptions::default()).unwrap_err();
    assert_eq!(
        e.kind(),
        ServiceErrorKind::Store(StoreErrorKind::InvalidUrl)
    );
    assert!(matches!(e, ServiceError::Store(_)));
    let e = Service::open_url(
        "mysql://root:secret@127.0.0.1:1/craic",
        Config::default(),
        ServiceOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        ServiceErrorKind::Store(StoreErrorKind::Unavailable)
    );
    assert_eq!(e.kind().as_str(), "store_unavailable");
    assert!(!e.to_string().contains("secret"), "{e}");
    let plain = Service::new(Config::default(), ServiceOptions::default()).unwrap();
    assert_eq!(
        plain.catch_up().unwrap_err().kind(),
        ServiceErrorKind::Store(StoreErrorKind::InvalidInput)
    );
    assert_eq!(plain.store_cursor(), None);
    for kind in ServiceError::STORE_KINDS {
        assert!(kind.starts_with("store_"));
    }
}

#[test]
fn a_following_replica_catches_up_and_swaps_on_its_own() {
    let db = TempDb::new();
    let data = tiny();
    let at = data.config.end();
    let store = BlockingStore::open(&db.url()).unwrap();
    seed(&store, &data, 1_000);
    let a = Service::open_url(&db.url(), Config::default(), lenient(0.5)).unwrap();
    let b = Service::open_url(&db.url(), Config::default(), lenient(0.5)).unwrap();
    let follow = b.start_following(Duration::from_millis(5));
    a.record(&data.interactions[1_000..]).unwrap();
    let head = store.log_head().unwrap();
    while b.store_cursor() != Some(head) {
        follow.wait_round();
    }
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));
    let new = a.retrain_blocking(None).unwrap().new_version.unwrap();
    while b.model_info().version != new {
        follow.wait_round();
    }
    assert_eq!(follow.last_error(), None);
    assert!(follow.rounds() >= 2);
    follow.stop();
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));
}

#[test]
fn a_database_that_goes_away_is_a_typed_error() {
    let data = tiny();
    let at = data.config.end();
    let db = mariadb::Db::new();
    let store = BlockingStore::open(&db.url()).unwrap();
    seed(&store, &data, 1_000);
    let svc = Service::open(Arc::new(store), Config::default(), lenient(0.5)).unwrap();
    let user = data.interactions[0].user_id.clone();
    let before = svc.recommend(&user, &Request::new(5).now(at)).unwrap();
    db.drop_now();
    let e = svc.record(&data.interactions[1_000..1_010]).unwrap_err();
    assert!(matches!(e.kind(), ServiceErrorKind::Store(_)), "{e:?}");
    assert!(matches!(
        svc.catch_up().unwrap_err().kind(),
        ServiceErrorKind::Store(_)
    ));
    assert!(matches!(
        svc.sync_model().unwrap_err().kind(),
        ServiceErrorKind::Store(_)
    ));
    let failed = svc.retrain_blocking(None).unwrap_err();
    assert!(
        matches!(failed.kind(), ServiceErrorKind::Store(_)),
        "{failed:?}"
    );
    // Serving goes on from memory.
    assert_eq!(
        svc.recommend(&user, &Request::new(5).now(at))
            .unwrap()
            .len(),
        before.len()
    );
    let text = svc.metrics_text();
    assert!(
        text.lines().any(|l| l.starts_with("craic_errors_total{")
            && l.contains("operation=\"record\"")
            && l.contains(&format!("kind=\"{}\"", e.kind().as_str()))),
        "{text}"
    );
}

/// `recommend_logging_impressions` records the list it returns through the normal record path:
/// the store's log holds the impressions, the shown items get demoted, and a restart or a
/// retrain (both rebuilt from the log) keeps the same exposure and the same lists.
#[test]
fn logged_impressions_reach_the_store_and_survive_a_restart_and_a_retrain() {
    let db = TempDb::new();
    let data = tiny();
    let at = data.config.end();
    let store = Arc::new(BlockingStore::open(&db.url()).unwrap());
    seed(&store, &data, data.interactions.len());
    let svc = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    let user = data.interactions[0].user_id.clone();
    let req = |dt: i64| Request::new(5).now(at + dt);
    let first = svc.recommend(&user, &req(0)).unwrap();
    for dt in 0..4 {
        svc.recommend_logging_impressions(&user, &req(dt)).unwrap();
    }
    let shown = svc.engine().exposure(&user, at + 4);
    assert!(shown
        .iter()
        .any(|(item, n)| *item == first[0].item_id && *n > 3.9));
    let now_list = svc.recommend(&user, &req(4)).unwrap();
    assert_ne!(
        now_list, first,
        "the cached list was dropped and the shown items demoted"
    );

    let head = store.log_head().unwrap();
    let page = store.read_log(Cursor::START, head.0 as usize + 10).unwrap();
    let impressions: Vec<_> = page
        .records
        .iter()
        .filter(|e| e.interaction.kind == "impression")
        .collect();
    assert_eq!(impressions.len(), 4 * first.len());
    assert!(impressions.iter().all(|e| e.interaction.user_id == user));
    // Each list is stored with its ranks, 0 at the top.
    let top: Vec<u32> = (0..first.len() as u32).collect();
    for list in impressions.chunks(first.len()) {
        let ranks: Vec<_> = list.iter().filter_map(|e| e.interaction.rank).collect();
        assert_eq!(ranks, top);
    }
    drop(svc);

    let again = Service::open(Arc::clone(&store), Config::default(), lenient(0.5)).unwrap();
    assert_eq!(again.engine().exposure(&user, at + 4), shown);
    assert_eq!(again.recommend(&user, &req(4)).unwrap(), now_list);
    // The training data a retrain reads holds the ranks too.
    let source = again.options().source.clone().unwrap();
    let trained = source.load().unwrap().interactions;
    let logged: Vec<_> = trained.iter().filter(|x| x.kind == "impression").collect();
    assert_eq!(logged.len(), impressions.len());
    assert!(logged
        .iter()
        .zip(&impressions)
        .all(|(x, e)| **x == e.interaction));
    let outcome = again.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    assert_eq!(again.engine().exposure(&user, at + 4), shown);
    assert_eq!(again.recommend(&user, &req(4)).unwrap(), now_list);

    // A bad rank is a typed error and records nothing.
    let bad = [craic::Impression::new(&user, &first[0].item_id, at, -3)];
    let err = again.record_impressions(&bad).unwrap_err();
    assert_eq!(
        err.kind(),
        craic::service::ServiceErrorKind::Core(craic::ErrorKind::OutOfRange)
    );
    assert_eq!(store.log_head().unwrap(), head);
}
