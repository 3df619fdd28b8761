//! [`BlockingStore`]: any store behind a synchronous API, for bindings and scripts.

use craic_core::{Config, Engine, Item, Preferences};

use crate::changes::ChangePage;
use crate::engine_io::{self, Loaded, Tailed};
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::types::{
    AppendReport, Assignment, CheckedItems, Cursor, ExperimentEvent, ExperimentEvents,
    ExperimentRecord, LogEntry, LogPage, ModelInfo, ModelVersion, RetrainRun, VariantCounts,
};

/// A [`Store`] with a small tokio runtime of its own: every method blocks until done.
///
/// Calling it from inside an async runtime (which it would block) is an `InvalidInput` error:
/// use the async [`Store`] there.
#[derive(Debug)]
pub struct BlockingStore {
    // Dropped first, while the runtime its connections live on still runs.
    store: Box<dyn Store>,
    runtime: tokio::runtime::Runtime,
}

impl BlockingStore {
    /// Opens a store by URL (see [`crate::open`]).
    pub fn open(url: &str) -> Result<BlockingStore> {
        inside_runtime()?;
        let runtime = runtime()?;
        let store = runtime.block_on(crate::open(url))?;
        Ok(BlockingStore { store, runtime })
    }

    /// A store made by `make` (for example [`crate::DynamoStore::open_with_static_credentials`]
    /// or a backend opened with options a URL cannot carry), run on the new store's own
    /// runtime.
    pub fn from_future<S, F>(make: F) -> Result<BlockingStore>
    where
        S: Store + 'static,
        F: std::future::Future<Output = Result<S>>,
    {
        inside_runtime()?;
        let runtime = runtime()?;
        let store = runtime.block_on(make)?;
        Ok(BlockingStore {
            store: Box::new(store),
            runtime,
        })
    }

    /// The async store inside.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    fn run<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        inside_runtime()?;
        self.runtime.block_on(f)
    }

    /// See [`Store::upsert_items`].
    pub fn upsert_items(&self, items: &[Item]) -> Result<()> {
        self.run(self.store.upsert_items(items))
    }
    /// See [`Store::remove_items`].
    pub fn remove_items(&self, ids: &[String]) -> Result<usize> {
        self.run(self.store.remove_items(ids))
    }
    /// See [`Store::removed_items`].
    pub fn removed_items(&self) -> Result<Vec<String>> {
        self.run(self.store.removed_items())
    }
    /// See [`Store::items`].
    pub fn items(&self) -> Result<Vec<Item>> {
        self.run(self.store.items())
    }
    /// See [`Store::item`].
    pub fn item(&self, id: &str) -> Result<Option<Item>> {
        self.run(self.store.item(id))
    }
    /// See [`Store::checked_items`].
    pub fn checked_items(&self) -> Result<CheckedItems> {
        self.run(self.store.checked_items())
    }
    /// See [`Store::set_preferences`].
    pub fn set_preferences(&self, preferences: &[(String, Preferences)]) -> Result<()> {
        self.run(self.store.set_preferences(preferences))
    }
    /// See [`Store::preferences`].
    pub fn preferences(&self) -> Result<Vec<(String, Preferences)>> {
        self.run(self.store.preferences())
    }
    /// See [`Store::read_changes`].
    pub fn read_changes(&self, after: Cursor, limit: usize) -> Result<ChangePage> {
        self.run(self.store.read_changes(after, limit))
    }
    /// See [`Store::changes_head`].
    pub fn changes_head(&self) -> Result<Cursor> {
        self.run(self.store.changes_head())
    }
    /// See [`Store::append`].
    pub fn append(&self, entries: &[LogEntry]) -> Result<AppendReport> {
        self.run(self.store.append(entries))
    }
    /// See [`Store::read_log`].
    pub fn read_log(&self, after: Cursor, limit: usize) -> Result<LogPage> {
        self.run(self.store.read_log(after, limit))
    }
    /// See [`Store::log_head`].
    pub fn log_head(&self) -> Result<Cursor> {
        self.run(self.store.log_head())
    }
    /// See [`Store::put_experiment`].
    pub fn put_experiment(&self, experiment: &ExperimentRecord) -> Result<()> {
        self.run(self.store.put_experiment(experiment))
    }
    /// See [`Store::experiments`].
    pub fn experiments(&self) -> Result<Vec<ExperimentRecord>> {
        self.run(self.store.experiments())
    }
    /// See [`Store::assign`].
    pub fn assign(&self, experiment: &str, user: &str, variant: &str) -> Result<Assignment> {
        self.run(self.store.assign(experiment, user, variant))
    }
    /// See [`Store::assignment`].
    pub fn assignment(&self, experiment: &str, user: &str) -> Result<Option<String>> {
        self.run(self.store.assignment(experiment, user))
    }
    /// See [`Store::record_exposure`].
    pub fn record_exposure(&self, event: &ExperimentEvent) -> Result<bool> {
        self.run(self.store.record_exposure(event))
    }
    /// See [`Store::record_conversion`].
    pub fn record_conversion(&self, event: &ExperimentEvent) -> Result<bool> {
        self.run(self.store.record_conversion(event))
    }
    /// See [`Store::experiment_counts`].
    pub fn experiment_counts(&self, experiment: &str) -> Result<Vec<VariantCounts>> {
        self.run(self.store.experiment_counts(experiment))
    }
    /// See [`Store::experiment_events`].
    pub fn experiment_events(&self, experiment: &str) -> Result<ExperimentEvents> {
        self.run(self.store.experiment_events(experiment))
    }
    /// See [`Store::publish_model`].
    pub fn publish_model(&self, model: &ModelVersion, make_current: bool) -> Result<()> {
        self.run(self.store.publish_model(model, make_current))
    }
    /// See [`Store::set_current_model`].
    pub fn set_current_model(&self, version: &str) -> Result<()> {
        self.run(self.store.set_current_model(version))
    }
    /// See [`Store::model`].
    pub fn model(&self, version: &str) -> Result<Option<ModelVersion>> {
        self.run(self.store.model(version))
    }
    /// See [`Store::current_model`].
    pub fn current_model(&self) -> Result<Option<ModelVersion>> {
        self.run(self.store.current_model())
    }
    /// See [`Store::models`].
    pub fn models(&self) -> Result<Vec<ModelInfo>> {
        self.run(self.store.models())
    }
    /// See [`Store::record_retrain`].
    pub fn record_retrain(&self, run: &RetrainRun) -> Result<i64> {
        self.run(self.store.record_retrain(run))
    }
    /// See [`Store::retrain_runs`].
    pub fn retrain_runs(&self, limit: usize) -> Result<Vec<RetrainRun>> {
        self.run(self.store.retrain_runs(limit))
    }
    /// See [`crate::load_engine`].
    pub fn load_engine(&self, config: Config) -> Result<Loaded> {
        self.run(engine_io::load_engine(&*self.store, config))
    }
    /// See [`crate::tail`].
    pub fn tail(&self, engine: &Engine, after: Cursor) -> Result<Tailed> {
        self.run(engine_io::tail(&*self.store, engine, after))
    }
}

/// Blocking inside a runtime would stall it (and tokio panics): refuse with a typed error.
fn inside_runtime() -> Result<()> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Err(StoreError::InvalidInput(
            "BlockingStore used inside an async runtime: use the async Store there".into(),
        )),
        Err(_) => Ok(()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(4)
        .enable_all()
        .thread_name("craic-store")
        .build()
        .map_err(|e| StoreError::Backend {
            backend: "tokio",
            message: format!("cannot start the runtime: {e}"),
        })
}
