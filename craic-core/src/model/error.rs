//! The one error type of the core, with a stable machine-readable [`ErrorKind`].

use std::fmt;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
///
/// Match on [`Error::kind`] rather than on variants or message text: kinds are stable across
/// releases and are what the Python and Node bindings expose (`.kind` / `error.code`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An id is empty, longer than [`crate::MAX_ID_LEN`] bytes, or otherwise unusable.
    #[error("invalid id {id:?}: {reason}")]
    InvalidId {
        /// The offending id (truncated to 64 characters).
        id: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// An interaction or request names an item the catalogue does not hold.
    #[error("unknown item {0:?}")]
    UnknownItem(String),
    /// An interaction names a kind the configuration does not define.
    #[error("unknown interaction kind {0:?}")]
    UnknownKind(String),
    /// A weight (or other number) is NaN, infinite, or negative where that is not allowed.
    #[error("invalid weight for {what}: {value}")]
    InvalidWeight {
        /// What the number was for.
        what: String,
        /// The rejected value.
        value: f64,
    },
    /// A timestamp lies outside [`crate::MIN_TIMESTAMP`]`..=`[`crate::MAX_TIMESTAMP`] (unix seconds).
    #[error("timestamp {value} out of range (unix seconds {min}..={max}); milliseconds passed as seconds?")]
    InvalidTimestamp {
        /// The rejected timestamp.
        value: i64,
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// `k` (the number of recommendations asked for) is 0 or above the configured maximum.
    #[error("invalid k = {k}: must be between 1 and {max}")]
    InvalidK {
        /// The requested k.
        k: usize,
        /// The configured maximum.
        max: usize,
    },
    /// An item's metadata is inconsistent (for example it ends before it starts).
    #[error("invalid item {id:?}: {reason}")]
    InvalidItem {
        /// The item id.
        id: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// An experiment definition is inconsistent (weights, coverage, key, variants).
    #[error("invalid experiment: {0}")]
    InvalidExperiment(String),
    /// An experiment key that was never registered.
    #[error("unknown experiment {0:?}")]
    UnknownExperiment(String),
    /// A variant name or index that the experiment does not have.
    #[error("unknown variant {0:?}")]
    UnknownVariant(String),
    /// A snapshot could not be decoded: wrong magic, unsupported version, truncated or corrupt.
    #[error("invalid snapshot ({reason:?}): {detail}")]
    Snapshot {
        /// Which way the snapshot is broken.
        reason: SnapshotProblem,
        /// Human-readable detail.
        detail: String,
    },
    /// A count or size supplied by the caller is outside its documented range (see
    /// [`crate::limits`]): nothing was allocated for it and nothing changed.
    #[error("{what} = {value} is out of range: must be between {min} and {max}")]
    OutOfRange {
        /// What the number was for (`"rows"`, `"users × k"`, ...).
        what: String,
        /// The rejected value (wide enough for any integer a binding passes on).
        value: i128,
        /// Smallest accepted value.
        min: i128,
        /// Largest accepted value.
        max: i128,
    },
    /// The engine's state may be inconsistent: a write panicked part-way (see
    /// [`crate::Engine`]'s panic safety). Reads and writes fail with this until
    /// `Engine::restore` (or building a new engine) replaces the state.
    #[error(
        "engine poisoned: a write panicked part-way; restore it from a snapshot or rebuild it"
    )]
    Poisoned,
    /// A consistency check ([`crate::Engine::verify_neighbours`]) found the incrementally
    /// maintained state out of step with a full recompute: a bug, worth a report.
    #[error("model state inconsistent: {0}")]
    Inconsistent(String),
    /// An interaction that is not an impression carries a rank (only impressions have one).
    #[error("an interaction of kind {kind:?} has a rank: only impressions have one")]
    InvalidRank {
        /// The interaction's kind.
        kind: String,
    },
    /// One row of a batch was invalid; the whole batch was rejected and nothing changed.
    #[error("row {index} of the batch: {source}")]
    InvalidRow {
        /// Zero-based index of the first bad row.
        index: usize,
        /// What was wrong with it.
        source: Box<Error>,
    },
}

/// Why a snapshot was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnapshotProblem {
    /// Not a craic snapshot at all (wrong magic bytes).
    Foreign,
    /// Written by a newer (or unknown) format version.
    UnsupportedVersion,
    /// Shorter than its header says.
    Truncated,
    /// Checksum mismatch or undecodable body.
    Corrupt,
}

