//! The one error type of the crate, with a stable machine-readable [`StoreErrorKind`].

/// Result alias used throughout the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything a store can report.
///
/// Match on [`StoreError::kind`] rather than on variants or message text: kinds are stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database cannot be reached, or the connection was lost (refused, killed, server gone,
    /// file cannot be opened). Retrying later may succeed; appends are idempotent, so re-sending
    /// a batch that failed this way never duplicates an interaction.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A write conflicts with what is stored (for example a model version published twice).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something named by the caller does not exist (model version, experiment, variant).
    #[error("not found: {0}")]
    NotFound(String),
    /// A row already in the database cannot be decoded or is rejected by the core.
    #[error("malformed row {} in {}: {}", .0.row_id, .0.table, .0.reason)]
    MalformedRow(MalformedRow),
    /// A store URL that cannot be parsed, names an unknown scheme, or a backend whose cargo
    /// feature is off.
    #[error("invalid store URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL with any password replaced by `***`.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A value given to the store breaks its limits (for example an idempotency key longer than
    /// [`crate::MAX_KEY_LEN`] bytes).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The core rejected data (an invalid id, item or timestamp).
    #[error(transparent)]
    Core(#[from] craic_core::Error),
    /// Any other error of the database or its driver.
    #[error("{backend} error: {message}")]
    Backend {
        /// `"sqlite"`, `"mysql"` or `"dynamodb"`.
        backend: &'static str,
        /// The driver's message.
        message: String,
    },
}

/// The stable category of a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// See [`StoreError::Unavailable`].
    Unavailable,
    /// See [`StoreError::Conflict`].
    Conflict,
    /// See [`StoreError::NotFound`].
    NotFound,
    /// See [`StoreError::MalformedRow`].
    MalformedRow,
    /// See [`StoreError::InvalidUrl`].
    InvalidUrl,
    /// See [`StoreError::InvalidInput`].
    InvalidInput,
    /// See [`StoreError::Core`]: the core's own kind.
    Core(craic_core::ErrorKind),
    /// See [`StoreError::Backend`].
    Backend,
}

impl StoreErrorKind {
    /// The stable snake_case name the bindings expose (`"unavailable"`, `"conflict"`, …); a
    /// core kind keeps the core's name (`"unknown_item"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            StoreErrorKind::Unavailable => "unavailable",
            StoreErrorKind::Conflict => "conflict",
            StoreErrorKind::NotFound => "not_found",
            StoreErrorKind::MalformedRow => "malformed_row",
            StoreErrorKind::InvalidUrl => "invalid_url",
            StoreErrorKind::InvalidInput => "invalid_input",
            StoreErrorKind::Core(kind) => kind.as_str(),
            StoreErrorKind::Backend => "backend",
        }
    }

    /// Every kind the store adds to the core's, for the bindings' exhaustive mapping tests.
    pub const STORE_KINDS: [StoreErrorKind; 7] = [
        StoreErrorKind::Unavailable,
        StoreErrorKind::Conflict,
        StoreErrorKind::NotFound,
        StoreErrorKind::MalformedRow,
        StoreErrorKind::InvalidUrl,
        StoreErrorKind::InvalidInput,
        StoreErrorKind::Backend,
    ];
}

impl StoreError {
    /// The stable category of this error.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Unavailable(_) => StoreErrorKind::Unavailable,
            StoreError::Conflict(_) => StoreErrorKind::Conflict,
            StoreError::NotFound(_) => StoreErrorKind::NotFound,
            StoreError::MalformedRow(_) => StoreErrorKind::MalformedRow,
            StoreError::InvalidUrl { .. } => StoreErrorKind::InvalidUrl,
            StoreError::InvalidInput(_) => StoreErrorKind::InvalidInput,
            StoreError::Core(e) => StoreErrorKind::Core(e.kind()),
            StoreError::Backend { .. } => StoreErrorKind::Backend,
        }
    }

    pub(crate) fn invalid_url(url: &str, reason: impl Into<String>) -> StoreError {
        StoreError::InvalidUrl {
            url: redact(url),
            reason: reason.into(),
        }
    }
}

/// A row already stored that could not be used, with the database's id for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedRow {
    /// The table (`"interactions"`, `"events"`, ...).
    pub table: &'static str,
    /// The row's id in that table: for the interaction log, its cursor position.
    pub row_id: i64,
    /// Why it was rejected (for rows the core rejects, the core's message).
    pub reason: String,
}

/// A blocking task that panicked or was cancelled (a bug, reported rather than propagated).
pub(crate) fn join_error(e: tokio::task::JoinError) -> StoreError {
    StoreError::Backend {
        backend: "tokio",
        message: format!("blocking task failed: {e}"),
    }
}

/// The URL with the password (between `:` and `@` of the authority) masked.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact("mysql://root:pw@h:1/db"), "mysql://root:***@h:1/db");
        assert_eq!(redact("mysql://h/db"), "mysql://h/db");
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn kinds_are_stable() {
        let e: StoreError = craic_core::Error::UnknownItem("x".into()).into();
        assert_eq!(
            e.kind(),
            StoreErrorKind::Core(craic_core::ErrorKind::UnknownItem)
        );
        assert_eq!(
            StoreError::Unavailable("x".into()).kind(),
            StoreErrorKind::Unavailable
        );
    }
}
