//! [`ServiceError`]: the facade's error type, with a stable [`ServiceError::kind`].

use std::path::PathBuf;

/// Result alias of the service layer.
pub type ServiceResult<T> = std::result::Result<T, ServiceError>;

/// Everything that can go wrong in the [`crate::service::Service`] layer.
///
/// Match on [`ServiceError::kind`]: it is the core's [`craic_core::ErrorKind`] name for core
/// errors, plus `"io"`, `"retrain_running"` and `"stopped"`.
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
}

impl ServiceError {
    /// Every kind the service itself adds to the core's kinds.
    pub const SERVICE_KINDS: [&'static str; 3] = ["io", "retrain_running", "stopped"];

    /// The stable snake_case kind (`"invalid_snapshot"`, `"io"`, `"retrain_running"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::Core(e) => e.kind().as_str(),
            ServiceError::Io { .. } => "io",
            ServiceError::RetrainRunning => "retrain_running",
            ServiceError::Stopped(_) => "stopped",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ServiceError::Io {
            path: path.into(),
            source,
        }
    }
}
