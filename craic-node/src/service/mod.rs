//! The `Service` class: the serving wrapper (hot-swapped model, cache, gated retraining,
//! schedule, snapshot files, metrics, experiments, drift and alerts) for a Node server.
//!
//! Reads are synchronous (`recommend` is cached and fast); building, loading, saving, batch
//! records and retrains return Promises and run off the JS thread. Alert callbacks are JS
//! functions called on the JS thread through a thread-safe function.

mod options;
mod results;

use std::collections::HashMap;
use std::sync::Mutex;

use craic::service as svc;
use craic_core as core;
use napi::bindgen_prelude::{AsyncTask, JsObjectValue, Object};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;

use crate::alerts::{self, Alert, AlertRule, DriftReport};
use crate::convert::{self, strict};
use crate::engine::{self, unix_now};
use crate::errors::OrThrow;
use crate::experiments::{self, Assignment, Experiment, Report};
use crate::values::{self, Applied, Interaction, Item, Preferences, Recommendation, Stats};
use crate::work::{spawn, Work};

pub use options::ServiceOptions;
use options::{service_options, BUILD_FIELDS};
pub use results::{CatchUp, ExperimentRecommendations, ModelInfo, RetrainOutcome, ScheduleHandle};

/// The production wrapper around an engine: a hot-swapped serving model, a recommendation cache,
/// background retraining behind an evaluation gate, a daily schedule, crash-safe snapshot files,
/// Prometheus / CloudWatch EMF metrics, experiments, drift monitoring and alerts.
#[napi]
pub struct Service {
    inner: svc::Service,
}

