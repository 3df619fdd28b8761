//! The embedded SQLite backend (feature `sqlite`): one file in WAL mode, or in memory.
//!
//! rusqlite is synchronous: every call runs on tokio's blocking pool
//! ([`tokio::task::spawn_blocking`]) with the connection behind a mutex, so the async API never
//! blocks the runtime's workers. Writers are serialised by that mutex and by `BEGIN IMMEDIATE`,
//! so log rows commit in cursor order.

mod catalog;
mod experiments;
mod log;
mod models;
mod schema;

use std::sync::{Arc, Mutex};

use craic_core::{Item, Preferences};
use rusqlite::{Connection, ErrorCode};

use crate::changes::ChangePage;
use crate::error::{join_error, Result, StoreError};
use crate::store::{Store, StoreFuture};
use crate::types::{
    AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, ModelInfo, ModelVersion, RetrainRun, VariantCounts,
};

/// A store in one SQLite database. Open it with [`SqliteStore::open`] or [`crate::open`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) `sqlite:///abs/path.db`, `sqlite://rel/path.db` or
    /// `sqlite::memory:`, sets WAL mode and runs the migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let target = parse_url(url)?;
        let conn = tokio::task::spawn_blocking(move || connect(target))
            .await
            .map_err(join_error)??;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(join_error)?
    }
}

/// `None` for an in-memory database.
fn parse_url(url: &str) -> Result<Option<String>> {
    if url == "sqlite::memory:" {
        return Ok(None);
    }
    match url.strip_prefix("sqlite://") {
        Some(path) if !path.is_empty() => Ok(Some(path.to_owned())),
        _ => Err(StoreError::invalid_url(
            url,
            "expected sqlite:///abs/path.db, sqlite://rel/path.db or sqlite::memory:",
        )),
    }
}

