//! The values stored: log entries and cursors, experiments, model versions, retrain runs.

use craic_core::{validate_id, Interaction, Item};

use crate::error::{MalformedRow, Result, StoreError};

/// Longest accepted idempotency key, in bytes. Derived keys are always shorter.
pub const MAX_KEY_LEN: usize = 1024;

/// A position in the interaction log: every appended interaction gets a larger one than any
/// before it. [`Cursor::START`] is before the first interaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor(pub u64);

impl Cursor {
    /// Before the first interaction: reading after it reads the whole log.
    pub const START: Cursor = Cursor(0);
}

/// One interaction to append, with its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Appending a second entry with the same key is a no-op (counted as a duplicate).
    pub key: String,
    /// The interaction.
    pub interaction: Interaction,
}

impl LogEntry {
    /// An entry keyed by [`derived_key`]: re-sending the same (user, item, kind, timestamp)
    /// is a no-op, whatever its rank (the first one stored is kept).
    pub fn new(interaction: Interaction) -> LogEntry {
        LogEntry {
            key: derived_key(&interaction),
            interaction,
        }
    }

    /// An entry with a caller-supplied key (for example a client event id), at most
    /// [`MAX_KEY_LEN`] bytes. Caller keys and derived keys share one namespace.
    pub fn with_key(key: impl Into<String>, interaction: Interaction) -> LogEntry {
        LogEntry {
            key: key.into(),
            interaction,
        }
    }

    /// Checks the key, the ids and the timestamp (kinds and items are checked when loading).
    pub fn validate(&self) -> Result<()> {
        check_key(&self.key)?;
        self.interaction.validate()?;
        validate_id(&self.interaction.kind)?;
        Ok(())
    }
}

/// The key of an interaction without a caller-supplied one: its fields, each prefixed by its
/// length, so two different interactions never share a key (at most ~800 bytes). An
/// impression's rank is not part of it: the same showing re-sent with another rank is the same
/// showing.
pub fn derived_key(x: &Interaction) -> String {
    format!(
        "d1|{}:{}|{}:{}|{}:{}|{}",
        x.user_id.len(),
        x.user_id,
        x.item_id.len(),
        x.item_id,
        x.kind.len(),
        x.kind,
        x.timestamp
    )
}

/// The interaction of a stored log row: `rank` as the backend stored it (a nullable integer
/// column or an optional attribute); one outside `0..=u32::MAX` makes the row malformed.
/// Whether the kind may have a rank is checked when the row is loaded, like every other
/// [`Interaction::validate`] rule.
pub(crate) fn stored_interaction(
    user: String,
    item: String,
    kind: String,
    timestamp: i64,
    rank: Option<i64>,
) -> std::result::Result<Interaction, String> {
    let x = Interaction::new(user, item, kind, timestamp);
    match rank {
        None => Ok(x),
        Some(r) => u32::try_from(r)
            .map(|r| x.with_rank(r))
            .map_err(|_| format!("rank {r} is outside 0..={}", u32::MAX)),
    }
}

/// What an append did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendReport {
    /// Entries newly written.
    pub inserted: u64,
    /// Entries whose key was already in the log (within the batch too): not written again.
    pub duplicates: u64,
    /// Positions in the batch of the entries newly written, ascending (`inserted` of them):
    /// what a caller that keeps its own copy of the log (a serving model) must apply. Of
    /// entries repeating a key within the batch, only the first can be new.
    pub new_indices: Vec<usize>,
}

impl AppendReport {
    /// A report for a batch of `len` entries of which those at `new_indices` were written.
    pub(crate) fn of(len: usize, new_indices: Vec<usize>) -> AppendReport {
        AppendReport {
            inserted: new_indices.len() as u64,
            duplicates: (len - new_indices.len()) as u64,
            new_indices,
        }
    }

    /// Adds the report of the next chunk of a batch, which started at position `offset`.
    pub(crate) fn extend(&mut self, chunk: AppendReport, offset: usize) {
        self.inserted += chunk.inserted;
        self.duplicates += chunk.duplicates;
        self.new_indices
            .extend(chunk.new_indices.into_iter().map(|i| i + offset));
    }
}

