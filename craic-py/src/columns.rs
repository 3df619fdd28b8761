//! Columnar input: interactions, items and preferences as whole columns, converted straight
//! into core values without building one Python object per row.
//!
//! Accepted wherever `Engine.build`, `Service(...)` and `record` take rows:
//! - **Arrow**, through the Arrow PyCapsule interface: any object with `__arrow_c_stream__` (a
//!   pyarrow `Table` or `RecordBatchReader`, a polars `DataFrame`, a pandas `DataFrame`, ...) or
//!   `__arrow_c_array__` (a pyarrow `RecordBatch`). Every record batch of a stream is read.
//! - **A mapping of column name to numpy array** (a `dict`), read by [`mapping`]; a string
//!   column may be given dictionary-encoded as a pair `(codes, categories)` of an integer array
//!   (negative = null) and the strings it indexes, read without a string per row. For
//!   `preferences` a mapping is columnar only when its `"user_id"` value is not a `Preferences`
//!   (otherwise it is the usual `{user_id: Preferences}`).
//!
//! Columns are found by name; other columns are ignored:
//!
//! | table | required | optional |
//! |---|---|---|
//! | interactions | `user_id`, `item_id`, `kind` (str), `timestamp` (time) | `rank` (int) |
//! | items | `id` (str), `starts_at` (time) | `city`, `venue` (str), `genres`, `artists`, `tags` (list of str), `ends_at` (time) |
//! | preferences | `user_id` (str) | `genres`, `artists`, `cities` (list of str) |
//!
//! A str column may be Arrow `Utf8`, `LargeUtf8`, `Utf8View` or dictionary-encoded (pandas
//! `category`, polars `Categorical`); a time column `Int64`/`Int32` unix seconds or an Arrow
//! `timestamp` of any unit (rounded down to seconds); a list column `List`/`LargeList` of str;
//! an int column `Int64`/`Int32` (an impression's `rank`, 0 = top, in `0..=u32::MAX`, else
//! `out_of_range` with `.row`; a rank on another kind is the core's `invalid_rank`).
//! Nulls in optional columns mean the default (empty, no `ends_at`, no `rank`): a `rank` column
//! for a log mixing kinds needs nulls, so comes as Arrow (a pandas `Int64` column, polars, ...);
//! a numpy integer array gives every row a rank.
//!
//! Errors are `InvalidInputError`s: a missing required column or a column of another type has
//! kind `invalid_config` and no row; a null in a required column (or a null string inside a
//! list) has `.row` set (zero-based over the whole table) and the kind of that column's bad
//! values: `invalid_id` (ids), `unknown_kind` (`kind`), `invalid_timestamp` (times),
//! `invalid_item` (item metadata), `invalid_config` (preference lists). Values the core rejects
//! (an unknown item, a timestamp out of range, ...) fail as they do for rows, with `.row`.

mod arrays;
mod codes;
mod interactions;
mod mapping;
mod training;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, Schema, SchemaRef};
use craic::service as svc;
use craic_core::{self as core, ErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyMapping;
use pyo3_arrow::input::AnyRecordBatch;

use crate::catalog::PyPreferences;
use crate::errors;
use arrays::{Lists, Strs, Times};
pub(crate) use training::Training;

/// Which table an argument holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// `interactions`.
    Interactions,
    /// `items`.
    Items,
    /// `preferences`.
    Preferences,
}

impl Table {
    /// The argument's name, for messages.
    fn name(self) -> &'static str {
        match self {
            Table::Interactions => "interactions",
            Table::Items => "items",
            Table::Preferences => "preferences",
        }
    }

    /// The columns this table reads.
    fn specs(self) -> &'static [Spec] {
        match self {
            Table::Interactions => &INTERACTIONS,
            Table::Items => &ITEMS,
            Table::Preferences => &PREFERENCES,
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A string.
    Str,
    /// A timestamp (unix seconds).
    Time,
    /// A list of strings.
    StrList,
    /// An impression rank: a whole number in `0..=u32::MAX`.
    Rank,
}

