//! The shared suite on SQLite (a fresh database file per test), plus SQLite-only checks.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use common::Fixture;
use craic_store::{BlockingStore, SqliteStore, Store, StoreErrorKind, StoreFuture};

/// A store in a fresh file under the temp directory, removed on drop.
struct SqliteFixture {
    path: PathBuf,
    store: SqliteStore,
}

fn fresh_path() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "craic_test_{}_{nanos}_{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

async fn sqlite() -> SqliteFixture {
    let path = fresh_path();
    let store = SqliteStore::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    SqliteFixture { path, store }
}

impl Fixture for SqliteFixture {
    fn bad_event_sql(&self) -> &'static str {
        "INSERT INTO events (id, city, venue, genres, artists, tags, starts_at, ends_at) \
         VALUES ('backwards', '', '', '[]', '[]', '[]', 1900000000, 1800000000)"
    }

    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn raw<'a>(&'a self, sql: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let c = rusqlite::Connection::open(&self.path).unwrap();
            c.execute_batch(sql).unwrap();
            Ok(())
        })
    }
}

impl Drop for SqliteFixture {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

suite!(sqlite);

#[tokio::test]
async fn wal_mode_and_migrations_are_recorded_once() {
    let f = sqlite().await;
    let url = format!("sqlite://{}", f.path.display());
    drop(SqliteStore::open(&url).await.unwrap()); // migrations again: a no-op
    let c = rusqlite::Connection::open(&f.path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let versions: Vec<i64> = c
        .prepare("SELECT version FROM schema_migrations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, vec![1, 2, 3, 4]);
}

#[tokio::test]
async fn undecodable_rows_are_reported_by_row_id() {
    let f = sqlite().await;
    f.store
        .upsert_items(&[common::data::gig("g")])
        .await
        .unwrap();
    // SQLite is dynamically typed: a text timestamp cannot be decoded at all.
    f.raw("INSERT INTO interactions (idem_key, user_id, item_id, kind, ts) VALUES ('k', 'u', 'g', 'save', 'soon')")
        .await
        .unwrap();
    let page = f
        .store
        .read_log(craic_store::Cursor::START, 10)
        .await
        .unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.malformed.len(), 1);
    assert_eq!(page.next.0 as i64, page.malformed[0].row_id);
    let loaded = craic_store::load_engine(&f.store, craic_core::Config::default())
        .await
        .unwrap();
    assert_eq!(loaded.skipped, page.malformed);
}

#[tokio::test]
async fn unopenable_file_is_unavailable() {
    let err = craic_store::open("sqlite:///nonexistent-dir-craic/x/y.db")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    let err = craic_store::open("postgres://x").await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidUrl);
}

#[test]
fn blocking_facade_in_memory() {
    let s = BlockingStore::open("sqlite::memory:").unwrap();
    assert_eq!(s.store().backend(), "sqlite");
    s.upsert_items(&[common::data::gig("g")]).unwrap();
    let e = craic_store::LogEntry::new(common::data::x("u", "g", "save", 1_700_000_000));
    assert_eq!(s.append(&[e.clone(), e]).unwrap().duplicates, 1);
    let loaded = s.load_engine(craic_core::Config::default()).unwrap();
    assert_eq!(loaded.engine.stats().interactions, 1);
    assert_eq!(s.log_head().unwrap(), loaded.cursor);
}

#[tokio::test]
async fn blocking_facade_inside_a_runtime_is_a_typed_error() {
    let err = BlockingStore::open("sqlite::memory:").unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::InvalidInput, "{err}");
}

#[tokio::test]
async fn preferences_the_core_rejects_are_skipped_and_reported() {
    let f = sqlite().await;
    f.store
        .set_preferences(&[("ana".into(), common::data::prefs("techno"))])
        .await
        .unwrap();
    f.raw(r#"INSERT INTO user_preferences VALUES ('', '["folk"]', '[]', '[]')"#)
        .await
        .unwrap();
    let loaded = craic_store::load_engine(&f.store, craic_core::Config::default())
        .await
        .unwrap();
    assert_eq!(loaded.skipped.len(), 1);
    assert_eq!(loaded.skipped[0].table, "user_preferences");
    assert_eq!(
        loaded.engine.preferences("ana"),
        Some(common::data::prefs("techno"))
    );
}
