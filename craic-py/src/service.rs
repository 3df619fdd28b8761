//! The `Service` class: the facade's production wrapper (`craic::service::Service`) — hot-swapped
//! model, recommendation cache, gated background retrains, daily schedule, snapshot files,
//! metrics, experiments, drift and alerts — plus its result and handle classes. Re-exported by
//! the pure-Python module `craic.service` (and `craic.Service`).
//!
//! As in `engine.rs`, every method converts its arguments attached, runs the service call
//! detached (the GIL released) and converts the result back. Alert callbacks are Python
//! callables: the service calls them on whichever thread evaluates the alerts (the caller of
//! `check_alerts`, the retrain thread, the schedule thread), re-attaching to the interpreter.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

use craic::service as svc;
use craic_core as core;
use craic_core::experiments as exp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::alerts::{rules_of, PyAlert, PyDriftReport};
use crate::args::{ts, Count, Timestamp, TouchedArg};
use crate::columns::InputError;
use crate::engine::{config_of, impressions_of, items_of, recommendations, request};
use crate::errors;
use crate::evaluation::PyMetrics;
use crate::experiments::{PyAssignment, PyExperiment, PyReport};
use crate::service_options;
use crate::types::{
    opt, py_bool, KArg, PyApplied, PyConfig, PyItem, PyPreferences, PyRecommendation, PyStats,
    StrategyArg,
};

/// Locks a mutex, taking over a poisoned one (every critical section here leaves its data
/// consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The current time in unix seconds (the core has no clock).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Result classes.

/// Describes the serving model.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "ModelInfo")]
#[derive(Clone, PartialEq)]
pub struct PyModelInfo {
    /// Version id, `v{n}-{unix seconds}`.
    pub version: String,
    /// When it was built (unix seconds).
    pub created_at: i64,
    /// Holdout metrics measured by the retrain that accepted it (`"ndcg@10"`,
    /// `"popularity_ndcg@10"`, ...); empty for the initial model.
    pub metrics: BTreeMap<String, f64>,
}

impl From<svc::ModelInfo> for PyModelInfo {
    fn from(m: svc::ModelInfo) -> Self {
        PyModelInfo {
            version: m.version,
            created_at: m.created_at,
            metrics: m.metrics,
        }
    }
}