/// Stable, machine-readable category of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::InvalidId`].
    InvalidId,
    /// See [`Error::UnknownItem`].
    UnknownItem,
    /// See [`Error::UnknownKind`].
    UnknownKind,
    /// See [`Error::InvalidWeight`].
    InvalidWeight,
    /// See [`Error::InvalidTimestamp`].
    InvalidTimestamp,
    /// See [`Error::InvalidK`].
    InvalidK,
    /// See [`Error::InvalidItem`].
    InvalidItem,
    /// See [`Error::InvalidConfig`].
    InvalidConfig,
    /// See [`Error::InvalidExperiment`].
    InvalidExperiment,
    /// See [`Error::UnknownExperiment`].
    UnknownExperiment,
    /// See [`Error::UnknownVariant`].
    UnknownVariant,
    /// See [`Error::Snapshot`].
    InvalidSnapshot,
    /// See [`Error::OutOfRange`].
    OutOfRange,
    /// See [`Error::Poisoned`].
    Poisoned,
    /// See [`Error::Inconsistent`].
    InconsistentModel,
    /// See [`Error::InvalidRank`].
    InvalidRank,
}

impl ErrorKind {
    /// Every kind, in declaration order (used by the bindings' exhaustive mapping tests).
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::InvalidId,
        ErrorKind::UnknownItem,
        ErrorKind::UnknownKind,
        ErrorKind::InvalidWeight,
        ErrorKind::InvalidTimestamp,
        ErrorKind::InvalidK,
        ErrorKind::InvalidItem,
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidExperiment,
        ErrorKind::UnknownExperiment,
        ErrorKind::UnknownVariant,
        ErrorKind::InvalidSnapshot,
        ErrorKind::OutOfRange,
        ErrorKind::Poisoned,
        ErrorKind::InconsistentModel,
        ErrorKind::InvalidRank,
    ];

    /// The stable snake_case name (`"unknown_item"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidId => "invalid_id",
            ErrorKind::UnknownItem => "unknown_item",
            ErrorKind::UnknownKind => "unknown_kind",
            ErrorKind::InvalidWeight => "invalid_weight",
            ErrorKind::InvalidTimestamp => "invalid_timestamp",
            ErrorKind::InvalidK => "invalid_k",
            ErrorKind::InvalidItem => "invalid_item",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidExperiment => "invalid_experiment",
            ErrorKind::UnknownExperiment => "unknown_experiment",
            ErrorKind::UnknownVariant => "unknown_variant",
            ErrorKind::InvalidSnapshot => "invalid_snapshot",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::Poisoned => "poisoned",
            ErrorKind::InconsistentModel => "inconsistent_model",
            ErrorKind::InvalidRank => "invalid_rank",
        }
    }

    /// True for "the caller named something that does not exist" kinds (maps to `KeyError` in Python).
    pub const fn is_lookup(self) -> bool {
        matches!(
            self,
            ErrorKind::UnknownItem | ErrorKind::UnknownExperiment | ErrorKind::UnknownVariant
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The stable category of this error. For [`Error::InvalidRow`] it is the kind of the row's
    /// own error, so a bad row in a batch reports the same kind as the same row on its own.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidId { .. } => ErrorKind::InvalidId,
            Error::UnknownItem(_) => ErrorKind::UnknownItem,
            Error::UnknownKind(_) => ErrorKind::UnknownKind,
            Error::InvalidWeight { .. } => ErrorKind::InvalidWeight,
            Error::InvalidTimestamp { .. } => ErrorKind::InvalidTimestamp,
            Error::InvalidK { .. } => ErrorKind::InvalidK,
            Error::InvalidItem { .. } => ErrorKind::InvalidItem,
            Error::InvalidConfig(_) => ErrorKind::InvalidConfig,
            Error::InvalidExperiment(_) => ErrorKind::InvalidExperiment,
            Error::UnknownExperiment(_) => ErrorKind::UnknownExperiment,
            Error::UnknownVariant(_) => ErrorKind::UnknownVariant,
            Error::Snapshot { .. } => ErrorKind::InvalidSnapshot,
            Error::OutOfRange { .. } => ErrorKind::OutOfRange,
            Error::Poisoned => ErrorKind::Poisoned,
            Error::Inconsistent(_) => ErrorKind::InconsistentModel,
            Error::InvalidRank { .. } => ErrorKind::InvalidRank,
            Error::InvalidRow { source, .. } => source.kind(),
        }
    }

    /// For a batch error, the zero-based index of the rejected row.
    pub fn row(&self) -> Option<usize> {
        match self {
            Error::InvalidRow { index, .. } => Some(*index),
            _ => None,
        }
    }

    pub(crate) fn in_row(self, index: usize) -> Error {
        Error::InvalidRow {
            index,
            source: Box::new(self),
        }
    }

    pub(crate) fn weight(what: impl Into<String>, value: f64) -> Error {
        Error::InvalidWeight {
            what: what.into(),
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_snake_case() {
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn row_error_reports_inner_kind() {
        let e = Error::UnknownItem("x".into()).in_row(3);
        assert_eq!(e.kind(), ErrorKind::UnknownItem);
        assert_eq!(e.row(), Some(3));
    }
}
