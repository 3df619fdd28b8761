//! The shared suite on MySQL / MariaDB (a fresh database per test, dropped after), plus
//! MySQL-only checks: migrations, a server that is down, a connection killed mid-ingest.
//!
//! The server is `CRAIC_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`). When it is not
//! reachable the tests fail, saying how to start it.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use common::Fixture;
use craic_store::{Cursor, LogEntry, MysqlStore, Store, StoreErrorKind, StoreFuture};
use mysql_async::prelude::Queryable;

fn server() -> String {
    std::env::var("CRAIC_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

const HOW_TO_START: &str = "MariaDB is not reachable at CRAIC_MYSQL_URL (default \
    mysql://root@127.0.0.1:3306). Start it with `service mariadb start`; on a fresh Debian \
    machine first `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends mariadb-server mariadb-client` (or run .ci/run, which does both)";

async fn admin() -> mysql_async::Conn {
    match mysql_async::Conn::from_url(server()).await {
        Ok(c) => c,
        Err(e) => panic!("{HOW_TO_START}: {e}"),
    }
}

/// A fresh database (dropped on drop, even when the test fails) with a store open on it.
struct MysqlFixture {
    db: String,
    store: MysqlStore,
}

async fn mysql() -> MysqlFixture {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let db = format!(
        "craic_test_{}_{nanos}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut c = admin().await;
    c.query_drop(format!("CREATE DATABASE `{db}`"))
        .await
        .unwrap();
    c.disconnect().await.unwrap();
    let store = MysqlStore::open(&format!("{}/{db}", server()))
        .await
        .unwrap();
    MysqlFixture { db, store }
}

impl Fixture for MysqlFixture {
    fn bad_event_sql(&self) -> &'static str {
        "INSERT INTO events (ext_id, starts_at, ends_at) \
         VALUES ('backwards', 1900000000, 1800000000)"
    }

    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn raw<'a>(&'a self, sql: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut c = mysql_async::Conn::from_url(format!("{}/{}", server(), self.db))
                .await
                .unwrap();
            c.query_drop(sql).await.unwrap();
            c.disconnect().await.unwrap();
            Ok(())
        })
    }
}

impl Drop for MysqlFixture {
    fn drop(&mut self) {
        let db = self.db.clone();
        // Its own thread and runtime: this may run inside (or after) the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = mysql_async::Conn::from_url(server()).await {
                    let _ = c
                        .query_drop(format!("DROP DATABASE IF EXISTS `{db}`"))
                        .await;
                    let _ = c.disconnect().await;
                }
            });
        })
        .join();
    }
}

suite!(mysql);

/// A database migrated by the release before the impression rank (schema version 3: no
/// `impression_rank` column) upgrades when opened: its rows read back without a rank, new rows
/// keep theirs, and opening again runs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_database_gains_the_rank_column() {
    let f = mysql().await;
    let url = format!("{}/{}", server(), f.db);
    let mut c = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
    for sql in [
        "ALTER TABLE interactions DROP COLUMN impression_rank",
        "DELETE FROM schema_migrations WHERE version = 4",
        "INSERT INTO interactions (idem_key, user_id, item_id, kind, ts) \
         VALUES ('old', 'ana', 'gig', 'impression', 1700000000)",
    ] {
        c.query_drop(sql).await.unwrap();
    }
    for _ in 0..2 {
        let store = MysqlStore::open(&url).await.unwrap();
        let shown = craic_core::Interaction::impression("ben", "gig", 1_700_000_001, 4);
        store.append(&[LogEntry::new(shown.clone())]).await.unwrap();
        let page = store.read_log(Cursor::START, 10).await.unwrap();
        let ranks: Vec<_> = page.records.iter().map(|r| r.interaction.rank).collect();
        assert_eq!(ranks, [None, Some(4)]);
        assert_eq!(page.records[1].interaction, shown);
        store.close().await.unwrap();
    }
    let versions: Vec<u32> = c
        .query("SELECT version FROM schema_migrations")
        .await
        .unwrap();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    c.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_create_the_schema_once() {
    let f = mysql().await;
    let url = format!("{}/{}", server(), f.db);
    MysqlStore::open(&url).await.unwrap().close().await.unwrap();
    let mut c = mysql_async::Conn::from_url(url).await.unwrap();
    let versions: Vec<u32> = c
        .query("SELECT version FROM schema_migrations")
        .await
        .unwrap();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    let tables: Vec<String> = c
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
        .await
        .unwrap();
    for t in [
        "events",
        "venues",
        "artists",
        "genres",
        "event_genres",
        "event_artists",
        "users",
        "user_genre_prefs",
        "user_artist_prefs",
        "user_city_prefs",
        "interactions",
        "experiments",
        "experiment_variants",
        "assignments",
        "exposures",
        "conversions",
        "model_versions",
        "retrain_runs",
        "catalog_changes",
        "removed_events",
        "schema_migrations",
    ] {
        assert!(
            tables.iter().any(|x| x == t),
            "table {t} missing from {tables:?}"
        );
    }
    c.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable() {
    // A loopback port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = craic_store::open(&format!("mysql://root:secret@127.0.0.1:{port}/craic"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    assert!(!err.to_string().contains("secret"));
    let err = craic_store::open("mysql://root@127.0.0.1:1")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidUrl, "{err}");
}

