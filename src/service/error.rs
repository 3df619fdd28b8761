//! [`ServiceError`]: the facade's error type, with a stable [`ServiceError::kind`].

use std::path::PathBuf;

/// Result alias of the service layer.
pub type ServiceResult<T> = std::result::Result<T, ServiceError>;

/// Everything that can go wrong in the [`crate::service::Service`] layer.
///
/// Match on [`ServiceError::kind`]: it is the core's [`craic_core::ErrorKind`] name for core
/// errors, plus `"io"`, `"retrain_running"` and `"stopped"`, plus the store's kinds
/// ([`ServiceError::STORE_KINDS`]: `"store_unavailable"`, ...) for a store-backed service.
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

    /// The stable snake_case kind (`"invalid_snapshot"`, `"io"`, `"retrain_running"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::Core(e) => e.kind().as_str(),
            ServiceError::Io { .. } => "io",
            ServiceError::RetrainRunning => "retrain_running",
            ServiceError::Stopped(_) => "stopped",
            ServiceError::Store(e) => store_kind(e.kind()),
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