impl Shape {
    fn accepts(self, dt: &DataType) -> bool {
        match self {
            Shape::Str => arrays::is_string(dt),
            Shape::Time => arrays::is_time(dt),
            Shape::StrList => arrays::is_string_list(dt),
            Shape::Rank => matches!(dt, DataType::Int64 | DataType::Int32),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Shape::Str => "strings (utf8, large_utf8, utf8_view or dictionary-encoded)",
            Shape::Time => "int64 unix seconds or an Arrow timestamp",
            Shape::StrList => "lists of strings (list or large_list)",
            Shape::Rank => "int64 or int32 ranks (0 = top)",
        }
    }
}

/// One column a table reads.
#[derive(Debug)]
struct Spec {
    name: &'static str,
    shape: Shape,
    required: bool,
    /// The kind of the error for a null (or otherwise bad) value in this column.
    kind: ErrorKind,
}

const fn spec(name: &'static str, shape: Shape, required: bool, kind: ErrorKind) -> Spec {
    Spec {
        name,
        shape,
        required,
        kind,
    }
}

const INTERACTIONS: [Spec; 5] = [
    spec("user_id", Shape::Str, true, ErrorKind::InvalidId),
    spec("item_id", Shape::Str, true, ErrorKind::InvalidId),
    spec("kind", Shape::Str, true, ErrorKind::UnknownKind),
    spec("timestamp", Shape::Time, true, ErrorKind::InvalidTimestamp),
    spec("rank", Shape::Rank, false, ErrorKind::OutOfRange),
];

const ITEMS: [Spec; 8] = [
    spec("id", Shape::Str, true, ErrorKind::InvalidId),
    spec("starts_at", Shape::Time, true, ErrorKind::InvalidTimestamp),
    spec("city", Shape::Str, false, ErrorKind::InvalidItem),
    spec("venue", Shape::Str, false, ErrorKind::InvalidItem),
    spec("genres", Shape::StrList, false, ErrorKind::InvalidItem),
    spec("artists", Shape::StrList, false, ErrorKind::InvalidItem),
    spec("ends_at", Shape::Time, false, ErrorKind::InvalidTimestamp),
    spec("tags", Shape::StrList, false, ErrorKind::InvalidItem),
];

const PREFERENCES: [Spec; 4] = [
    spec("user_id", Shape::Str, true, ErrorKind::InvalidId),
    spec("genres", Shape::StrList, false, ErrorKind::InvalidConfig),
    spec("artists", Shape::StrList, false, ErrorKind::InvalidConfig),
    spec("cities", Shape::StrList, false, ErrorKind::InvalidConfig),
];

/// A problem with columnar input; raised as `InvalidInputError` (see the module docs).
#[derive(Debug)]
pub(crate) struct ColumnError {
    kind: ErrorKind,
    row: Option<usize>,
    message: String,
}

impl ColumnError {
    /// A problem with the table's layout (no row): kind `invalid_config`.
    fn layout(table: Table, message: impl std::fmt::Display) -> Self {
        ColumnError {
            kind: ErrorKind::InvalidConfig,
            row: None,
            message: format!("{}: {message}", table.name()),
        }
    }

    /// A bad value in row `row` of `spec`'s column.
    fn value(table: Table, spec: &Spec, row: usize, problem: impl std::fmt::Display) -> Self {
        ColumnError {
            kind: spec.kind,
            row: Some(row),
            message: format!(
                "{} row {row}: column `{}` {problem}",
                table.name(),
                spec.name
            ),
        }
    }

    /// A value of `spec`'s column in row `row` outside what it may hold: kind `out_of_range`
    /// (e.g. a category code past the categories), whatever the column's `kind`.
    fn out_of_range(
        table: Table,
        spec: &Spec,
        row: usize,
        problem: impl std::fmt::Display,
    ) -> Self {
        ColumnError {
            kind: ErrorKind::OutOfRange,
            ..ColumnError::value(table, spec, row, problem)
        }
    }

    /// The Python exception to raise (mapped in [`errors`]).
    pub(crate) fn into_py(self) -> PyErr {
        let class = errors::class_for(self.kind);
        errors::build(class, self.message, self.kind.as_str(), self.row, &[])
    }
}