#[tokio::test]
async fn a_missing_database_is_not_found() {
    let url = format!("{}/craic_no_such_database_{}", server(), std::process::id());
    let err = craic_store::open(&url).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::NotFound, "{err}");
}

/// The connection is killed from a second connection while an ingest runs: the ingest fails
/// with a typed error, and re-running it leaves every interaction exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_killed_mid_ingest_then_rerun_is_exact() {
    let f = mysql().await;
    const N: usize = 200_000;
    let entries: Arc<Vec<LogEntry>> = Arc::new(clicks(N));
    let store = f.store.clone();
    let ingest = {
        let entries = Arc::clone(&entries);
        tokio::spawn(async move { store.append(&entries).await })
    };
    let mut monitor = mysql_async::Conn::from_url(format!("{}/{}", server(), f.db))
        .await
        .unwrap();
    // Poll until the first batch is committed, then kill every other connection to the db.
    loop {
        let n: Option<u64> = monitor
            .query_first("SELECT COUNT(*) FROM interactions")
            .await
            .unwrap();
        assert!(
            !ingest.is_finished(),
            "the ingest ended before it could be interrupted"
        );
        if n.unwrap_or(0) > 0 {
            break;
        }
    }
    kill_other_connections(&mut monitor, &f.db).await;
    let err = ingest.await.unwrap().expect_err("the ingest must fail");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    let (partial,): (u64,) = monitor
        .query_first("SELECT COUNT(*) FROM interactions")
        .await
        .unwrap()
        .unwrap();
    assert!(partial > 0 && partial < N as u64, "{partial}");

    // Re-running the same ingest (same store; its pool replaces the dead connection).
    let report = f.store.append(&entries).await.unwrap();
    assert_eq!(report.inserted + report.duplicates, N as u64);
    assert_eq!(report.duplicates, partial);
    let (rows, keys): (u64, u64) = monitor
        .query_first("SELECT COUNT(*), COUNT(DISTINCT idem_key) FROM interactions")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rows, keys),
        (N as u64, N as u64),
        "every interaction exactly once"
    );
    assert_log_is(&f.store, &entries).await;
    monitor.disconnect().await.unwrap();
}

/// `n` clicks of 5 000 users on 700 events, a second apart.
fn clicks(n: usize) -> Vec<LogEntry> {
    (0..n)
        .map(|n| {
            let x = common::data::x(
                &format!("u{}", n % 5_000),
                &format!("g{}", n % 700),
                "click",
                1_700_000_000 + n as i64,
            );
            LogEntry::new(x)
        })
        .collect()
}

/// Kills every connection to database `db` but `monitor`'s own.
async fn kill_other_connections(monitor: &mut mysql_async::Conn, db: &str) {
    let ids: Vec<u64> = monitor
        .exec(
            "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
            (db,),
        )
        .await
        .unwrap();
    assert!(!ids.is_empty());
    for id in ids {
        monitor
            .query_drop(format!("KILL CONNECTION {id}"))
            .await
            .unwrap();
    }
}

/// The log read back from `store`, in append order, is exactly `entries`.
async fn assert_log_is(store: &MysqlStore, entries: &[LogEntry]) {
    let mut cursor = Cursor::START;
    let mut n = 0;
    loop {
        let page = store.read_log(cursor, 50_000).await.unwrap();
        if page.is_empty() {
            break;
        }
        for r in &page.records {
            assert_eq!(r.interaction, entries[n].interaction);
            n += 1;
        }
        cursor = page.next;
    }
    assert_eq!(n, entries.len());
}

#[test]
fn blocking_facade_on_mysql() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let f = rt.block_on(mysql());
    let store = craic_store::BlockingStore::open(&format!("{}/{}", server(), f.db)).unwrap();
    assert_eq!(store.store().backend(), "mysql");
    store.upsert_items(&[common::data::gig("g")]).unwrap();
    let e = LogEntry::new(common::data::x("u", "g", "save", 1_700_000_000));
    assert_eq!(store.append(&[e.clone(), e]).unwrap().inserted, 1);
    let loaded = store.load_engine(craic_core::Config::default()).unwrap();
    assert_eq!(loaded.engine.stats().interactions, 1);
    drop(store);
    drop(f);
}
