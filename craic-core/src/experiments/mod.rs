//! A/B experiments: GrowthBook-compatible assignment of users to recommendation strategies.
//!
//! An [`Experiment`] is built and validated once, then assigns users deterministically — the same
//! user always gets the same variant, exactly as the GrowthBook SDKs would assign them (see
//! [`growthbook`] for the hashing details, including why ids are hashed as UTF-16).
//!
//! ```
//! use craic_core::experiments::Experiment;
//! use craic_core::Strategy;
//!
//! let exp = Experiment::builder("home-feed-2026")
//!     .variant("control", 0.5, Strategy::Popularity)
//!     .variant("hybrid", 0.5, Strategy::Hybrid)
//!     .build()?;
//! let a = exp.assign("user-42").expect("full coverage: everyone is in");
//! assert_eq!(exp.assign("user-42"), Some(a)); // deterministic
//! assert_eq!(a.strategy, exp.variants()[a.variant].strategy);
//! assert_eq!(exp.assign(""), None); // no id, no experiment
//! # Ok::<(), craic_core::Error>(())
//! ```

pub mod distributions;
mod experiment;
pub mod growthbook;
pub mod sequential;
pub mod stats;
pub mod tracking;

pub use experiment::{Assignment, Experiment, ExperimentSpec, Namespace, Variant};
pub use sequential::{mixture_sprt, SequentialResult, DEFAULT_MIXING_VARIANCE};
pub use stats::{
    analyze, sample_ratio_mismatch, two_proportion_z_test, wilson_interval, Comparison, Estimate,
    Report, SampleRatioMismatch, StatsConfig, VariantReport,
};
pub use tracking::{ExperimentCounts, ExperimentEvent, ExperimentTracker, VariantCounts};
