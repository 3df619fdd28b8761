//! Python classes for the core's value types, and the conversions of arguments.
//!
//! Each class wraps (or mirrors) one core type; no behaviour lives here.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyMapping, PyTuple};

use crate::args::{ts, Count, Timestamp};
use crate::errors;

static DEFAULT: LazyLock<core::Config> = LazyLock::new(core::Config::default);

/// Python `repr` of an optional value.
pub(crate) fn opt<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "None".to_owned(), |x| format!("{x:?}"))
}

pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Engine configuration. Every argument is keyword-only and defaults to the core's default.
///
/// `kinds` maps interaction kind names to weights: a name the defaults already define
/// (`save` 1.0, `click` 0.25, `hide` 1.0, `unsave`) gets a new weight and keeps its effect; a new
/// name (`{"purchase": 3.0}`) is added as a positive kind. `half_life_secs=None` disables time
/// decay. Raises `InvalidInputError` (`invalid_weight`, `invalid_config`, `invalid_id`) on a bad
/// value.
#[pyclass(frozen, eq, module = "craic._craic", name = "Config")]
#[derive(Clone, PartialEq)]
pub struct PyConfig {
    pub(crate) inner: core::Config,
}

#[pymethods]
impl PyConfig {
    #[new]
    #[pyo3(signature = (
        *,
        kinds = None,
        half_life_secs = DEFAULT.half_life_secs,
        neighbours = Count(DEFAULT.neighbours),
        neighbour_buffer = Count(DEFAULT.neighbour_buffer),
        shrinkage = DEFAULT.shrinkage,
        min_overlap = Count(DEFAULT.min_overlap),
        max_item_users = Count(DEFAULT.max_item_users),
        exclude_saved = DEFAULT.exclude_saved,
        hybrid_k0 = DEFAULT.hybrid_k0,
        hybrid_content_share = DEFAULT.hybrid_content_share,
        preference_weight = DEFAULT.preference_weight,
        popularity_prior = DEFAULT.popularity_prior,
        artist_prior = DEFAULT.artist_prior,
        content_weights = None,
        max_k = Count(DEFAULT.max_k),
        exposure_demotion = DEFAULT.exposure_demotion,
        exposure_half_life_secs = DEFAULT.exposure_half_life_secs,
        blend = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] kinds: Option<BTreeMap<String, f64>>,
        half_life_secs: Option<f64>,
        neighbours: Count<usize>,
        neighbour_buffer: Count<usize>,
        shrinkage: f64,
        min_overlap: Count<u32>,
        max_item_users: Count<usize>,
        exclude_saved: bool,
        hybrid_k0: f64,
        hybrid_content_share: f64,
        preference_weight: f64,
        popularity_prior: f64,
        artist_prior: f64,
        #[pyo3(from_py_with = crate::args::arg)] content_weights: Option<BTreeMap<String, f64>>,
        max_k: Count<usize>,
        exposure_demotion: f64,
        exposure_half_life_secs: f64,
        blend: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut weights = DEFAULT.content_weights.clone();
        for (name, w) in content_weights.unwrap_or_default() {
            weights.set(&name, w).map_err(errors::to_py)?;
        }
        let mut config = core::Config {
            half_life_secs,
            neighbours: neighbours.get(),
            neighbour_buffer: neighbour_buffer.get(),
            popularity_prior,
            artist_prior,
            content_weights: weights,
            shrinkage,
            min_overlap: min_overlap.get(),
            max_item_users: max_item_users.get(),
            exclude_saved,
            hybrid_k0,
            hybrid_content_share,
            preference_weight,
            max_k: max_k.get(),
            exposure_demotion,
            exposure_half_life_secs,
            blend: blend.map_or(Ok(core::Blend::Fixed), crate::blend::blend_arg)?,
            ..DEFAULT.clone()
        };
        for (name, weight) in kinds.unwrap_or_default() {
            config = config
                .with_kind_weight(name, weight)
                .map_err(errors::to_py)?;
        }
        config.validate().map_err(errors::to_py)?;
        Ok(PyConfig { inner: config })
    }

    /// Interaction kinds and their weights.
    #[getter]
    fn kinds(&self) -> BTreeMap<String, f64> {
        self.inner
            .kinds
            .iter()
            .map(|(k, s)| (k.clone(), s.weight))
            .collect()
    }

    /// Half-life of an interaction's weight in seconds (`None`: no decay).
    #[getter]
    fn half_life_secs(&self) -> Option<f64> {
        self.inner.half_life_secs
    }

    /// Neighbours kept per user.
    #[getter]
    fn neighbours(&self) -> usize {
        self.inner.neighbours
    }

    /// Extra neighbours kept beyond `neighbours` so updates are fixed in place.
    #[getter]
    fn neighbour_buffer(&self) -> usize {
        self.inner.neighbour_buffer
    }

    /// Exponent of the popularity prior on content scores (0 disables it).
    #[getter]
    fn popularity_prior(&self) -> f64 {
        self.inner.popularity_prior
    }

    /// Weight of the artist prior (what an event's artists' other events promise) in the
    /// content score's popularity prior (0 disables it).
    #[getter]
    fn artist_prior(&self) -> f64 {
        self.inner.artist_prior
    }

    /// Weight of each kind of metadata in content scoring
    /// (`genre`, `artist`, `venue`, `city`, `tag`).
    #[getter]
    fn content_weights(&self) -> BTreeMap<String, f64> {
        self.inner
            .content_weights
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    /// Similarity shrinkage λ.
    #[getter]
    fn shrinkage(&self) -> f64 {
        self.inner.shrinkage
    }

    /// Minimum number of co-interacted items for two users to be neighbours.
    #[getter]
    fn min_overlap(&self) -> u32 {
        self.inner.min_overlap
    }

    /// Items with more distinct users than this do not count towards user–user overlap.
    #[getter]
    fn max_item_users(&self) -> usize {
        self.inner.max_item_users
    }

    /// Never recommend items the user has saved.
    #[getter]
    fn exclude_saved(&self) -> bool {
        self.inner.exclude_saved
    }

    /// Hybrid: collaborative share is `n / (n + hybrid_k0)`.
    #[getter]
    fn hybrid_k0(&self) -> f64 {
        self.inner.hybrid_k0
    }

    /// Hybrid: content share of the non-collaborative part.
    #[getter]
    fn hybrid_content_share(&self) -> f64 {
        self.inner.hybrid_content_share
    }

    /// Weight of stated preferences in the content profile.
    #[getter]
    fn preference_weight(&self) -> f64 {
        self.inner.preference_weight
    }

    /// Largest `k` a request may ask for.
    #[getter]
    fn max_k(&self) -> usize {
        self.inner.max_k
    }

    /// Strength of exposure-aware demotion (0 = off).
    #[getter]
    fn exposure_demotion(&self) -> f64 {
        self.inner.exposure_demotion
    }

    /// Half-life in seconds of one showing in the demotion count.
    #[getter]
    fn exposure_half_life_secs(&self) -> f64 {
        self.inner.exposure_half_life_secs
    }

    /// How the Hybrid strategy blends its components: `"fixed"` (the default) or the
    /// `LearnSettings` of a blend learned at every build and retrain.
    #[getter]
    fn blend(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        crate::blend::blend_value(py, &self.inner.blend)
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        let kinds: Vec<String> = c
            .kinds
            .iter()
            .map(|(k, s)| format!("{k:?}: {:?}", s.weight))
            .collect();
        format!(
            "Config(kinds={{{}}}, half_life_secs={}, neighbours={}, shrinkage={:?}, min_overlap={}, \
             max_item_users={}, exclude_saved={}, hybrid_k0={:?}, hybrid_content_share={:?}, \
             preference_weight={:?}, neighbour_buffer={}, popularity_prior={:?}, artist_prior={:?}, max_k={}, \
             exposure_demotion={:?}, exposure_half_life_secs={:?}, blend={})",
            kinds.join(", "),
            opt(&c.half_life_secs),
            c.neighbours,
            c.shrinkage,
            c.min_overlap,
            c.max_item_users,
            py_bool(c.exclude_saved),
            c.hybrid_k0,
            c.hybrid_content_share,
            c.preference_weight,
            c.neighbour_buffer,
            c.popularity_prior,
            c.artist_prior,
            c.max_k,
            c.exposure_demotion,
            c.exposure_half_life_secs,
            match &c.blend {
                core::Blend::Fixed => "'fixed'".to_owned(),
                core::Blend::Learned(s) => crate::blend::PyLearnSettings { inner: s.clone() }.__repr__(),
            }
        )
    }
}

