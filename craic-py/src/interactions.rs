//! The `Interaction` class and the conversion of a batch of interactions: `Interaction`s,
//! `(user_id, item_id, kind, timestamp)` tuples, dicts, or a table ([`crate::columns`]).

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::args::{Count, Timestamp};
use crate::errors;

/// One piece of implicit feedback: `user_id` did `kind` to `item_id` at `timestamp` (unix
/// seconds). Kinds: `save`, `click`, `hide`, `unsave`, `impression`, or one added to the
/// `Config`. An `impression` may carry the `rank` it was shown at (0 = top); a rank on another
/// kind is rejected when recorded or appended (`InvalidInputError`, kind `invalid_rank`).
#[pyclass(frozen, eq, module = "craic._craic", name = "Interaction")]
#[derive(Clone, PartialEq)]
pub struct PyInteraction {
    pub(crate) inner: core::Interaction,
}

#[pymethods]
impl PyInteraction {
    #[new]
    #[pyo3(signature = (user_id, item_id, kind, timestamp, rank = None))]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
        #[pyo3(from_py_with = crate::args::arg)] kind: String,
        timestamp: Timestamp,
        rank: Option<Count<u32>>,
    ) -> Self {
        PyInteraction {
            inner: core::Interaction {
                user_id,
                item_id,
                kind,
                timestamp: timestamp.0,
                rank: rank.map(|r| r.0),
            },
        }
    }

    /// Who acted.
    #[getter]
    fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// What they acted on.
    #[getter]
    fn item_id(&self) -> &str {
        &self.inner.item_id
    }

    /// The interaction kind.
    #[getter]
    fn kind(&self) -> &str {
        &self.inner.kind
    }

    /// When, in unix seconds.
    #[getter]
    fn timestamp(&self) -> i64 {
        self.inner.timestamp
    }

    /// For an impression, the position it was shown at (0 = top); else `None`.
    #[getter]
    fn rank(&self) -> Option<u32> {
        self.inner.rank
    }

    fn __repr__(&self) -> String {
        let i = &self.inner;
        let rank = i.rank.map(|r| format!(", rank={r}")).unwrap_or_default();
        format!(
            "Interaction(user_id={:?}, item_id={:?}, kind={:?}, timestamp={}{rank})",
            i.user_id, i.item_id, i.kind, i.timestamp
        )
    }
}

/// Converts one row of a `record` batch: an `Interaction`, a `(user_id, item_id, kind,
/// timestamp)` or `(user_id, item_id, kind, timestamp, rank)` tuple, or a dict with those keys
/// (`rank` optional; `None` is no rank).
fn interaction_row(obj: &Bound<'_, PyAny>) -> PyResult<core::Interaction> {
    if let Ok(i) = obj.cast::<PyInteraction>() {
        return Ok(i.get().inner.clone());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let (user_id, item_id, kind, timestamp, rank) = if t.len() == 5 {
            t.extract::<(String, String, String, Timestamp, Option<Count<u32>>)>()?
        } else {
            let (u, i, k, ts) = t.extract::<(String, String, String, Timestamp)>()?;
            (u, i, k, ts, None)
        };
        return Ok(core::Interaction {
            user_id,
            item_id,
            kind,
            timestamp: timestamp.0,
            rank: rank.map(|r| r.0),
        });
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            d.get_item(name)?
                .ok_or_else(|| PyTypeError::new_err(format!("missing key {name:?}")))
        };
        return Ok(core::Interaction {
            user_id: field("user_id")?.extract()?,
            item_id: field("item_id")?.extract()?,
            kind: field("kind")?.extract()?,
            timestamp: field("timestamp")?.extract::<Timestamp>()?.0,
            rank: match d.get_item("rank")? {
                Some(r) => r.extract::<Option<Count<u32>>>()?.map(|r| r.0),
                None => None,
            },
        });
    }
    Err(PyTypeError::new_err(format!(
        "expected Interaction, tuple or dict, got {}",
        obj.get_type().name()?
    )))
}

/// A capacity to reserve for the rows of `rows`: its `len()`, which the caller's object may
/// report as anything, capped so that it never sizes an allocation beyond the core's batch
/// limit (`craic_core::limits::MAX_BATCH`).
pub(crate) fn capacity_hint(rows: &Bound<'_, PyAny>) -> usize {
    rows.len().unwrap_or(0).min(core::limits::MAX_BATCH)
}

/// Converts a batch of interaction rows (see [`interaction_row`]), or a table of them (Arrow or
/// a dict of numpy arrays: [`crate::columns`]). A row of the wrong shape raises `TypeError`
/// naming its index, with the original error as `__cause__`; a craic error raised by a value
/// (a negative rank: `out_of_range`) passes through with `.row` set to the index.
pub(crate) fn interactions(rows: &Bound<'_, PyAny>) -> PyResult<Vec<core::Interaction>> {
    let py = rows.py();
    if let Some(frame) = crate::columns::frame(rows, crate::columns::Table::Interactions)? {
        return crate::columns::interactions_of(py, frame);
    }
    let mut out = Vec::with_capacity(capacity_hint(rows));
    for (n, row) in rows.try_iter()?.enumerate() {
        let row = row?;
        out.push(interaction_row(&row).map_err(|e| {
            if errors::is_craic_error(py, &e) {
                return match e.value(py).setattr("row", n) {
                    Ok(()) => e,
                    Err(set) => set,
                };
            }
            let err = PyTypeError::new_err(format!(
                "interaction row {n}: expected Interaction, (user_id, item_id, kind, timestamp) \
                 or a dict with those keys ({})",
                e.value(py)
            ));
            err.set_cause(py, Some(e));
            err
        })?);
    }
    Ok(out)
}
