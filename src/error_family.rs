//! [`ErrorFamily`]: which error class the bindings report for each error kind — decided once,
//! here, for Python (`craic._errors`) and Node (`errors.js`) alike.

use craic_core::ErrorKind;
use craic_store::StoreErrorKind;

use crate::service::{ServiceError, ServiceErrorKind};

/// A family of error kinds: one error class in each binding (`InvalidInputError`,
/// `NotFoundError`, ...). Both bindings map a family to their class and nothing else, so a kind
/// is classified the same way in Python and in Node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorFamily {
    /// Bad input: ids, weights, timestamps, `k`, items, configuration, experiments, store URLs
    /// and arguments (Python `InvalidInputError`, a `ValueError`).
    InvalidInput,
    /// The caller named something that does not exist (Python `NotFoundError`, a `KeyError`).
    NotFound,
    /// Snapshot bytes that are foreign, truncated, corrupt or from a newer format.
    Snapshot,
    /// A file or storage backend failed (Python `StorageError`, an `OSError`).
    Storage,
    /// A retrain was asked for while one runs.
    RetrainRunning,
    /// The service or one of its background jobs has stopped.
    Stopped,
    /// The engine's state cannot be trusted (a write panicked part-way, or a consistency check
    /// failed); replace it.
    Poisoned,
    /// A kind this mapping does not know yet (the kinds are `#[non_exhaustive]`): the bindings'
    /// base class. No kind of this release maps here (each binding tests that).
    Other,
}

impl ErrorFamily {
    /// Every family, in declaration order.
    pub const ALL: [ErrorFamily; 8] = [
        ErrorFamily::InvalidInput,
        ErrorFamily::NotFound,
        ErrorFamily::Snapshot,
        ErrorFamily::Storage,
        ErrorFamily::RetrainRunning,
        ErrorFamily::Stopped,
        ErrorFamily::Poisoned,
        ErrorFamily::Other,
    ];

    /// The family of a core kind. Lookup kinds ([`ErrorKind::is_lookup`]) are `NotFound`.
    pub fn of_core(kind: ErrorKind) -> ErrorFamily {
        match kind {
            ErrorKind::UnknownItem | ErrorKind::UnknownExperiment | ErrorKind::UnknownVariant => {
                ErrorFamily::NotFound
            }
            ErrorKind::InvalidId
            | ErrorKind::UnknownKind
            | ErrorKind::InvalidWeight
            | ErrorKind::InvalidTimestamp
            | ErrorKind::InvalidK
            | ErrorKind::InvalidItem
            | ErrorKind::InvalidConfig
            | ErrorKind::InvalidExperiment
            | ErrorKind::OutOfRange
            | ErrorKind::InvalidRank => ErrorFamily::InvalidInput,
            ErrorKind::InvalidSnapshot => ErrorFamily::Snapshot,
            ErrorKind::Poisoned | ErrorKind::InconsistentModel => ErrorFamily::Poisoned,
            _ => ErrorFamily::Other,
        }
    }

    /// The family of a store kind: a server or row that fails is `Storage`, an unknown version
    /// or experiment `NotFound`, a bad URL or argument (and a version published twice)
    /// `InvalidInput`; the core's kinds as [`ErrorFamily::of_core`].
    pub fn of_store(kind: StoreErrorKind) -> ErrorFamily {
        match kind {
            StoreErrorKind::Core(k) => ErrorFamily::of_core(k),
            StoreErrorKind::NotFound => ErrorFamily::NotFound,
            StoreErrorKind::InvalidUrl
            | StoreErrorKind::InvalidInput
            | StoreErrorKind::Conflict => ErrorFamily::InvalidInput,
            StoreErrorKind::Unavailable
            | StoreErrorKind::MalformedRow
            | StoreErrorKind::Backend => ErrorFamily::Storage,
            _ => ErrorFamily::Other,
        }
    }

    /// The family of a service kind: the core's and the store's as above, `Io` is `Storage`.
    pub fn of_service(kind: ServiceErrorKind) -> ErrorFamily {
        match kind {
            ServiceErrorKind::Core(k) => ErrorFamily::of_core(k),
            ServiceErrorKind::Store(k) => ErrorFamily::of_store(k),
            ServiceErrorKind::Io => ErrorFamily::Storage,
            ServiceErrorKind::RetrainRunning => ErrorFamily::RetrainRunning,
            ServiceErrorKind::Stopped => ErrorFamily::Stopped,
        }
    }
}

impl From<&ServiceError> for ErrorFamily {
    fn from(e: &ServiceError) -> Self {
        ErrorFamily::of_service(e.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_this_release_has_a_specific_family() {
        for k in ErrorKind::ALL {
            let f = ErrorFamily::of_core(k);
            assert_ne!(f, ErrorFamily::Other, "{k:?}");
            assert_eq!(f == ErrorFamily::NotFound, k.is_lookup(), "{k:?}");
        }
        for k in [
            ServiceErrorKind::Io,
            ServiceErrorKind::RetrainRunning,
            ServiceErrorKind::Stopped,
        ] {
            assert_ne!(ErrorFamily::of_service(k), ErrorFamily::Other, "{k:?}");
        }
        let store = [
            StoreErrorKind::Unavailable,
            StoreErrorKind::Conflict,
            StoreErrorKind::NotFound,
            StoreErrorKind::MalformedRow,
            StoreErrorKind::InvalidUrl,
            StoreErrorKind::InvalidInput,
            StoreErrorKind::Backend,
        ];
        for k in store {
            assert_ne!(ErrorFamily::of_store(k), ErrorFamily::Other, "{k:?}");
        }
        assert_eq!(
            ErrorFamily::of_store(StoreErrorKind::Core(ErrorKind::UnknownItem)),
            ErrorFamily::NotFound
        );
    }
}
