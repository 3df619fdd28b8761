//! The `Store` class: craic-store's storage adapters (an SQLite file, MySQL/MariaDB, DynamoDB)
//! for Python.
//! Every call blocks on the store's own small runtime with the GIL released. The classes of
//! what it answers are in `store_results.rs`.

use std::collections::BTreeMap;

use craic_core as core;
use craic_store::{self as st, StoreError, StoreErrorKind};
use pyo3::prelude::*;

use crate::catalog::{PyItem, PyPreferences};
use crate::config::PyConfig;
use crate::engine::{config_of, items_of, PyEngine};
use crate::errors::{self, ErrorClass, PythonClass};
use crate::experiments::PyExperiment;
use crate::interactions::PyInteraction;
use crate::store_results::{
    malformed, model, PyAppendReport, PyLoadedEngine, PyLogPage, PyLogRecord, PyRetrainRun,
    PyStoredModel, PyStoredVariantCounts, PyTailed,
};

/// The Python class of a store error kind: a server or row that fails is a `StorageError`, an
/// unknown version or experiment `NotFoundError`, a bad URL or argument (and a version published
/// twice) `InvalidInputError`; core kinds map as everywhere else.
pub(crate) fn class_for_store(kind: StoreErrorKind) -> ErrorClass {
    ErrorClass::of_store(kind)
}

/// Converts a store error into the Python exception to raise (`.kind` is the store's stable
/// kind: `unavailable`, `conflict`, … or the core's).
pub(crate) fn store_to_py(err: StoreError) -> PyErr {
    match err {
        StoreError::Core(e) => errors::to_py(e),
        other => {
            let kind = other.kind();
            errors::build(
                class_for_store(kind),
                other.to_string(),
                kind.as_str(),
                None,
                &[],
            )
        }
    }
}

fn entries(rows: Vec<core::Interaction>, keys: Option<Vec<String>>) -> PyResult<Vec<st::LogEntry>> {
    match keys {
        None => Ok(rows.into_iter().map(st::LogEntry::new).collect()),
        Some(keys) if keys.len() == rows.len() => Ok(rows
            .into_iter()
            .zip(keys)
            .map(|(x, k)| st::LogEntry::with_key(k, x))
            .collect()),
        Some(keys) => Err(errors::to_py(core::Error::InvalidConfig(format!(
            "keys has {} entries for {} interactions",
            keys.len(),
            rows.len()
        )))),
    }
}

/// A store opened by URL: `sqlite:///path/to.db`, `sqlite::memory:`,
/// `mysql://user:pass@host:port/db`, `dynamodb://table-prefix?endpoint=…&region=…`.
/// It holds the catalogue, preferences, the interaction log
/// (idempotent appends, cursors to tail), experiment data, model snapshots with a version
/// registry and retrain history. Thread-safe; every call releases the GIL.
#[pyclass(frozen, module = "craic._craic", name = "Store")]
pub struct PyStore {
    inner: st::BlockingStore,
}

#[pymethods]
impl PyStore {
    /// Opens a store by URL and runs its schema migrations. A bad URL raises
    /// `InvalidInputError` (kind `invalid_url`), a server that does not answer `StorageError`
    /// (kind `unavailable`).
    #[new]
    fn new(py: Python<'_>, #[pyo3(from_py_with = crate::args::arg)] url: String) -> PyResult<Self> {
        py.detach(|| st::BlockingStore::open(&url))
            .map(|inner| PyStore { inner })
            .map_err(store_to_py)
    }

    /// Inserts or replaces events.
    fn upsert_items(&self, py: Python<'_>, items: Vec<PyRef<'_, PyItem>>) -> PyResult<()> {
        let items = items_of(items);
        py.detach(|| self.inner.upsert_items(&items))
            .map_err(store_to_py)
    }

