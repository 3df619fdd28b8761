//! The `Engine` class: the core engine, shared across Python threads.
//!
//! Every method converts its arguments while attached to the interpreter, then runs the core
//! call detached (`Python::detach`, the GIL released) and converts the result back. Even cheap
//! calls detach: they take the engine's lock, and waiting for it (behind a long `record` in
//! another thread) must not hold the GIL.

use std::collections::BTreeMap;

use craic_core as core;
use numpy::{PyArray1, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::args::{ts, Count, Timestamp};
use crate::catalog::{PyItem, PyPreferences};
use crate::config::PyConfig;
use crate::errors;
use crate::repr::opt;
use crate::request::{self, KArg};
use crate::results::{PyApplied, PyBlendWeights, PyRecommendation, PyStats};

/// The current time in unix seconds (the core has no clock).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Describes a model snapshot: the caller's version id and creation time, what the engine held
/// when it was saved (watermark, interactions) and the caller's training metrics.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "SnapshotMeta")]
#[derive(Clone, PartialEq)]
pub struct PySnapshotMeta {
    /// Version id chosen by the caller (`""` if none).
    pub version: String,
    /// Creation time, unix seconds.
    pub created_at: i64,
    /// Latest interaction timestamp included, if any.
    pub watermark: Option<i64>,
    /// Interactions applied to the engine when it was saved.
    pub interactions: u64,
    /// Training metrics given when saving (e.g. `{"ndcg@10": 0.21}`).
    pub metrics: BTreeMap<String, f64>,
}

impl From<core::SnapshotMeta> for PySnapshotMeta {
    fn from(m: core::SnapshotMeta) -> Self {
        PySnapshotMeta {
            version: m.version,
            created_at: m.created_at,
            watermark: m.watermark,
            interactions: m.interactions,
            metrics: m.metrics,
        }
    }
}

#[pymethods]
impl PySnapshotMeta {
    fn __repr__(&self) -> String {
        let metrics: Vec<String> = self
            .metrics
            .iter()
            .map(|(k, v)| format!("{k:?}: {v:?}"))
            .collect();
        format!(
            "SnapshotMeta(version={:?}, created_at={}, watermark={}, interactions={}, \
             metrics={{{}}})",
            self.version,
            self.created_at,
            opt(&self.watermark),
            self.interactions,
            metrics.join(", ")
        )
    }
}

/// Rebuilds a pickled `Engine` from its snapshot bytes (the target of `Engine.__reduce__`).
#[pyfunction]
pub(crate) fn _engine_from_pickle(py: Python<'_>, data: &[u8]) -> PyResult<PyEngine> {
    py.detach(|| core::Engine::from_snapshot(data))
        .map(|(inner, _)| PyEngine { inner })
        .map_err(errors::to_py)
}

/// The recommender: catalogue, interaction matrix, neighbourhoods and scorers.
///
/// Thread-safe: share one `Engine` between threads (e.g. a FastAPI app's workers). Reads
/// (`recommend`, `neighbours`, ...) run concurrently and release the GIL; a write (`record`,
/// `upsert_items`, ...) is applied whole before any reader sees it. A batch with a bad row is
/// rejected whole: nothing changes and the error's `.row` is the row's index.
#[pyclass(frozen, module = "craic._craic", name = "Engine")]
pub struct PyEngine {
    pub(crate) inner: core::Engine,
}

pub(crate) fn config_of(config: Option<PyRef<'_, PyConfig>>) -> core::Config {
    config.map_or_else(core::Config::default, |c| c.inner.clone())
}

pub(crate) fn items_of(items: Vec<PyRef<'_, PyItem>>) -> Vec<core::Item> {
    items.iter().map(|i| i.inner.clone()).collect()
}

pub(crate) fn recommendations(recs: Vec<core::Recommendation>) -> Vec<PyRecommendation> {
    recs.into_iter().map(PyRecommendation::from).collect()
}

/// Impressions from `(user_id, item_id, timestamp, rank)` tuples.
pub(crate) fn impressions_of(
    rows: Vec<(String, String, Timestamp, Count<i64>)>,
) -> Vec<core::Impression> {
    rows.into_iter()
        .map(|(u, i, t, r)| core::Impression::new(u, i, t.0, r.0))
        .collect()
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(config: Option<PyRef<'_, PyConfig>>) -> PyResult<Self> {
        let inner = core::Engine::new(config_of(config)).map_err(errors::to_py)?;
        Ok(PyEngine { inner })
    }

    /// Builds an engine in one go: catalogue, preferences (a mapping of user id to
    /// `Preferences`), then every interaction, with one parallel build of all neighbour lists.
    /// Same result as recording the interactions one by one, much faster. Interactions may be
    /// `Interaction` objects, `(user_id, item_id, kind, timestamp)` tuples or dicts.
    ///
    /// Each of `items`, `interactions` and `preferences` may instead be a table, read column by
    /// column without a Python object per row: anything with `__arrow_c_stream__` or
    /// `__arrow_c_array__` (pyarrow Table/RecordBatch, polars or pandas DataFrame, ...) or a
    /// dict of column name to numpy array. Columns: `user_id`, `item_id`, `kind`, `timestamp`
    /// (interactions); `id`, `starts_at`, optional `city`, `venue`, `genres`, `artists`, `tags`
    /// (lists of str), `ends_at` (items); `user_id`, optional `genres`, `artists`, `cities`
    /// (preferences). Strings may be dictionary-encoded (in a dict, as a tuple `(codes,
    /// categories)`: an integer array, negative = null, and the strings it indexes); times are
    /// int64 unix seconds or Arrow timestamps. A missing column or a wrong type raises
    /// `InvalidInputError` (kind `invalid_config`); a null in a required column one with `.row`
    /// set, as does a code past the categories (kind `out_of_range`).
    #[staticmethod]
    #[pyo3(signature = (items, interactions, *, preferences = None, config = None))]
    fn build(
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        interactions: &Bound<'_, PyAny>,
        preferences: Option<&Bound<'_, PyAny>>,
        config: Option<PyRef<'_, PyConfig>>,
    ) -> PyResult<Self> {
        let data = crate::columns::Training::extract(Some(items), Some(interactions), preferences)?;
        let config = config_of(config);
        let inner = py
            .detach(|| data.build_engine(config))
            .map_err(crate::columns::InputError::into_py)?;
        Ok(PyEngine { inner })
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> PyConfig {
        PyConfig {
            inner: py.detach(|| self.inner.config()),
        }
    }

    /// Inserts or replaces items (metadata replaced whole). Rejected whole on a bad item.
    fn upsert_items(&self, py: Python<'_>, items: Vec<PyRef<'_, PyItem>>) -> PyResult<()> {
        let items = items_of(items);
        py.detach(|| self.inner.upsert_items(items))
            .map_err(errors::to_py)
    }

    /// Stops items from being recommended; returns how many were live. An unknown id raises
    /// `NotFoundError` and nothing changes.
    fn remove_items(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] ids: Vec<String>,
    ) -> PyResult<usize> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        py.detach(|| self.inner.remove_items(&ids))
            .map_err(errors::to_py)
    }

    /// The ids of the removed items (`remove_items`), in catalogue order.
    fn removed_items(&self) -> Vec<String> {
        self.inner.removed_items()
    }

    /// The catalogue entry of an item (removed items included), or `None`.
    fn item(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] id: String,
    ) -> Option<PyItem> {
        py.detach(|| self.inner.item(&id))
            .map(|inner| PyItem { inner })
    }

    /// Sets (replaces) what a user said they like; empty preferences clear them.
    fn set_preferences(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        preferences: PyRef<'_, PyPreferences>,
    ) -> PyResult<()> {
        let preferences = preferences.inner.clone();
        py.detach(|| self.inner.set_preferences(&user_id, preferences))
            .map_err(errors::to_py)
    }

    /// A user's stated preferences, or `None`.
    fn preferences(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    ) -> Option<PyPreferences> {
        py.detach(|| self.inner.preferences(&user_id))
            .map(|inner| PyPreferences { inner })
    }

    /// Applies a batch of interactions incrementally (`Interaction` objects,
    /// `(user_id, item_id, kind, timestamp)` tuples or dicts, or a table as in `build`). The
    /// batch is validated first and rejected whole if any row is bad; the error's `.row` gives
    /// its index.
    fn record(&self, py: Python<'_>, interactions: &Bound<'_, PyAny>) -> PyResult<PyApplied> {
        let rows = crate::interactions::interactions(interactions)?;
        py.detach(|| self.inner.record(&rows))
            .map(PyApplied::from)
            .map_err(errors::to_py)
    }

    /// Records impressions, items shown to users: `(user_id, item_id, timestamp, rank)`
    /// tuples (rank 0 = top). Validated as a whole first (a negative rank raises
    /// `InvalidInputError` with kind `out_of_range`, an unknown item `NotFoundError`); they
    /// feed exposure-aware demotion and never count as engagement.
    fn record_impressions(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] impressions: Vec<(
            String,
            String,
            Timestamp,
            Count<i64>,
        )>,
    ) -> PyResult<PyApplied> {
        let rows = impressions_of(impressions);
        py.detach(|| self.inner.record_impressions(&rows))
            .map(PyApplied::from)
            .map_err(errors::to_py)
    }

    /// The items shown to `user_id` since their last interaction with each, in catalogue
    /// order, with the decayed number of showings at `now` (what demotion counts).
    fn exposure(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        now: Timestamp,
    ) -> Vec<(String, f64)> {
        py.detach(|| self.inner.exposure(&user_id, now.0))
    }

    /// Applies one interaction: `user_id` did `kind` to `item_id` at `timestamp` (unix seconds).
    fn record_one(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
        #[pyo3(from_py_with = crate::args::arg)] kind: String,
        timestamp: Timestamp,
    ) -> PyResult<PyApplied> {
        let row = [core::Interaction {
            user_id,
            item_id,
            kind,
            timestamp: timestamp.0,
            rank: None,
        }];
        py.detach(|| self.inner.record(&row))
            .map(PyApplied::from)
            .map_err(errors::to_py)
    }

    /// Recomputes every neighbour list from the current matrix.
    fn rebuild(&self, py: Python<'_>) {
        py.detach(|| self.inner.rebuild());
    }

    /// Recommends up to `k` items for a user (exactly `k` whenever `k` items are eligible).
    /// Unknown users are cold-start users, not an error. `now` is unix seconds (default: the
    /// clock); `city` restricts results; `exclude` lists item ids never to return;
    /// `explain=True` attaches the contributions; `exclude_saved` overrides the configuration.
    #[pyo3(
        signature = (user_id, **options),
        text_signature = "($self, user_id, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None)"
    )]
    fn recommend(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<PyRecommendation>> {
        let req = request::parse(options, request::RECOMMEND)?;
        py.detach(|| self.inner.recommend(&user_id, &req))
            .map(recommendations)
            .map_err(errors::to_py)
    }

    /// `recommend` for many users at once, in parallel and under one consistent view; returns
    /// one list per user, in order.
    #[pyo3(
        signature = (user_ids, **options),
        text_signature = "($self, user_ids, *, k=10, strategy='hybrid', now=None, city=None, exclude=(), explain=False, exclude_saved=None, exclude_touched=False, diversity=0.0, max_per_artist=None, max_per_venue=None)"
    )]
    fn recommend_many(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_ids: Vec<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<Vec<PyRecommendation>>> {
        let req = request::parse(options, request::RECOMMEND)?;
        let users: Vec<&str> = user_ids.iter().map(String::as_str).collect();
        py.detach(|| self.inner.recommend_many(&users, &req))
            .map(|all| all.into_iter().map(recommendations).collect())
            .map_err(errors::to_py)
    }

    /// Up to `k` upcoming events similar to `item_id`, for an event page (exactly `k` whenever
    /// `k` are eligible): co-engaged events first (people who engaged with this one also
    /// engaged with them, computed at call time), then events matching its content and
    /// artists, then popular ones, each with its explanation. `now` is unix seconds (default:
    /// the clock); `city` restricts results. An unknown item raises `NotFoundError` (kind
    /// `unknown_item`); `k` must be in `1..=max_k` (`InvalidInputError`, kind `invalid_k`).
    #[pyo3(
        signature = (item_id, *, k = KArg(core::Request::DEFAULT_K), now = None, city = None),
        text_signature = "($self, item_id, *, k=10, now=None, city=None)"
    )]
    fn similar_items(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
        k: KArg,
        now: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] city: Option<String>,
    ) -> PyResult<Vec<PyRecommendation>> {
        py.detach(|| {
            self.inner
                .similar_items(&item_id, k.0, ts(now), city.as_deref())
        })
        .map(recommendations)
        .map_err(errors::to_py)
    }

    /// What the learned blend chose at the last build and how each component scored on its
    /// holdout (`None` with the fixed blend, or when the holdout was too
    /// small to learn from: fewer than `MIN_HOLDOUT_USERS` (100) users).
    fn blend_report(&self, py: Python<'_>) -> Option<crate::blend::PyBlendReport> {
        py.detach(|| self.inner.blend_report())
            .map(|inner| crate::blend::PyBlendReport { inner })
    }

    /// An item's neighbours as `(item_id, similarity)`, most similar first, whether or not they
    /// have started: what `Strategy.ITEM_BASED` scores with (empty for unknown items, and with
    /// `Config(item_neighbours=0)`, the default).
    fn item_neighbours(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] item_id: String,
    ) -> Vec<(String, f64)> {
        py.detach(|| self.inner.item_neighbours(&item_id))
    }

    /// A user's neighbours as `(user_id, similarity)`, most similar first (empty if unknown).
    fn neighbours(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    ) -> Vec<(String, f64)> {
        py.detach(|| self.inner.neighbours(&user_id))
    }

    /// Cosine similarity of two users as the neighbour lists define it (0 for unknown users).
    fn similarity(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] a: String,
        #[pyo3(from_py_with = crate::args::arg)] b: String,
    ) -> f64 {
        py.detach(|| self.inner.similarity(&a, &b))
    }

    /// The Hybrid blend shares the user would get now.
    fn blend_weights(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    ) -> PyBlendWeights {
        py.detach(|| self.inner.blend_weights(&user_id)).into()
    }

    /// Counts of users, items, cells and interactions.
    fn stats(&self, py: Python<'_>) -> PyStats {
        py.detach(|| self.inner.stats()).into()
    }

    /// Checks every neighbour list against a full recompute, within `tolerance` on similarities.
    /// Returns `None` when they all match; raises `PoisonedError` (kind `inconsistent_model`)
    /// naming the first structure or list that differs, `InvalidInputError` (kind
    /// `invalid_config`) for a negative or NaN tolerance.
    #[pyo3(signature = (*, tolerance = core::Engine::NEIGHBOUR_TOLERANCE))]
    fn verify_neighbours(&self, py: Python<'_>, tolerance: f64) -> PyResult<()> {
        py.detach(|| self.inner.verify_neighbours(tolerance))
            .map_err(errors::to_py)
    }

    /// Serialises the engine's whole state (catalogue, matrix, neighbour lists, popularity,
    /// preferences, configuration) into checksummed snapshot bytes, with metadata: `version` (a
    /// free-form id), `created_at` (unix seconds; default: now) and training `metrics`. The
    /// watermark and interaction count are filled in from the engine. Readers are not blocked.
    #[pyo3(signature = (*, version = String::new(), created_at = None, metrics = None))]
    fn to_snapshot<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = crate::args::arg)] version: String,
        created_at: Option<Timestamp>,
        #[pyo3(from_py_with = crate::args::arg)] metrics: Option<BTreeMap<String, f64>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let meta = core::SnapshotMeta {
            version,
            created_at: ts(created_at).unwrap_or_else(unix_now),
            metrics: metrics.unwrap_or_default(),
            ..core::SnapshotMeta::default()
        };
        let bytes = py
            .detach(|| self.inner.to_snapshot(&meta))
            .map_err(errors::to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Loads an engine saved by `to_snapshot`; returns `(engine, meta)`. The loaded engine
    /// serves exactly what the saved one served and keeps updating incrementally. Foreign,
    /// truncated, corrupt or newer-format bytes raise `SnapshotError` (kind `invalid_snapshot`).
    #[staticmethod]
    fn from_snapshot(py: Python<'_>, data: &[u8]) -> PyResult<(PyEngine, PySnapshotMeta)> {
        py.detach(|| core::Engine::from_snapshot(data))
            .map(|(inner, meta)| (PyEngine { inner }, meta.into()))
            .map_err(errors::to_py)
    }

    /// Pickle support: an engine pickles as its snapshot bytes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let bytes = py
            .detach(|| self.inner.to_snapshot(&core::SnapshotMeta::default()))
            .map_err(errors::to_py)?;
        let rebuild = py.import("craic._craic")?.getattr("_engine_from_pickle")?;
        let args = PyTuple::new(py, [PyBytes::new(py, &bytes)])?;
        PyTuple::new(py, [rebuild, args.into_any()])
    }

    /// The interaction matrix in CSR form, as numpy arrays: `(indptr, indices, data, shape,
    /// user_ids, item_ids)`. Row `r` is user `user_ids[r]`, column `c` item `item_ids[c]`; a
    /// cell is the user's current (decayed, kind-weighted) score of the item. `indptr` and
    /// `indices` are int64, `data` float64, `shape` is `(len(user_ids), len(item_ids))`.
    /// Feed it to `scipy.sparse.csr_matrix((data, indices, indptr), shape)` (see
    /// `craic.to_scipy`). Requires numpy.
    #[allow(clippy::type_complexity)]
    fn interaction_matrix<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<f64>>,
        (usize, usize),
        Vec<String>,
        Vec<String>,
    ) {
        let (indptr, indices, data, shape, users, items) = py.detach(|| {
            let (m, users, items) = self.inner.interaction_matrix();
            let as_i64 = |v: &[usize]| -> Vec<i64> {
                v.iter()
                    .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
                    .collect()
            };
            let indptr = as_i64(&m.indptr().to_proper());
            let indices = as_i64(m.indices());
            let data = m.data().to_vec();
            (indptr, indices, data, m.shape(), users, items)
        });
        (
            PyArray1::from_vec(py, indptr),
            PyArray1::from_vec(py, indices),
            data.to_pyarray(py),
            shape,
            users,
            items,
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let s = py.detach(|| self.inner.stats());
        format!(
            "Engine(users={}, items={}, live_items={}, interactions={})",
            s.users, s.items, s.live_items, s.interactions
        )
    }
}