fn dict_repr(m: &BTreeMap<String, f64>) -> String {
    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

#[pymethods]
impl PyModelInfo {
    fn __repr__(&self) -> String {
        format!(
            "ModelInfo(version={:?}, created_at={}, metrics={})",
            self.version,
            self.created_at,
            dict_repr(&self.metrics)
        )
    }
}

/// What a retrain did: the gate's verdict, the holdout metrics of the candidate, the serving
/// configuration and Popularity (same training part, same holdout), and the versions.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "RetrainOutcome")]
#[derive(Clone, PartialEq)]
pub struct PyRetrainOutcome {
    /// True when the candidate passed the gate and was swapped in.
    pub accepted: bool,
    /// `None` when accepted, else why the gate rejected the candidate.
    pub rejection: Option<String>,
    /// `None` when accepted, else which gate rule rejected it, a stable name:
    /// `too_little_data`, `empty_holdout`, `below_serving`, `below_recorded` or
    /// `not_above_popularity`.
    pub rejection_kind: Option<&'static str>,
    /// The holdout NDCG@k the serving version recorded when it was accepted (`None` for an
    /// initial model): what the candidate was also compared with.
    pub recorded_ndcg: Option<f64>,
    /// Hybrid, candidate configuration, trained on the training part.
    pub candidate: PyMetrics,
    /// Hybrid, serving configuration, same training part.
    pub serving: PyMetrics,
    /// Popularity (serving configuration), same training part.
    pub popularity: PyMetrics,
    /// Version serving when the retrain started.
    pub old_version: String,
    /// Version swapped in (`None` when rejected).
    pub new_version: Option<String>,
    /// Start (unix seconds).
    pub started_at: i64,
    /// End (unix seconds).
    pub finished_at: i64,
    /// Wall-clock duration in seconds.
    pub duration_secs: f64,
    /// Interactions in the training part.
    pub train_interactions: usize,
    /// Interactions held out.
    pub holdout_interactions: usize,
    /// The split time (unix seconds; `2**63 - 1` with an empty holdout).
    pub cutoff: i64,
    /// Writes that arrived during the retrain and were replayed onto the new model.
    pub pending_applied: usize,
}

impl From<svc::RetrainOutcome> for PyRetrainOutcome {
    fn from(o: svc::RetrainOutcome) -> Self {
        PyRetrainOutcome {
            accepted: o.accepted(),
            rejection: o.rejection.as_ref().map(ToString::to_string),
            rejection_kind: o.rejection.as_ref().map(|r| r.kind()),
            recorded_ndcg: o.metrics.recorded.as_ref().map(|r| r.1),
            candidate: o.metrics.candidate.into(),
            serving: o.metrics.serving.into(),
            popularity: o.metrics.popularity.into(),
            old_version: o.old_version,
            new_version: o.new_version,
            started_at: o.started_at,
            finished_at: o.finished_at,
            duration_secs: o.duration.as_secs_f64(),
            train_interactions: o.train_interactions,
            holdout_interactions: o.holdout_interactions,
            cutoff: o.cutoff,
            pending_applied: o.pending_applied,
        }
    }
}

#[pymethods]
impl PyRetrainOutcome {
    fn __repr__(&self) -> String {
        format!(
            "RetrainOutcome(accepted={}, rejection={}, rejection_kind={}, candidate_ndcg={:?}, \
             serving_ndcg={:?}, popularity_ndcg={:?}, recorded_ndcg={}, old_version={:?}, new_version={}, duration_secs={:?}, \
             train_interactions={}, holdout_interactions={}, pending_applied={})",
            py_bool(self.accepted),
            opt(&self.rejection),
            opt(&self.rejection_kind),
            self.candidate.ndcg,
            self.serving.ndcg,
            self.popularity.ndcg,
            self.recorded_ndcg.map_or("None".into(), |v| format!("{v:?}")),
            self.old_version,
            opt(&self.new_version),
            self.duration_secs,
            self.train_interactions,
            self.holdout_interactions,
            self.pending_applied
        )
    }
}

/// Recommendations served inside an experiment (`Service.recommend_in_experiment`).
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "ExperimentRecommendations"
)]
#[derive(Clone, PartialEq)]
pub struct PyExperimentRecommendations {
    /// The user's assignment; `None` when the user is not in the experiment (then the call's
    /// own strategy was used and no exposure recorded).
    pub assignment: Option<PyAssignment>,
    /// The variant's name, when assigned.
    pub variant: Option<String>,
    /// Whether this call recorded a new exposure (false for a repeated exposure id).
    pub new_exposure: bool,
    /// The recommendations.
    pub recommendations: Vec<PyRecommendation>,
}

impl From<svc::ExperimentRecommendations> for PyExperimentRecommendations {
    fn from(r: svc::ExperimentRecommendations) -> Self {
        let assignment = r.assignment.map(|a| PyAssignment {
            variant: r.variant.clone().unwrap_or_default(),
            index: a.index,
            strategy: a.strategy.into(),
            bucket: a.bucket,
        });
        PyExperimentRecommendations {
            assignment,
            variant: r.variant,
            new_exposure: r.new_exposure,
            recommendations: recommendations(r.recommendations),
        }
    }
}

