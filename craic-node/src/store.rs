//! The `Store` class: craic-store's storage adapters (SQLite file, MySQL/MariaDB, DynamoDB) for
//! Node.
//! Every method does I/O, so every method returns a Promise and runs off the JS thread (on the
//! store's own small runtime, through `BlockingStore`). The objects it takes and returns are in
//! `store_values.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use craic_core as core;
use craic_store as st;
use napi::bindgen_prelude::AsyncTask;
use napi::Env;
use napi_derive::napi;

use crate::convert;
use crate::engine::Engine;
use crate::errors::{Fallible, OrThrow};
use crate::experiments::Experiment;
use crate::store_values::{
    cursor, log_entry, malformed, model_version, retrain_run, AppendReport, LoadedEngine, LogEntry,
    LogPage, LogRecord, ModelInfo, ModelVersion, RetrainRun, StoredAssignment,
    StoredExperimentEvent, StoredVariantCounts, Tailed,
};
use crate::values::{self, Item, Preferences};
use crate::work::{spawn, Work};

/// A store opened by URL: `sqlite:///path/to.db`, `sqlite::memory:`,
/// `mysql://user:pass@host:port/db`, `dynamodb://table-prefix?endpoint=…&region=…`.
/// Holds the catalogue, preferences, the interaction log
/// (idempotent appends, cursors to tail), experiment data, model snapshots with a version
/// registry and retrain history.
#[napi]
pub struct Store {
    inner: Arc<st::BlockingStore>,
}

impl Store {
    fn run<T, F>(&self, job: F) -> AsyncTask<Work<T>>
    where
        T: Send + 'static + napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName,
        F: FnOnce(&st::BlockingStore) -> Fallible<T> + Send + 'static,
    {
        let store = Arc::clone(&self.inner);
        spawn(move || job(&store))
    }
}

#[napi]
impl Store {
    /// Opens a store by URL, off the JS thread; runs its schema migrations. A bad URL rejects
    /// with `InvalidInputError` (`CRAIC_INVALID_URL`), a server that does not answer with
    /// `StorageError` (`CRAIC_UNAVAILABLE`).
    #[napi(catch_unwind, ts_return_type = "Promise<Store>")]
    pub fn open(url: String) -> AsyncTask<Work<Store>> {
        spawn(move || {
            let inner = st::BlockingStore::open(&url)?;
            Ok(Store {
                inner: Arc::new(inner),
            })
        })
    }