#[napi]
impl Service {
    /// Builds a service off the JS thread; its initial model is built from `items`,
    /// `interactions` and `options.preferences`, which are also kept as the training data of
    /// later retrains. `options`: `{preferences, config, ...ServiceOptions}`.
    #[napi(catch_unwind, ts_return_type = "Promise<Service>")]
    pub fn build(
        env: Env,
        items: Vec<Item>,
        interactions: Vec<Interaction>,
        #[napi(
            ts_arg_type = "{ preferences?: Record<string, Preferences>, config?: Config } & ServiceOptions"
        )]
        options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Service>>> {
        let (preferences, config, options) = match options {
            None => (None, None, svc::ServiceOptions::default()),
            Some(o) => {
                convert::known_keys(&env, &o, "service options", BUILD_FIELDS)?;
                let preferences: Option<HashMap<String, Preferences>> =
                    o.get_named_property("preferences")?;
                let config: Option<Object> = o.get_named_property("config")?;
                (preferences, config, service_options(&env, &o)?)
            }
        };
        let config = engine::config(&env, config)?;
        let data = svc::TrainingData {
            items: values::items(items).or_throw(&env)?,
            preferences: values::preferences_map(preferences),
            interactions: values::interactions(interactions).or_throw(&env)?,
            removed: Vec::new(),
        };
        Ok(spawn(move || {
            svc::Service::build(config, data, options)
                .map(|inner| Service { inner })
                .map_err(Into::into)
        }))
    }

    /// Loads a service from a `saveSnapshot` file, off the JS thread. A missing or unreadable
    /// file rejects with `StorageError` (`CRAIC_IO`), a truncated or corrupt one with
    /// `SnapshotError`. The snapshot holds the model, not the interaction log.
    #[napi(catch_unwind, ts_return_type = "Promise<Service>")]
    pub fn from_snapshot_file(
        env: Env,
        path: String,
        #[napi(ts_arg_type = "ServiceOptions")] options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Service>>> {
        let options: ServiceOptions = strict(&env, options)?.unwrap_or_default();
        let options = options.into_core().or_throw(&env)?;
        Ok(spawn(move || {
            svc::Service::from_snapshot_file(&path, options)
                .map(|inner| Service { inner })
                .map_err(Into::into)
        }))
    }

    /// Opens a service on a store by URL, off the JS thread — the way a service is normally run:
    /// restores the store's current model version and applies the log after it, or builds a
    /// model from the store's data and publishes it as the first version; stored experiments
    /// are registered and their exposures and conversions replayed. `options`:
    /// `{config, ...ServiceOptions}` (a restored model keeps its own configuration).
    #[napi(catch_unwind, ts_return_type = "Promise<Service>")]
    pub fn open(
        env: Env,
        url: String,
        #[napi(ts_arg_type = "{ config?: Config } & ServiceOptions")] options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<Service>>> {
        let (config, options) = match options {
            None => (None, svc::ServiceOptions::default()),
            Some(o) => {
                convert::known_keys(&env, &o, "service options", &BUILD_FIELDS[1..])?;
                let config: Option<Object> = o.get_named_property("config")?;
                (config, service_options(&env, &o)?)
            }
        };
        let config = engine::config(&env, config)?;
        Ok(spawn(move || {
            svc::Service::open_url(&url, config, options)
                .map(|inner| Service { inner })
                .map_err(Into::into)
        }))
    }

    /// Applies the catalogue and preference changes, then the log rows, that other replicas
    /// (or anyone) wrote since the serving model's positions, off the JS thread; deferred while
    /// a retrain runs. Store-backed services only.
    #[napi(catch_unwind, ts_return_type = "Promise<CatchUp>")]
    pub fn catch_up(&self) -> AsyncTask<Work<CatchUp>> {
        let service = self.inner.clone();
        spawn(move || {
            let c = service.catch_up()?;
            Ok(CatchUp {
                applied: c.applied as f64,
                cursor: c.cursor.0 as f64,
                changes: c.changes as f64,
                changes_cursor: c.changes_cursor.0 as f64,
                skipped: crate::store_values::malformed(c.skipped),
                deferred: c.deferred,
            })
        })
    }

    /// Swaps in the store's current model version if it is newer than the serving one (another
    /// replica retrained); resolves to the version swapped in, or `null`.
    #[napi(catch_unwind, ts_return_type = "Promise<string | null>")]
    pub fn sync_model(&self) -> AsyncTask<Work<Option<String>>> {
        let service = self.inner.clone();
        spawn(move || Ok(service.sync_model()?))
    }

    /// Publishes the serving model to the store's registry as its current version; resolves to
    /// the version id.
    #[napi(catch_unwind, ts_return_type = "Promise<string>")]
    pub fn publish_model(&self) -> AsyncTask<Work<String>> {
        let service = self.inner.clone();
        spawn(move || Ok(service.publish_model()?))
    }

    /// The log position of the serving model, or `null` for a service without a store.
    #[napi(catch_unwind)]
    pub fn store_cursor(&self) -> Option<f64> {
        self.inner.store_cursor().map(|c| c.0 as f64)
    }

    /// Writes the serving model to `path` atomically (a temporary file, then a rename), off the
    /// JS thread.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn save_snapshot(&self, path: String) -> AsyncTask<Work<()>> {
        let service = self.inner.clone();
        spawn(move || service.save_snapshot(&path).map_err(Into::into))
    }

    /// Up to `k` upcoming events similar to `itemId` from the serving model (not cached, so
    /// current to the last recorded interaction); options and errors as
    /// `Engine.similarItems`, `now` defaulting to the service's clock.
    #[napi(catch_unwind)]
    pub fn similar_items(
        &self,
        env: Env,
        item_id: String,
        #[napi(ts_arg_type = "SimilarOptions")] options: Option<Object>,
    ) -> napi::Result<Vec<Recommendation>> {
        let (k, now, city) = values::similar(strict(&env, options)?).or_throw(&env)?;
        self.inner
            .similar_items(&item_id, k, now, city.as_deref())
            .map(values::recommendations)
            .or_throw(&env)
    }

    /// Recommends for a user through the cache (same options as `Engine.recommend`);
    /// `logImpressions: true` records the returned list as impressions (rank = position, at
    /// `now` or the service's clock) through `record`.
    #[napi(catch_unwind)]
    pub fn recommend(
        &self,
        env: Env,
        user_id: String,
        #[napi(ts_arg_type = "RecommendOptions & { logImpressions?: boolean }")] options: Option<
            Object,
        >,
    ) -> napi::Result<Vec<Recommendation>> {
        let (req, log) = match options {
            None => (engine::request(&env, None)?, false),
            Some(o) => {
                let mut fields = <values::RecommendOptions as convert::Fields>::FIELDS.to_vec();
                fields.push("log_impressions");
                convert::known_keys(&env, &o, "recommend options", &fields)?;
                let log: Option<bool> = o.get_named_property("logImpressions")?;
                let options: values::RecommendOptions = convert::from_object(&env, &o)?;
                let req = values::request(Some(options)).or_throw(&env)?;
                (req, log.unwrap_or(false))
            }
        };
        let out = if log {
            self.inner.recommend_logging_impressions(&user_id, &req)
        } else {
            self.inner.recommend(&user_id, &req)
        };
        out.map(values::recommendations).or_throw(&env)
    }

    /// Records impressions (as `Engine.recordImpressions`), off the JS thread, through `record`.
    #[napi(catch_unwind, ts_return_type = "Promise<Applied>")]
    pub fn record_impressions(
        &self,
        env: Env,
        impressions: Vec<values::Impression>,
    ) -> napi::Result<AsyncTask<Work<Applied>>> {
        let rows = values::impressions(impressions).or_throw(&env)?;
        let service = self.inner.clone();
        Ok(spawn(move || {
            service
                .record_impressions(&rows)
                .map(Applied::from)
                .map_err(Into::into)
        }))
    }

    /// Records interactions, off the JS thread: applied to the serving model, kept for the next
    /// retrain, counted as conversions in running experiments. A bad row rejects the whole
    /// batch (`row` is its index). Resolves to what the serving model applied, as
    /// `Engine.record` (only the new interactions count: on a store, re-sent ones are not).
    #[napi(catch_unwind, ts_return_type = "Promise<Applied>")]
    pub fn record(
        &self,
        env: Env,
        interactions: Vec<Interaction>,
    ) -> napi::Result<AsyncTask<Work<Applied>>> {
        let rows = values::interactions(interactions).or_throw(&env)?;
        let service = self.inner.clone();
        Ok(spawn(move || {
            service.record(&rows).map(Applied::from).map_err(Into::into)
        }))
    }

    /// Inserts or replaces items in the serving model and the training data.
    #[napi(catch_unwind)]
    pub fn upsert_items(&self, env: Env, items: Vec<Item>) -> napi::Result<()> {
        let items = values::items(items).or_throw(&env)?;
        self.inner.upsert_items(items).or_throw(&env)
    }

    /// Stops items from being recommended (serving model and training data, so a retrain keeps
    /// them removed; on a store, other replicas get it by `catchUp`); their past interactions
    /// still inform similarity. Returns how many were live. An unknown id throws
    /// `NotFoundError` and nothing changes.
    #[napi(catch_unwind)]
    pub fn remove_items(&self, env: Env, ids: Vec<String>) -> napi::Result<u32> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.inner
            .remove_items(&ids)
            .map(values::saturate)
            .or_throw(&env)
    }

    /// Sets a user's stated preferences in the serving model and the training data.
    #[napi(catch_unwind)]
    pub fn set_preferences(
        &self,
        env: Env,
        user_id: String,
        preferences: Preferences,
    ) -> napi::Result<()> {
        self.inner
            .set_preferences(&user_id, preferences.into())
            .or_throw(&env)
    }

    /// The serving model's version, creation time and metrics.
    #[napi(catch_unwind)]
    pub fn model_info(&self) -> ModelInfo {
        self.inner.model_info().into()
    }

    /// Counts of the serving model.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Stats {
        self.inner.engine().stats().into()
    }

    /// Cached recommendation lists.
    #[napi(catch_unwind)]
    pub fn cache_len(&self) -> u32 {
        values::saturate(self.inner.cache_len())
    }

    /// Retrains off the JS thread: holds out the latest slice of the training data, evaluates a
    /// candidate built with `options.config` (default: the serving configuration) against the
    /// serving configuration and popularity, and swaps it in if it passes the gate. Resolves to
    /// the outcome; rejects with `RetrainRunningError` (`CRAIC_RETRAIN_RUNNING`) when a retrain
    /// is already running.
    #[napi(catch_unwind, ts_return_type = "Promise<RetrainOutcome>")]
    pub fn retrain(
        &self,
        env: Env,
        #[napi(ts_arg_type = "{ config?: Config }")] options: Option<Object>,
    ) -> napi::Result<AsyncTask<Work<RetrainOutcome>>> {
        let config = match options {
            None => None,
            Some(o) => {
                convert::known_keys(&env, &o, "retrain options", &["config"])?;
                match o.get_named_property::<Option<Object>>("config")? {
                    None => None,
                    Some(c) => Some(engine::config(&env, Some(c))?),
                }
            }
        };
        let job = self.inner.try_retrain(config).or_throw(&env)?;
        Ok(spawn(move || {
            job.wait().map(RetrainOutcome::from).map_err(Into::into)
        }))
    }

    /// True while a retrain runs.
    #[napi(catch_unwind)]
    pub fn retrain_running(&self) -> bool {
        self.inner.retrain_running()
    }

    /// The latest retrain outcomes, oldest first.
    #[napi(catch_unwind)]
    pub fn retrain_history(&self) -> Vec<RetrainOutcome> {
        self.inner
            .retrain_history()
            .into_iter()
            .map(RetrainOutcome::from)
            .collect()
    }

    /// Starts a thread that retrains every day at `hour:minute` local time (UTC +
    /// `utcOffsetMinutes`, no DST rules), then checks the alerts. A bad time throws
    /// `InvalidInputError` (`CRAIC_INVALID_CONFIG`).
    #[napi(catch_unwind)]
    pub fn start_schedule(
        &self,
        env: Env,
        hour: u32,
        minute: u32,
        utc_offset_minutes: Option<i32>,
    ) -> napi::Result<ScheduleHandle> {
        let schedule = svc::Schedule::daily_at(
            hour,
            minute,
            utc_offset_minutes.unwrap_or(svc::Schedule::UTC_OFFSET_MINUTES),
        )
        .or_throw(&env)?;
        Ok(ScheduleHandle {
            inner: Mutex::new(Some(self.inner.start_schedule(schedule))),
        })
    }

    /// Prometheus text exposition (format 0.0.4) of the service's metrics; serve it with the
    /// content type `text/plain; version=0.0.4; charset=utf-8`.
    #[napi(catch_unwind)]
    pub fn metrics_text(&self) -> String {
        self.inner.metrics_text()
    }

    /// The metrics as CloudWatch embedded-metric-format JSON lines under `namespace`.
    #[napi(catch_unwind)]
    pub fn metrics_emf(&self, namespace: String) -> String {
        self.inner.metrics_emf(&namespace)
    }

    /// Registers an experiment (registering the same definition again is a no-op).
    #[napi(catch_unwind)]
    pub fn register_experiment(&self, env: Env, experiment: &Experiment) -> napi::Result<()> {
        self.inner
            .register_experiment(experiment.inner.clone())
            .or_throw(&env)
    }

    /// Recommends inside experiment `key`: assigns the user, serves the variant's strategy and
    /// records an exposure (idempotency key `key|user|model version|day`, or
    /// `options.exposureId`). A user outside the experiment gets the request's own strategy.
    #[napi(catch_unwind)]
    pub fn recommend_in_experiment(
        &self,
        env: Env,
        key: String,
        user_id: String,
        #[napi(ts_arg_type = "RecommendOptions & { exposureId?: string }")] options: Option<Object>,
    ) -> napi::Result<ExperimentRecommendations> {
        let (request, exposure_id) = match options {
            None => (core::Request::new(10), None),
            Some(o) => {
                let mut fields = <values::RecommendOptions as convert::Fields>::FIELDS.to_vec();
                fields.push("exposure_id");
                convert::known_keys(&env, &o, "recommend options", &fields)?;
                let exposure_id: Option<String> = o.get_named_property("exposureId")?;
                let options: values::RecommendOptions = convert::from_object(&env, &o)?;
                (values::request(Some(options)).or_throw(&env)?, exposure_id)
            }
        };
        let served = self
            .inner
            .recommend_in_experiment_with_id(&key, &user_id, &request, exposure_id.as_deref())
            .or_throw(&env)?;
        Ok(ExperimentRecommendations {
            assignment: served.assignment.map(|a| Assignment {
                variant: served.variant.clone().unwrap_or_default(),
                index: u32::try_from(a.index).unwrap_or(u32::MAX),
                strategy: a.strategy.as_str().to_owned(),
                bucket: a.bucket,
            }),
            variant: served.variant,
            new_exposure: served.new_exposure,
            recommendations: values::recommendations(served.recommendations),
        })
    }

    /// The statistical report of experiment `key` (options as `ExperimentTracker.report`).
    #[napi(catch_unwind)]
    pub fn experiment_report(
        &self,
        env: Env,
        key: String,
        #[napi(ts_arg_type = "ReportOptions")] options: Option<Object>,
    ) -> napi::Result<Report> {
        let config = experiments::stats_config(&env, options)?;
        self.inner
            .experiment_report(&key, &config)
            .map(Report::from)
            .or_throw(&env)
    }

    /// The drift of every monitored feature over the window ending at `now` (unix seconds;
    /// default: the clock) against the training data.
    #[napi(catch_unwind)]
    pub fn drift_report(&self, env: Env, now: Option<f64>) -> napi::Result<DriftReport> {
        let now = convert::opt_timestamp(now, "now").or_throw(&env)?;
        Ok(self
            .inner
            .drift_report_at(now.unwrap_or_else(unix_now))
            .into())
    }

    /// Replaces the alert rules; a bad rule throws `InvalidInputError` (its index as `row`) and
    /// nothing changes.
    #[napi(catch_unwind)]
    pub fn set_alert_rules(&self, env: Env, rules: Vec<AlertRule>) -> napi::Result<()> {
        let rules = alerts::rules(rules).or_throw(&env)?;
        self.inner.set_alert_rules(rules).or_throw(&env)
    }

    /// Registers `callback(alert)`, called on the JS thread for each alert that starts firing
    /// (alerts are evaluated by `checkAlerts`, a retrain, or the schedule, on any thread). An
    /// exception the callback throws is reported as an uncaught exception by Node.
    #[napi(catch_unwind)]
    pub fn on_alert(&self, callback: ThreadsafeFunction<Alert, (), Alert, Status, false, true>) {
        let call = move |alert: &core::alerts::Alert| {
            callback.call(
                Alert::from(alert.clone()),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        };
        self.inner.on_alert(Box::new(call));
    }

    /// Evaluates the alert rules at `now` (unix seconds; default: the clock); returns every
    /// firing alert and calls the callbacks for the newly firing ones.
    #[napi(catch_unwind)]
    pub fn check_alerts(&self, env: Env, now: Option<f64>) -> napi::Result<Vec<Alert>> {
        let now = convert::opt_timestamp(now, "now").or_throw(&env)?;
        Ok(self
            .inner
            .check_alerts(now.unwrap_or_else(unix_now))
            .into_iter()
            .map(Alert::from)
            .collect())
    }
}
