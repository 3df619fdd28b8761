//! Operational metrics: a [`LatencyHistogram`], a [`MetricsRegistry`] of labelled counters,
//! gauges and histograms, and renderers for the Prometheus text format
//! ([`MetricsSnapshot::to_prometheus`]) and CloudWatch Embedded Metric Format
//! ([`MetricsSnapshot::to_emf`]).
//!
//! Pure: nothing here reads a clock or writes anywhere. The caller measures (for example with
//! `std::time::Instant`), records nanoseconds, and ships the rendered text.
//!
//! ```
//! use craic_core::monitoring::MetricsRegistry;
//!
//! let reg = MetricsRegistry::new();
//! let lat = reg
//!     .histogram("craic_request_duration_seconds", "Request latency.",
//!                &[("operation", "recommend"), ("strategy", "hybrid")])
//!     .unwrap();
//! lat.record(2_000_000); // 2 ms
//! let emf = reg.to_emf("craic", 1_700_000_000_000);
//! let line: serde_json::Value = serde_json::from_str(emf.lines().next().unwrap()).unwrap();
//! assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "craic");
//! assert_eq!(line["strategy"], "hybrid");
//! assert_eq!(line["craic_request_duration_seconds_count"], 1.0);
//! assert_eq!(line["craic_request_duration_seconds_p99"], 0.002);
//! ```

pub mod emf;
mod histogram;
pub mod prometheus;
mod registry;

pub use histogram::{
    bucket_index, LatencyHistogram, BOUNDS, EXPORT_BOUNDS, MAX_TRACKED_NANOS, MIN_TRACKED_NANOS,
    NUM_BOUNDS, QUANTILE_RELATIVE_ERROR,
};
pub use registry::{
    is_valid_label_name, is_valid_metric_name, Counter, FamilySnapshot, Gauge, Histogram,
    MetricKind, MetricsRegistry, MetricsSnapshot, SeriesSnapshot, SeriesValue, MAX_LABELS,
};

#[cfg(test)]
mod tests;
