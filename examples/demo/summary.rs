//! What the demo measured: sizes, offline metrics, the A/B reports, the retrain, latency, the
//! cache and the timings (printed by `run`, rendered by `report.rs`, asserted by `tests/demo.rs`).

use std::time::Duration;

use craic::evaluation::Metrics;
use craic::experiments::Report;
use craic::service::RetrainOutcome;
use craic::Strategy;

use crate::feeds::FeedSummary;
use crate::simulate::AbTotals;

/// Latency of one strategy's `recommend` calls, from the service's histogram (microseconds).
#[derive(Debug, Clone)]
pub struct Latency {
    /// The strategy label.
    pub strategy: String,
    /// Calls.
    pub count: u64,
    /// Quantiles in µs.
    pub p50: f64,
    /// 95th percentile in µs.
    pub p95: f64,
    /// 99th percentile in µs.
    pub p99: f64,
    /// Mean in µs.
    pub mean: f64,
}

/// Everything the demo measured.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Dataset sizes.
    pub users: usize,
    /// Events in the catalogue.
    pub items: usize,
    /// Interactions generated.
    pub interactions: usize,
    /// Cities.
    pub cities: usize,
    /// Offline metrics per strategy (time split).
    pub offline: Vec<(Strategy, Metrics)>,
    /// Users evaluated offline.
    pub offline_users: usize,
    /// The A/B statistics report.
    pub ab: Report,
    /// A/B simulation totals.
    pub ab_totals: AbTotals,
    /// Simulated days.
    pub ab_days: u32,
    /// The simulation with bored users: totals and report (`boredom.rs`).
    pub bored: (AbTotals, Report),
    /// The retrain.
    pub retrain: RetrainOutcome,
    /// Recommend latency per strategy.
    pub latency: Vec<Latency>,
    /// Cache hits and misses.
    pub cache: (u64, u64),
    /// Wall-clock time of each step, in order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Total wall-clock time.
    pub elapsed: Duration,
    /// The imported catalogue (`--feeds`).
    pub feeds: Option<FeedSummary>,
}