    /// Inserts or replaces events.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn upsert_items(&self, env: Env, items: Vec<Item>) -> napi::Result<AsyncTask<Work<()>>> {
        let items = values::items(items).or_throw(&env)?;
        Ok(self.run(move |s| Ok(s.upsert_items(&items)?)))
    }

    /// Removes events: no longer recommended, still in `items()` (their interactions count),
    /// announced to replicas; upserting one again makes it live. Resolves to how many were
    /// live. An id not stored rejects with `NotFoundError` and nothing is removed.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn remove_items(&self, ids: Vec<String>) -> AsyncTask<Work<u32>> {
        self.run(move |s| Ok(values::saturate(s.remove_items(&ids)?)))
    }

    /// The ids of the removed events, in id order.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<string>>")]
    pub fn removed_items(&self) -> AsyncTask<Work<Vec<String>>> {
        self.run(|s| Ok(s.removed_items()?))
    }

    /// The whole catalogue, removed events included.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<Item>>")]
    pub fn items(&self) -> AsyncTask<Work<Vec<Item>>> {
        self.run(|s| Ok(s.items()?.into_iter().map(Item::from).collect()))
    }

    /// Sets (replaces) users' stated preferences (`{userId: preferences}`); empty preferences
    /// clear them.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn set_preferences(
        &self,
        preferences: HashMap<String, Preferences>,
    ) -> AsyncTask<Work<()>> {
        let prefs = values::preferences_map(Some(preferences));
        self.run(move |s| Ok(s.set_preferences(&prefs)?))
    }

    /// Every user's stated preferences.
    #[napi(catch_unwind, ts_return_type = "Promise<Record<string, Preferences>>")]
    pub fn preferences(&self) -> AsyncTask<Work<HashMap<String, Preferences>>> {
        self.run(|s| {
            Ok(s.preferences()?
                .into_iter()
                .map(|(u, p)| (u, Preferences::from(p)))
                .collect())
        })
    }

    /// Appends interactions to the log, idempotently: an entry whose key is stored already is
    /// counted as a duplicate and not stored again, so a timed-out batch can be re-sent whole.
    #[napi(catch_unwind, ts_return_type = "Promise<AppendReport>")]
    pub fn append(
        &self,
        env: Env,
        entries: Vec<LogEntry>,
    ) -> napi::Result<AsyncTask<Work<AppendReport>>> {
        let entries = entries
            .into_iter()
            .enumerate()
            .map(|(n, e)| log_entry(e).map_err(|f| f.in_row(n)))
            .collect::<Fallible<Vec<_>>>()
            .or_throw(&env)?;
        Ok(self.run(move |s| {
            let r = s.append(&entries)?;
            Ok(AppendReport {
                inserted: r.inserted as f64,
                duplicates: r.duplicates as f64,
                new_indices: r.new_indices.into_iter().map(|n| n as u32).collect(),
            })
        }))
    }

    /// Up to `limit` log records after `after` (0: from the start), in cursor order.
    #[napi(catch_unwind, ts_return_type = "Promise<LogPage>")]
    pub fn read_log(
        &self,
        env: Env,
        after: f64,
        limit: f64,
    ) -> napi::Result<AsyncTask<Work<LogPage>>> {
        let after = cursor(after).or_throw(&env)?;
        let limit = convert::count(limit, "limit", core::ErrorKind::OutOfRange).or_throw(&env)?;
        Ok(self.run(move |s| {
            let page = s.read_log(after, limit)?;
            Ok(LogPage {
                records: page
                    .records
                    .into_iter()
                    .map(|r| LogRecord {
                        cursor: r.cursor.0 as f64,
                        key: r.key,
                        interaction: r.interaction.into(),
                    })
                    .collect(),
                malformed: malformed(page.malformed),
                next: page.next.0 as f64,
            })
        }))
    }

    /// The cursor of the newest record (0 for an empty log).
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn log_head(&self) -> AsyncTask<Work<f64>> {
        self.run(|s| Ok(s.log_head()?.0 as f64))
    }

    /// Builds an engine from everything in the store (catalogue, preferences, the whole log),
    /// skipping and reporting malformed rows; resolves to the engine and the cursor to tail from.
    #[napi(catch_unwind, ts_return_type = "Promise<LoadedEngine>")]
    pub fn load_engine(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Config")] config: Option<napi::bindgen_prelude::Object>,
    ) -> napi::Result<AsyncTask<Work<LoadedEngine>>> {
        let config = crate::engine::config(&env, config)?;
        Ok(self.run(move |s| {
            let loaded = s.load_engine(config)?;
            Ok(LoadedEngine {
                engine: Engine::wrap(loaded.engine),
                cursor: loaded.cursor.0 as f64,
                interactions: loaded.interactions as f64,
                skipped: malformed(loaded.skipped),
            })
        }))
    }

    /// Applies to `engine` everything appended after `after` (incrementally), fetching events
    /// the engine does not know yet from the catalogue; resolves to the cursor to tail from next.
    #[napi(catch_unwind, ts_return_type = "Promise<Tailed>")]
    pub fn tail(
        &self,
        env: Env,
        engine: &Engine,
        after: f64,
    ) -> napi::Result<AsyncTask<Work<Tailed>>> {
        let after = cursor(after).or_throw(&env)?;
        let engine = Arc::clone(&engine.inner);
        Ok(self.run(move |s| {
            let t = s.tail(&engine, after)?;
            Ok(Tailed {
                cursor: t.cursor.0 as f64,
                interactions: t.interactions as f64,
                skipped: malformed(t.skipped),
            })
        }))
    }

    /// Publishes a model version (its bytes from `Engine.toSnapshot`); with `makeCurrent` it
    /// becomes the current version. Publishing a version id twice rejects with `CRAIC_CONFLICT`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn publish_model(
        &self,
        env: Env,
        model: ModelVersion,
        make_current: bool,
    ) -> napi::Result<AsyncTask<Work<()>>> {
        let trained_at = convert::timestamp(model.trained_at, "trainedAt").or_throw(&env)?;
        let model = st::ModelVersion {
            version: model.version,
            bytes: model.bytes.to_vec(),
            metrics_json: model.metrics_json,
            trained_at,
        };
        Ok(self.run(move |s| Ok(s.publish_model(&model, make_current)?)))
    }

    /// Makes a published version current (`NotFoundError` for an unknown one).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn set_current_model(&self, version: String) -> AsyncTask<Work<()>> {
        self.run(move |s| Ok(s.set_current_model(&version)?))
    }

    /// The current model version with its bytes, or `null`.
    #[napi(catch_unwind, ts_return_type = "Promise<ModelVersion | null>")]
    pub fn current_model(&self) -> AsyncTask<Work<Option<ModelVersion>>> {
        self.run(|s| Ok(s.current_model()?.map(model_version)))
    }

    /// A model version with its bytes, or `null`.
    #[napi(catch_unwind, ts_return_type = "Promise<ModelVersion | null>")]
    pub fn model(&self, version: String) -> AsyncTask<Work<Option<ModelVersion>>> {
        self.run(move |s| Ok(s.model(&version)?.map(model_version)))
    }

    /// The registry: every version without its bytes.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<ModelInfo>>")]
    pub fn models(&self) -> AsyncTask<Work<Vec<ModelInfo>>> {
        self.run(|s| {
            Ok(s.models()?
                .into_iter()
                .map(|m| ModelInfo {
                    version: m.version,
                    size: m.size as f64,
                    metrics_json: m.metrics_json,
                    trained_at: m.trained_at as f64,
                    current: m.current,
                })
                .collect())
        })
    }

    /// Records a retrain attempt; resolves to its row id.
    #[napi(catch_unwind, ts_return_type = "Promise<number>")]
    pub fn record_retrain(&self, env: Env, run: RetrainRun) -> napi::Result<AsyncTask<Work<f64>>> {
        let run = retrain_run(run).or_throw(&env)?;
        Ok(self.run(move |s| Ok(s.record_retrain(&run)? as f64)))
    }

    /// The latest `limit` retrain attempts, newest first.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<RetrainRun>>")]
    pub fn retrain_runs(
        &self,
        env: Env,
        limit: f64,
    ) -> napi::Result<AsyncTask<Work<Vec<RetrainRun>>>> {
        let limit = convert::count(limit, "limit", core::ErrorKind::OutOfRange).or_throw(&env)?;
        Ok(self.run(move |s| {
            Ok(s.retrain_runs(limit)?
                .into_iter()
                .map(|r| RetrainRun {
                    id: Some(r.id as f64),
                    started_at: r.started_at as f64,
                    finished_at: r.finished_at as f64,
                    outcome: r.outcome,
                    version: r.version,
                    interactions: r.interactions as f64,
                    detail_json: Some(r.detail_json),
                })
                .collect())
        }))
    }

    /// Stores an experiment's definition (replacing one with the same key).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn put_experiment(&self, experiment: &Experiment) -> AsyncTask<Work<()>> {
        let record = st::ExperimentRecord::from_experiment(&experiment.inner);
        self.run(move |s| Ok(s.put_experiment(&record)?))
    }

    /// Every stored experiment.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<Experiment>>")]
    pub fn experiments(&self) -> AsyncTask<Work<Vec<Experiment>>> {
        self.run(|s| {
            s.experiments()?
                .iter()
                .map(|r| {
                    Ok(Experiment {
                        inner: r.to_experiment()?,
                    })
                })
                .collect()
        })
    }

    /// Assigns `user` to `variant` of `experiment` unless already assigned: the first
    /// assignment wins (resolves to the variant the user is in).
    #[napi(catch_unwind, ts_return_type = "Promise<StoredAssignment>")]
    pub fn assign(
        &self,
        experiment: String,
        user: String,
        variant: String,
    ) -> AsyncTask<Work<StoredAssignment>> {
        self.run(move |s| {
            let a = s.assign(&experiment, &user, &variant)?;
            Ok(StoredAssignment {
                variant: a.variant,
                new: a.new,
            })
        })
    }

    /// Records an exposure, once per key (`false` when the key was recorded already).
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn record_exposure(
        &self,
        env: Env,
        event: StoredExperimentEvent,
    ) -> napi::Result<AsyncTask<Work<bool>>> {
        let event = st::ExperimentEvent::try_from(event).or_throw(&env)?;
        Ok(self.run(move |s| Ok(s.record_exposure(&event)?)))
    }

    /// Records a conversion, once per key (`false` when the key was recorded already).
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn record_conversion(
        &self,
        env: Env,
        event: StoredExperimentEvent,
    ) -> napi::Result<AsyncTask<Work<bool>>> {
        let event = st::ExperimentEvent::try_from(event).or_throw(&env)?;
        Ok(self.run(move |s| Ok(s.record_conversion(&event)?)))
    }

    /// Per-variant totals of an experiment.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<StoredVariantCounts>>")]
    pub fn experiment_counts(
        &self,
        experiment: String,
    ) -> AsyncTask<Work<Vec<StoredVariantCounts>>> {
        self.run(move |s| {
            Ok(s.experiment_counts(&experiment)?
                .into_iter()
                .map(|c| StoredVariantCounts {
                    variant: c.variant,
                    assignments: c.assignments as f64,
                    exposures: c.exposures as f64,
                    conversions: c.conversions as f64,
                    conversion_value: c.conversion_value,
                })
                .collect())
        })
    }
}
