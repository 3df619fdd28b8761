//! [`ServiceError`]: the facade's error type, with a stable [`ServiceErrorKind`].

use std::path::PathBuf;

/// Result alias of the service layer.
pub type ServiceResult<T> = std::result::Result<T, ServiceError>;

/// Everything that can go wrong in the [`crate::service::Service`] layer.
///
/// Match on [`ServiceError::kind`], a [`ServiceErrorKind`]: the core's
/// [`craic_core::ErrorKind`] for core errors, `Io`, `RetrainRunning` and `Stopped`, and the
/// store's [`craic_store::StoreErrorKind`] for a store-backed service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// An error of the core (invalid input, unknown experiment, corrupt snapshot, ...).
    #[error(transparent)]
    Core(#[from] craic_core::Error),
    /// A file could not be read or written.
    #[error("I/O error on {path:?}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A retrain is already running ([`crate::service::Service::try_retrain`]).
    #[error("a retrain is already running")]
    RetrainRunning,
    /// A background thread stopped unexpectedly (it panicked); nothing was swapped.
    #[error("background work stopped: {0}")]
    Stopped(String),
    /// The store of a store-backed service failed (see [`craic_store::StoreErrorKind`]):
    /// [`ServiceError::kind`] is `"store_unavailable"` (retry later), `"store_conflict"`,
    /// `"store_not_found"`, `"store_malformed_row"`, `"store_invalid_url"`,
    /// `"store_invalid_input"`, `"store_backend"`, or the core's kind when the core rejected
    /// stored data.
    #[error(transparent)]
    Store(#[from] craic_store::StoreError),
}

/// The stable category of a [`ServiceError`]; [`ServiceErrorKind::as_str`] is its snake_case
/// name (what the metrics' `kind` label and the bindings show).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceErrorKind {
    /// A core error, with the core's kind.
    Core(craic_core::ErrorKind),
    /// See [`ServiceError::Io`].
    Io,
    /// See [`ServiceError::RetrainRunning`].
    RetrainRunning,
    /// See [`ServiceError::Stopped`].
    Stopped,
    /// See [`ServiceError::Store`], with the store's kind.
    Store(craic_store::StoreErrorKind),
}

impl ServiceErrorKind {
    /// The stable snake_case name: the core's kind name for core errors (`"invalid_snapshot"`,
    /// ...), `"io"`, `"retrain_running"`, `"stopped"`, and for store errors
    /// `"store_unavailable"`, `"store_conflict"`, ... ([`ServiceError::STORE_KINDS`]), or the
    /// core's kind name when the core rejected stored data.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceErrorKind::Core(k) => k.as_str(),
            ServiceErrorKind::Io => "io",
            ServiceErrorKind::RetrainRunning => "retrain_running",
            ServiceErrorKind::Stopped => "stopped",
            ServiceErrorKind::Store(k) => store_kind(k),
        }
    }
}

impl std::fmt::Display for ServiceErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ServiceError {
    /// Every kind the service itself adds to the core's kinds.
    pub const SERVICE_KINDS: [&'static str; 3] = ["io", "retrain_running", "stopped"];

    /// The kinds of [`ServiceError::Store`] (besides the core's kinds it forwards).
    pub const STORE_KINDS: [&'static str; 7] = [
        "store_unavailable",
        "store_conflict",
        "store_not_found",
        "store_malformed_row",
        "store_invalid_url",
        "store_invalid_input",
        "store_backend",
    ];

    /// The stable category; `.kind().as_str()` is its snake_case name (`"invalid_snapshot"`,
    /// `"io"`, `"retrain_running"`, ...).
    pub fn kind(&self) -> ServiceErrorKind {
        match self {
            ServiceError::Core(e) => ServiceErrorKind::Core(e.kind()),
            ServiceError::Io { .. } => ServiceErrorKind::Io,
            ServiceError::RetrainRunning => ServiceErrorKind::RetrainRunning,
            ServiceError::Stopped(_) => ServiceErrorKind::Stopped,
            ServiceError::Store(e) => ServiceErrorKind::Store(e.kind()),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ServiceError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The stable kind string of a store error.
fn store_kind(kind: craic_store::StoreErrorKind) -> &'static str {
    use craic_store::StoreErrorKind as K;
    match kind {
        K::Unavailable => "store_unavailable",
        K::Conflict => "store_conflict",
        K::NotFound => "store_not_found",
        K::MalformedRow => "store_malformed_row",
        K::InvalidUrl => "store_invalid_url",
        K::InvalidInput => "store_invalid_input",
        K::Core(k) => k.as_str(),
        _ => "store_backend",
    }
}
