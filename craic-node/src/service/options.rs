//! The service's options object and its conversion into the core's `ServiceOptions`.

use std::time::Duration;

use craic::service as svc;
use craic_core::ErrorKind;
use napi::bindgen_prelude::Object;
use napi::Env;

use crate::convert::{self, options};
use crate::errors::{Fallible, JsFailure, OrThrow};

options! {
    /// How a service runs; every field defaults to the core's default.
    pub struct ServiceOptions: "service options" {
        /// Recommendation lists cached (0 disables the cache; default 100 000).
        pub cache_capacity: [Option<f64>],
        /// How long a cached list is served, in seconds (default 6 h).
        pub cache_ttl_secs: [Option<f64>],
        /// Latest share of the log held out when retraining (default 0.1).
        pub holdout_fraction: [Option<f64>],
        /// Cut-off of the retrain metrics (default 10).
        pub retrain_k: [Option<f64>],
        /// The gate: largest relative NDCG drop accepted against the serving configuration
        /// rebuilt on the same split (default 0.02).
        pub max_relative_drop: [Option<f64>],
        /// The gate: largest relative NDCG drop accepted against the NDCG the serving version
        /// recorded when it was accepted (default 0.25).
        pub max_drop_vs_recorded: [Option<f64>],
        /// The gate: the candidate must beat popularity (default true).
        pub must_beat_popularity: [Option<bool>],
        /// The gate: the candidate must be trained on at least this share of the interactions
        /// the serving model saw (0 disables; default 0.5).
        pub min_data_ratio: [Option<f64>],
        /// Retrain outcomes kept (default 50).
        pub history_len: [Option<f64>],
        /// The drift monitor's current window, in seconds (default 86 400).
        pub drift_window_secs: [Option<f64>],
        /// Experiment event ids remembered behind the newest event, in whole seconds ≥ 1;
        /// older events are late: ignored and counted (default 604 800, 7 days).
        pub experiment_window_secs: [Option<f64>],
        /// Most interactions the in-memory training log keeps, oldest dropped first (default
        /// 5 000 000; ignored by a store-backed service).
        pub training_capacity: [Option<f64>],
        /// Most distinct engine configurations experiment variants may carry, one engine each
        /// (default 4); registering an experiment beyond it throws `CRAIC_OUT_OF_RANGE`.
        pub max_arm_configs: [Option<f64>],
    }
}

impl ServiceOptions {
    pub(super) fn into_core(self) -> Fallible<svc::ServiceOptions> {
        let d = svc::ServiceOptions::default();
        let count = |v: Option<f64>, name: &str, default: usize| {
            v.map_or(Ok(default), |v| {
                convert::count(v, name, ErrorKind::InvalidConfig)
            })
        };
        let cache_ttl = match self.cache_ttl_secs {
            None => d.cache_ttl,
            Some(secs) => Duration::try_from_secs_f64(secs).map_err(|_| {
                JsFailure::invalid(
                    ErrorKind::InvalidConfig,
                    format!("cacheTtlSecs must be a finite number of seconds ≥ 0, got {secs}"),
                )
            })?,
        };
        let window = match self.drift_window_secs {
            None => d.drift.window_secs,
            Some(v) => convert::whole(v, "driftWindowSecs", ErrorKind::InvalidConfig)?,
        };
        let experiment_window = match self.experiment_window_secs {
            None => d.experiment_window,
            Some(v) => match convert::whole(v, "experimentWindowSecs", ErrorKind::InvalidConfig)? {
                secs if secs >= 1 => Duration::from_secs(secs.unsigned_abs()),
                secs => {
                    return Err(JsFailure::invalid(
                        ErrorKind::InvalidConfig,
                        format!("experimentWindowSecs must be ≥ 1, got {secs}"),
                    ))
                }
            },
        };
        Ok(svc::ServiceOptions {
            cache_capacity: count(self.cache_capacity, "cacheCapacity", d.cache_capacity)?,
            cache_ttl,
            retrain: svc::RetrainOptions {
                holdout_fraction: self.holdout_fraction.unwrap_or(d.retrain.holdout_fraction),
                k: count(self.retrain_k, "retrainK", d.retrain.k)?,
                gate: {
                    let g = d.retrain.gate.clone();
                    svc::Gate {
                        max_relative_drop: self.max_relative_drop.unwrap_or(g.max_relative_drop),
                        max_drop_vs_recorded: self
                            .max_drop_vs_recorded
                            .unwrap_or(g.max_drop_vs_recorded),
                        must_beat_popularity: self
                            .must_beat_popularity
                            .unwrap_or(g.must_beat_popularity),
                        min_data_ratio: self.min_data_ratio.unwrap_or(g.min_data_ratio),
                    }
                },
            },
            history_len: count(self.history_len, "historyLen", d.history_len)?,
            drift: svc::DriftOptions {
                window_secs: window,
                ..d.drift
            },
            source: None,
            clock: d.clock,
            experiment_window,
            max_arm_configs: count(self.max_arm_configs, "maxArmConfigs", d.max_arm_configs)?,
            training_capacity: count(
                self.training_capacity,
                "trainingCapacity",
                d.training_capacity,
            )?,
        })
    }
}

/// The names `Service.build` accepts in its options: the data, the configuration and every
/// service option.
pub(super) const BUILD_FIELDS: &[&str] = &[
    "preferences",
    "config",
    "cache_capacity",
    "cache_ttl_secs",
    "holdout_fraction",
    "retrain_k",
    "max_relative_drop",
    "max_drop_vs_recorded",
    "must_beat_popularity",
    "min_data_ratio",
    "history_len",
    "drift_window_secs",
    "experiment_window_secs",
    "training_capacity",
    "max_arm_configs",
];

/// The service options of an options object whose names were checked already (it may also
/// hold `preferences` and `config`).
pub(super) fn service_options(env: &Env, obj: &Object) -> napi::Result<svc::ServiceOptions> {
    let options: ServiceOptions = convert::from_object(env, obj)?;
    options.into_core().or_throw(env)
}