/// An event that can be recommended. Times are unix seconds.
#[pyclass(frozen, eq, module = "craic._craic", name = "Item")]
#[derive(Clone, PartialEq)]
pub struct PyItem {
    pub(crate) inner: core::Item,
}

#[pymethods]
impl PyItem {
    #[new]
    #[pyo3(signature = (id, starts_at, *, city = String::new(), venue = String::new(),
        genres = Vec::new(), artists = Vec::new(), ends_at = None, tags = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        starts_at: Timestamp,
        #[pyo3(from_py_with = crate::args::arg)] city: String,
        #[pyo3(from_py_with = crate::args::arg)] venue: String,
        #[pyo3(from_py_with = crate::args::arg)] genres: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] artists: Vec<String>,
        ends_at: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] tags: Vec<String>,
    ) -> Self {
        PyItem {
            inner: core::Item {
                id,
                city,
                venue,
                genres,
                artists,
                starts_at: starts_at.0,
                ends_at: ts(ends_at),
                tags,
            },
        }
    }

    /// Unique id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// Start time (unix seconds); started events are never recommended.
    #[getter]
    fn starts_at(&self) -> i64 {
        self.inner.starts_at
    }

    /// City ("" if unknown).
    #[getter]
    fn city(&self) -> &str {
        &self.inner.city
    }

    /// Venue ("" if unknown).
    #[getter]
    fn venue(&self) -> &str {
        &self.inner.venue
    }

    /// Genres.
    #[getter]
    fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Performing artists.
    #[getter]
    fn artists(&self) -> Vec<String> {
        self.inner.artists.clone()
    }

    /// End time (unix seconds), if known.
    #[getter]
    fn ends_at(&self) -> Option<i64> {
        self.inner.ends_at
    }

    /// Free-form tags.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }

    fn __repr__(&self) -> String {
        let i = &self.inner;
        format!(
            "Item(id={:?}, starts_at={}, city={:?}, venue={:?}, genres={:?}, artists={:?}, \
             ends_at={}, tags={:?})",
            i.id,
            i.starts_at,
            i.city,
            i.venue,
            i.genres,
            i.artists,
            opt(&i.ends_at),
            i.tags
        )
    }
}

