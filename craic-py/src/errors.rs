//! The one mapping from core errors to Python exceptions.
//!
//! The classes are declared once, in the pure-Python module `craic._errors` (Python classes can
//! inherit from both `CraicError` and a builtin such as `KeyError`, which pyo3's
//! `create_exception!` cannot express). This module looks each class up once per interpreter and
//! maps every [`ErrorKind`] to one of them in [`class_for`], and every [`ServiceError`] (the
//! core's kinds plus the service's own: `io`, `retrain_running`, `stopped`) in
//! [`class_for_service`].

use craic::service::ServiceError;
use craic_core::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// The Python classes of `craic._errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// `CraicError` itself: only for kinds a newer core adds before this mapping learns them.
    Base,
    /// `InvalidInputError(CraicError, ValueError)`.
    InvalidInput,
    /// `NotFoundError(CraicError, KeyError)`.
    NotFound,
    /// `SnapshotError(CraicError, ValueError)`.
    Snapshot,
    /// `StorageError(CraicError, OSError)`: a file or storage backend failed (service kind `io`).
    Storage,
    /// `RetrainRunningError(CraicError, RuntimeError)`: service kind `retrain_running`.
    RetrainRunning,
    /// `StoppedError(CraicError, RuntimeError)`: service kind `stopped`.
    Stopped,
    /// `PoisonedError(CraicError, RuntimeError)`: kinds `poisoned` and `inconsistent_model`.
    Poisoned,
}

impl ErrorClass {
    /// The class name in `craic._errors`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            ErrorClass::Base => "CraicError",
            ErrorClass::InvalidInput => "InvalidInputError",
            ErrorClass::NotFound => "NotFoundError",
            ErrorClass::Snapshot => "SnapshotError",
            ErrorClass::Storage => "StorageError",
            ErrorClass::RetrainRunning => "RetrainRunningError",
            ErrorClass::Stopped => "StoppedError",
            ErrorClass::Poisoned => "PoisonedError",
        }
    }

    fn type_object(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        static BASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INVALID_INPUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static NOT_FOUND: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static SNAPSHOT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static STORAGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static RETRAIN_RUNNING: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static STOPPED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static POISONED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        let cell = match self {
            ErrorClass::Base => &BASE,
            ErrorClass::InvalidInput => &INVALID_INPUT,
            ErrorClass::NotFound => &NOT_FOUND,
            ErrorClass::Snapshot => &SNAPSHOT,
            ErrorClass::Storage => &STORAGE,
            ErrorClass::RetrainRunning => &RETRAIN_RUNNING,
            ErrorClass::Stopped => &STOPPED,
            ErrorClass::Poisoned => &POISONED,
        };
        cell.import(py, "craic._errors", self.name())
    }
}

/// THE mapping: which Python class reports each core error kind.
///
/// Lookup kinds ([`ErrorKind::is_lookup`]) become `NotFoundError` (a `KeyError`); every other
/// kind names a specific class too (a unit test checks all of [`ErrorKind::ALL`]). `ErrorKind` is
/// `#[non_exhaustive]`, so a kind added to the core later falls back to the base class until it
/// is listed here.
pub(crate) fn class_for(kind: ErrorKind) -> ErrorClass {
    match kind {
        ErrorKind::UnknownItem | ErrorKind::UnknownExperiment | ErrorKind::UnknownVariant => {
            ErrorClass::NotFound
        }
        ErrorKind::InvalidId
        | ErrorKind::UnknownKind
        | ErrorKind::InvalidWeight
        | ErrorKind::InvalidTimestamp
        | ErrorKind::InvalidK
        | ErrorKind::InvalidItem
        | ErrorKind::InvalidConfig
        | ErrorKind::InvalidExperiment
        | ErrorKind::OutOfRange => ErrorClass::InvalidInput,
        ErrorKind::InvalidSnapshot => ErrorClass::Snapshot,
        ErrorKind::Poisoned | ErrorKind::InconsistentModel => ErrorClass::Poisoned,
        _ => ErrorClass::Base,
    }
}

/// THE mapping of the service layer: which Python class reports each [`ServiceError`].
///
/// Core errors map as in [`class_for`]; the service's own kinds
/// ([`ServiceError::SERVICE_KINDS`]) each name a class (a unit test checks them all).
/// `ServiceError` is `#[non_exhaustive]`: a variant added later falls back to the base class.
pub(crate) fn class_for_service(err: &ServiceError) -> ErrorClass {
    match err {
        ServiceError::Core(e) => class_for(e.kind()),
        ServiceError::Store(e) => crate::store::class_for_store(e.kind()),
        _ => class_for_service_kind(err.kind().as_str()),
    }
}

/// [`class_for_service`] by kind name, for the kinds the service adds to the core's.
fn class_for_service_kind(kind: &str) -> ErrorClass {
    match kind {
        "io" => ErrorClass::Storage,
        "retrain_running" => ErrorClass::RetrainRunning,
        "stopped" => ErrorClass::Stopped,
        _ => ErrorClass::Base,
    }
}

/// An attribute to set on a new exception: name and value (`None` sets Python `None`).
pub(crate) type Attr<'a> = (&'a str, Option<Py<PyAny>>);

