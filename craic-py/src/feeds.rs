//! Feed importers: a Ticketmaster Discovery v2 event search page or an Eventbrite v3 event list
//! (bytes or a file path) into items, with the core's report of removals, rejections and
//! warnings. Re-exported by the pure-Python module `craic.feeds`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use craic_core::feeds::{
    self as core_feeds, EventStatus, FeedError, ImportOptions, ImportReport, ProblemKind,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::catalog::PyItem;

fn status_name(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Scheduled => "scheduled",
        EventStatus::Rescheduled => "rescheduled",
        EventStatus::Postponed => "postponed",
        EventStatus::Cancelled => "cancelled",
    }
}

fn kind_name(k: &ProblemKind) -> &'static str {
    match k {
        ProblemKind::Missing => "missing",
        ProblemKind::WrongType { .. } => "wrong_type",
        ProblemKind::BadDateTime(_) => "bad_datetime",
        ProblemKind::UnknownTimezone(_) => "unknown_timezone",
        ProblemKind::DateToBeAnnounced => "date_to_be_announced",
        ProblemKind::InvalidItem(_) => "invalid_item",
        ProblemKind::EndBeforeStart => "end_before_start",
    }
}

/// One imported listing: the item, the event's display name and its status (`"scheduled"` or
/// `"rescheduled"`).
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "FeedEvent")]
#[derive(Clone, PartialEq)]
pub struct PyFeedEvent {
    /// The item (`id` is `tm:…` / `eb:…`).
    pub item: PyItem,
    /// The event's display name.
    pub name: String,
    /// `"scheduled"` or `"rescheduled"`.
    pub status: String,
}

/// A cancelled or postponed event: pass its id to `Engine.remove_items`.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Removal")]
#[derive(Clone, PartialEq)]
pub struct PyRemoval {
    /// The source id.
    pub id: String,
    /// `"cancelled"` or `"postponed"`.
    pub status: String,
}

/// A rejected event or a dropped field, with the JSON path of the field.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Problem")]
#[derive(Clone, PartialEq)]
pub struct PyProblem {
    /// The event's source id, if it could be read.
    pub id: Option<String>,
    /// Position of the event in the page's events array.
    pub index: usize,
    /// JSON path of the field, e.g. `$._embedded.events[3].dates.start`.
    pub path: String,
    /// `missing`, `wrong_type`, `bad_datetime`, `unknown_timezone`, `date_to_be_announced`,
    /// `invalid_item` or `end_before_start`.
    pub kind: String,
    /// Path and reason, readable.
    pub message: String,
}

impl From<&core_feeds::Problem> for PyProblem {
    fn from(p: &core_feeds::Problem) -> Self {
        PyProblem {
            id: p.id.clone(),
            index: p.index,
            path: p.path.clone(),
            kind: kind_name(&p.kind).to_string(),
            message: p.to_string(),
        }
    }
}

/// Everything one feed page gave.
#[pyclass(frozen, get_all, module = "craic._craic", name = "ImportReport")]
pub struct PyImportReport {
    /// Events to upsert, in page order.
    pub events: Vec<PyFeedEvent>,
    /// Cancelled / postponed events.
    pub removed: Vec<PyRemoval>,
    /// Events not imported (the rest of the page was).
    pub rejected: Vec<PyProblem>,
    /// Fields dropped from imported events.
    pub warnings: Vec<PyProblem>,
    /// Genre labels the mapping does not know, with counts (kept as slugs).
    pub unmapped_genres: BTreeMap<String, usize>,
    /// Entries in the page's events array.
    pub seen: usize,
}

#[pymethods]
impl PyImportReport {
    /// The imported items, in page order.
    fn items(&self) -> Vec<PyItem> {
        self.events.iter().map(|e| e.item.clone()).collect()
    }

    /// Ids of cancelled / postponed events, for `Engine.remove_items`.
    fn removed_ids(&self) -> Vec<String> {
        self.removed.iter().map(|r| r.id.clone()).collect()
    }

    /// Ids of imported events whose date was moved.
    fn rescheduled_ids(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.status == "rescheduled")
            .map(|e| e.item.inner.id.clone())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ImportReport(seen={}, events={}, removed={}, rejected={}, warnings={})",
            self.seen,
            self.events.len(),
            self.removed.len(),
            self.rejected.len(),
            self.warnings.len()
        )
    }
}

