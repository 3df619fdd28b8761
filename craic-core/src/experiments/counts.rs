//! Per-variant exposure and conversion counts of one experiment: what
//! [`ExperimentTracker::counts`](super::ExperimentTracker::counts) produces and
//! [`analyze`](super::analyze) reads.

use serde::{Deserialize, Serialize};

/// Counts of one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantCounts {
    /// Variant name.
    pub variant: String,
    /// Distinct users whose first exposure was to this variant.
    pub exposed_users: u64,
    /// Distinct exposed users with at least one attributed conversion.
    pub converting_users: u64,
    /// Attributed conversion events.
    pub conversions: u64,
}

/// Counts of one experiment, variants in definition order (control first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentCounts {
    /// Experiment key.
    pub experiment: String,
    /// Per-variant counts.
    pub variants: Vec<VariantCounts>,
    /// Conversions with no exposure at or before them (not attributed to any variant).
    pub unattributed_conversions: u64,
    /// Distinct users with at least one unattributed conversion.
    pub unattributed_users: u64,
    /// Users exposed to more than one variant (counted in their first variant only). Should be 0;
    /// anything else points at an integration bug (e.g. variants picked outside [`Experiment::assign`](super::Experiment::assign)).
    pub users_in_multiple_variants: u64,
}