/// What a user said they like; the first city is their home city for popularity.
#[pyclass(frozen, eq, module = "craic._craic", name = "Preferences")]
#[derive(Clone, PartialEq)]
pub struct PyPreferences {
    pub(crate) inner: core::Preferences,
}

#[pymethods]
impl PyPreferences {
    #[new]
    #[pyo3(signature = (*, genres = Vec::new(), artists = Vec::new(), cities = Vec::new()))]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] genres: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] artists: Vec<String>,
        #[pyo3(from_py_with = crate::args::arg)] cities: Vec<String>,
    ) -> Self {
        PyPreferences {
            inner: core::Preferences {
                genres,
                artists,
                cities,
            },
        }
    }

    /// Liked genres.
    #[getter]
    fn genres(&self) -> Vec<String> {
        self.inner.genres.clone()
    }

    /// Liked artists.
    #[getter]
    fn artists(&self) -> Vec<String> {
        self.inner.artists.clone()
    }

    /// Cities the user goes out in.
    #[getter]
    fn cities(&self) -> Vec<String> {
        self.inner.cities.clone()
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "Preferences(genres={:?}, artists={:?}, cities={:?})",
            p.genres, p.artists, p.cities
        )
    }
}

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

/// A recommendation strategy. Anywhere a strategy is expected its name works too
/// (`"popularity"`, `"collaborative"`, `"content"`, `"hybrid"`).
#[pyclass(
    frozen,
    eq,
    module = "craic._craic",
    name = "Strategy",
    rename_all = "UPPERCASE"
)]
#[derive(Clone, Copy, PartialEq)]
pub enum PyStrategy {
    /// Time-decayed interaction counts, per city when the user has one.
    Popularity,
    /// Neighbour-weighted scores from the most similar users.
    Collaborative,
    /// Item metadata against the user's preferences and history.
    Content,
    /// A blend of the three, more collaborative as the user's history grows.
    Hybrid,
}

