//! A/B experiments: GrowthBook-compatible assignment of users to recommendation strategies,
//! exposure/conversion tracking, and the statistics to decide (fixed-horizon and always-valid).
//!
//! 1. An [`Experiment`] is built and validated once, then assigns users deterministically — the
//!    same user always gets the same variant, exactly as the GrowthBook SDKs would (see
//!    [`growthbook`] for the hashing details, including why ids are hashed as UTF-16).
//! 2. An [`ExperimentTracker`] records [`ExperimentEvent`]s — exposures ("user saw variant V") and
//!    conversions — idempotently and order-independently (see [`tracking`]).
//! 3. [`ExperimentTracker::report`] (or [`analyze`]) turns the counts into a [`Report`]: rates with
//!    Wilson intervals, absolute and relative lifts, the fixed-horizon z-test, the always-valid
//!    mSPRT p-value and a sample-ratio-mismatch check (see [`stats`] and [`sequential`]).
//!
//! ```
//! use craic_core::experiments::{Experiment, ExperimentEvent, ExperimentTracker, StatsConfig};
//! use craic_core::Strategy;
//!
//! let exp = Experiment::builder("home-feed-2026")
//!     .variant("control", 0.5, Strategy::Popularity)
//!     .variant("hybrid", 0.5, Strategy::Hybrid)
//!     .build()?;
//! let a = exp.assign("user-42").expect("full coverage: everyone is in");
//! assert_eq!(exp.assign("user-42"), Some(a)); // deterministic
//! assert_eq!(exp.assign(""), None); // no id, no experiment
//! let variant = &exp.variants()[a.index];
//! assert_eq!(a.strategy, variant.strategy); // recommend with this strategy
//!
//! let mut tracker = ExperimentTracker::new();
//! tracker.register(exp.clone())?;
//! let t = 1_800_000_000; // unix seconds, supplied by the caller
//! let seen = ExperimentEvent::exposure("ev-1", "home-feed-2026", "user-42", &variant.name, t);
//! assert!(tracker.record(&seen)?);
//! assert!(!tracker.record(&seen)?); // same idempotency key: counted once
//! tracker.record(&ExperimentEvent::conversion("ev-2", "home-feed-2026", "user-42", t + 60))?;
//!
//! let counts = tracker.counts("home-feed-2026")?;
//! assert_eq!(counts.variants[a.index].converting_users, 1);
//! let report = tracker.report("home-feed-2026", &StatsConfig::default())?;
//! assert_eq!(report.total_exposed_users, 1);
//! # Ok::<(), craic_core::Error>(())
//! ```

mod counts;
pub mod distributions;
mod experiment;
pub mod growthbook;
mod idempotency;
pub mod sequential;
pub mod stats;
pub mod tracking;
mod treatment;
mod user_record;

pub use counts::{ExperimentCounts, VariantCounts};
pub use experiment::{Assignment, Experiment, ExperimentSpec, Namespace, Variant};
pub use idempotency::DEFAULT_IDEMPOTENCY_WINDOW_SECS;
pub use sequential::{mixture_sprt, SequentialResult, DEFAULT_MIXING_VARIANCE};
pub use stats::{
    analyze, sample_ratio_mismatch, two_proportion_z_test, wilson_interval, Comparison, Estimate,
    Report, SampleRatioMismatch, StatsConfig, VariantReport,
};
pub use tracking::{ExperimentEvent, ExperimentTracker};
pub use treatment::Treatment;