/// Builds an instance of `class` with `.kind` and `.row` set, then sets `extra` attributes.
pub(crate) fn build(
    class: ErrorClass,
    message: String,
    kind: &str,
    row: Option<usize>,
    extra: &[Attr<'_>],
) -> PyErr {
    Python::attach(|py| {
        let make = || -> PyResult<PyErr> {
            let class = class.type_object(py)?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("kind", kind)?;
            kwargs.set_item("row", row)?;
            let exc = class.call((message,), Some(&kwargs))?;
            for (name, value) in extra {
                exc.setattr(*name, value)?;
            }
            Ok(PyErr::from_value(exc))
        };
        // If `craic._errors` cannot be imported (the compiled module loaded on its own), the
        // import error itself is raised, which names the problem.
        make().unwrap_or_else(|e| e)
    })
}

/// True when `err` is an instance of `CraicError` (any of craic's classes).
pub(crate) fn is_craic_error(py: Python<'_>, err: &PyErr) -> bool {
    ErrorClass::Base
        .type_object(py)
        .is_ok_and(|base| err.is_instance(py, base))
}

/// Converts a core error into the Python exception to raise: an instance of the class
/// [`class_for`] picks, with `.kind` and `.row` set. Use as `.map_err(errors::to_py)`.
pub(crate) fn to_py(err: Error) -> PyErr {
    build(
        class_for(err.kind()),
        err.to_string(),
        err.kind().as_str(),
        err.row(),
        &[],
    )
}

/// The `InvalidInputError` (kind `invalid_k`) for a `k` that is not a non-negative machine-sized
/// integer (the core's own `InvalidK` covers 0 and values above `max_k`).
pub(crate) fn invalid_k(value: impl std::fmt::Display) -> PyErr {
    let kind = ErrorKind::InvalidK;
    build(
        class_for(kind),
        format!("k must be between 1 and max_k, got {value}"),
        kind.as_str(),
        None,
        &[],
    )
}

/// Converts a service error into the Python exception to raise: an instance of the class
/// [`class_for_service`] picks, with `.kind` and `.row` set. An `io` error is a
/// `StorageError` (an `OSError`) with `errno`, `strerror` and `filename` set like the builtin
/// `OSError` of the failed call. Use as `.map_err(errors::service_to_py)`.
pub(crate) fn service_to_py(err: ServiceError) -> PyErr {
    let class = class_for_service(&err);
    match err {
        ServiceError::Core(e) => to_py(e),
        // The same class and kind as from a `Store` (`unavailable`, not `store_unavailable`).
        ServiceError::Store(e) => crate::store::store_to_py(e),
        ServiceError::Io { path, source } => {
            let message = format!("I/O error on {}: {source}", path.display());
            Python::attach(|py| {
                let attrs = || -> PyResult<[Attr<'_>; 3]> {
                    let errno = match source.raw_os_error() {
                        Some(n) => Some(n.into_pyobject(py)?.into_any().unbind()),
                        None => None,
                    };
                    let strerror = source.to_string().into_pyobject(py)?.into_any().unbind();
                    let filename = path.as_os_str().into_pyobject(py)?.into_any().unbind();
                    Ok([
                        ("errno", errno),
                        ("strerror", Some(strerror)),
                        ("filename", Some(filename)),
                    ])
                };
                match attrs() {
                    Ok(attrs) => build(class, message, "io", None, &attrs),
                    Err(e) => e,
                }
            })
        }
        other => build(class, other.to_string(), other.kind().as_str(), None, &[]),
    }
}

/// Converts an I/O error of files the binding writes (`Dataset.write_csv` into `path`) into a
/// `StorageError` (kind `io`, an `OSError` with `errno`, `strerror` and `filename` set), like
/// the service's snapshot files: every error craic raises is a `CraicError`.
pub(crate) fn io_to_py(err: std::io::Error, path: &std::path::Path) -> PyErr {
    service_to_py(ServiceError::Io {
        path: path.to_owned(),
        source: err,
    })
}

/// `{kind: class name}` for every kind the core defines and every kind the service adds
/// (exposed to Python for the tests).
pub(crate) fn class_names() -> Vec<(&'static str, &'static str)> {
    ErrorKind::ALL
        .iter()
        .map(|&k| (k.as_str(), class_for(k).name()))
        .chain(
            ServiceError::SERVICE_KINDS
                .iter()
                .map(|&k| (k, class_for_service_kind(k).name())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_a_specific_class() {
        for kind in ErrorKind::ALL {
            let class = class_for(kind);
            assert_ne!(class, ErrorClass::Base, "{kind} falls back to CraicError");
            assert_eq!(class == ErrorClass::NotFound, kind.is_lookup(), "{kind}");
        }
        assert_eq!(class_for(ErrorKind::InvalidSnapshot), ErrorClass::Snapshot);
        assert_eq!(
            class_for(ErrorKind::InvalidWeight),
            ErrorClass::InvalidInput
        );
        assert_eq!(
            class_names().len(),
            ErrorKind::ALL.len() + ServiceError::SERVICE_KINDS.len()
        );
    }

    #[test]
    fn every_service_kind_maps_to_a_specific_class() {
        for kind in ServiceError::SERVICE_KINDS {
            assert_ne!(class_for_service_kind(kind), ErrorClass::Base, "{kind}");
        }
        let io = ServiceError::Io {
            path: "x".into(),
            source: std::io::ErrorKind::NotFound.into(),
        };
        assert_eq!(class_for_service(&io), ErrorClass::Storage);
        assert_eq!(
            class_for_service(&ServiceError::RetrainRunning),
            ErrorClass::RetrainRunning
        );
        assert_eq!(
            class_for_service(&ServiceError::Stopped("x".into())),
            ErrorClass::Stopped
        );
        let core = ServiceError::Core(Error::InvalidConfig("x".into()));
        assert_eq!(class_for_service(&core), ErrorClass::InvalidInput);
    }
}
