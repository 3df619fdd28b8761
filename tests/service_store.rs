//! The Service run on a store (`Service::open`): training source, restart from the registry,
//! the data-ratio gate, persisted experiments, and two replicas sharing one store (SQLite
//! file and MariaDB).
//!
//! MariaDB is expected on `CRAIC_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`); when it
//! does not answer, the MariaDB test fails saying how to start it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use craic::experiments::{Experiment, StatsConfig};
use craic::service::{
    Gate, Rejection, RetrainOptions, Service, ServiceError, ServiceErrorKind, ServiceOptions,
    StoreSource, TrainingSource,
};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Interaction, Request, Strategy};
use craic_store::{BlockingStore, Cursor, LogEntry, StoreErrorKind};

/// A fresh SQLite URL in the temp directory (removed with the returned guard).
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> TempDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "craic-service-store-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir)
    }
    fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("craic.db").display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tiny() -> Dataset {
    Dataset::generate(&SyntheticConfig::tiny())
}

/// Writes the catalogue, the preferences and the first `n` interactions to the store.
fn seed(store: &BlockingStore, data: &Dataset, n: usize) {
    store.upsert_items(&data.items).unwrap();
    store.set_preferences(&data.preferences).unwrap();
    let entries: Vec<LogEntry> = data.interactions[..n]
        .iter()
        .cloned()
        .map(LogEntry::new)
        .collect();
    store.append(&entries).unwrap();
}

/// A gate every candidate passes on quality (only the data ratio can refuse).
fn lenient(min_data_ratio: f64) -> ServiceOptions {
    ServiceOptions {
        retrain: RetrainOptions {
            gate: Gate {
                max_relative_drop: 1.0,
                max_drop_vs_recorded: 1.0,
                must_beat_popularity: false,
                min_data_ratio,
            },
            ..RetrainOptions::default()
        },
        ..ServiceOptions::default()
    }
}

/// Every user's Hybrid list (items and scores) at `at`.
fn lists(svc: &Service, data: &Dataset, at: i64) -> Vec<(String, Vec<(String, f64)>)> {
    let mut users: Vec<String> = data
        .interactions
        .iter()
        .map(|x| x.user_id.clone())
        .collect();
    users.sort();
    users.dedup();
    let out: Vec<(String, Vec<(String, f64)>)> = users
        .into_iter()
        .map(|u| {
            let recs = svc.recommend(&u, &Request::new(10).now(at)).unwrap();
            let recs = recs.into_iter().map(|r| (r.item_id, r.score)).collect();
            (u, recs)
        })
        .collect();
    let full = out.iter().filter(|(_, r)| r.len() == 10).count();
    assert!(full * 2 > out.len(), "most users get a full list");
    out
}

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
    source.append(more).unwrap();
    source.append(more).unwrap();
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

/// Two services on one store: one ingests, the other tails; both serve the same lists, and a
/// model published by one is hot-swapped into the other.
fn two_replicas(url: &str) {
    let data = tiny();
    let at = data.config.end();
    let store = BlockingStore::open(url).unwrap();
    seed(&store, &data, 1_000);
    drop(store);
    let a = Service::open_url(url, Config::default(), lenient(0.5)).unwrap();
    let b = Service::open_url(url, Config::default(), lenient(0.5)).unwrap();
    assert_eq!(a.model_info().version, b.model_info().version);
    for chunk in data.interactions[1_000..].chunks(250) {
        a.record(chunk).unwrap();
    }
    let caught = b.catch_up().unwrap();
    assert_eq!(caught.applied as usize, data.interactions.len() - 1_000);
    assert_eq!(caught.cursor, a.store().unwrap().log_head().unwrap());
    assert_eq!(b.catch_up().unwrap().applied, 0);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));

    // A retrain on `a` publishes a new version; `b` picks it up.
    let outcome = a.retrain_blocking(None).unwrap();
    assert!(outcome.accepted(), "{outcome:?}");
    let new = outcome.new_version.unwrap();
    assert_eq!(b.sync_model().unwrap().as_deref(), Some(new.as_str()));
    assert_eq!(b.model_info().version, new);
    assert_eq!(b.sync_model().unwrap(), None);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));

    // Writes on both sides after the swap, then both catch up.
    let extra: Vec<Interaction> = data.interactions[..40]
        .iter()
        .map(|x| Interaction::new(&x.user_id, &x.item_id, &x.kind, x.timestamp + 1))
        .collect();
    a.record(&extra[..20]).unwrap();
    b.record(&extra[20..]).unwrap();
    assert_eq!(a.catch_up().unwrap().applied, 20);
    assert_eq!(b.catch_up().unwrap().applied, 20);
    assert_eq!(lists(&a, &data, at), lists(&b, &data, at));
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
fn two_replicas_share_a_sqlite_store() {
    let db = TempDb::new();
    two_replicas(&db.url());
}

mod mariadb {
    use mysql_async::prelude::Queryable;

    fn server() -> String {
        std::env::var("CRAIC_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
    }

    const HOW_TO_START: &str = "MariaDB is not reachable at CRAIC_MYSQL_URL (default \
        mysql://root@127.0.0.1:3306). Start it with `service mariadb start`; on a fresh Debian \
        machine first `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends mariadb-server mariadb-client` (or run .ci/run)";

    fn admin(sql: String) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut c = match mysql_async::Conn::from_url(server()).await {
                Ok(c) => c,
                Err(e) => panic!("{HOW_TO_START}: {e}"),
            };
            c.query_drop(sql).await.unwrap();
            c.disconnect().await.unwrap();
        });
    }

    /// A fresh database, dropped on drop (even when the test fails).
    pub struct Db(String);

    impl Db {
        pub fn new() -> Db {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let db = format!("craic_svc_test_{}_{nanos}", std::process::id());
            admin(format!("CREATE DATABASE `{db}`"));
            Db(db)
        }
        pub fn url(&self) -> String {
            format!("{}/{}", server(), self.0)
        }
        /// Drops the database now (the guard drops it again, harmlessly).
        pub fn drop_now(&self) {
            admin(format!("DROP DATABASE `{}`", self.0));
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            admin(format!("DROP DATABASE IF EXISTS `{}`", self.0));
        }
    }
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

#[test]
fn two_replicas_share_a_mariadb_store() {
    let db = mariadb::Db::new();
    two_replicas(&db.url());
}
