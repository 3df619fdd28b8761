//! The `Service` class: the facade's production wrapper (`craic::service::Service`) — hot-swapped
//! model, recommendation cache, gated background retrains, daily schedule, snapshot files,
//! metrics, experiments, drift and alerts. Its result classes are in `service_results.rs`, its
//! retrain job and schedule handle in `service_jobs.rs`. Re-exported by the pure-Python module
//! `craic.service` (and `craic.Service`).
//!
//! As in `engine.rs`, every method converts its arguments attached, runs the service call
//! detached (the GIL released) and converts the result back. Alert callbacks are Python
//! callables: the service calls them on whichever thread evaluates the alerts (the caller of
//! `check_alerts`, the retrain thread, the schedule thread), re-attaching to the interpreter.

use std::path::PathBuf;

use craic::service as svc;
use craic_core as core;
use craic_core::experiments as exp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::alerts::{rules_of, PyAlert, PyDriftReport};
use crate::args::{ts, Count, Timestamp};
use crate::catalog::{PyItem, PyPreferences};
use crate::columns::InputError;
use crate::config::PyConfig;
use crate::engine::{config_of, impressions_of, items_of, recommendations};
use crate::errors;
use crate::experiments::{PyExperiment, PyReport};
use crate::request::{self, KArg};
use crate::results::{PyApplied, PyRecommendation, PyStats};
use crate::service_jobs::{PyRetrainJob, PyScheduleHandle};
use crate::service_options;
use crate::service_results::{PyExperimentRecommendations, PyModelInfo, PyRetrainOutcome};

/// The current time in unix seconds (the core has no clock).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

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
        signature = (user_id, *, log_impressions = false, **options),
        text_signature = "($self, user_id, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None, log_impressions=False)"
    )]
    fn recommend(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        log_impressions: bool,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<PyRecommendation>> {
        let req = request::parse(options, request::RECOMMEND)?;
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
        signature = (item_id, *, k = KArg(core::Request::DEFAULT_K), now = None, city = None),
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
        let rows = crate::interactions::interactions(interactions)?;
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
            let job = PyRetrainJob::new(job);
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
        signature = (hour, minute, *, utc_offset_minutes = Count(svc::Schedule::UTC_OFFSET_MINUTES)),
        text_signature = "($self, hour, minute, *, utc_offset_minutes=...)"
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
        Ok(PyScheduleHandle::new(handle))
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
        signature = (key, user_id, *, exposure_id = None, **options),
        text_signature = "($self, key, user_id, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None, exposure_id=None)"
    )]
    fn recommend_in_experiment(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] exposure_id: Option<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyExperimentRecommendations> {
        let req = request::parse(options, request::RECOMMEND)?;
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
    #[pyo3(signature = (key, *, alpha = exp::StatsConfig::default().alpha,
        mixing_variance = exp::StatsConfig::default().mixing_variance,
        srm_alpha = exp::StatsConfig::default().srm_alpha))]
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
