//! The one mapping from core errors to Python exceptions.
//!
//! The classes are declared once, in the pure-Python module `craic._errors` (Python classes can
//! inherit from both `CraicError` and a builtin such as `KeyError`, which pyo3's
//! `create_exception!` cannot express). This module looks each class up once per interpreter and
//! maps every [`ErrorKind`] to one of them in [`class_for`], and every [`ServiceError`] (the
//! core's kinds plus the service's own: `io`, `retrain_running`, `stopped`) in
//! [`class_for_service`].

use craic::service::{ServiceError, ServiceErrorKind};
use craic_core::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// The Python classes of `craic._errors`, one per [`craic::ErrorFamily`]: which family each
/// kind belongs to is decided once in the facade, the same for Python and Node.
pub(crate) use craic::ErrorFamily as ErrorClass;

/// What a family is in Python: its class in `craic._errors`.
pub(crate) trait PythonClass: Copy {
    /// The class name in `craic._errors`: `InvalidInputError(CraicError, ValueError)`,
    /// `NotFoundError(CraicError, KeyError)`, `SnapshotError(CraicError, ValueError)`,
    /// `StorageError(CraicError, OSError)`, `RetrainRunningError`, `StoppedError` and
    /// `PoisonedError` (each `(CraicError, RuntimeError)`), and `CraicError` itself for a kind
    /// a newer core adds before this release knows it.
    fn name(self) -> &'static str;

    /// The class object, looked up once per interpreter.
    fn type_object(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>>;
}

impl PythonClass for ErrorClass {
    fn name(self) -> &'static str {
        match self {
            ErrorClass::InvalidInput => "InvalidInputError",
            ErrorClass::NotFound => "NotFoundError",
            ErrorClass::Snapshot => "SnapshotError",
            ErrorClass::Storage => "StorageError",
            ErrorClass::RetrainRunning => "RetrainRunningError",
            ErrorClass::Stopped => "StoppedError",
            ErrorClass::Poisoned => "PoisonedError",
            _ => "CraicError",
        }
    }

    fn type_object(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        static CLASSES: [PyOnceLock<Py<PyType>>; ErrorClass::ALL.len()] =
            [const { PyOnceLock::new() }; ErrorClass::ALL.len()];
        let i = ErrorClass::ALL
            .iter()
            .position(|&c| c == self)
            .unwrap_or(ErrorClass::ALL.len() - 1);
        CLASSES[i].import(py, "craic._errors", self.name())
    }
}

/// The class of a core error kind.
pub(crate) fn class_for(kind: ErrorKind) -> ErrorClass {
    ErrorClass::of_core(kind)
}

/// The class of a service error (core, store and the service's own kinds).
pub(crate) fn class_for_service(err: &ServiceError) -> ErrorClass {
    ErrorClass::from(err)
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
    ErrorClass::Other
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
            ServiceErrorKind::OWN
                .iter()
                .map(|&k| (k.as_str(), ErrorClass::of_service(k).name())),
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
            assert_ne!(class, ErrorClass::Other, "{kind} falls back to CraicError");
            assert_eq!(class == ErrorClass::NotFound, kind.is_lookup(), "{kind}");
        }
        assert_eq!(class_for(ErrorKind::InvalidSnapshot), ErrorClass::Snapshot);
        assert_eq!(
            class_for(ErrorKind::InvalidWeight),
            ErrorClass::InvalidInput
        );
        assert_eq!(
            class_names().len(),
            ErrorKind::ALL.len() + ServiceErrorKind::OWN.len()
        );
    }

    #[test]
    fn every_service_kind_maps_to_a_specific_class() {
        for kind in ServiceErrorKind::OWN {
            assert_ne!(ErrorClass::of_service(kind), ErrorClass::Other, "{kind}");
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