/// A failed build from training data: the input or the build itself.
#[derive(Debug)]
pub(crate) enum InputError {
    /// The columnar input was unusable.
    Column(ColumnError),
    /// The engine rejected the data.
    Core(core::Error),
    /// The service rejected the data or its options.
    Service(svc::ServiceError),
}

impl From<ColumnError> for InputError {
    fn from(e: ColumnError) -> Self {
        InputError::Column(e)
    }
}

impl InputError {
    /// The Python exception to raise.
    pub(crate) fn into_py(self) -> PyErr {
        match self {
            InputError::Column(e) => e.into_py(),
            InputError::Core(e) => errors::to_py(e),
            InputError::Service(e) => errors::service_to_py(e),
        }
    }
}

/// Columnar data held in Rust: every record batch of one table.
pub(crate) struct Frame {
    table: Table,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

/// Reads `obj` as a table if it is columnar (Arrow, or a mapping of column name to numpy
/// array); `None` means it holds rows. Only pointers are copied for Arrow input; a numpy mapping
/// is converted into one Arrow record batch.
pub(crate) fn frame(obj: &Bound<'_, PyAny>, table: Table) -> PyResult<Option<Frame>> {
    let py = obj.py();
    if obj.hasattr(intern!(py, "__arrow_c_stream__"))?
        || obj.hasattr(intern!(py, "__arrow_c_array__"))?
    {
        let reader = obj
            .extract::<AnyRecordBatch>()
            .and_then(AnyRecordBatch::into_reader)
            .map_err(|e| not_a_table(py, table, e))?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| {
            ColumnError::layout(table, format!("reading Arrow data: {e}")).into_py()
        })?;
        return Ok(Some(Frame {
            table,
            schema,
            batches,
        }));
    }
    let Ok(mapping) = obj.cast::<PyMapping>() else {
        return Ok(None);
    };
    if table == Table::Preferences && !columnar_preferences(mapping)? {
        return Ok(None);
    }
    mapping::frame(mapping, table).map(Some)
}

/// The error for an Arrow object that is not a table (e.g. a plain array): pyo3-arrow's
/// `ValueError` becomes an `InvalidInputError` (`invalid_config`) caused by it; anything else the
/// producer raised passes through.
fn not_a_table(py: Python<'_>, table: Table, e: PyErr) -> PyErr {
    if !e.is_instance_of::<PyValueError>(py) {
        return e;
    }
    let message = format!("expected a table of columns ({})", e.value(py));
    let err = ColumnError::layout(table, message).into_py();
    err.set_cause(py, Some(e));
    err
}

/// Whether a `preferences` mapping is columnar: it has a `"user_id"` key whose value is not a
/// `Preferences` (the per-user form maps user ids to `Preferences`).
fn columnar_preferences(mapping: &Bound<'_, PyMapping>) -> PyResult<bool> {
    if !mapping.contains("user_id")? {
        return Ok(false);
    }
    Ok(!mapping
        .get_item("user_id")?
        .is_instance_of::<PyPreferences>())
}

impl Frame {
    /// A frame of one batch (or none, when there are no columns).
    fn of_batch(table: Table, batch: Option<RecordBatch>) -> Self {
        match batch {
            Some(b) => Frame {
                table,
                schema: b.schema(),
                batches: vec![b],
            },
            None => Frame {
                table,
                schema: Schema::empty().into(),
                batches: Vec::new(),
            },
        }
    }