impl From<PyStrategy> for core::Strategy {
    fn from(s: PyStrategy) -> Self {
        match s {
            PyStrategy::Popularity => core::Strategy::Popularity,
            PyStrategy::Collaborative => core::Strategy::Collaborative,
            PyStrategy::Content => core::Strategy::Content,
            PyStrategy::Hybrid => core::Strategy::Hybrid,
        }
    }
}

impl From<core::Strategy> for PyStrategy {
    fn from(s: core::Strategy) -> Self {
        match s {
            core::Strategy::Popularity => PyStrategy::Popularity,
            core::Strategy::Collaborative => PyStrategy::Collaborative,
            core::Strategy::Content => PyStrategy::Content,
            core::Strategy::Hybrid => PyStrategy::Hybrid,
        }
    }
}

#[pymethods]
impl PyStrategy {
    /// The lower-case name (`"hybrid"`).
    #[getter]
    fn value(&self) -> &'static str {
        core::Strategy::from(*self).as_str()
    }

    fn __str__(&self) -> &'static str {
        core::Strategy::from(*self).as_str()
    }
}

/// Converts a `{user_id: Preferences}` mapping (anything with `.items()`); `None` is empty.
pub(crate) fn preferences_map(
    mapping: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(String, core::Preferences)>> {
    let mut prefs = Vec::new();
    if let Some(mapping) = mapping {
        let mapping = mapping.cast::<PyMapping>().map_err(|_| {
            PyTypeError::new_err("preferences must be a mapping of user id to Preferences")
        })?;
        for pair in mapping.items()?.try_iter()? {
            let (user, p): (String, PyRef<'_, PyPreferences>) = crate::args::arg(&pair?)?;
            prefs.push((user, p.inner.clone()));
        }
    }
    Ok(prefs)
}

/// A strategy argument: a `Strategy` or its name. Unknown names are an `InvalidInputError` with
/// kind `invalid_config`.
#[derive(Clone, Copy)]
pub(crate) struct StrategyArg(pub(crate) core::Strategy);

impl<'a, 'py> FromPyObject<'a, 'py> for StrategyArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyStrategy>() {
            return Ok(StrategyArg((*s.get()).into()));
        }
        let name: String = obj.extract().map_err(|_| {
            PyTypeError::new_err("strategy must be a Strategy or one of its names (str)")
        })?;
        name.parse()
            .map(StrategyArg)
            .map_err(|e: core::Error| errors::to_py(e))
    }
}

/// One component's share of a recommendation's score.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Contribution")]
#[derive(Clone, PartialEq)]
pub struct PyContribution {
    /// The scorer: `"popularity"`, `"collaborative"`, `"content"` or `"item_based"` (similar events).
    pub component: String,
    /// Its weighted contribution to the final score.
    pub score: f64,
    /// Human-readable reason, e.g. `"matches genre folk"`.
    pub reason: String,
}

