//! The MySQL / MariaDB backend (feature `mysql`), on mysql_async.
//!
//! A normalised schema (see `schema.rs` and docs/storage.md), always parameterised SQL, bulk
//! writes as multi-row statements in batched transactions.

mod catalog;
mod changes;
mod experiments;
mod log;
mod models;
mod names;
mod schema;

use craic_core::{Item, Preferences};
use mysql_async::{Conn, DriverError, Opts, OptsBuilder, Pool, Value};

use crate::changes::ChangePage;
use crate::error::{MalformedRow, Result, StoreError};
use crate::store::{Store, StoreFuture};
use crate::types::{
    AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, ModelInfo, ModelVersion, RetrainRun, VariantCounts,
};

/// A store in one MySQL / MariaDB database, through a connection pool. Open it with
/// [`MysqlStore::open`] or [`crate::open`].
#[derive(Debug, Clone)]
pub struct MysqlStore {
    pool: Pool,
}

impl MysqlStore {
    /// Connects to `mysql://user:pass@host:port/db` (the database must exist) and runs the
    /// migrations. `Unavailable` if the server cannot be reached.
    pub async fn open(url: &str) -> Result<MysqlStore> {
        let opts = Opts::from_url(url).map_err(|e| StoreError::invalid_url(url, e.to_string()))?;
        if opts.db_name().is_none() {
            return Err(StoreError::invalid_url(url, "no database name in the URL"));
        }
        // Affected-row counts must count only changed rows: they report inserted vs duplicate.
        let opts = OptsBuilder::from_opts(opts).client_found_rows(false);
        let store = MysqlStore {
            pool: Pool::new(opts),
        };
        let mut conn = store.conn().await?;
        schema::migrate(&mut conn).await?;
        Ok(store)
    }

    async fn conn(&self) -> Result<Conn> {
        self.pool.get_conn().await.map_err(db)
    }

    /// Closes the pool's connections (dropping the store does too, less politely).
    pub async fn close(self) -> Result<()> {
        self.pool.disconnect().await.map_err(db)
    }
}

/// Server error codes that mean the connection or server went away, or a retryable abort.
const UNAVAILABLE_CODES: &[u16] = &[
    1040, // too many connections
    1053, // server shutdown in progress
    1205, // lock wait timeout
    1213, // deadlock: retry
    1317, // query execution was interrupted
    1927, // connection was killed
    2006, // server has gone away
    2013, // lost connection during query
];

/// Maps a mysql_async error to the store's kinds.
pub(crate) fn db(e: mysql_async::Error) -> StoreError {
    use mysql_async::Error as E;
    match &e {
        E::Io(_)
        | E::Driver(
            DriverError::ConnectionClosed
            | DriverError::PoolDisconnected
            | DriverError::PacketOutOfOrder
            | DriverError::UnexpectedPacket { .. },
        ) => StoreError::Unavailable(e.to_string()),
        E::Server(s) if UNAVAILABLE_CODES.contains(&s.code) => {
            StoreError::Unavailable(e.to_string())
        }
        E::Server(s) if s.code == 1062 => StoreError::Conflict(e.to_string()),
        E::Server(s) if s.code == 1049 => StoreError::NotFound(e.to_string()),
        E::Url(u) => StoreError::InvalidUrl {
            url: String::new(),
            reason: u.to_string(),
        },
        _ => StoreError::Backend {
            backend: "mysql",
            message: e.to_string(),
        },
    }
}

/// A string as a byte parameter.
pub(crate) fn b(s: &str) -> Value {
    Value::Bytes(s.as_bytes().to_vec())
}

/// `(?,?),(?,?)...`: `rows` groups of `cols` placeholders.
pub(crate) fn groups(rows: usize, cols: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

/// Bytes read back decoded as UTF-8, or the row reported malformed.
pub(crate) fn utf8(table: &'static str, row_id: u64, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        StoreError::MalformedRow(MalformedRow {
            table,
            row_id: row_id as i64,
            reason: format!("not UTF-8: {e}"),
        })
    })
}

