//! The keyword arguments of every `recommend`-style call (`Engine.recommend`,
//! `Engine.recommend_many`, `Service.recommend`, `Service.recommend_in_experiment`, `evaluate`),
//! parsed in one place into the core's `Request`.
//!
//! The methods take them as `**options`; their `text_signature` and the stub (`_craic.pyi`)
//! list each keyword with its default. An omitted keyword keeps `craic_core::Request::default()`,
//! so no default is written here; `_request_defaults()` returns those defaults as Python values,
//! and the tests check every documented signature against it. A keyword a method does not take
//! is a `TypeError`, like any unexpected keyword argument.

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString, PyTuple};

use crate::args::{keyword, ts, unexpected_keyword};
use crate::errors;
use crate::strategy::StrategyArg;

/// The request keywords of `recommend`, `recommend_many` and `recommend_in_experiment`.
pub(crate) const RECOMMEND: &[&str] = &[
    "k",
    "strategy",
    "now",
    "city",
    "exclude",
    "explain",
    "exclude_saved",
    "exclude_touched",
    "diversity",
    "max_per_artist",
    "max_per_venue",
];

/// The request keywords of `evaluate`: what ranks the lists (no filters, no explanations).
pub(crate) const EVALUATE: &[&str] = &[
    "k",
    "strategy",
    "now",
    "diversity",
    "max_per_artist",
    "max_per_venue",
];

/// The core request of a call's `**options`: every given keyword (one of `accepted`) applied
/// over `Request::default()`.
pub(crate) fn parse(
    options: Option<&Bound<'_, PyDict>>,
    accepted: &[&str],
) -> PyResult<core::Request> {
    let mut request = core::Request::default();
    for (key, value) in options.into_iter().flat_map(|o| o.iter()) {
        // A key that is not UTF-8 text (a lone surrogate) can only be an unknown name.
        let name: String = key.extract().unwrap_or_default();
        if !accepted.contains(&name.as_str()) {
            return Err(unexpected_keyword(&name, "request options", accepted));
        }
        set(&mut request, &name, &value)?;
    }
    Ok(request)
}

/// Applies one keyword to `request`.
fn set(request: &mut core::Request, name: &str, v: &Bound<'_, PyAny>) -> PyResult<()> {
    let r = request;
    match name {
        "k" => r.k = keyword::<KArg>(name, v)?.0,
        "strategy" => r.strategy = keyword::<StrategyArg>(name, v)?.0,
        "now" => r.now = ts(keyword(name, v)?),
        "city" => r.city = keyword(name, v)?,
        "exclude" => r.exclude = keyword(name, v)?,
        "explain" => r.explain = keyword(name, v)?,
        "exclude_saved" => r.exclude_saved = keyword(name, v)?,
        "exclude_touched" => r.exclude_touched = keyword::<TouchedArg>(name, v)?.0,
        "diversity" => r.diversity = keyword(name, v)?,
        "max_per_artist" => r.max_per_artist = cap(keyword(name, v)?, name)?,
        "max_per_venue" => r.max_per_venue = cap(keyword(name, v)?, name)?,
        other => return Err(unexpected_keyword(other, "request options", RECOMMEND)),
    }
    Ok(())
}

/// `{keyword: default}` of the request options, as Python values (`exclude` a tuple,
/// `exclude_touched` a bool): what `craic_core::Request::default()` holds, which the documented
/// signatures must show.
#[pyfunction]
pub(crate) fn _request_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let r = core::Request::default();
    let d = PyDict::new(py);
    d.set_item("k", r.k)?;
    d.set_item("strategy", r.strategy.as_str())?;
    d.set_item("now", r.now)?;
    d.set_item("city", r.city)?;
    d.set_item("exclude", PyTuple::new(py, r.exclude)?)?;
    d.set_item("explain", r.explain)?;
    d.set_item("exclude_saved", r.exclude_saved)?;
    let touched = match r.exclude_touched {
        None => false.into_pyobject(py)?.to_owned().into_any(),
        Some(core::Touched::Any) => true.into_pyobject(py)?.to_owned().into_any(),
        Some(core::Touched::Kinds(kinds)) => PyTuple::new(py, kinds)?.into_any(),
    };
    d.set_item("exclude_touched", touched)?;
    d.set_item("diversity", r.diversity)?;
    d.set_item("max_per_artist", r.max_per_artist)?;
    d.set_item("max_per_venue", r.max_per_venue)?;
    Ok(d)
}

/// A `k` argument: any Python `int`. Negative or oversized values raise `InvalidInputError`
/// (kind `invalid_k`), like 0 or values above `max_k` do, instead of pyo3's `OverflowError`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KArg(pub usize);

impl<'a, 'py> FromPyObject<'a, 'py> for KArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err("k must be an int"));
        }
        match obj.extract::<i64>() {
            Ok(k) => usize::try_from(k)
                .map(KArg)
                .map_err(|_| errors::invalid_k(k)),
            Err(_) => Err(errors::invalid_k(
                obj.str().map_or_else(|_| "?".into(), |s| s.to_string()),
            )),
        }
    }
}

/// `exclude_touched=`: `True` (every configured kind), `False`/`None` (off) or a sequence of
/// kind names (`"impression"` among them for the items shown).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TouchedArg(pub Option<core::Touched>);

impl<'a, 'py> FromPyObject<'a, 'py> for TouchedArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(TouchedArg(None));
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(TouchedArg(b.is_true().then_some(core::Touched::Any)));
        }
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "exclude_touched must be a bool or a sequence of kind names, not a str",
            ));
        }
        let kinds: Vec<String> = obj.extract()?;
        Ok(TouchedArg(Some(core::Touched::Kinds(kinds))))
    }
}

/// A list cap: a negative one is the core's `out_of_range` (as 0 is).
fn cap(value: Option<i64>, what: &str) -> PyResult<Option<usize>> {
    value
        .map(|v| {
            usize::try_from(v).map_err(|_| {
                errors::to_py(core::Error::OutOfRange {
                    what: what.to_owned(),
                    value: i128::from(v),
                    min: 1,
                    max: usize::MAX as i128,
                })
            })
        })
        .transpose()
}
