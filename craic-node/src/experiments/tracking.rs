//! Experiment events and the tracker that counts them.

use std::sync::{Arc, Mutex, MutexGuard};

use craic_core::experiments as exp;
use craic_core::Error as CoreError;
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use super::report::{stats_config, Report};
use super::Experiment;
use crate::convert;
use crate::errors::{Fallible, JsFailure, OrThrow};

/// One tracked fact: an exposure (`variant` set) or a conversion. `id` is an idempotency key:
/// recording the same id twice counts once.
#[napi(object)]
pub struct ExperimentEvent {
    /// `"exposure"` or `"conversion"`.
    #[napi(ts_type = "'exposure' | 'conversion'")]
    pub r#type: String,
    /// Idempotency key (unique per event).
    pub id: String,
    /// Experiment key.
    pub experiment: String,
    /// The user.
    pub user_id: String,
    /// The variant shown (exposures only).
    pub variant: Option<String>,
    /// When, unix seconds.
    pub timestamp: f64,
}

impl TryFrom<ExperimentEvent> for exp::ExperimentEvent {
    type Error = JsFailure;

    fn try_from(e: ExperimentEvent) -> Fallible<exp::ExperimentEvent> {
        let timestamp = convert::timestamp(e.timestamp, "timestamp")?;
        match (e.r#type.as_str(), e.variant) {
            ("exposure", Some(variant)) => Ok(exp::ExperimentEvent::exposure(
                e.id,
                e.experiment,
                e.user_id,
                variant,
                timestamp,
            )),
            ("conversion", None) => Ok(exp::ExperimentEvent::conversion(
                e.id,
                e.experiment,
                e.user_id,
                timestamp,
            )),
            (kind, variant) => Err(JsFailure::from(CoreError::InvalidExperiment(format!(
                "an event is {{type: 'exposure', variant}} or {{type: 'conversion'}} without a \
                 variant; got type {kind:?} with variant {variant:?}"
            )))),
        }
    }
}

/// Per-variant counts of an experiment.
#[napi(object)]
pub struct VariantCounts {
    /// The variant's name.
    pub variant: String,
    /// Distinct users exposed to it.
    pub exposed_users: f64,
    /// Distinct exposed users who converted afterwards.
    pub converting_users: f64,
    /// Conversions attributed to it.
    pub conversions: f64,
}

/// Counts of an experiment: per variant, and what could not be attributed.
#[napi(object)]
pub struct ExperimentCounts {
    /// The experiment key.
    pub experiment: String,
    /// Per-variant counts, control first.
    pub variants: Vec<VariantCounts>,
    /// Conversions of users never exposed.
    pub unattributed_conversions: f64,
    /// Users with conversions but no exposure.
    pub unattributed_users: f64,
    /// Users exposed to more than one variant (their data is excluded).
    pub users_in_multiple_variants: f64,
}

impl From<exp::ExperimentCounts> for ExperimentCounts {
    fn from(c: exp::ExperimentCounts) -> Self {
        ExperimentCounts {
            experiment: c.experiment,
            variants: c
                .variants
                .into_iter()
                .map(|v| VariantCounts {
                    variant: v.variant,
                    exposed_users: v.exposed_users as f64,
                    converting_users: v.converting_users as f64,
                    conversions: v.conversions as f64,
                })
                .collect(),
            unattributed_conversions: c.unattributed_conversions as f64,
            unattributed_users: c.unattributed_users as f64,
            users_in_multiple_variants: c.users_in_multiple_variants as f64,
        }
    }
}

/// Tracks exposures and conversions of registered experiments and reports on them.
/// Thread-safe; events are idempotent by `id`.
#[napi]
pub struct ExperimentTracker {
    inner: Arc<Mutex<exp::ExperimentTracker>>,
}

