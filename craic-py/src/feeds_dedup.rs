//! Cross-feed de-duplication from Python: `deduplicate`, `explain`, and the `AliasTable` that
//! rewrites interactions to canonical ids and splits wrong matches. Re-exported by `craic.feeds`.

use craic_core::feeds::{self as core_feeds, EventStatus, Gate, MatchConfig};
use pyo3::prelude::*;

use crate::catalog::PyItem;
use crate::feeds::PyFeedEvent;
use crate::interactions::PyInteraction;

fn gate_name(g: Gate) -> &'static str {
    match g {
        Gate::SameSource => "same_source",
        Gate::StartWindow => "start_window",
        Gate::Venue => "venue",
        Gate::Name => "name",
        Gate::Score => "score",
        Gate::KeptApart => "kept_apart",
    }
}

fn to_core(e: &PyFeedEvent) -> core_feeds::FeedEvent {
    core_feeds::FeedEvent {
        item: e.item.inner.clone(),
        name: e.name.clone(),
        status: if e.status == "rescheduled" {
            EventStatus::Rescheduled
        } else {
            EventStatus::Scheduled
        },
    }
}

/// Why two listings were, or were not, merged (`failed` names the gates that stopped them).
#[pyclass(frozen, get_all, module = "craic._craic", name = "MatchExplanation")]
#[derive(Clone)]
pub struct PyMatchExplanation {
    /// First listing's id.
    pub a: String,
    /// Second listing's id.
    pub b: String,
    /// Venue similarity, `None` if a venue is unknown.
    pub venue: Option<f64>,
    /// Whether the cities are equal, `None` if one is unknown.
    pub same_city: Option<bool>,
    /// `b.starts_at - a.starts_at`.
    pub start_delta_secs: i64,
    /// Time score.
    pub time: f64,
    /// Name similarity.
    pub name: f64,
    /// Artist signal, `None` when neither lists artists.
    pub artists: Option<f64>,
    /// Weighted score.
    pub score: f64,
    /// Failed gates: `same_source`, `start_window`, `venue`, `name`, `score`, `kept_apart`.
    pub failed: Vec<&'static str>,
    /// True when every gate passed.
    pub is_match: bool,
}

impl From<core_feeds::MatchExplanation> for PyMatchExplanation {
    fn from(e: core_feeds::MatchExplanation) -> Self {
        PyMatchExplanation {
            is_match: e.is_match(),
            failed: e.failed.iter().map(|g| gate_name(*g)).collect(),
            a: e.a,
            b: e.b,
            venue: e.venue,
            same_city: e.same_city,
            start_delta_secs: e.start_delta_secs,
            time: e.time,
            name: e.name,
            artists: e.artists,
            score: e.score,
        }
    }
}

/// Listings merged into one canonical item, with the matches that joined them.
#[pyclass(frozen, get_all, module = "craic._craic", name = "MatchedGroup")]
pub struct PyMatchedGroup {
    /// The canonical id.
    pub canonical: String,
    /// Every member's source id, the canonical first.
    pub members: Vec<String>,
    /// Why they were merged.
    pub explanations: Vec<PyMatchExplanation>,
}

/// The outcome of `deduplicate`: one item per distinct event, the alias table and the merges.
#[pyclass(frozen, get_all, module = "craic._craic", name = "Dedup")]
pub struct PyDedup {
    /// One item per distinct event.
    pub items: Vec<PyItem>,
    /// Source id → canonical id.
    pub aliases: Py<PyAliasTable>,
    /// The merged groups.
    pub groups: Vec<Py<PyMatchedGroup>>,
}

/// What `AliasTable.split` did.
#[pyclass(frozen, get_all, module = "craic._craic", name = "AliasSplit")]
pub struct PyAliasSplit {
    /// The id detached from its group.
    pub detached: String,
    /// The canonical id of the rest, if two or more listings remain merged.
    pub canonical: Option<String>,
    /// The ids that stayed together, canonical first.
    pub remaining: Vec<String>,
}

/// Source id → canonical id. Log interactions with the id the user acted on; rewrite them
/// before `Engine.record`; `split` undoes a wrong match (see `docs/feeds.md`).
#[pyclass(module = "craic._craic", name = "AliasTable")]
#[derive(Clone, Default)]
pub struct PyAliasTable {
    inner: core_feeds::AliasTable,
}

#[pymethods]
impl PyAliasTable {
    #[new]
    fn new() -> Self {
        PyAliasTable::default()
    }

    /// Makes `aliases` (and their aliases) aliases of `canonical`'s group.
    fn merge(&mut self, canonical: &str, aliases: Vec<String>) {
        self.inner
            .merge(canonical, aliases.iter().map(String::as_str));
    }

    /// The canonical id of `id` (`id` itself if it is not an alias).
    fn canonical(&self, id: &str) -> String {
        self.inner.canonical(id).to_string()
    }

    /// The aliases of a canonical id.
    fn aliases(&self, canonical: &str) -> Vec<String> {
        self.inner.aliases(canonical).to_vec()
    }

