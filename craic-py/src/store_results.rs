//! The classes of what a `Store` answers: `AppendReport`, `MalformedRow`, `LogRecord`,
//! `LogPage`, `LoadedEngine`, `Tailed`, `StoredModel`, `StoredVariantCounts` and `RetrainRun`.

use craic_store as st;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::engine::PyEngine;
use crate::interactions::PyInteraction;

/// What `append` did: entries stored, and entries whose key was stored already.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "AppendReport")]
#[derive(Clone, PartialEq)]
pub struct PyAppendReport {
    /// Entries stored.
    pub inserted: u64,
    /// Entries not stored again because their key was stored already (or repeated).
    pub duplicates: u64,
    /// Positions in the batch of the entries stored, ascending: the ones a caller keeping its
    /// own copy of the log must apply.
    pub new_indices: Vec<usize>,
}

/// A row the store skipped under its malformed-row policy.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "MalformedRow")]
#[derive(Clone, PartialEq)]
pub struct PyMalformedRow {
    /// The table.
    pub table: String,
    /// The row id (for the log, its cursor).
    pub row_id: i64,
    /// Why it was skipped.
    pub reason: String,
}

pub(crate) fn malformed(rows: Vec<st::MalformedRow>) -> Vec<PyMalformedRow> {
    rows.into_iter()
        .map(|m| PyMalformedRow {
            table: m.table.to_owned(),
            row_id: m.row_id,
            reason: m.reason,
        })
        .collect()
}

/// One stored interaction with its cursor and idempotency key.
#[pyclass(frozen, get_all, module = "craic._craic", name = "LogRecord")]
pub struct PyLogRecord {
    /// Its position in the log.
    pub cursor: u64,
    /// Its idempotency key.
    pub key: String,
    /// The interaction.
    pub interaction: Py<PyInteraction>,
}

/// A page of the log: records in cursor order, undecodable rows, and the cursor to go on from.
#[pyclass(frozen, get_all, module = "craic._craic", name = "LogPage")]
pub struct PyLogPage {
    /// Records, in cursor order.
    pub records: Vec<Py<PyLogRecord>>,
    /// Rows that could not be decoded.
    pub malformed: Vec<PyMalformedRow>,
    /// Continue from here.
    pub next: u64,
}

/// An engine built from a store, the cursor to tail from, and what was skipped.
#[pyclass(frozen, get_all, module = "craic._craic", name = "LoadedEngine")]
pub struct PyLoadedEngine {
    /// The engine.
    pub engine: Py<PyEngine>,
    /// Tail from here.
    pub cursor: u64,
    /// Interactions applied.
    pub interactions: u64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<PyMalformedRow>,
}

/// What `tail` applied, and the cursor to tail from next time.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Tailed")]
#[derive(Clone, PartialEq)]
pub struct PyTailed {
    /// Tail from here next time.
    pub cursor: u64,
    /// Interactions applied.
    pub interactions: u64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<PyMalformedRow>,
}

/// A model version of the registry (`bytes` is `None` in the `models()` listing).
#[pyclass(frozen, get_all, module = "craic._craic", name = "StoredModel")]
pub struct PyStoredModel {
    /// Version id.
    pub version: String,
    /// The snapshot bytes (`Engine.to_snapshot`), or `None` in a listing.
    pub bytes: Option<Py<PyBytes>>,
    /// Size of the snapshot in bytes.
    pub size: u64,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: i64,
    /// True for the current version (always `True` from `current_model`).
    pub current: bool,
}

/// Per-variant totals of an experiment in the store.
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "StoredVariantCounts"
)]
#[derive(Clone, PartialEq)]
pub struct PyStoredVariantCounts {
    /// The variant.
    pub variant: String,
    /// Users assigned.
    pub assignments: u64,
    /// Exposures (distinct keys).
    pub exposures: u64,
    /// Conversions (distinct keys).
    pub conversions: u64,
    /// Sum of the conversions' values.
    pub conversion_value: f64,
}

/// One retrain attempt as recorded in the store.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "RetrainRun")]
#[derive(Clone, PartialEq)]
pub struct PyRetrainRun {
    /// Row id.
    pub id: i64,
    /// Start, unix seconds.
    pub started_at: i64,
    /// End, unix seconds.
    pub finished_at: i64,
    /// Outcome, e.g. `"published"`, `"rejected"`.
    pub outcome: String,
    /// The model version published, if any.
    pub version: Option<String>,
    /// Interactions the candidate was trained on.
    pub interactions: u64,
    /// Free-form detail as JSON text.
    pub detail_json: String,
}

/// A stored model version as a `StoredModel` (`current`: the registry's current version).
pub(crate) fn model(py: Python<'_>, m: st::ModelVersion, current: bool) -> PyStoredModel {
    PyStoredModel {
        size: m.bytes.len() as u64,
        bytes: Some(PyBytes::new(py, &m.bytes).unbind()),
        version: m.version,
        metrics_json: m.metrics_json,
        trained_at: m.trained_at,
        current,
    }
}