#[pymethods]
impl PyExperimentRecommendations {
    fn __repr__(&self) -> String {
        format!(
            "ExperimentRecommendations(assignment={}, variant={}, new_exposure={}, \
             recommendations=[{}])",
            self.assignment
                .as_ref()
                .map_or_else(|| "None".to_owned(), PyAssignment::__repr__),
            opt(&self.variant),
            py_bool(self.new_exposure),
            self.recommendations
                .iter()
                .map(PyRecommendation::__repr__)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Handles.

struct JobState {
    /// The running job, until a `wait` takes it.
    job: Option<svc::RetrainJob>,
    /// The outcome, once a `wait` has collected it.
    result: Option<Result<PyRetrainOutcome, PyErr>>,
}

/// A retrain running on a background thread (`Service.retrain(wait=False)`).
///
/// `wait()` blocks (the GIL released) until it finishes and returns its `RetrainOutcome`, or
/// raises what it failed with; it may be called again, from any thread, with the same result.
#[pyclass(frozen, module = "craic._craic", name = "RetrainJob")]
pub struct PyRetrainJob {
    state: Mutex<JobState>,
    finished: Condvar,
}

#[pymethods]
impl PyRetrainJob {
    /// Waits for the outcome. Raises `StoppedError` if the retrain thread died, or the error
    /// the retrain failed with (e.g. `InvalidInputError` for a bad candidate configuration).
    fn wait(&self, py: Python<'_>) -> PyResult<PyRetrainOutcome> {
        py.detach(|| {
            let mut s = lock(&self.state);
            if let Some(job) = s.job.take() {
                drop(s);
                let result = job
                    .wait()
                    .map(PyRetrainOutcome::from)
                    .map_err(errors::service_to_py);
                s = lock(&self.state);
                s.result = Some(result);
                self.finished.notify_all();
            }
            loop {
                match &s.result {
                    Some(Ok(outcome)) => return Ok(outcome.clone()),
                    Some(Err(e)) => return Err(Python::attach(|py| e.clone_ref(py))),
                    // Another thread is collecting the outcome.
                    None => {
                        s = self
                            .finished
                            .wait(s)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                    }
                }
            }
        })
    }

    /// True once the retrain has finished (`wait()` then returns at once).
    #[getter]
    fn done(&self, py: Python<'_>) -> bool {
        py.detach(|| {
            let s = lock(&self.state);
            s.result.is_some() || s.job.as_ref().is_some_and(svc::RetrainJob::is_finished)
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("RetrainJob(done={})", py_bool(self.done(py)))
    }
}

/// The daily retrain schedule's thread (`Service.start_schedule`). `stop()` stops it and waits
/// for it (a retrain in progress finishes first); dropping the handle stops it too.
#[pyclass(frozen, module = "craic._craic", name = "ScheduleHandle")]
pub struct PyScheduleHandle {
    inner: Mutex<Option<svc::ScheduleHandle>>,
}

#[pymethods]
impl PyScheduleHandle {
    /// Stops the schedule and waits for its thread (the GIL released). Idempotent.
    fn stop(&self, py: Python<'_>) {
        py.detach(|| {
            if let Some(h) = lock(&self.inner).take() {
                h.stop();
            }
        });
    }

    /// True until `stop()` is called.
    #[getter]
    fn running(&self, py: Python<'_>) -> bool {
        py.detach(|| lock(&self.inner).is_some())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("ScheduleHandle(running={})", py_bool(self.running(py)))
    }
}

impl Drop for PyScheduleHandle {
    fn drop(&mut self) {
        // Stopping joins the schedule thread, which may be calling an alert callback that waits
        // for the GIL this thread may hold: stop it from another thread instead.
        let handle = self
            .inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            std::thread::spawn(move || h.stop());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The service.

/// The production wrapper around an `Engine`: a hot-swapped serving model, a recommendation
/// cache, background retraining behind an evaluation gate, a daily schedule, crash-safe snapshot
/// files, Prometheus / CloudWatch EMF metrics, experiments, drift monitoring and alerts.
///
/// Thread-safe: share one `Service` between threads (e.g. a FastAPI app's worker threads).
/// Every call releases the GIL while the service works.
///
/// The initial model is built from `items`, `interactions` (`Interaction` objects,
/// `(user_id, item_id, kind, timestamp)` tuples or dicts) and `preferences` (`{user_id:
/// Preferences}`), which are also kept in memory as the training data of later retrains. Each
/// may instead be a table (Arrow PyCapsule object such as a pyarrow Table or a polars/pandas
/// DataFrame, or a dict of numpy arrays), with the columns `Engine.build` documents.
/// Options (keyword-only): `cache_capacity` (lists; 0 disables the cache), `cache_ttl_secs`,
/// `holdout_fraction` (latest share of the log held out when retraining), `retrain_k` (cut-off
/// of the retrain metrics), the gate's `max_relative_drop` and `must_beat_popularity`,
/// `history_len` (retrain outcomes kept) and `drift_window_secs`.
#[pyclass(frozen, module = "craic._craic", name = "Service")]
pub struct PyService {
    inner: svc::Service,
}

#[pymethods]
impl PyService {
    #[new]
    #[pyo3(
        signature = (config = None, *, items = None, interactions = None, preferences = None, **options),
        text_signature = "(config=None, *, items=(), interactions=(), preferences=None, **options)"
    )]
    fn new(
        py: Python<'_>,
        config: Option<PyRef<'_, PyConfig>>,
        items: Option<&Bound<'_, PyAny>>,
        interactions: Option<&Bound<'_, PyAny>>,
        preferences: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = service_options::parse(options)?;
        let data = crate::columns::Training::extract(items, interactions, preferences)?;
        let config = config_of(config);
        let inner = py
            .detach(|| {
                let data = data.into_data()?;
                svc::Service::build(config, data, options).map_err(InputError::Service)
            })
            .map_err(InputError::into_py)?;
        Ok(PyService { inner })
    }

    /// Opens a service on a store by URL (`sqlite:///path.db`, `mysql://...`,
    /// `dynamodb://...`) — the way a service is normally run: restores the store's current
    /// model version and applies the log after it, or builds a model from the store's data and
    /// publishes it as the first version; stored experiments are registered and their exposures
    /// and conversions replayed. Retrains read the whole log from the store and publish what
    /// they accept. `config` is used only when no version is stored yet; the keyword options
    /// are the constructor's.
    #[staticmethod]
    #[pyo3(
        signature = (url, config = None, **options),
        text_signature = "(url, config=None, **options)"
    )]
    fn open(
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] url: String,
        config: Option<PyRef<'_, PyConfig>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = service_options::parse(options)?;
        let config = config_of(config);
        let inner = py
            .detach(|| svc::Service::open_url(&url, config, options))
            .map_err(errors::service_to_py)?;
        Ok(PyService { inner })
    }

    /// Applies the catalogue and preference changes (the store's change feed) and the log rows
    /// other replicas (or anyone) wrote since the serving model's positions; deferred while a
    /// retrain runs. Returns a `CatchUp`. Store-backed services only (`Service.open`).
    fn catch_up(&self, py: Python<'_>) -> PyResult<crate::catch_up::PyCatchUp> {
        py.detach(|| self.inner.catch_up())
            .map(Into::into)
            .map_err(errors::service_to_py)
    }

    /// Swaps in the store's current model version if it is newer than the serving one
    /// (another replica retrained); returns the version swapped in, or `None`.
    fn sync_model(&self, py: Python<'_>) -> PyResult<Option<String>> {
        py.detach(|| self.inner.sync_model())
            .map_err(errors::service_to_py)
    }

    /// Publishes the serving model to the store's registry as its current version; returns the
    /// version id.
    fn publish_model(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.publish_model())
            .map_err(errors::service_to_py)
    }

    /// The log position of the serving model, or `None` for a service without a store.
    fn store_cursor(&self, py: Python<'_>) -> Option<u64> {
        py.detach(|| self.inner.store_cursor()).map(|c| c.0)
    }

    /// Loads a service from a `save_snapshot` file (`str` or path-like), with the same keyword
    /// options as the constructor. A missing or unreadable file raises `StorageError` (an
    /// `OSError`, kind `io`), a truncated or corrupt one `SnapshotError`.
    ///
    /// The snapshot holds the model, not the interaction log: the restored service knows the
    /// catalogue and preferences, and retrains only on interactions recorded after the restart.
    #[staticmethod]
    #[pyo3(
        signature = (path, **options),
        text_signature = "(path, **options)"
    )]
    fn from_snapshot_file(
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] path: PathBuf,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = service_options::parse(options)?;
        let inner = py
            .detach(|| svc::Service::from_snapshot_file(&path, options))
            .map_err(errors::service_to_py)?;
        Ok(PyService { inner })
    }

    /// Writes the serving model to `path` atomically (temporary file, fsync, rename): a crash
    /// leaves the old file or the new one. Raises `StorageError` (kind `io`) on an I/O failure.
    fn save_snapshot(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] path: PathBuf,
    ) -> PyResult<()> {
        py.detach(|| self.inner.save_snapshot(&path))
            .map_err(errors::service_to_py)
    }

    /// Recommends up to `k` items for a user through the cache (lists are cached per user and
    /// options for `cache_ttl_secs`; events that started since are filtered out of a hit).
    /// Arguments as `Engine.recommend`; `log_impressions=True` records the returned list as
    /// impressions (rank = position, at `now` or the service's clock) through `record`.
    #[pyo3(
        signature = (user_id, *, k = KArg(10), strategy = StrategyArg(core::Strategy::Hybrid),
            now = None, city = None, exclude = Vec::new(), explain = false, exclude_saved = None,
            exclude_touched = TouchedArg::default(), diversity = 0.0, max_per_artist = None,
            max_per_venue = None, log_impressions = false),
        text_signature = "($self, user_id, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None, log_impressions=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn recommend(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        k: KArg,
        strategy: StrategyArg,
        now: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] city: Option<String>,
        #[pyo3(from_py_with = crate::args::arg)] exclude: Vec<String>,
        explain: bool,
        exclude_saved: Option<bool>,
        exclude_touched: TouchedArg,
        diversity: f64,
        #[pyo3(from_py_with = crate::args::arg)] max_per_artist: Option<i64>,
        #[pyo3(from_py_with = crate::args::arg)] max_per_venue: Option<i64>,
        log_impressions: bool,
    ) -> PyResult<Vec<PyRecommendation>> {
        let rerank = (diversity, max_per_artist, max_per_venue);
        let req = request(
            k,
            strategy,
            now,
            city,
            exclude,
            explain,
            exclude_saved,
            exclude_touched,
            rerank,
        )?;
        py.detach(|| {
            if log_impressions {
                self.inner.recommend_logging_impressions(&user_id, &req)
            } else {
                self.inner.recommend(&user_id, &req)
            }
        })
        .map(recommendations)
        .map_err(errors::service_to_py)
    }

    /// Up to `k` upcoming events similar to `item_id` from the serving model (not cached, so
    /// current to the last recorded interaction); arguments and errors as
    /// `Engine.similar_items`, `now` defaulting to the service's clock.
    #[pyo3(
        signature = (item_id, *, k = KArg(10), now = None, city = None),
        text_signature = "($self, item_id, *, k=10, now=None, city=None)"
    )]
    fn similar_items(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
        k: KArg,
        now: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] city: Option<String>,
    ) -> PyResult<Vec<PyRecommendation>> {
        py.detach(|| {
            self.inner
                .similar_items(&item_id, k.0, ts(now), city.as_deref())
        })
        .map(recommendations)
        .map_err(errors::service_to_py)
    }

    /// Records impressions (`(user_id, item_id, timestamp, rank)` tuples) like `record`
    /// records interactions; arguments as `Engine.record_impressions`.
    fn record_impressions(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] impressions: Vec<(
            String,
            String,
            Timestamp,
            Count<i64>,
        )>,
    ) -> PyResult<PyApplied> {
        let rows = impressions_of(impressions);
        py.detach(|| self.inner.record_impressions(&rows))
            .map(PyApplied::from)
            .map_err(errors::service_to_py)
    }

    /// Records a batch of interactions (`Interaction` objects, tuples, dicts or a table as in
    /// `Engine.build`): applied to the
    /// serving model (rejected whole on a bad row, `.row` naming it), appended to the training
    /// data, the users' cached lists dropped, and `save` / `click` counted as conversions in
    /// the experiments the users were exposed in. Returns what the serving model applied, as
    /// `Engine.record` (only the new interactions count: on a store, re-sent ones are not).
    fn record(&self, py: Python<'_>, interactions: &Bound<'_, PyAny>) -> PyResult<PyApplied> {
        let rows = crate::types::interactions(interactions)?;
        py.detach(|| self.inner.record(&rows))
            .map(PyApplied::from)
            .map_err(errors::service_to_py)
    }

    /// Inserts or replaces catalogue items (serving model and training data); clears the cache.
    fn upsert_items(&self, py: Python<'_>, items: Vec<PyRef<'_, PyItem>>) -> PyResult<()> {
        let items = items_of(items);
        py.detach(|| self.inner.upsert_items(items))
            .map_err(errors::service_to_py)
    }

    /// Stops items from being recommended (serving model and training data, so a retrain keeps
    /// them removed; on a store, other replicas get it by `catch_up`); their past interactions
    /// still inform similarity. Returns how many were live. An unknown id raises
    /// `NotFoundError` and nothing changes.
    fn remove_items(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] ids: Vec<String>,
    ) -> PyResult<usize> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        py.detach(|| self.inner.remove_items(&ids))
            .map_err(errors::service_to_py)
    }

    /// Sets a user's stated preferences (serving model and training data).
    fn set_preferences(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        preferences: PyRef<'_, PyPreferences>,
    ) -> PyResult<()> {
        let preferences = preferences.inner.clone();
        py.detach(|| self.inner.set_preferences(&user_id, preferences))
            .map_err(errors::service_to_py)
    }

    /// The serving model's description.
    fn model_info(&self, py: Python<'_>) -> PyModelInfo {
        py.detach(|| self.inner.model_info()).into()
    }

    /// Counts of the serving model (users, items, cells, interactions).
    fn stats(&self, py: Python<'_>) -> PyStats {
        py.detach(|| self.inner.engine().stats()).into()
    }

    /// Number of cached lists (expired ones included until touched).
    fn cache_len(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.cache_len())
    }

    /// Retrains: loads the training data, holds out the latest `holdout_fraction`, evaluates a
    /// candidate built with `config` (default: the serving configuration) against the serving
    /// configuration and Popularity, and swaps it in if it passes the gate. Runs on a
    /// background thread; the GIL is released throughout.
    ///
    /// `wait=True` waits for a running retrain to finish first, then returns this one's
    /// `RetrainOutcome`. `wait=False` returns a `RetrainJob` at once, or raises
    /// `RetrainRunningError` if a retrain is running.
    #[pyo3(signature = (*, config = None, wait = true))]
    fn retrain(
        &self,
        py: Python<'_>,
        config: Option<PyRef<'_, PyConfig>>,
        wait: bool,
    ) -> PyResult<Py<PyAny>> {
        let config = config.map(|c| c.inner.clone());
        if wait {
            let outcome = py
                .detach(|| self.inner.retrain_blocking(config))
                .map_err(errors::service_to_py)?;
            Ok(PyRetrainOutcome::from(outcome)
                .into_pyobject(py)?
                .into_any()
                .unbind())
        } else {
            let job = py
                .detach(|| self.inner.try_retrain(config))
                .map_err(errors::service_to_py)?;
            let job = PyRetrainJob {
                state: Mutex::new(JobState {
                    job: Some(job),
                    result: None,
                }),
                finished: Condvar::new(),
            };
            Ok(job.into_pyobject(py)?.into_any().unbind())
        }
    }

    /// True while a retrain runs.
    fn retrain_running(&self, py: Python<'_>) -> bool {
        py.detach(|| self.inner.retrain_running())
    }

    /// The latest retrain outcomes, oldest first (at most `history_len`; failed retrains are
    /// not listed).
    fn retrain_history(&self, py: Python<'_>) -> Vec<PyRetrainOutcome> {
        py.detach(|| self.inner.retrain_history())
            .into_iter()
            .map(PyRetrainOutcome::from)
            .collect()
    }

    /// Starts a thread that retrains every day at `hour:minute` local time, local = UTC +
    /// `utc_offset_minutes` (no DST rules), skipping a run while a retrain is running, then
    /// checks the alerts. Returns its handle; `handle.stop()` stops it. A bad time raises
    /// `InvalidInputError` (`invalid_config`).
    #[pyo3(
        signature = (hour, minute, *, utc_offset_minutes = Count(0)),
        text_signature = "($self, hour, minute, *, utc_offset_minutes=0)"
    )]
    fn start_schedule(
        &self,
        py: Python<'_>,
        hour: Count<u32>,
        minute: Count<u32>,
        utc_offset_minutes: Count<i32>,
    ) -> PyResult<PyScheduleHandle> {
        let schedule = svc::Schedule::daily_at(hour.get(), minute.get(), utc_offset_minutes.get())
            .map_err(errors::service_to_py)?;
        let handle = py.detach(|| self.inner.start_schedule(schedule));
        Ok(PyScheduleHandle {
            inner: Mutex::new(Some(handle)),
        })
    }

    /// Prometheus text exposition (format 0.0.4) of the service's metrics; serve it with the
    /// content type `text/plain; version=0.0.4; charset=utf-8`.
    fn metrics_text(&self, py: Python<'_>) -> String {
        py.detach(|| self.inner.metrics_text())
    }

    /// The metrics as CloudWatch Embedded Metric Format JSON lines (cumulative values) in
    /// `namespace`, stamped now.
    fn metrics_emf(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] namespace: String,
    ) -> String {
        py.detach(|| self.inner.metrics_emf(&namespace))
    }

    /// Registers an experiment (the same definition again is a no-op; another definition under
    /// a registered key raises `InvalidInputError`, kind `invalid_experiment`).
    fn register_experiment(
        &self,
        py: Python<'_>,
        experiment: PyRef<'_, PyExperiment>,
    ) -> PyResult<()> {
        let experiment = experiment.inner.clone();
        py.detach(|| self.inner.register_experiment(experiment))
            .map_err(errors::service_to_py)
    }

    /// Recommends inside experiment `key`: assigns the user, serves the variant's strategy and
    /// records an exposure (idempotency key `exposure_id`, default `key|user|model
    /// version|day`). A user outside the experiment gets `strategy` and no exposure. Other
    /// arguments as `recommend`; an unknown key raises `NotFoundError`.
    #[pyo3(
        signature = (key, user_id, *, k = KArg(10), strategy = StrategyArg(core::Strategy::Hybrid),
            now = None, city = None, exclude = Vec::new(), explain = false, exclude_saved = None,
            exclude_touched = TouchedArg::default(), diversity = 0.0, max_per_artist = None,
            max_per_venue = None, exposure_id = None),
        text_signature = "($self, key, user_id, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None, exposure_id=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn recommend_in_experiment(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        k: KArg,
        strategy: StrategyArg,
        now: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] city: Option<String>,
        #[pyo3(from_py_with = crate::args::arg)] exclude: Vec<String>,
        explain: bool,
        exclude_saved: Option<bool>,
        exclude_touched: TouchedArg,
        diversity: f64,
        #[pyo3(from_py_with = crate::args::arg)] max_per_artist: Option<i64>,
        #[pyo3(from_py_with = crate::args::arg)] max_per_venue: Option<i64>,
        #[pyo3(from_py_with = crate::args::arg)] exposure_id: Option<String>,
    ) -> PyResult<PyExperimentRecommendations> {
        let rerank = (diversity, max_per_artist, max_per_venue);
        let req = request(
            k,
            strategy,
            now,
            city,
            exclude,
            explain,
            exclude_saved,
            exclude_touched,
            rerank,
        )?;
        py.detach(|| {
            self.inner
                .recommend_in_experiment_with_id(&key, &user_id, &req, exposure_id.as_deref())
        })
        .map(PyExperimentRecommendations::from)
        .map_err(errors::service_to_py)
    }

    /// The statistical report of experiment `key` (exposures recorded by
    /// `recommend_in_experiment`, conversions by `record`); arguments as
    /// `ExperimentTracker.report`.
    #[pyo3(signature = (key, *, alpha = 0.05, mixing_variance = exp::DEFAULT_MIXING_VARIANCE,
        srm_alpha = 0.001))]
    fn experiment_report(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        alpha: f64,
        mixing_variance: f64,
        srm_alpha: f64,
    ) -> PyResult<PyReport> {
        let config = exp::StatsConfig {
            alpha,
            mixing_variance,
            srm_alpha,
        };
        py.detach(|| self.inner.experiment_report(&key, &config))
            .map(PyReport::from)
            .map_err(errors::service_to_py)
    }

    /// PSI of every monitored feature (`interaction_kind`, `genre`, `city`, `score`): the
    /// window ending at `now` (unix seconds; default: the clock) against the training data.
    #[pyo3(signature = (now = None))]
    fn drift_report(&self, py: Python<'_>, now: Option<Timestamp>) -> PyDriftReport {
        // Without `now`, the report ends now by the service's clock.
        py.detach(|| match ts(now) {
            Some(now) => self.inner.drift_report_at(now),
            None => self.inner.drift_report(),
        })
        .into()
    }

    /// Replaces the alert rules: `DriftRule` / `ConversionFloorRule` objects or dicts
    /// (`{"type": "drift", "feature", "threshold"}`, `{"type": "conversion_floor",
    /// "experiment", "variant", "floor", "window_secs", "min_exposures"}`). A bad value raises
    /// `InvalidInputError` and nothing changes; a row that is neither raises `TypeError`.
    fn set_alert_rules(&self, py: Python<'_>, rules: &Bound<'_, PyAny>) -> PyResult<()> {
        let rules = rules_of(rules)?;
        py.detach(|| self.inner.set_alert_rules(rules))
            .map_err(errors::service_to_py)
    }

    /// Registers `callback(alert)`, called for each alert that starts firing, on the thread
    /// that evaluates the alerts (`check_alerts`, a retrain, the schedule). An exception it
    /// raises is reported through `sys.unraisablehook` and otherwise ignored.
    fn on_alert(&self, py: Python<'_>, callback: Bound<'_, PyAny>) -> PyResult<()> {
        if !callback.is_callable() {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "on_alert expects a callable, got {}",
                callback.get_type().name()?
            )));
        }
        let callback = callback.unbind();
        let call = move |alert: &core::alerts::Alert| {
            Python::attach(|py| {
                let callback = callback.bind(py);
                if let Err(e) = callback.call1((PyAlert::from(alert.clone()),)) {
                    e.write_unraisable(py, Some(callback));
                }
            });
        };
        py.detach(|| self.inner.on_alert(Box::new(call)));
        Ok(())
    }

    /// Evaluates the alert rules at `now` (unix seconds; default: the clock) against the drift
    /// report and the experiments' conversions; returns every firing alert and calls the
    /// callbacks for the newly firing ones.
    #[pyo3(signature = (now = None))]
    fn check_alerts(&self, py: Python<'_>, now: Option<Timestamp>) -> Vec<PyAlert> {
        let now = ts(now).unwrap_or_else(unix_now);
        py.detach(|| self.inner.check_alerts(now))
            .into_iter()
            .map(PyAlert::from)
            .collect()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (info, cached) = py.detach(|| (self.inner.model_info(), self.inner.cache_len()));
        format!(
            "Service(version={:?}, created_at={}, cached_lists={})",
            info.version, info.created_at, cached
        )
    }
}