/// An interaction read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Its position.
    pub cursor: Cursor,
    /// Its idempotency key.
    pub key: String,
    /// The interaction, as appended.
    pub interaction: Interaction,
}

/// A page of the log read with [`crate::Store::read_log`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogPage {
    /// Decodable rows in cursor order.
    pub records: Vec<LogRecord>,
    /// Rows that cannot be decoded (written behind the store's back), by row id.
    pub malformed: Vec<MalformedRow>,
    /// Read after this cursor next; equal to the cursor asked for when the page is empty.
    pub next: Cursor,
}

impl LogPage {
    /// True when nothing (not even a malformed row) was after the cursor.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.malformed.is_empty()
    }
}

/// The catalogue split into the events the core accepts and the rows it would reject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedItems {
    /// Events that pass [`craic_core::Item::validate`], in id order.
    pub items: Vec<Item>,
    /// The others, with their row ids in `events`.
    pub malformed: Vec<MalformedRow>,
}

impl CheckedItems {
    /// Splits (row id, event) pairs.
    pub(crate) fn split(rows: Vec<(i64, Item)>) -> CheckedItems {
        let mut out = CheckedItems::default();
        for (row_id, item) in rows {
            match item.validate() {
                Ok(()) => out.items.push(item),
                Err(e) => out.malformed.push(MalformedRow {
                    table: "events",
                    row_id,
                    reason: format!("event {:?}: {e}", item.id),
                }),
            }
        }
        out
    }
}

/// An experiment's definition, stored opaquely (for example the JSON the service uses), and its
/// variant names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentRecord {
    /// The experiment key (1..=256 bytes).
    pub key: String,
    /// The definition, byte for byte.
    pub definition: Vec<u8>,
    /// Variant names (1..=256 bytes each), in order.
    pub variants: Vec<String>,
}

/// The outcome of [`crate::Store::assign`]: the first assignment of a user wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variant the user is in (the first one ever assigned).
    pub variant: String,
    /// True when this call made the assignment.
    pub new: bool,
}

/// An exposure or conversion: counted once per (experiment, key).
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentEvent {
    /// The experiment key.
    pub experiment: String,
    /// The user.
    pub user: String,
    /// The variant shown.
    pub variant: String,
    /// Idempotency key (1..=[`MAX_KEY_LEN`] bytes): the same key is counted once.
    pub key: String,
    /// When, unix seconds.
    pub at: i64,
    /// Value of a conversion (1 for a plain count); ignored for exposures.
    pub value: f64,
}

/// Per-variant totals of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantCounts {
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

/// Every exposure and conversion recorded for an experiment ([`crate::Store::experiment_events`]),
/// each in recording order: what a service replays into its tracker after a restart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentEvents {
    /// Exposures (`value` is 1).
    pub exposures: Vec<ExperimentEvent>,
    /// Conversions.
    pub conversions: Vec<ExperimentEvent>,
}

/// A model snapshot with its registry entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// Version id (1..=256 bytes), unique.
    pub version: String,
    /// The snapshot bytes, stored and returned exactly.
    pub bytes: Vec<u8>,
    /// Metrics as JSON text (stored as given).
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: i64,
}

/// A registry entry without the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Version id.
    pub version: String,
    /// Size of the snapshot in bytes.
    pub size: u64,
    /// Metrics as JSON text.
    pub metrics_json: String,
    /// When it was trained, unix seconds.
    pub trained_at: i64,
    /// True for the current version.
    pub current: bool,
}

/// One retrain attempt, as the service records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrainRun {
    /// Row id, assigned by the store (ignored when recording).
    pub id: i64,
    /// Start, unix seconds.
    pub started_at: i64,
    /// End, unix seconds.
    pub finished_at: i64,
    /// Outcome, e.g. `"published"`, `"rejected"`, `"failed"`.
    pub outcome: String,
    /// The model version published, if any.
    pub version: Option<String>,
    /// Interactions the candidate was trained on.
    pub interactions: u64,
    /// Free-form detail as JSON text.
    pub detail_json: String,
}

pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(StoreError::InvalidInput(format!(
            "idempotency key must be 1..={MAX_KEY_LEN} bytes, got {}",
            key.len()
        )));
    }
    Ok(())
}

/// Preference names obey the core's metadata limit (at most 256 bytes).
pub(crate) fn check_preferences(p: &craic_core::Preferences) -> Result<()> {
    for name in p.genres.iter().chain(&p.artists).chain(&p.cities) {
        if name.len() > craic_core::MAX_ID_LEN {
            return Err(StoreError::InvalidInput(format!(
                "preference longer than {} bytes",
                craic_core::MAX_ID_LEN
            )));
        }
    }
    Ok(())
}

#[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
pub(crate) fn check_experiment(e: &ExperimentRecord) -> Result<()> {
    validate_id(&e.key)?;
    for v in &e.variants {
        validate_id(v)?;
    }
    let mut names: Vec<&String> = e.variants.iter().collect();
    names.sort();
    names.dedup();
    if names.len() != e.variants.len() || names.is_empty() {
        return Err(StoreError::InvalidInput(format!(
            "experiment {:?} needs at least one variant and distinct variant names",
            e.key
        )));
    }
    Ok(())
}

#[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
pub(crate) fn check_event(e: &ExperimentEvent) -> Result<()> {
    validate_id(&e.experiment)?;
    validate_id(&e.user)?;
    validate_id(&e.variant)?;
    check_key(&e.key)?;
    if !e.value.is_finite() {
        return Err(StoreError::InvalidInput(format!(
            "conversion value {} is not finite",
            e.value
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_unambiguous() {
        let a = Interaction::new("a|1:b", "c", "save", 1);
        let b = Interaction::new("a", "1:b|c", "save", 1);
        assert_ne!(derived_key(&a), derived_key(&b));
        assert_eq!(derived_key(&a), derived_key(&a.clone()));
        let long = "x".repeat(256);
        let x = Interaction::new(&long, &long, &long, 4_102_444_800);
        assert!(derived_key(&x).len() <= MAX_KEY_LEN);
    }

    #[test]
    fn the_rank_is_not_part_of_the_derived_key() {
        let shown = Interaction::impression("ana", "gig", 1_700_000_000, 3);
        let again = Interaction::impression("ana", "gig", 1_700_000_000, 9);
        let plain = Interaction::new("ana", "gig", "impression", 1_700_000_000);
        assert_eq!(derived_key(&shown), derived_key(&again));
        assert_eq!(derived_key(&shown), derived_key(&plain));
    }

    #[test]
    fn stored_ranks_outside_u32_are_malformed() {
        let row = |r| stored_interaction("a".into(), "b".into(), "impression".into(), 1, r);
        assert_eq!(row(None).unwrap().rank, None);
        assert_eq!(row(Some(4)).unwrap().rank, Some(4));
        assert_eq!(row(Some(u32::MAX.into())).unwrap().rank, Some(u32::MAX));
        assert!(row(Some(-1)).is_err());
        assert!(row(Some(1 << 40)).is_err());
    }

    #[test]
    fn bad_entries_are_typed_errors() {
        let e = LogEntry::with_key("", Interaction::new("a", "b", "save", 1));
        assert_eq!(
            e.validate().unwrap_err().kind(),
            crate::StoreErrorKind::InvalidInput
        );
        let e = LogEntry::new(Interaction::new("", "b", "save", 1));
        assert!(matches!(
            e.validate().unwrap_err().kind(),
            crate::StoreErrorKind::Core(_)
        ));
        let e = LogEntry::new(Interaction::new("a", "b", "save", 1).with_rank(2));
        assert_eq!(
            e.validate().unwrap_err().kind(),
            crate::StoreErrorKind::Core(craic_core::ErrorKind::InvalidRank)
        );
    }
}