impl ExperimentTracker {
    fn lock(&self) -> MutexGuard<'_, exp::ExperimentTracker> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

crate::convert::options! {
    /// Options of `new ExperimentTracker(options)`.
    pub struct TrackerOptions: "tracker options" {
        /// How long event ids are remembered behind the newest event, in seconds (default
        /// 7 days); an older event is late: ignored and counted by `lateEvents()`.
        pub idempotency_window_secs: [Option<f64>],
    }
}

#[napi]
impl ExperimentTracker {
    /// An empty tracker; `{idempotencyWindowSecs}` (default 7 days, at least 1).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "TrackerOptions")] options: Option<Object>,
    ) -> napi::Result<Self> {
        let options: TrackerOptions = convert::strict(&env, options)?.unwrap_or_default();
        let secs = match options.idempotency_window_secs {
            None => exp::DEFAULT_IDEMPOTENCY_WINDOW_SECS,
            Some(v) => convert::whole(
                v,
                "idempotencyWindowSecs",
                craic_core::ErrorKind::InvalidConfig,
            )
            .or_throw(&env)?,
        };
        let tracker = exp::ExperimentTracker::with_idempotency_window(secs).or_throw(&env)?;
        Ok(ExperimentTracker {
            inner: Arc::new(Mutex::new(tracker)),
        })
    }

    /// The idempotency window in seconds.
    #[napi(catch_unwind)]
    pub fn idempotency_window_secs(&self) -> f64 {
        self.lock().idempotency_window() as f64
    }

    /// Events ignored so far as late (older than the window behind the newest event).
    #[napi(catch_unwind)]
    pub fn late_events(&self) -> f64 {
        self.lock().late_events() as f64
    }

    /// Registers an experiment (a key can be registered once).
    #[napi(catch_unwind)]
    pub fn register(&self, env: Env, experiment: &Experiment) -> napi::Result<()> {
        self.lock()
            .register(experiment.inner.clone())
            .or_throw(&env)
    }

    /// A registered experiment, or `null`.
    #[napi(catch_unwind)]
    pub fn experiment(&self, key: String) -> Option<Experiment> {
        self.lock()
            .experiment(&key)
            .map(|e| Experiment { inner: e.clone() })
    }

    /// Records that `userId` was shown `variant` of `experiment`; `false` when the event id
    /// was already recorded.
    #[napi(catch_unwind)]
    pub fn record_exposure(
        &self,
        env: Env,
        id: String,
        experiment: String,
        user_id: String,
        variant: String,
        timestamp: f64,
    ) -> napi::Result<bool> {
        let timestamp = convert::timestamp(timestamp, "timestamp").or_throw(&env)?;
        let event = exp::ExperimentEvent::exposure(id, experiment, user_id, variant, timestamp);
        self.lock().record(&event).or_throw(&env)
    }

    /// Records that `userId` converted while `experiment` ran; `false` when the event id was
    /// already recorded.
    #[napi(catch_unwind)]
    pub fn record_conversion(
        &self,
        env: Env,
        id: String,
        experiment: String,
        user_id: String,
        timestamp: f64,
    ) -> napi::Result<bool> {
        let timestamp = convert::timestamp(timestamp, "timestamp").or_throw(&env)?;
        let event = exp::ExperimentEvent::conversion(id, experiment, user_id, timestamp);
        self.lock().record(&event).or_throw(&env)
    }

    /// Records a batch atomically: returns how many events were new, or throws on the first bad
    /// row (`row` is its index) and records nothing.
    #[napi(catch_unwind)]
    pub fn record_all(&self, env: Env, events: Vec<ExperimentEvent>) -> napi::Result<u32> {
        let rows = events
            .into_iter()
            .enumerate()
            .map(|(n, e)| exp::ExperimentEvent::try_from(e).map_err(|f| f.in_row(n)))
            .collect::<Fallible<Vec<_>>>()
            .or_throw(&env)?;
        self.lock()
            .record_all(&rows)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .or_throw(&env)
    }

    /// Per-variant counts of experiment `key` (`NotFoundError` for an unknown key).
    #[napi(catch_unwind)]
    pub fn counts(&self, env: Env, key: String) -> napi::Result<ExperimentCounts> {
        self.lock()
            .counts(&key)
            .map(ExperimentCounts::from)
            .or_throw(&env)
    }

    /// The statistical report of experiment `key`: conversion rates with Wilson intervals, lifts
    /// against the control with intervals, the z-test, the always-valid sequential test and the
    /// sample-ratio-mismatch check. `options`: `{alpha, mixingVariance, srmAlpha}`.
    #[napi(catch_unwind)]
    pub fn report(
        &self,
        env: Env,
        key: String,
        #[napi(ts_arg_type = "ReportOptions")] options: Option<Object>,
    ) -> napi::Result<Report> {
        let config = stats_config(&env, options)?;
        self.lock()
            .report(&key, &config)
            .map(Report::from)
            .or_throw(&env)
    }
}