impl From<ImportReport> for PyImportReport {
    fn from(r: ImportReport) -> Self {
        PyImportReport {
            events: r
                .events
                .into_iter()
                .map(|e| PyFeedEvent {
                    status: status_name(e.status).to_string(),
                    item: PyItem { inner: e.item },
                    name: e.name,
                })
                .collect(),
            removed: r
                .removed
                .into_iter()
                .map(|x| PyRemoval {
                    id: x.id,
                    status: status_name(x.status).to_string(),
                })
                .collect(),
            rejected: r.rejected.iter().map(PyProblem::from).collect(),
            warnings: r.warnings.iter().map(PyProblem::from).collect(),
            unmapped_genres: r.unmapped_genres,
            seen: r.seen,
        }
    }
}

/// A page as bytes or a file path.
enum Page {
    Bytes(Vec<u8>),
    Path(PathBuf),
}

fn page(data: &Bound<'_, PyAny>) -> PyResult<Page> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(Page::Bytes(b.as_bytes().to_vec()));
    }
    Ok(Page::Path(crate::args::arg(data)?))
}

fn options(
    genres: Option<BTreeMap<String, Vec<String>>>,
    zones: Option<BTreeMap<String, i64>>,
) -> ImportOptions {
    let mut o = ImportOptions::default();
    for (label, g) in genres.unwrap_or_default() {
        o.genres.insert(&label, g);
    }
    for (zone, offset) in zones.unwrap_or_default() {
        o.zones.insert(zone, offset, core_feeds::DstRule::None);
    }
    o
}

/// `InvalidInputError` (kind `invalid_feed`) for a page that is not JSON or not a page.
fn feed_error(py: Python<'_>, e: FeedError) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let class = py.import("craic._errors")?.getattr("InvalidInputError")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", "invalid_feed")?;
        Ok(PyErr::from_value(
            class.call((e.to_string(),), Some(&kwargs))?,
        ))
    };
    make().unwrap_or_else(|err| err)
}

type Importer = fn(&[u8], &ImportOptions) -> Result<ImportReport, FeedError>;

fn run(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    genres: Option<BTreeMap<String, Vec<String>>>,
    zones: Option<BTreeMap<String, i64>>,
    import: Importer,
) -> PyResult<PyImportReport> {
    let page = page(data)?;
    let options = options(genres, zones);
    let bytes = match page {
        Page::Bytes(b) => b,
        Page::Path(p) => py
            .detach(|| std::fs::read(&p))
            .map_err(|e| crate::errors::io_to_py(e, &p))?,
    };
    let report = py
        .detach(|| import(&bytes, &options))
        .map_err(|e| feed_error(py, e))?;
    Ok(report.into())
}

/// Imports a Ticketmaster Discovery v2 event search page (bytes, or a path to read). `genres`
/// adds or overrides genre mappings (label → craic genres); `zones` adds fixed-offset zones
/// (name → seconds east of UTC).
#[pyfunction]
#[pyo3(signature = (data, /, *, genres = None, zones = None))]
pub fn import_ticketmaster(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::arg)] genres: Option<BTreeMap<String, Vec<String>>>,
    #[pyo3(from_py_with = crate::args::arg)] zones: Option<BTreeMap<String, i64>>,
) -> PyResult<PyImportReport> {
    run(py, data, genres, zones, |b, o| {
        core_feeds::import_ticketmaster(b, o)
    })
}

/// Imports an Eventbrite v3 event list page (bytes, or a path to read); see
/// `import_ticketmaster` for `genres` and `zones`.
#[pyfunction]
#[pyo3(signature = (data, /, *, genres = None, zones = None))]
pub fn import_eventbrite(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::arg)] genres: Option<BTreeMap<String, Vec<String>>>,
    #[pyo3(from_py_with = crate::args::arg)] zones: Option<BTreeMap<String, i64>>,
) -> PyResult<PyImportReport> {
    run(py, data, genres, zones, |b, o| {
        core_feeds::import_eventbrite(b, o)
    })
}

/// The built-in genre mapping: normalised feed label → craic genres.
#[pyfunction]
pub fn default_genre_map() -> BTreeMap<String, Vec<String>> {
    core_feeds::GenreMap::default()
        .entries()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// Registers the feed classes and functions on the compiled module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFeedEvent>()?;
    m.add_class::<PyRemoval>()?;
    m.add_class::<PyProblem>()?;
    m.add_class::<PyImportReport>()?;
    m.add_function(wrap_pyfunction!(import_ticketmaster, m)?)?;
    m.add_function(wrap_pyfunction!(import_eventbrite, m)?)?;
    m.add_function(wrap_pyfunction!(default_genre_map, m)?)?;
    Ok(())
}
