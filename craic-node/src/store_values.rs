//! The plain objects a `Store` takes and returns (`LogEntry`, `AppendReport`, `LogPage`,
//! `ModelVersion`, `RetrainRun`, ...) and their conversions to and from craic-store's types.

use craic_core as core;
use craic_store as st;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::convert;
use crate::engine::Engine;
use crate::errors::{Fallible, JsFailure};
use crate::values::Interaction;

/// An interaction to append, with an optional idempotency `key` (default: derived from the
/// interaction's fields, so re-sending the same interaction is a no-op).
#[napi(object)]
pub struct LogEntry {
    /// Who acted.
    pub user_id: String,
    /// What they acted on.
    pub item_id: String,
    /// The interaction kind.
    pub kind: String,
    /// When, unix seconds.
    pub timestamp: f64,
    /// For an `impression` only: the position it was shown at (0 = top); stored with it, not
    /// part of the derived idempotency key.
    pub rank: Option<f64>,
    /// Idempotency key (1..=1 024 bytes); the same key is stored once.
    pub key: Option<String>,
}

/// What `append` did.
#[napi(object)]
pub struct AppendReport {
    /// Entries stored.
    pub inserted: f64,
    /// Entries whose key was stored already (or repeated in the batch): not stored again.
    pub duplicates: f64,
    /// Positions in the batch of the entries stored, ascending: the ones a caller keeping its
    /// own copy of the log must apply.
    pub new_indices: Vec<u32>,
}

/// A row the store skipped under its malformed-row policy: its table, row id and why.
#[napi(object)]
pub struct MalformedRow {
    /// The table.
    pub table: String,
    /// The row id (for the log, its cursor).
    pub row_id: f64,
    /// Why it was skipped.
    pub reason: String,
}

/// The skipped rows for JS.
pub(crate) fn malformed(rows: Vec<st::MalformedRow>) -> Vec<MalformedRow> {
    rows.into_iter()
        .map(|m| MalformedRow {
            table: m.table.to_owned(),
            row_id: m.row_id as f64,
            reason: m.reason,
        })
        .collect()
}

/// One stored interaction and its cursor.
#[napi(object)]
pub struct LogRecord {
    /// Its position in the log.
    pub cursor: f64,
    /// Its idempotency key.
    pub key: String,
    /// The interaction.
    pub interaction: Interaction,
}

/// A page of the log: the records after the cursor asked for, rows that could not be decoded,
/// and the cursor to continue from.
#[napi(object)]
pub struct LogPage {
    /// Records, in cursor order.
    pub records: Vec<LogRecord>,
    /// Rows that could not be decoded.
    pub malformed: Vec<MalformedRow>,
    /// Continue from here.
    pub next: f64,
}

/// An engine built from a store, the cursor to tail from, and what was skipped.
#[napi(object, object_from_js = false)]
pub struct LoadedEngine {
    /// The engine.
    pub engine: Engine,
    /// Tail from here.
    pub cursor: f64,
    /// Interactions applied.
    pub interactions: f64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<MalformedRow>,
}

/// What `tail` applied.
#[napi(object)]
pub struct Tailed {
    /// Tail from here next time.
    pub cursor: f64,
    /// Interactions applied.
    pub interactions: f64,
    /// Rows skipped under the malformed-row policy.
    pub skipped: Vec<MalformedRow>,
}

/// A model snapshot with its registry entry.
#[napi(object)]
pub struct ModelVersion {
    /// Version id (1..=256 bytes), unique.
    pub version: String,
    /// The snapshot bytes (`Engine.toSnapshot`).
    pub bytes: Buffer,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: f64,
}

/// A registry entry without the bytes.
#[napi(object)]
pub struct ModelInfo {
    /// Version id.
    pub version: String,
    /// Size of the snapshot in bytes.
    pub size: f64,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: f64,
    /// True for the current version.
    pub current: bool,
}