#[pymethods]
impl PyContribution {
    fn __repr__(&self) -> String {
        format!(
            "Contribution(component={:?}, score={:?}, reason={:?})",
            self.component, self.score, self.reason
        )
    }
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

/// One recommended item; `explanation` is set when the call asked for `explain=True`.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Recommendation")]
#[derive(Clone, PartialEq)]
pub struct PyRecommendation {
    /// The item id.
    pub item_id: String,
    /// Score under the requested strategy (comparable within one response).
    pub score: f64,
    /// Contributions, largest first, or `None` when not asked for.
    pub explanation: Option<Vec<PyContribution>>,
}

impl From<core::Recommendation> for PyRecommendation {
    fn from(r: core::Recommendation) -> Self {
        PyRecommendation {
            item_id: r.item_id,
            score: r.score,
            explanation: r.explanation.map(|e| {
                e.contributions
                    .into_iter()
                    .map(|c| PyContribution {
                        component: c.component.as_str().to_owned(),
                        score: c.score,
                        reason: c.reason,
                    })
                    .collect()
            }),
        }
    }
}

#[pymethods]
impl PyRecommendation {
    pub(crate) fn __repr__(&self) -> String {
        let explanation = match &self.explanation {
            None => "None".to_owned(),
            Some(cs) => format!(
                "[{}]",
                cs.iter()
                    .map(PyContribution::__repr__)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!(
            "Recommendation(item_id={:?}, score={:?}, explanation={})",
            self.item_id, self.score, explanation
        )
    }
}

/// What applying a batch of interactions did.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Applied")]
#[derive(Clone, PartialEq)]
pub struct PyApplied {
    /// Interactions applied.
    pub interactions: usize,
    /// Distinct users whose rows changed.
    pub users_changed: usize,
    /// Neighbour lists recomputed from scratch.
    pub lists_recomputed: usize,
    /// Neighbour-list entries checked or fixed in place.
    pub entries_touched: usize,
    /// True when the batch was large enough to rebuild every list instead.
    pub full_rebuild: bool,
}

impl From<core::Applied> for PyApplied {
    fn from(a: core::Applied) -> Self {
        PyApplied {
            interactions: a.interactions,
            users_changed: a.users_changed,
            lists_recomputed: a.lists_recomputed,
            entries_touched: a.entries_touched,
            full_rebuild: a.full_rebuild,
        }
    }
}

#[pymethods]
impl PyApplied {
    fn __repr__(&self) -> String {
        format!(
            "Applied(interactions={}, users_changed={}, lists_recomputed={}, entries_touched={}, \
             full_rebuild={})",
            self.interactions,
            self.users_changed,
            self.lists_recomputed,
            self.entries_touched,
            py_bool(self.full_rebuild)
        )
    }
}

/// Counts describing an engine's contents.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Stats")]
#[derive(Clone, PartialEq)]
pub struct PyStats {
    /// Users known.
    pub users: usize,
    /// Items in the catalogue, removed ones included.
    pub items: usize,
    /// Items that can be recommended.
    pub live_items: usize,
    /// Non-empty user–item cells.
    pub cells: usize,
    /// Interactions applied since the engine was created.
    pub interactions: u64,
    /// Latest interaction timestamp applied, if any.
    pub watermark: Option<i64>,
}

impl From<core::Stats> for PyStats {
    fn from(s: core::Stats) -> Self {
        PyStats {
            users: s.users,
            items: s.items,
            live_items: s.live_items,
            cells: s.cells,
            interactions: s.interactions,
            watermark: s.watermark,
        }
    }
}

#[pymethods]
impl PyStats {
    fn __repr__(&self) -> String {
        format!(
            "Stats(users={}, items={}, live_items={}, cells={}, interactions={}, watermark={})",
            self.users,
            self.items,
            self.live_items,
            self.cells,
            self.interactions,
            opt(&self.watermark)
        )
    }
}

/// Shares of each component in a user's Hybrid score (they sum to 1).
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "BlendWeights")]
#[derive(Clone, PartialEq)]
pub struct PyBlendWeights {
    /// Collaborative share.
    pub collaborative: f64,
    /// Content share.
    pub content: f64,
    /// Popularity share.
    pub popularity: f64,
}

impl From<core::BlendWeights> for PyBlendWeights {
    fn from(b: core::BlendWeights) -> Self {
        PyBlendWeights {
            collaborative: b.collaborative,
            content: b.content,
            popularity: b.popularity,
        }
    }
}

#[pymethods]
impl PyBlendWeights {
    fn __repr__(&self) -> String {
        format!(
            "BlendWeights(collaborative={:?}, content={:?}, popularity={:?})",
            self.collaborative, self.content, self.popularity
        )
    }
}
