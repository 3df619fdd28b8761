//! The service's metric handles (names documented in the [module docs](super)).

use std::sync::Mutex;

use craic_core::monitoring::{Counter, Gauge, Histogram, MetricsRegistry};
use craic_core::Strategy;

use super::lock;

pub(crate) const RECOMMEND_SECONDS: &str = "craic_recommend_duration_seconds";
pub(crate) const RECORD_SECONDS: &str = "craic_record_duration_seconds";
pub(crate) const RETRAIN_SECONDS: &str = "craic_retrain_duration_seconds";
pub(crate) const REQUESTS: &str = "craic_requests_total";
pub(crate) const CACHE_HITS: &str = "craic_cache_hits_total";
pub(crate) const CACHE_MISSES: &str = "craic_cache_misses_total";
pub(crate) const SERVED: &str = "craic_recommendations_served_total";
pub(crate) const RECORDED: &str = "craic_interactions_recorded_total";
pub(crate) const ERRORS: &str = "craic_errors_total";
pub(crate) const MODEL_INFO: &str = "craic_model_info";
pub(crate) const MODEL_AGE: &str = "craic_model_age_seconds";
pub(crate) const RETRAIN_ACCEPTED: &str = "craic_last_retrain_accepted";
pub(crate) const RETRAIN_LAST_SECONDS: &str = "craic_last_retrain_duration_seconds";
pub(crate) const RETRAINS: &str = "craic_retrains_total";
pub(crate) const EXPOSURES: &str = "craic_experiment_exposures_total";
pub(crate) const CONVERSIONS: &str = "craic_experiment_conversions_total";
pub(crate) const DRIFT_PSI: &str = "craic_drift_psi";
pub(crate) const ALERTS_FIRING: &str = "craic_alerts_firing";
pub(crate) const TRAINING_DROPPED: &str = "craic_training_interactions_dropped_total";
pub(crate) const EXPERIMENT_LATE: &str = "craic_experiment_late_events_total";

/// Pre-registered handles; rarely used series are registered on first use.
#[derive(Debug)]
pub(crate) struct ServiceMetrics {
    pub registry: MetricsRegistry,
    recommend_latency: [Histogram; 5],
    requests: [Counter; 5],
    pub record_latency: Histogram,
    pub retrain_latency: Histogram,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub served: Counter,
    pub recorded: Counter,
    pub model_age: Gauge,
    pub retrain_accepted: Gauge,
    pub retrain_last_seconds: Gauge,
    pub alerts_firing: Gauge,
    pub training_dropped: Counter,
    pub experiment_late: Counter,
    model_info: Mutex<Option<Gauge>>,
}

fn idx(s: Strategy) -> usize {
    match s {
        Strategy::Popularity => 0,
        Strategy::Collaborative => 1,
        Strategy::Content => 2,
        Strategy::Hybrid => 3,
        Strategy::ItemBased => 4,
    }
}

impl ServiceMetrics {
    pub fn new() -> Self {
        let registry = MetricsRegistry::new();
        // Names and labels below are constants known to be valid, so registration cannot fail;
        // a failure would only leave a detached handle (never a panic).
        let h = |name: &str, help: &str, labels: &[(&str, &str)]| {
            registry.histogram(name, help, labels).unwrap_or_default()
        };
        let c = |name: &str, help: &str, labels: &[(&str, &str)]| {
            registry.counter(name, help, labels).unwrap_or_default()
        };
        let g = |name: &str, help: &str| registry.gauge(name, help, &[]).unwrap_or_default();
        let per = |f: &dyn Fn(&str) -> Histogram| Strategy::EVERY.map(|s| f(s.as_str()));
        let recommend_latency = per(&|s| {
            h(
                RECOMMEND_SECONDS,
                "Latency of recommend calls, by strategy.",
                &[("strategy", s)],
            )
        });
        let requests = Strategy::EVERY.map(|s| {
            c(
                REQUESTS,
                "Recommend requests, by strategy.",
                &[("strategy", s.as_str())],
            )
        });
        ServiceMetrics {
            record_latency: h(RECORD_SECONDS, "Latency of record calls.", &[]),
            retrain_latency: h(RETRAIN_SECONDS, "Duration of retrains.", &[]),
            cache_hits: c(CACHE_HITS, "Recommendation cache hits.", &[]),
            cache_misses: c(CACHE_MISSES, "Recommendation cache misses.", &[]),
            served: c(SERVED, "Recommendations returned (items).", &[]),
            recorded: c(RECORDED, "Interactions recorded.", &[]),
            model_age: g(MODEL_AGE, "Seconds since the serving model was created."),
            retrain_accepted: g(
                RETRAIN_ACCEPTED,
                "1 if the last retrain was accepted, 0 if rejected or failed.",
            ),
            retrain_last_seconds: g(RETRAIN_LAST_SECONDS, "Duration of the last retrain."),
            alerts_firing: g(ALERTS_FIRING, "Alerts firing at the last check."),
            training_dropped: c(
                TRAINING_DROPPED,
                "Interactions the in-memory training log dropped at its capacity.",
                &[],
            ),
            experiment_late: c(
                EXPERIMENT_LATE,
                "Experiment exposures and conversions ignored as late (older than the \
                 idempotency window behind the newest event).",
                &[],
            ),
            recommend_latency,
            requests,
            model_info: Mutex::new(None),
            registry,
        }
    }

    pub fn request(&self, s: Strategy) {
        self.requests[idx(s)].inc();
    }

    pub fn recommend_latency(&self, s: Strategy) -> &Histogram {
        &self.recommend_latency[idx(s)]
    }

    pub fn error(&self, operation: &str, kind: &str) {
        if let Ok(c) = self.registry.counter(
            ERRORS,
            "Errors returned, by operation and kind.",
            &[("operation", operation), ("kind", kind)],
        ) {
            c.inc();
        }
    }

    pub fn retrain_outcome(&self, outcome: &str) {
        if let Ok(c) = self.registry.counter(
            RETRAINS,
            "Retrains, by outcome (accepted, rejected, failed).",
            &[("outcome", outcome)],
        ) {
            c.inc();
        }
    }

    /// Sets the info gauge of the new version to 1 and the previous one to 0.
    pub fn model_version(&self, version: &str) {
        let mut cur = lock(&self.model_info);
        if let Some(old) = cur.take() {
            old.set(0.0);
        }
        if let Ok(g) = self.registry.gauge(
            MODEL_INFO,
            "The serving model version (value 1; earlier versions 0).",
            &[("version", version)],
        ) {
            g.set(1.0);
            *cur = Some(g);
        }
    }

    pub fn experiment(&self, name: &str, experiment: &str, variant: &str) -> Option<Counter> {
        let help = if name == EXPOSURES {
            "Experiment exposures, by experiment and variant."
        } else {
            "Experiment conversions, by experiment and variant."
        };
        self.registry
            .counter(
                name,
                help,
                &[("experiment", experiment), ("variant", variant)],
            )
            .ok()
    }

    pub fn drift(&self, feature: &str, psi: f64) {
        if let Ok(g) = self.registry.gauge(
            DRIFT_PSI,
            "Population stability index of a feature at the last drift report.",
            &[("feature", feature)],
        ) {
            g.set(psi);
        }
    }
}
