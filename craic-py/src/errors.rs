//! The one mapping from core errors to Python exceptions.
//!
//! The classes are declared once, in the pure-Python module `craic._errors` (Python classes can
//! inherit from both `CraicError` and a builtin such as `KeyError`, which pyo3's
//! `create_exception!` cannot express). This module looks each class up once per interpreter and
//! maps every [`ErrorKind`] to one of them in [`class_for`].

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
    /// `StorageError(CraicError, OSError)`: reserved for storage errors (no core kind yet).
    #[allow(dead_code)]
    Storage,
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
        }
    }

    fn type_object(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        static BASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INVALID_INPUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static NOT_FOUND: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static SNAPSHOT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static STORAGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        let cell = match self {
            ErrorClass::Base => &BASE,
            ErrorClass::InvalidInput => &INVALID_INPUT,
            ErrorClass::NotFound => &NOT_FOUND,
            ErrorClass::Snapshot => &SNAPSHOT,
            ErrorClass::Storage => &STORAGE,
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
        | ErrorKind::InvalidExperiment => ErrorClass::InvalidInput,
        ErrorKind::InvalidSnapshot => ErrorClass::Snapshot,
        _ => ErrorClass::Base,
    }
}

/// Converts a core error into the Python exception to raise: an instance of the class
/// [`class_for`] picks, with `.kind` and `.row` set. Use as `.map_err(errors::to_py)`.
pub(crate) fn to_py(err: Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let class = class_for(err.kind()).type_object(py)?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("kind", err.kind().as_str())?;
            kwargs.set_item("row", err.row())?;
            let exc = class.call((err.to_string(),), Some(&kwargs))?;
            Ok(PyErr::from_value(exc))
        };
        // If `craic._errors` cannot be imported (the compiled module loaded on its own), the
        // import error itself is raised, which names the problem.
        build().unwrap_or_else(|e| e)
    })
}

/// Converts an I/O error of a file the binding writes (`Dataset.write_csv`) into the matching
/// builtin `OSError` subclass (`FileNotFoundError`, `PermissionError`, ...), with `errno` set.
/// Not a craic error kind: the core does no I/O.
pub(crate) fn io_to_py(err: std::io::Error) -> PyErr {
    PyErr::from(err)
}

/// `{kind: class name}` for every kind the core defines (exposed to Python for the tests).
pub(crate) fn class_names() -> Vec<(&'static str, &'static str)> {
    ErrorKind::ALL
        .iter()
        .map(|&k| (k.as_str(), class_for(k).name()))
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
        assert_eq!(class_names().len(), ErrorKind::ALL.len());
    }
}