    /// The index of `spec`'s column, after checking its type and (for a required column) that
    /// it has no nulls; `None` for an absent optional column (or one of Arrow type `null`).
    fn locate(&self, spec: &Spec) -> Result<Option<usize>, ColumnError> {
        let Some((index, field)) = self.schema.column_with_name(spec.name) else {
            if !spec.required {
                return Ok(None);
            }
            let names: Vec<&str> = self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            return Err(ColumnError::layout(
                self.table,
                format!(
                    "required column `{}` is missing (columns: {})",
                    spec.name,
                    names.join(", ")
                ),
            ));
        };
        let dt = field.data_type();
        if !spec.required && self.all_null(index) {
            // E.g. pandas' all-missing `category` column (a dictionary of doubles).
            return Ok(None);
        }
        if *dt == DataType::Null && self.batches.iter().any(|b| b.num_rows() > 0) {
            return Err(ColumnError::value(self.table, spec, 0, "is null"));
        }
        if !spec.shape.accepts(dt) {
            return Err(self.type_error(spec, dt));
        }
        if spec.required {
            let mut offset = 0;
            for batch in &self.batches {
                if let Some(i) = arrays::first_null(batch.column(index).as_ref()) {
                    return Err(ColumnError::value(self.table, spec, offset + i, "is null"));
                }
                offset += batch.num_rows();
            }
        }
        Ok(Some(index))
    }

    /// Whether every row of column `index` is null (true for no rows).
    fn all_null(&self, index: usize) -> bool {
        self.batches.iter().all(|b| {
            let column = b.column(index);
            column
                .logical_nulls()
                .map_or(column.is_empty(), |n| n.null_count() == column.len())
        })
    }

    fn type_error(&self, spec: &Spec, dt: &DataType) -> ColumnError {
        ColumnError::layout(
            self.table,
            format!(
                "column `{}` has type {dt}; expected {}",
                spec.name,
                spec.shape.expected()
            ),
        )
    }

    /// The index of a required column.
    fn required(&self, spec: &Spec) -> Result<usize, ColumnError> {
        self.locate(spec)?
            .ok_or_else(|| ColumnError::layout(self.table, format!("no column `{}`", spec.name)))
    }

    /// Every batch with the index of its first row in the table.
    fn batches(&self) -> impl Iterator<Item = (usize, &RecordBatch)> {
        self.batches.iter().scan(0, |offset, b| {
            let first = *offset;
            *offset += b.num_rows();
            Some((first, b))
        })
    }

    /// A string column of `batch`.
    fn strs<'f>(
        &self,
        batch: &'f RecordBatch,
        index: usize,
        spec: &Spec,
    ) -> Result<Strs<'f>, ColumnError> {
        let array = batch.column(index).as_ref();
        Strs::of(array).ok_or_else(|| self.type_error(spec, array.data_type()))
    }

    /// A time column of `batch`.
    fn times<'f>(
        &self,
        batch: &'f RecordBatch,
        index: usize,
        spec: &Spec,
    ) -> Result<Times<'f>, ColumnError> {
        let array = batch.column(index).as_ref();
        Times::of(array).ok_or_else(|| self.type_error(spec, array.data_type()))
    }

    /// A list column of `batch` (whose first row is row `first` of the table), checked for null
    /// strings inside its lists.
    fn lists<'f>(
        &self,
        batch: &'f RecordBatch,
        first: usize,
        index: usize,
        spec: &Spec,
    ) -> Result<Lists<'f>, ColumnError> {
        let array = batch.column(index).as_ref();
        let lists = Lists::of(array).ok_or_else(|| self.type_error(spec, array.data_type()))?;
        match lists.first_null_element(batch.num_rows()) {
            Some(i) => Err(ColumnError::value(
                self.table,
                spec,
                first + i,
                "holds a null string",
            )),
            None => Ok(lists),
        }
    }

    /// A rank column of `batch` (whose first row is row `first` of the table), checked to lie
    /// in `0..=u32::MAX` (read as the integers of a time column).
    fn ranks<'f>(
        &self,
        batch: &'f RecordBatch,
        first: usize,
        index: usize,
        spec: &Spec,
    ) -> Result<Times<'f>, ColumnError> {
        let ranks = self.times(batch, index, spec)?;
        let bad = (0..batch.num_rows()).find_map(|i| {
            ranks
                .get(i)
                .filter(|&r| u32::try_from(r).is_err())
                .map(|r| (i, r))
        });
        match bad {
            Some((i, r)) => Err(ColumnError::value(
                self.table,
                spec,
                first + i,
                format_args!("holds {r}, outside 0..={}", u32::MAX),
            )),
            None => Ok(ranks),
        }
    }

    /// An optional column of `batch`, read by `read` when present.
    fn optional<T>(
        index: Option<usize>,
        read: impl FnOnce(usize) -> Result<T, ColumnError>,
    ) -> Result<Option<T>, ColumnError> {
        index.map(read).transpose()
    }
}

