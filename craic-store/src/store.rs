//! The [`Store`] trait every backend implements, and [`open`] by URL.

use std::future::Future;
use std::pin::Pin;

use craic_core::{Item, Preferences};

use crate::changes::ChangePage;
use crate::error::{Result, StoreError};
use crate::types::{
    AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, ModelInfo, ModelVersion, RetrainRun, VariantCounts,
};

/// The future every [`Store`] method returns (boxed, so `Box<dyn Store>` works).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A storage backend: catalogue, preferences, interaction log, experiments, model registry and
/// retrain history. Every method is async (tokio); [`crate::BlockingStore`] wraps any store for
/// synchronous callers.
///
/// Implementations are `Send + Sync`: call methods concurrently from many tasks. Every write
/// is validated whole before anything is written. Bulk writes (`upsert_items`,
/// `set_preferences`, `append`) commit in batches (one transaction per batch), so a failure
/// part-way leaves earlier batches written; each event, user and log entry is written whole,
/// and re-sending the same call converges to the same state. Other writes are one transaction.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// `"sqlite"`, `"mysql"` or `"dynamodb"`.
    fn backend(&self) -> &'static str;

    /// Inserts or replaces events (metadata replaced whole; an id repeated in the call keeps
    /// its last value). Every item is validated first.
    fn upsert_items<'a>(&'a self, items: &'a [Item]) -> StoreFuture<'a, ()>;
    /// Removes events: they are no longer recommended, and their past interactions still
    /// inform similarity (as [`craic_core::Engine::remove_items`]), so they stay in
    /// [`Store::items`] and are listed by [`Store::removed_items`]; upserting one again makes
    /// it live. Each id gets a position in the change feed. Returns how many were live. An id
    /// not stored is `NotFound` and nothing is removed; ids are validated first.
    fn remove_items<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, usize>;
    /// The ids of the removed events ([`Store::remove_items`]), in id order.
    fn removed_items(&self) -> StoreFuture<'_, Vec<String>>;
    /// The whole catalogue, removed events included, in id order.
    fn items(&self) -> StoreFuture<'_, Vec<Item>>;
    /// One event.
    fn item<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Item>>;
    /// The whole catalogue, split into the events the core accepts and the rows (by row id)
    /// it would reject, e.g. written behind the store's back.
    fn checked_items(&self) -> StoreFuture<'_, CheckedItems>;

    /// Sets (replaces) users' stated preferences; empty preferences clear them.
    fn set_preferences<'a>(
        &'a self,
        preferences: &'a [(String, Preferences)],
    ) -> StoreFuture<'a, ()>;
    /// Every user's stated preferences, in user id order.
    fn preferences(&self) -> StoreFuture<'_, Vec<(String, Preferences)>>;

    /// Appends interactions to the log. Entries whose key is already stored (or repeated in the
    /// batch) are skipped and counted as duplicates. Large batches are written in several
    /// transactions; if one fails, the ones before it stay written and re-sending the whole
    /// batch completes it without duplicating anything.
    fn append<'a>(&'a self, entries: &'a [LogEntry]) -> StoreFuture<'a, AppendReport>;
    /// Up to `limit` log rows after `after`, in cursor order.
    fn read_log(&self, after: Cursor, limit: usize) -> StoreFuture<'_, LogPage>;
    /// The cursor of the last row in the log ([`Cursor::START`] when empty).
    fn log_head(&self) -> StoreFuture<'_, Cursor>;

    /// Up to `limit` catalogue and preference changes after `after`, in order: every event
    /// written by `upsert_items` or removed by `remove_items` and every user's preferences written by `set_preferences`
    /// (empty ones: cleared) get a position in this feed, so a replica tails catalogue edits
    /// as it tails the log. The feed has its own positions ([`Cursor::START`] before the
    /// first change), unrelated to the log's.
    fn read_changes(&self, after: Cursor, limit: usize) -> StoreFuture<'_, ChangePage>;
    /// The position of the last change ([`Cursor::START`] when none).
    fn changes_head(&self) -> StoreFuture<'_, Cursor>;

    /// Creates or replaces an experiment's definition; variants may only be added.
    fn put_experiment<'a>(&'a self, experiment: &'a ExperimentRecord) -> StoreFuture<'a, ()>;
    /// Every experiment, in key order.
    fn experiments(&self) -> StoreFuture<'_, Vec<ExperimentRecord>>;
    /// Assigns `user` to `variant` unless they already have a variant: the first assignment
    /// wins. `NotFound` if the experiment or variant does not exist.
    fn assign<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
        variant: &'a str,
    ) -> StoreFuture<'a, Assignment>;
    /// A user's variant, if assigned.
    fn assignment<'a>(
        &'a self,
        experiment: &'a str,
        user: &'a str,
    ) -> StoreFuture<'a, Option<String>>;
    /// Records an exposure; false when its key was already recorded (counted once).
    fn record_exposure<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool>;
    /// Records a conversion; false when its key was already recorded (counted once).
    fn record_conversion<'a>(&'a self, event: &'a ExperimentEvent) -> StoreFuture<'a, bool>;
    /// Per-variant totals, in variant order.
    fn experiment_counts<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, Vec<VariantCounts>>;
    /// Every exposure and conversion of an experiment, each list in recording order (a
    /// restarted service replays them). `NotFound` if the experiment does not exist. Backends
    /// that cannot list them keep this default, a `Backend` error.
    fn experiment_events<'a>(&'a self, experiment: &'a str) -> StoreFuture<'a, ExperimentEvents> {
        let _ = experiment;
        let backend = self.backend();
        Box::pin(async move {
            Err(StoreError::Backend {
                backend,
                message: "listing experiment events is not supported".into(),
            })
        })
    }

    /// Stores a new model version (`Conflict` if the version id exists); it becomes current
    /// when `make_current`.
    fn publish_model<'a>(
        &'a self,
        model: &'a ModelVersion,
        make_current: bool,
    ) -> StoreFuture<'a, ()>;
    /// Makes a stored version current (`NotFound` if it is not stored).
    fn set_current_model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, ()>;
    /// One version with its bytes.
    fn model<'a>(&'a self, version: &'a str) -> StoreFuture<'a, Option<ModelVersion>>;
    /// The current version with its bytes.
    fn current_model(&self) -> StoreFuture<'_, Option<ModelVersion>>;
    /// Every version (without bytes), oldest publication first.
    fn models(&self) -> StoreFuture<'_, Vec<ModelInfo>>;

    /// Records a retrain run; returns its id.
    fn record_retrain<'a>(&'a self, run: &'a RetrainRun) -> StoreFuture<'a, i64>;
    /// The latest `limit` retrain runs, newest first.
    fn retrain_runs(&self, limit: usize) -> StoreFuture<'_, Vec<RetrainRun>>;
}