    /// Every group: canonical id → aliases.
    fn groups(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        self.inner
            .groups()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    /// The interaction with its item id replaced by the canonical id.
    fn rewrite(&self, interaction: &PyInteraction) -> PyInteraction {
        PyInteraction {
            inner: self.inner.rewrite(&interaction.inner),
        }
    }

    /// `rewrite` of every interaction, in order.
    fn rewrite_all(&self, interactions: Vec<Bound<'_, PyInteraction>>) -> Vec<PyInteraction> {
        interactions.iter().map(|i| self.rewrite(i.get())).collect()
    }

    /// Detaches `id` from its group and remembers the split; `None` if `id` is in no group.
    fn split(&mut self, id: &str) -> Option<PyAliasSplit> {
        self.inner.split(id).map(|s| PyAliasSplit {
            detached: s.detached,
            canonical: s.canonical,
            remaining: s.remaining,
        })
    }

    /// Whether a split separated `a` and `b`.
    fn kept_apart(&self, a: &str, b: &str) -> bool {
        self.inner.kept_apart(a, b)
    }

    /// The table as JSON (to persist it with the catalogue).
    fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).unwrap_or_default()
    }

    /// A table from `to_json` output; `ValueError` if it is not one.
    #[staticmethod]
    fn from_json(#[pyo3(from_py_with = crate::args::arg)] data: String) -> PyResult<Self> {
        serde_json::from_str(&data)
            .map(|inner| PyAliasTable { inner })
            .map_err(|e| {
                crate::errors::to_py(craic_core::Error::InvalidConfig(format!(
                    "not an alias table in JSON: {e}"
                )))
            })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Builds a `MatchConfig` from keyword arguments.
#[allow(clippy::too_many_arguments)]
fn config(
    window_secs: i64,
    exact_secs: i64,
    min_venue: f64,
    unknown_venue_score: f64,
    min_name: f64,
    weights: (f64, f64, f64),
    min_score: f64,
) -> MatchConfig {
    MatchConfig {
        window_secs,
        exact_secs,
        min_venue,
        unknown_venue_score,
        min_name,
        weights: [weights.0, weights.1, weights.2],
        min_score,
        ..MatchConfig::default()
    }
}

/// The core's matching defaults (the keyword arguments' defaults).
fn mc() -> MatchConfig {
    MatchConfig::default()
}

/// The core's default weights as the `(venue, time, name)` tuple the keyword argument takes.
fn mc_weights() -> (f64, f64, f64) {
    let [a, b, c] = mc().weights;
    (a, b, c)
}

/// Merges listings of the same event across feeds. `known` is the previous alias table (its
/// splits are honoured); the keyword arguments are `MatchConfig`'s thresholds.
#[pyfunction]
#[pyo3(signature = (events, /, *, known = None, window_secs = mc().window_secs,
    exact_secs = mc().exact_secs, min_venue = mc().min_venue,
    unknown_venue_score = mc().unknown_venue_score, min_name = mc().min_name,
    weights = mc_weights(), min_score = mc().min_score))]
#[allow(clippy::too_many_arguments)]
pub fn deduplicate(
    py: Python<'_>,
    events: Vec<Bound<'_, PyFeedEvent>>,
    known: Option<PyRef<'_, PyAliasTable>>,
    window_secs: i64,
    exact_secs: i64,
    min_venue: f64,
    unknown_venue_score: f64,
    min_name: f64,
    weights: (f64, f64, f64),
    min_score: f64,
) -> PyResult<PyDedup> {
    let cfg = config(
        window_secs,
        exact_secs,
        min_venue,
        unknown_venue_score,
        min_name,
        weights,
        min_score,
    );
    let known = known.map(|k| k.inner.clone()).unwrap_or_default();
    let listings: Vec<_> = events.iter().map(|e| to_core(e.get())).collect();
    let out = py.detach(|| core_feeds::deduplicate(&listings, &cfg, &known));
    let groups = out
        .groups
        .into_iter()
        .map(|g| {
            let group = PyMatchedGroup {
                canonical: g.canonical,
                members: g.members,
                explanations: g.explanations.into_iter().map(Into::into).collect(),
            };
            Py::new(py, group)
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyDedup {
        items: out
            .items
            .into_iter()
            .map(|inner| PyItem { inner })
            .collect(),
        aliases: Py::new(py, PyAliasTable { inner: out.aliases })?,
        groups,
    })
}

/// Explains how two listings compare (same keyword arguments as `deduplicate`).
#[pyfunction]
#[pyo3(signature = (a, b, /, *, window_secs = mc().window_secs, exact_secs = mc().exact_secs,
    min_venue = mc().min_venue, unknown_venue_score = mc().unknown_venue_score,
    min_name = mc().min_name, weights = mc_weights(), min_score = mc().min_score))]
#[allow(clippy::too_many_arguments)]
pub fn explain(
    a: &Bound<'_, PyFeedEvent>,
    b: &Bound<'_, PyFeedEvent>,
    window_secs: i64,
    exact_secs: i64,
    min_venue: f64,
    unknown_venue_score: f64,
    min_name: f64,
    weights: (f64, f64, f64),
    min_score: f64,
) -> PyMatchExplanation {
    let cfg = config(
        window_secs,
        exact_secs,
        min_venue,
        unknown_venue_score,
        min_name,
        weights,
        min_score,
    );
    core_feeds::explain(&to_core(a.get()), &to_core(b.get()), &cfg).into()
}

/// Registers the de-duplication classes and functions on the compiled module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMatchExplanation>()?;
    m.add_class::<PyMatchedGroup>()?;
    m.add_class::<PyDedup>()?;
    m.add_class::<PyAliasSplit>()?;
    m.add_class::<PyAliasTable>()?;
    m.add_function(wrap_pyfunction!(deduplicate, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    Ok(())
}