impl Frame {
    /// The items.
    pub(crate) fn items(&self) -> Result<Vec<core::Item>, ColumnError> {
        let [id, starts_at, city, venue, genres, artists, ends_at, tags] = &ITEMS;
        let cols = (
            self.required(id)?,
            self.required(starts_at)?,
            self.locate(city)?,
            self.locate(venue)?,
            self.locate(genres)?,
            self.locate(artists)?,
            self.locate(ends_at)?,
            self.locate(tags)?,
        );
        let mut out = Vec::with_capacity(self.batches.iter().map(|b| b.num_rows()).sum());
        for (first, b) in self.batches() {
            let ids = self.strs(b, cols.0, id)?;
            let starts = self.times(b, cols.1, starts_at)?;
            let city_col = Frame::optional(cols.2, |c| self.strs(b, c, city))?;
            let venue_col = Frame::optional(cols.3, |c| self.strs(b, c, venue))?;
            let genre_col = Frame::optional(cols.4, |c| self.lists(b, first, c, genres))?;
            let artist_col = Frame::optional(cols.5, |c| self.lists(b, first, c, artists))?;
            let end_col = Frame::optional(cols.6, |c| self.times(b, c, ends_at))?;
            let tag_col = Frame::optional(cols.7, |c| self.lists(b, first, c, tags))?;
            let s =
                |col: &Option<Strs<'_>>, i| col.as_ref().map_or_else(String::new, |c| c.owned(i));
            let l = |col: &Option<Lists<'_>>, i| col.as_ref().map_or_else(Vec::new, |c| c.get(i));
            out.extend((0..b.num_rows()).map(|i| core::Item {
                id: ids.owned(i),
                // Never null (checked); `i64::MIN` would be rejected by the core.
                starts_at: starts.get(i).unwrap_or(i64::MIN),
                city: s(&city_col, i),
                venue: s(&venue_col, i),
                genres: l(&genre_col, i),
                artists: l(&artist_col, i),
                ends_at: end_col.as_ref().and_then(|c| c.get(i)),
                tags: l(&tag_col, i),
            }));
        }
        Ok(out)
    }

    /// The preferences, by user.
    pub(crate) fn preferences(&self) -> Result<Vec<(String, core::Preferences)>, ColumnError> {
        let [user, genres, artists, cities] = &PREFERENCES;
        let cols = (
            self.required(user)?,
            self.locate(genres)?,
            self.locate(artists)?,
            self.locate(cities)?,
        );
        let mut out = Vec::with_capacity(self.batches.iter().map(|b| b.num_rows()).sum());
        for (first, b) in self.batches() {
            let users = self.strs(b, cols.0, user)?;
            let genre_col = Frame::optional(cols.1, |c| self.lists(b, first, c, genres))?;
            let artist_col = Frame::optional(cols.2, |c| self.lists(b, first, c, artists))?;
            let city_col = Frame::optional(cols.3, |c| self.lists(b, first, c, cities))?;
            let l = |col: &Option<Lists<'_>>, i| col.as_ref().map_or_else(Vec::new, |c| c.get(i));
            out.extend((0..b.num_rows()).map(|i| {
                let prefs = core::Preferences {
                    genres: l(&genre_col, i),
                    artists: l(&artist_col, i),
                    cities: l(&city_col, i),
                };
                (users.owned(i), prefs)
            }));
        }
        Ok(out)
    }
}

/// Converts columnar interactions for `record` and friends ([`crate::interactions::interactions`]).
pub(crate) fn interactions_of(py: Python<'_>, frame: Frame) -> PyResult<Vec<core::Interaction>> {
    py.detach(|| {
        frame
            .interaction_rows()
            .map(|views| views.rows().map(|r| r.to_interaction()).collect())
    })
    .map_err(ColumnError::into_py)
}