    /// Removes events: no longer recommended, still in `items()` (their interactions count),
    /// announced to replicas; upserting one again makes it live. Returns how many were live.
    /// An id not stored raises `NotFoundError` and nothing is removed.
    fn remove_items(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] ids: Vec<String>,
    ) -> PyResult<usize> {
        py.detach(|| self.inner.remove_items(&ids))
            .map_err(store_to_py)
    }

    /// The ids of the removed events, in id order.
    fn removed_items(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        py.detach(|| self.inner.removed_items())
            .map_err(store_to_py)
    }

    /// The whole catalogue, removed events included.
    fn items(&self, py: Python<'_>) -> PyResult<Vec<PyItem>> {
        py.detach(|| self.inner.items())
            .map(|items| items.into_iter().map(|inner| PyItem { inner }).collect())
            .map_err(store_to_py)
    }

    /// Sets (replaces) users' stated preferences from a `{user_id: Preferences}` mapping.
    fn set_preferences(&self, py: Python<'_>, preferences: &Bound<'_, PyAny>) -> PyResult<()> {
        let prefs = crate::catalog::preferences_map(Some(preferences))?;
        py.detach(|| self.inner.set_preferences(&prefs))
            .map_err(store_to_py)
    }

    /// Every user's stated preferences, by user id.
    fn preferences(&self, py: Python<'_>) -> PyResult<BTreeMap<String, PyPreferences>> {
        py.detach(|| self.inner.preferences())
            .map(|p| {
                p.into_iter()
                    .map(|(u, inner)| (u, PyPreferences { inner }))
                    .collect()
            })
            .map_err(store_to_py)
    }

    /// Appends interactions (`Interaction`s, tuples or dicts) idempotently: an entry whose key
    /// is stored already is not stored again, so a timed-out batch can be re-sent whole. `keys`
    /// gives each interaction's idempotency key (default: derived from its fields).
    #[pyo3(signature = (interactions, *, keys = None))]
    fn append(
        &self,
        py: Python<'_>,
        interactions: &Bound<'_, PyAny>,
        keys: Option<Vec<String>>,
    ) -> PyResult<PyAppendReport> {
        let entries = entries(crate::interactions::interactions(interactions)?, keys)?;
        py.detach(|| self.inner.append(&entries))
            .map(|r| PyAppendReport {
                inserted: r.inserted,
                duplicates: r.duplicates,
                new_indices: r.new_indices,
            })
            .map_err(store_to_py)
    }

    /// Up to `limit` log records after cursor `after` (0: from the start), in cursor order.
    fn read_log(&self, py: Python<'_>, after: u64, limit: usize) -> PyResult<PyLogPage> {
        let page = py
            .detach(|| self.inner.read_log(st::Cursor(after), limit))
            .map_err(store_to_py)?;
        let records = page
            .records
            .into_iter()
            .map(|r| {
                let interaction = Py::new(
                    py,
                    PyInteraction {
                        inner: r.interaction,
                    },
                )?;
                Py::new(
                    py,
                    PyLogRecord {
                        cursor: r.cursor.0,
                        key: r.key,
                        interaction,
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyLogPage {
            records,
            malformed: malformed(page.malformed),
            next: page.next.0,
        })
    }

    /// The cursor of the newest record (0 for an empty log).
    fn log_head(&self, py: Python<'_>) -> PyResult<u64> {
        py.detach(|| self.inner.log_head())
            .map(|c| c.0)
            .map_err(store_to_py)
    }

    /// Builds an engine from everything in the store (catalogue, preferences, the whole log),
    /// skipping and reporting malformed rows.
    #[pyo3(signature = (config = None))]
    fn load_engine(
        &self,
        py: Python<'_>,
        config: Option<PyRef<'_, PyConfig>>,
    ) -> PyResult<PyLoadedEngine> {
        let config = config_of(config);
        let loaded = py
            .detach(|| self.inner.load_engine(config))
            .map_err(store_to_py)?;
        Ok(PyLoadedEngine {
            engine: Py::new(
                py,
                PyEngine {
                    inner: loaded.engine,
                },
            )?,
            cursor: loaded.cursor.0,
            interactions: loaded.interactions,
            skipped: malformed(loaded.skipped),
        })
    }

    /// Applies to `engine` everything appended after cursor `after`, incrementally (events the
    /// engine does not know yet are fetched from the catalogue).
    fn tail(&self, py: Python<'_>, engine: PyRef<'_, PyEngine>, after: u64) -> PyResult<PyTailed> {
        let engine = &engine.inner;
        py.detach(|| self.inner.tail(engine, st::Cursor(after)))
            .map(|t| PyTailed {
                cursor: t.cursor.0,
                interactions: t.interactions,
                skipped: malformed(t.skipped),
            })
            .map_err(store_to_py)
    }

    /// Publishes a model version (bytes from `Engine.to_snapshot`); with `make_current` it
    /// becomes the current version (`metrics_json` defaults to `{}`). A version id published twice raises
    /// `InvalidInputError`
    /// (kind `conflict`).
    #[pyo3(signature = (version, data, *, metrics_json = None, trained_at, make_current = true))]
    fn publish_model(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] version: String,
        data: Vec<u8>,
        #[pyo3(from_py_with = crate::args::arg)] metrics_json: Option<String>,
        trained_at: i64,
        make_current: bool,
    ) -> PyResult<()> {
        let model = st::ModelVersion {
            version,
            bytes: data,
            metrics_json: metrics_json.unwrap_or_else(|| "{}".to_owned()),
            trained_at,
        };
        py.detach(|| self.inner.publish_model(&model, make_current))
            .map_err(store_to_py)
    }

    /// Makes a published version current (`NotFoundError` for an unknown one).
    fn set_current_model(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] version: String,
    ) -> PyResult<()> {
        py.detach(|| self.inner.set_current_model(&version))
            .map_err(store_to_py)
    }

    /// The current model version with its bytes, or `None`.
    fn current_model(&self, py: Python<'_>) -> PyResult<Option<PyStoredModel>> {
        let m = py
            .detach(|| self.inner.current_model())
            .map_err(store_to_py)?;
        Ok(m.map(|m| model(py, m, true)))
    }

    /// A model version with its bytes, or `None`.
    fn model(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] version: String,
    ) -> PyResult<Option<PyStoredModel>> {
        let (m, current) = py
            .detach(|| -> st::Result<_> {
                let current = self.inner.current_model()?.map(|c| c.version);
                Ok((self.inner.model(&version)?, current))
            })
            .map_err(store_to_py)?;
        Ok(m.map(|m| {
            let is_current = current.as_deref() == Some(m.version.as_str());
            model(py, m, is_current)
        }))
    }

    /// The registry: every version, without its bytes.
    fn models(&self, py: Python<'_>) -> PyResult<Vec<PyStoredModel>> {
        py.detach(|| self.inner.models())
            .map(|ms| {
                ms.into_iter()
                    .map(|m| PyStoredModel {
                        version: m.version,
                        bytes: None,
                        size: m.size,
                        metrics_json: m.metrics_json,
                        trained_at: m.trained_at,
                        current: m.current,
                    })
                    .collect()
            })
            .map_err(store_to_py)
    }

    /// Records a retrain attempt; returns its row id.
    #[pyo3(signature = (*, started_at, finished_at, outcome, version = None, interactions = 0,
        detail_json = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_retrain(
        &self,
        py: Python<'_>,
        started_at: i64,
        finished_at: i64,
        #[pyo3(from_py_with = crate::args::arg)] outcome: String,
        version: Option<String>,
        interactions: u64,
        #[pyo3(from_py_with = crate::args::arg)] detail_json: Option<String>,
    ) -> PyResult<i64> {
        let run = st::RetrainRun {
            id: 0,
            started_at,
            finished_at,
            outcome,
            version,
            interactions,
            detail_json: detail_json.unwrap_or_else(|| "{}".to_owned()),
        };
        py.detach(|| self.inner.record_retrain(&run))
            .map_err(store_to_py)
    }

    /// The latest `limit` retrain attempts, newest first.
    fn retrain_runs(&self, py: Python<'_>, limit: usize) -> PyResult<Vec<PyRetrainRun>> {
        py.detach(|| self.inner.retrain_runs(limit))
            .map(|runs| {
                runs.into_iter()
                    .map(|r| PyRetrainRun {
                        id: r.id,
                        started_at: r.started_at,
                        finished_at: r.finished_at,
                        outcome: r.outcome,
                        version: r.version,
                        interactions: r.interactions,
                        detail_json: r.detail_json,
                    })
                    .collect()
            })
            .map_err(store_to_py)
    }

    /// Stores an experiment's definition (replacing one with the same key).
    fn put_experiment(&self, py: Python<'_>, experiment: PyRef<'_, PyExperiment>) -> PyResult<()> {
        let record = st::ExperimentRecord::from_experiment(&experiment.inner);
        py.detach(|| self.inner.put_experiment(&record))
            .map_err(store_to_py)
    }

    /// Every stored experiment.
    fn experiments(&self, py: Python<'_>) -> PyResult<Vec<PyExperiment>> {
        py.detach(|| -> st::Result<Vec<_>> {
            self.inner
                .experiments()?
                .iter()
                .map(|r| r.to_experiment().map(|inner| PyExperiment { inner }))
                .collect()
        })
        .map_err(store_to_py)
    }

    /// Assigns `user` to `variant` of `experiment` unless already assigned; returns the
    /// variant the user is in and whether this call made the assignment (the first one wins).
    fn assign(
        &self,
        py: Python<'_>,
        experiment: &str,
        user: &str,
        variant: &str,
    ) -> PyResult<(String, bool)> {
        py.detach(|| self.inner.assign(experiment, user, variant))
            .map(|a| (a.variant, a.new))
            .map_err(store_to_py)
    }

    /// Records an exposure once per `key`; `False` when the key was recorded already.
    fn record_exposure(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user: String,
        #[pyo3(from_py_with = crate::args::arg)] variant: String,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        at: i64,
    ) -> PyResult<bool> {
        let event = st::ExperimentEvent {
            experiment,
            user,
            variant,
            key,
            at,
            value: 1.0,
        };
        py.detach(|| self.inner.record_exposure(&event))
            .map_err(store_to_py)
    }

    /// Records a conversion (of `value`, default 1) once per `key`; `False` when the key was
    /// recorded already.
    #[pyo3(signature = (experiment, user, variant, key, at, value = 1.0))]
    #[allow(clippy::too_many_arguments)]
    fn record_conversion(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user: String,
        #[pyo3(from_py_with = crate::args::arg)] variant: String,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        at: i64,
        value: f64,
    ) -> PyResult<bool> {
        let event = st::ExperimentEvent {
            experiment,
            user,
            variant,
            key,
            at,
            value,
        };
        py.detach(|| self.inner.record_conversion(&event))
            .map_err(store_to_py)
    }

    /// Per-variant totals of an experiment.
    fn experiment_counts(
        &self,
        py: Python<'_>,
        experiment: &str,
    ) -> PyResult<Vec<PyStoredVariantCounts>> {
        py.detach(|| self.inner.experiment_counts(experiment))
            .map(|cs| {
                cs.into_iter()
                    .map(|c| PyStoredVariantCounts {
                        variant: c.variant,
                        assignments: c.assignments,
                        exposures: c.exposures,
                        conversions: c.conversions,
                        conversion_value: c.conversion_value,
                    })
                    .collect()
            })
            .map_err(store_to_py)
    }
}

/// `{kind: class name}` of every kind the store adds (for the exhaustive mapping test).
pub(crate) fn class_names() -> Vec<(&'static str, &'static str)> {
    StoreErrorKind::STORE_KINDS
        .iter()
        .map(|&k| (k.as_str(), class_for_store(k).name()))
        .collect()
}