/// Opens a store by URL, running its migrations:
///
/// - `sqlite:///absolute/path/to.db`, `sqlite://relative/path.db` or `sqlite::memory:`
///   (feature `sqlite`);
/// - `mysql://user:pass@host:port/db` (feature `mysql`): the database must exist (`NotFound`
///   otherwise);
/// - `dynamodb://table-prefix?endpoint=...&region=...` (feature `dynamodb`): credentials from
///   the standard AWS chain; the tables are created if missing.
///
/// Errors: `InvalidUrl` for an unknown scheme or a backend whose feature is off;
/// `Unavailable` when the database cannot be reached.
pub async fn open(url: &str) -> Result<Box<dyn Store>> {
    if url.starts_with("sqlite:") {
        #[cfg(feature = "sqlite")]
        return Ok(Box::new(crate::sqlite::SqliteStore::open(url).await?));
        #[cfg(not(feature = "sqlite"))]
        return Err(StoreError::invalid_url(url, "the `sqlite` feature is off"));
    }
    if url.starts_with("mysql://") {
        #[cfg(feature = "mysql")]
        return Ok(Box::new(crate::mysql::MysqlStore::open(url).await?));
        #[cfg(not(feature = "mysql"))]
        return Err(StoreError::invalid_url(url, "the `mysql` feature is off"));
    }
    if url.starts_with("dynamodb://") {
        #[cfg(feature = "dynamodb")]
        return Ok(Box::new(crate::dynamodb::DynamoStore::open(url).await?));
        #[cfg(not(feature = "dynamodb"))]
        return Err(StoreError::invalid_url(
            url,
            "the `dynamodb` feature is off",
        ));
    }
    Err(StoreError::invalid_url(
        url,
        "unknown scheme (expected sqlite:, mysql:// or dynamodb://)",
    ))
}