impl Store for MysqlStore {
    fn backend(&self) -> &'static str {
        "mysql"
    }

    fn upsert_items<'a>(&'a self, items: &'a [Item]) -> StoreFuture<'a, ()> {
        Box::pin(async move { catalog::upsert_items(&mut self.conn().await?, items).await })
    }

    fn items(&self) -> StoreFuture<'_, Vec<Item>> {
        Box::pin(async move {
            let rows = catalog::items(&mut self.conn().await?, None).await?;
            Ok(rows.into_iter().map(|(_, item)| item).collect())
        })
    }

    fn checked_items(&self) -> StoreFuture<'_, CheckedItems> {
        Box::pin(async move {
            let rows = catalog::items(&mut self.conn().await?, None).await?;
            Ok(CheckedItems::split(rows))
        })
    }

    fn remove_items<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, usize> {
        Box::pin(async move { catalog::remove_items(&mut self.conn().await?, ids).await })
    }

    fn removed_items(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move { catalog::removed_items(&mut self.conn().await?).await })
    }

    fn item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Item>> {
        Box::pin(async move {
            let mut rows = catalog::items(&mut self.conn().await?, Some(id)).await?;
            Ok(rows.pop().map(|(_, item)| item))
        })
    }

    fn set_preferences<'a>(
        &'a self,
        preferences: &'a [(String, Preferences)],
    ) -> StoreFuture<'a, ()> {
        Box::pin(
            async move { catalog::set_preferences(&mut self.conn().await?, preferences).await },
        )
    }

    fn preferences(&self) -> StoreFuture<'_, Vec<(String, Preferences)>> {
        Box::pin(async move { catalog::preferences(&mut self.conn().await?).await })
    }

    fn append<'a>(&'a self, entries: &'a [LogEntry]) -> StoreFuture<'a, AppendReport> {
        Box::pin(async move {
            for e in entries {
                e.validate()?;
            }
            log::append(&mut self.conn().await?, entries).await
        })
    }

    fn read_log(&self, after: Cursor, limit: usize) -> StoreFuture<'_, LogPage> {
        Box::pin(async move { log::read(&mut self.conn().await?, after, limit).await })
    }

    fn log_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(async move { log::head(&mut self.conn().await?).await })
    }

    fn read_changes(&self, after: Cursor, limit: usize) -> StoreFuture<'_, ChangePage> {
        Box::pin(async move { changes::read(&mut self.conn().await?, after, limit).await })
    }

    fn changes_head(&self) -> StoreFuture<'_, Cursor> {
        Box::pin(async move { changes::head(&mut self.conn().await?).await })
    }

    fn put_experiment<'a>(&'a self, experiment: &'a ExperimentRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move { experiments::put(&mut self.conn().await?, experiment).await })
    }

    fn experiments(&self) -> StoreFuture<'_, Vec<ExperimentRecord>> {
        Box::pin(async move { experiments::all(&mut self.conn().await?).await })
    }

    fn assign<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
        variant: &'a str,
    ) -> StoreFuture<'a, Assignment> {
        Box::pin(async move {
            experiments::assign(&mut self.conn().await?, experiment, user, variant).await
        })
    }

    fn assignment<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
    ) -> StoreFuture<'a, Option<String>> {
        Box::pin(
            async move { experiments::assignment(&mut self.conn().await?, experiment, user).await },
        )
    }

    fn record_exposure<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        Box::pin(async move { experiments::record(&mut self.conn().await?, false, event).await })
    }

    fn record_conversion<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool> {
        Box::pin(async move { experiments::record(&mut self.conn().await?, true, event).await })
    }

    fn experiment_counts<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, Vec<VariantCounts>> {
        Box::pin(async move { experiments::counts(&mut self.conn().await?, experiment).await })
    }

    fn experiment_events<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, ExperimentEvents> {
        Box::pin(async move { experiments::events(&mut self.conn().await?, experiment).await })
    }

    fn publish_model<'a>(
        &'a self,
        model: &'a ModelVersion,
        make_current: bool,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { models::publish(&mut self.conn().await?, model, make_current).await })
    }

    fn set_current_model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { models::set_current(&mut self.conn().await?, version).await })
    }

    fn model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<ModelVersion>> {
        Box::pin(async move { models::get(&mut self.conn().await?, Some(version)).await })
    }

    fn current_model(&self) -> StoreFuture<'_, Option<ModelVersion>> {
        Box::pin(async move { models::get(&mut self.conn().await?, None).await })
    }

    fn models(&self) -> StoreFuture<'_, Vec<ModelInfo>> {
        Box::pin(async move { models::list(&mut self.conn().await?).await })
    }

    fn record_retrain<'a>(&'a self, run: &'a RetrainRun) -> StoreFuture<'a, i64> {
        Box::pin(async move { models::record_retrain(&mut self.conn().await?, run).await })
    }

    fn retrain_runs(&self, limit: usize) -> StoreFuture<'_, Vec<RetrainRun>> {
        Box::pin(async move { models::retrain_runs(&mut self.conn().await?, limit).await })
    }
}
