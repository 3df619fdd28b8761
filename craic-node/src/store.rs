//! The `Store` class: craic-store's storage adapters (SQLite file, MySQL/MariaDB, DynamoDB) for
//! Node.
//! Every method does I/O, so every method returns a Promise and runs off the JS thread (on the
//! store's own small runtime, through `BlockingStore`).

use std::collections::HashMap;
use std::sync::Arc;

use craic_core as core;
use craic_store as st;
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::Env;
use napi_derive::napi;

use crate::convert;
use crate::engine::Engine;
use crate::errors::{Fallible, JsFailure, OrThrow};
use crate::experiments::Experiment;
use crate::values::{self, Interaction, Item, Preferences};
use crate::work::{spawn, Work};

/// An interaction to append, with an optional idempotency `key` (default: derived from the
/// interaction's fields, so re-sending the same interaction is a no-op).
#[napi(object)]
pub struct LogEntry {
    /// Who acted.
    pub user_id: String,
    /// What they acted on.
    pub item_id: String,
    /// The interaction kind.
    pub kind: String,
    /// When, unix seconds.
    pub timestamp: f64,
    /// For an `impression` only: the position it was shown at (0 = top); stored with it, not
    /// part of the derived idempotency key.
    pub rank: Option<f64>,
    /// Idempotency key (1..=1 024 bytes); the same key is stored once.
    pub key: Option<String>,
}

/// What `append` did.
#[napi(object)]
pub struct AppendReport {
    /// Entries stored.
    pub inserted: f64,
    /// Entries whose key was stored already (or repeated in the batch): not stored again.
    pub duplicates: f64,
    /// Positions in the batch of the entries stored, ascending: the ones a caller keeping its
    /// own copy of the log must apply.
    pub new_indices: Vec<u32>,
}

/// A row the store skipped under its malformed-row policy: its table, row id and why.
#[napi(object)]
pub struct MalformedRow {
    /// The table.
    pub table: String,
    /// The row id (for the log, its cursor).
    pub row_id: f64,
    /// Why it was skipped.
    pub reason: String,
}

pub(crate) fn malformed(rows: Vec<st::MalformedRow>) -> Vec<MalformedRow> {
    rows.into_iter()
        .map(|m| MalformedRow {
            table: m.table.to_owned(),
            row_id: m.row_id as f64,
            reason: m.reason,
        })
        .collect()
}

/// One stored interaction and its cursor.
#[napi(object)]
pub struct LogRecord {
    /// Its position in the log.
    pub cursor: f64,
    /// Its idempotency key.
    pub key: String,
    /// The interaction.
    pub interaction: Interaction,
}

/// A page of the log: the records after the cursor asked for, rows that could not be decoded,
/// and the cursor to continue from.
#[napi(object)]
pub struct LogPage {
    /// Records, in cursor order.
    pub records: Vec<LogRecord>,
    /// Rows that could not be decoded.
    pub malformed: Vec<MalformedRow>,
    /// Continue from here.
    pub next: f64,
}

/// An engine built from a store, the cursor to tail from, and what was skipped.
#[napi(object, object_from_js = false)]
pub struct LoadedEngine {
    /// The engine.
    pub engine: Engine,
    /// Tail from here.
    pub cursor: f64,
    /// Interactions applied.
    pub interactions: f64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<MalformedRow>,
}

/// What `tail` applied.
#[napi(object)]
pub struct Tailed {
    /// Tail from here next time.
    pub cursor: f64,
    /// Interactions applied.
    pub interactions: f64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<MalformedRow>,
}

/// A model snapshot with its registry entry.
#[napi(object)]
pub struct ModelVersion {
    /// Version id (1..=256 bytes), unique.
    pub version: String,
    /// The snapshot bytes (`Engine.toSnapshot`).
    pub bytes: Buffer,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: f64,
}

/// A registry entry without the bytes.
#[napi(object)]
pub struct ModelInfo {
    /// Version id.
    pub version: String,
    /// Size of the snapshot in bytes.
    pub size: f64,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: f64,
    /// True for the current version.
    pub current: bool,
}

/// An exposure or conversion, counted once per (experiment, key).
#[napi(object)]
pub struct StoredExperimentEvent {
    /// The experiment key.
    pub experiment: String,
    /// The user.
    pub user: String,
    /// The variant shown.
    pub variant: String,
    /// Idempotency key: the same key is counted once.
    pub key: String,
    /// When, unix seconds.
    pub at: f64,
    /// Value of a conversion (default 1); ignored for exposures.
    pub value: Option<f64>,
}

impl TryFrom<StoredExperimentEvent> for st::ExperimentEvent {
    type Error = JsFailure;

    fn try_from(e: StoredExperimentEvent) -> Fallible<Self> {
        Ok(st::ExperimentEvent {
            experiment: e.experiment,
            user: e.user,
            variant: e.variant,
            key: e.key,
            at: convert::timestamp(e.at, "at")?,
            value: e.value.unwrap_or(1.0),
        })
    }
}

/// Per-variant totals of an experiment in the store.
#[napi(object)]
pub struct StoredVariantCounts {
    /// The variant.
    pub variant: String,
    /// Users assigned.
    pub assignments: f64,
    /// Exposures (distinct keys).
    pub exposures: f64,
    /// Conversions (distinct keys).
    pub conversions: f64,
    /// Sum of the conversions' values.
    pub conversion_value: f64,
}

/// The first assignment of a user wins: the variant the user is in, and whether this call made
/// the assignment.
#[napi(object)]
pub struct StoredAssignment {
    /// The variant the user is in.
    pub variant: String,
    /// True when this call made the assignment.
    pub new: bool,
}

/// One retrain attempt.
#[napi(object)]
pub struct RetrainRun {
    /// Row id, assigned by the store (ignored when recording).
    pub id: Option<f64>,
    /// Start, unix seconds.
    pub started_at: f64,
    /// End, unix seconds.
    pub finished_at: f64,
    /// Outcome, e.g. `"published"`, `"rejected"`.
    pub outcome: String,
    /// The model version published, if any.
    pub version: Option<String>,
    /// Interactions the candidate was trained on.
    pub interactions: f64,
    /// Free-form detail as JSON text.
    pub detail_json: Option<String>,
}

fn cursor(v: f64) -> Fallible<st::Cursor> {
    convert::count(v, "cursor", core::ErrorKind::OutOfRange).map(|c| st::Cursor(c as u64))
}

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

fn log_entry(e: LogEntry) -> Fallible<st::LogEntry> {
    let interaction = core::Interaction::try_from(Interaction {
        user_id: e.user_id,
        item_id: e.item_id,
        kind: e.kind,
        timestamp: e.timestamp,
        rank: e.rank,
    })?;
    Ok(match e.key {
        Some(key) => st::LogEntry::with_key(key, interaction),
        None => st::LogEntry::new(interaction),
    })
}

fn model_version(m: st::ModelVersion) -> ModelVersion {
    ModelVersion {
        version: m.version,
        bytes: Buffer::from(m.bytes),
        metrics_json: m.metrics_json,
        trained_at: m.trained_at as f64,
    }
}

fn retrain_run(r: RetrainRun) -> Fallible<st::RetrainRun> {
    Ok(st::RetrainRun {
        id: 0,
        started_at: convert::timestamp(r.started_at, "startedAt")?,
        finished_at: convert::timestamp(r.finished_at, "finishedAt")?,
        outcome: r.outcome,
        version: r.version,
        interactions: convert::count(r.interactions, "interactions", core::ErrorKind::OutOfRange)?
            as u64,
        detail_json: r.detail_json.unwrap_or_else(|| "{}".to_owned()),
    })
}
