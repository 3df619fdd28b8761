//! Integer arguments that any Python `int` may be passed to.
//!
//! pyo3 raises a builtin `OverflowError` for an `int` that does not fit the Rust type (a negative
//! count, `2**64`, ...). These wrappers raise craic's `InvalidInputError` instead, with a stable
//! kind: `out_of_range` for counts and sizes ([`Count`]), `invalid_timestamp` for timestamps
//! ([`Timestamp`]). Anything that is not an `int` stays a `TypeError`.

use craic_core as core;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyUnicodeEncodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::errors;

/// A count or size (any integer type): an `int` outside the type's range raises
/// `InvalidInputError` (kind `out_of_range`); the core then checks its own limits
/// (`craic_core::limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count<T>(pub T);

/// A unix timestamp in seconds: an `int` outside `i64` raises `InvalidInputError` (kind
/// `invalid_timestamp`), like one outside the core's accepted range does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp(pub i64);

/// Where an `int` lies when it does not fit `i128`: saturated to the nearest end.
fn wide_value(obj: Borrowed<'_, '_, PyAny>) -> i128 {
    obj.extract::<i128>().unwrap_or_else(|_| {
        if obj.lt(0).unwrap_or(false) {
            i128::MIN
        } else {
            i128::MAX
        }
    })
}

macro_rules! count_of {
    ($($t:ty),*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for Count<$t> {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                match obj.extract::<$t>() {
                    Ok(v) => Ok(Count(v)),
                    Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
                        Err(errors::to_py(core::Error::OutOfRange {
                            what: "integer argument".into(),
                            value: wide_value(obj),
                            min: <$t>::MIN as i128,
                            max: <$t>::MAX as i128,
                        }))
                    }
                    Err(e) => Err(e),
                }
            }
        }
    )*};
}

count_of!(u32, u64, usize, i32, i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Timestamp {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i64>() {
            Ok(v) => Ok(Timestamp(v)),
            Err(e) if obj.is_instance_of::<PyInt>() => {
                if !e.is_instance_of::<PyOverflowError>(obj.py()) {
                    return Err(e);
                }
                let saturated = wide_value(obj).clamp(i64::MIN as i128, i64::MAX as i128);
                Err(errors::to_py(core::Error::InvalidTimestamp {
                    value: saturated as i64,
                    min: core::MIN_TIMESTAMP,
                    max: core::MAX_TIMESTAMP,
                }))
            }
            Err(e) => Err(e),
        }
    }
}

impl<T> Count<T> {
    /// The value.
    pub(crate) fn get(self) -> T {
        self.0
    }
}

/// The value of an optional timestamp.
pub(crate) fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

/// Extracts any argument type `T` as pyo3 would, but reports the failures pyo3 raises as
/// builtins other than `TypeError` as craic errors, so a caller only ever sees `CraicError`
/// subclasses or `TypeError`:
///
/// - a `str` with a lone surrogate (`"\ud800"`: not encodable as UTF-8, pyo3's
///   `UnicodeEncodeError`) is `InvalidInputError` (kind `invalid_id`): no craic id or name can
///   hold it;
/// - an `int` outside the Rust type (`OverflowError`) is `InvalidInputError` (kind
///   `out_of_range`);
/// - a sequence of the wrong length for a tuple (pyo3's `ValueError`) is a `TypeError`.
///
/// Use as `#[pyo3(from_py_with = arg)]` on a parameter; its Rust type is unchanged.
pub(crate) fn arg<'py, T>(obj: &Bound<'py, PyAny>) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    obj.extract::<T>().map_err(|e| translate(obj, e))
}

/// Extracts one keyword argument taken through `**kwargs` as [`arg`] does, naming the keyword
/// in a `TypeError` as pyo3 does for a declared one (`argument 'k': ...`).
pub(crate) fn keyword<'py, T>(name: &str, v: &Bound<'py, PyAny>) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    v.extract::<T>().map_err(|e| {
        let e = translate(v, e);
        if e.is_instance_of::<PyTypeError>(v.py()) {
            let named = PyTypeError::new_err(format!("argument '{name}': {}", e.value(v.py())));
            named.set_cause(v.py(), Some(e));
            named
        } else {
            e
        }
    })
}

/// The `TypeError` for a keyword that a `**kwargs` method does not take, listing those it does.
pub(crate) fn unexpected_keyword(name: &str, what: &str, accepted: &[&str]) -> PyErr {
    PyTypeError::new_err(format!(
        "unexpected keyword argument '{name}' ({what}: {})",
        accepted.join(", ")
    ))
}

/// See [`arg`].
pub(crate) fn translate(obj: &Bound<'_, PyAny>, e: PyErr) -> PyErr {
    let py = obj.py();
    if e.is_instance_of::<PyUnicodeEncodeError>(py) {
        return errors::to_py(core::Error::InvalidId {
            id: String::from("<text with a lone surrogate>"),
            reason: "not valid Unicode text (lone surrogate)",
        });
    }
    if e.is_instance_of::<PyOverflowError>(py) {
        return errors::to_py(core::Error::OutOfRange {
            what: "integer argument".into(),
            value: i128::MAX,
            min: i128::MIN,
            max: i128::MAX,
        });
    }
    if e.is_instance_of::<PyValueError>(py) && !errors::is_craic_error(py, &e) {
        let type_error = PyTypeError::new_err(e.value(py).to_string());
        type_error.set_cause(py, Some(e));
        return type_error;
    }
    e
}