fn connect(path: Option<String>) -> Result<Connection> {
    let mut conn = match &path {
        None => Connection::open_in_memory(),
        Some(p) => Connection::open(p),
    }
    .map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db)?;
    if path.is_some() {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend {
                backend: "sqlite",
                message: format!("cannot switch to WAL mode (journal_mode is {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

fn without_rows(rows: Vec<(i64, Item)>) -> Vec<Item> {
    rows.into_iter().map(|(_, item)| item).collect()
}

/// Maps a rusqlite error to the store's kinds.
pub(crate) fn db(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::CannotOpen
            | ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::PermissionDenied
            | ErrorCode::NotADatabase
            | ErrorCode::DiskFull => return StoreError::Unavailable(e.to_string()),
            ErrorCode::ConstraintViolation => return StoreError::Conflict(e.to_string()),
            _ => {}
        }
    }
    StoreError::Backend {
        backend: "sqlite",
        message: e.to_string(),
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn upsert_items<'a>(&'a self, items: &'a [Item]) -> StoreFuture<'a, ()> {
        let items = items.to_vec();
        Box::pin(self.call(move |c| catalog::upsert_items(c, &items)))
    }

    fn remove_items<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, usize> {
        let ids = ids.to_vec();
        Box::pin(self.call(move |c| catalog::remove_items(c, &ids)))
    }

    fn removed_items(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(self.call(catalog::removed_items))
    }

    fn items(&self) -> StoreFuture<'_, Vec<Item>> {
        Box::pin(self.call(|c| Ok(without_rows(catalog::items(c, None)?))))
    }

    fn item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Item>> {
        let id = id.to_owned();
        Box::pin(self.call(move |c| Ok(without_rows(catalog::items(c, Some(&id))?).pop())))
    }

    fn checked_items(&self) -> StoreFuture<'_, CheckedItems> {
        Box::pin(self.call(|c| Ok(CheckedItems::split(catalog::items(c, None)?))))
    }

    fn set_preferences<'a>(
        &'a self,
        preferences: &'a [(String, Preferences)],
    ) -> StoreFuture<'a, ()> {
        let prefs = preferences.to_vec();
        Box::pin(self.call(move |c| catalog::set_preferences(c, &prefs)))
    }

    fn preferences(&self) -> StoreFuture<'_, Vec<(String, Preferences)>> {
        Box::pin(self.call(catalog::preferences))
    }

    fn append<'a>(&'a self, entries: &'a [LogEntry]) -> StoreFuture<'a, AppendReport> {
        Box::pin(async move {
            for e in entries {
                e.validate()?;
            }
            let mut report = AppendReport::default();
            for (n, chunk) in entries.chunks(log::BATCH).enumerate() {
                let chunk = chunk.to_vec();
                let r = self.call(move |c| log::append(c, &chunk)).await?;
                report.extend(r, n * log::BATCH);
            }
            Ok(report)
        })
    }

    fn read_log(&self, after: Cursor, limit: usize) -> StoreFuture<'_, LogPage> {
        Box::pin(self.call(move |c| log::read(c, after, limit)))
    }

    fn log_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(self.call(log::head))
    }

    fn read_changes(&self, after: Cursor, limit: usize) -> StoreFuture<'_, ChangePage> {
        Box::pin(self.call(move |c| catalog::read_changes(c, after, limit)))
    }

    fn changes_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(self.call(catalog::changes_head))
    }

    fn put_experiment<'a>(&'a self, experiment: &'a ExperimentRecord) -> StoreFuture<'a, ()> {
        let e = experiment.clone();
        Box::pin(self.call(move |c| experiments::put(c, &e)))
    }

    fn experiments(&self) -> StoreFuture<'_, Vec<ExperimentRecord>> {
        Box::pin(self.call(experiments::all))
    }

    fn assign<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
        variant: &'a str,
    ) -> StoreFuture<'a, Assignment> {
        let (e, u, v) = (experiment.to_owned(), user.to_owned(), variant.to_owned());
        Box::pin(self.call(move |c| experiments::assign(c, &e, &u, &v)))
    }

    fn assignment<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
    ) -> StoreFuture<'a, Option<String>> {
        let (e, u) = (experiment.to_owned(), user.to_owned());
        Box::pin(self.call(move |c| experiments::assignment(c, &e, &u)))
    }

    fn record_exposure<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        let e = event.clone();
        Box::pin(self.call(move |c| experiments::record(c, "exposures", &e)))
    }

    fn record_conversion<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        let e = event.clone();
        Box::pin(self.call(move |c| experiments::record(c, "conversions", &e)))
    }

    fn experiment_counts<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, Vec<VariantCounts>> {
        let e = experiment.to_owned();
        Box::pin(self.call(move |c| experiments::counts(c, &e)))
    }

    fn experiment_events<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, ExperimentEvents> {
        let e = experiment.to_owned();
        Box::pin(self.call(move |c| experiments::events(c, &e)))
    }

    fn publish_model<'a>(
        &'a self,
        model: &'a ModelVersion,
        make_current: bool,
    ) -> StoreFuture<'a, ()> {
        let m = model.clone();
        Box::pin(self.call(move |c| models::publish(c, &m, make_current)))
    }

    fn set_current_model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, ()> {
        let v = version.to_owned();
        Box::pin(self.call(move |c| models::set_current(c, &v)))
    }

    fn model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<ModelVersion>> {
        let v = version.to_owned();
        Box::pin(self.call(move |c| models::get(c, Some(&v))))
    }

    fn current_model(&self) -> StoreFuture<'_, Option<ModelVersion>> {
        Box::pin(self.call(|c| models::get(c, None)))
    }

    fn models(&self) -> StoreFuture<'_, Vec<ModelInfo>> {
        Box::pin(self.call(models::list))
    }

    fn record_retrain<'a>(&'a self, run: &'a RetrainRun) -> StoreFuture<'a, i64> {
        let r = run.clone();
        Box::pin(self.call(move |c| models::record_retrain(c, &r)))
    }

    fn retrain_runs(&self, limit: usize) -> StoreFuture<'_, Vec<RetrainRun>> {
        Box::pin(self.call(move |c| models::retrain_runs(c, limit)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("sqlite::memory:").unwrap(), None);
        assert_eq!(
            parse_url("sqlite:///tmp/x.db").unwrap().as_deref(),
            Some("/tmp/x.db")
        );
        assert_eq!(parse_url("sqlite://x.db").unwrap().as_deref(), Some("x.db"));
        assert_eq!(
            parse_url("sqlite:").unwrap_err().kind(),
            crate::StoreErrorKind::InvalidUrl
        );
    }

    #[test]
    fn migrations_run_once() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(schema::migrate(&mut c).unwrap(), 4);
        assert_eq!(schema::migrate(&mut c).unwrap(), 0);
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
    }
}