/// An exposure or conversion, counted once per (experiment, key).
#[napi(object)]
pub struct StoredExperimentEvent {
    /// The experiment key.
    pub experiment: String,
    /// The user.
    pub user: String,
    /// The variant shown.
    pub variant: String,
    /// Idempotency key: the same key is counted once.
    pub key: String,
    /// When, unix seconds.
    pub at: f64,
    /// Value of a conversion (default 1); ignored for exposures.
    pub value: Option<f64>,
}

impl TryFrom<StoredExperimentEvent> for st::ExperimentEvent {
    type Error = JsFailure;

    fn try_from(e: StoredExperimentEvent) -> Fallible<Self> {
        Ok(st::ExperimentEvent {
            experiment: e.experiment,
            user: e.user,
            variant: e.variant,
            key: e.key,
            at: convert::timestamp(e.at, "at")?,
            value: e.value.unwrap_or(1.0),
        })
    }
}

/// Per-variant totals of an experiment in the store.
#[napi(object)]
pub struct StoredVariantCounts {
    /// The variant.
    pub variant: String,
    /// Users assigned.
    pub assignments: f64,
    /// Exposures (distinct keys).
    pub exposures: f64,
    /// Conversions (distinct keys).
    pub conversions: f64,
    /// Sum of the conversions' values.
    pub conversion_value: f64,
}

/// The first assignment of a user wins: the variant the user is in, and whether this call made
/// the assignment.
#[napi(object)]
pub struct StoredAssignment {
    /// The variant the user is in.
    pub variant: String,
    /// True when this call made the assignment.
    pub new: bool,
}

/// One retrain attempt.
#[napi(object)]
pub struct RetrainRun {
    /// Row id, assigned by the store (ignored when recording).
    pub id: Option<f64>,
    /// Start, unix seconds.
    pub started_at: f64,
    /// End, unix seconds.
    pub finished_at: f64,
    /// Outcome, e.g. `"published"`, `"rejected"`.
    pub outcome: String,
    /// The model version published, if any.
    pub version: Option<String>,
    /// Interactions the candidate was trained on.
    pub interactions: f64,
    /// Free-form detail as JSON text.
    pub detail_json: Option<String>,
}

/// A log cursor from JS: a whole number ≥ 0.
pub(crate) fn cursor(v: f64) -> Fallible<st::Cursor> {
    convert::count(v, "cursor", core::ErrorKind::OutOfRange).map(|c| st::Cursor(c as u64))
}

/// A log entry to append as the store's.
pub(crate) fn log_entry(e: LogEntry) -> Fallible<st::LogEntry> {
    let interaction = core::Interaction::try_from(Interaction {
        user_id: e.user_id,
        item_id: e.item_id,
        kind: e.kind,
        timestamp: e.timestamp,
        rank: e.rank,
    })?;
    Ok(match e.key {
        Some(key) => st::LogEntry::with_key(key, interaction),
        None => st::LogEntry::new(interaction),
    })
}

/// A stored model version for JS.
pub(crate) fn model_version(m: st::ModelVersion) -> ModelVersion {
    ModelVersion {
        version: m.version,
        bytes: Buffer::from(m.bytes),
        metrics_json: m.metrics_json,
        trained_at: m.trained_at as f64,
    }
}

/// A retrain run to record as the store's.
pub(crate) fn retrain_run(r: RetrainRun) -> Fallible<st::RetrainRun> {
    Ok(st::RetrainRun {
        id: 0,
        started_at: convert::timestamp(r.started_at, "startedAt")?,
        finished_at: convert::timestamp(r.finished_at, "finishedAt")?,
        outcome: r.outcome,
        version: r.version,
        interactions: convert::count(r.interactions, "interactions", core::ErrorKind::OutOfRange)?
            as u64,
        detail_json: r.detail_json.unwrap_or_else(|| "{}".to_owned()),
    })
}
