//! Offline evaluation: `time_split`, `relevant_items`, `evaluate` (the recommend loop runs in
//! Rust, in parallel, with the GIL released), `score_user` and the `Metrics` / `UserScore` /
//! `Split` classes. Re-exported by the pure-Python module `craic.evaluation`.

use std::collections::BTreeMap;

use craic_core as core;
use craic_core::evaluation as eval;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::Count;
use crate::engine::PyEngine;
use crate::errors;
use crate::interactions::PyInteraction;
use crate::request;

fn py_interactions(rows: Vec<core::Interaction>) -> Vec<PyInteraction> {
    rows.into_iter()
        .map(|inner| PyInteraction { inner })
        .collect()
}

/// The two halves of a time split.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Split")]
#[derive(Clone, PartialEq)]
pub struct PySplit {
    /// Interactions strictly before `cutoff`, in input order.
    pub train: Vec<PyInteraction>,
    /// Interactions at or after `cutoff`, in input order.
    pub test: Vec<PyInteraction>,
    /// The split time, unix seconds (`2**63 - 1` when the test set is empty).
    pub cutoff: i64,
}

#[pymethods]
impl PySplit {
    fn __repr__(&self) -> String {
        format!(
            "Split(train=<{} interactions>, test=<{} interactions>, cutoff={})",
            self.train.len(),
            self.test.len(),
            self.cutoff
        )
    }
}

/// Splits interactions (any order) by time: the cutoff is the timestamp at the
/// `1 - test_fraction` quantile and everything at or after it is test (ties at the cutoff all go
/// to test). A fraction of 0 (or NaN) puts everything in train; 1 or more everything in test.
/// Rows may be `Interaction`s, `(user_id, item_id, kind, timestamp)` tuples or dicts.
#[pyfunction]
pub(crate) fn time_split(
    py: Python<'_>,
    interactions: &Bound<'_, PyAny>,
    test_fraction: f64,
) -> PyResult<PySplit> {
    let rows = crate::interactions::interactions(interactions)?;
    let split = py.detach(|| eval::time_split(&rows, test_fraction));
    Ok(PySplit {
        train: py_interactions(split.train),
        test: py_interactions(split.test),
        cutoff: split.cutoff,
    })
}

fn relevance(positive: Vec<String>, negative: Vec<String>) -> eval::Relevance {
    eval::Relevance { positive, negative }
}

/// Each test user's relevant items (sorted), by user id: the items they acted on with a
/// `positive` kind in the test interactions and did not act on with a `negative` one there.
/// Users with none are left out.
#[pyfunction]
#[pyo3(signature = (test_interactions, *, positive = eval::Relevance::default().positive,
    negative = eval::Relevance::default().negative))]
pub(crate) fn relevant_items(
    py: Python<'_>,
    test_interactions: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::arg)] positive: Vec<String>,
    #[pyo3(from_py_with = crate::args::arg)] negative: Vec<String>,
) -> PyResult<BTreeMap<String, Vec<String>>> {
    let rows = crate::interactions::interactions(test_interactions)?;
    let relevance = relevance(positive, negative);
    Ok(py.detach(|| relevance.relevant_items(&rows)))
}

/// Averages over the evaluated users, plus catalogue coverage.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Metrics")]
#[derive(Clone, PartialEq)]
pub struct PyMetrics {
    /// The cut-off k.
    pub k: usize,
    /// Users evaluated (test users with at least one relevant item).
    pub users: usize,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Share of users with at least one hit in the top k.
    pub hit_rate: f64,
    /// Distinct recommended items / catalogue size.
    pub coverage: f64,
    /// Mean pairwise `1 − Jaccard` distance of genres and artists within a list.
    pub intra_list_diversity: f64,
    /// Mean self-information of the recommended items, in bits.
    pub novelty: f64,
    /// Gini index of exposure across the catalogue's items.
    pub gini: f64,
}

impl From<eval::Metrics> for PyMetrics {
    fn from(m: eval::Metrics) -> Self {
        PyMetrics {
            k: m.k,
            users: m.users,
            precision: m.precision,
            recall: m.recall,
            ndcg: m.ndcg,
            hit_rate: m.hit_rate,
            coverage: m.coverage,
            intra_list_diversity: m.intra_list_diversity,
            novelty: m.novelty,
            gini: m.gini,
        }
    }
}

impl From<&PyMetrics> for eval::Metrics {
    fn from(m: &PyMetrics) -> Self {
        eval::Metrics {
            k: m.k,
            users: m.users,
            precision: m.precision,
            recall: m.recall,
            ndcg: m.ndcg,
            hit_rate: m.hit_rate,
            coverage: m.coverage,
            intra_list_diversity: m.intra_list_diversity,
            novelty: m.novelty,
            gini: m.gini,
        }
    }
}

#[pymethods]
impl PyMetrics {
    /// The metrics as a dict (`{"precision@10": ..., "ndcg@10": ..., ...}`), e.g. for
    /// `Engine.to_snapshot(metrics=...)`.
    fn as_dict(&self) -> BTreeMap<String, f64> {
        let k = self.k;
        BTreeMap::from([
            (format!("precision@{k}"), self.precision),
            (format!("recall@{k}"), self.recall),
            (format!("ndcg@{k}"), self.ndcg),
            (format!("hit_rate@{k}"), self.hit_rate),
            ("coverage".to_owned(), self.coverage),
            ("intra_list_diversity".to_owned(), self.intra_list_diversity),
            ("novelty".to_owned(), self.novelty),
            ("gini".to_owned(), self.gini),
        ])
    }

    fn __repr__(&self) -> String {
        format!(
            "Metrics(k={}, users={}, precision={:?}, recall={:?}, ndcg={:?}, hit_rate={:?}, \
             coverage={:?}, intra_list_diversity={:?}, novelty={:?}, gini={:?})",
            self.k,
            self.users,
            self.precision,
            self.recall,
            self.ndcg,
            self.hit_rate,
            self.coverage,
            self.intra_list_diversity,
            self.novelty,
            self.gini
        )
    }

    fn __str__(&self) -> String {
        eval::Metrics::from(self).to_string()
    }
}

/// Evaluates `engine` on held-out interactions: for every test user with a relevant item (see
/// `relevant_items`) it asks the engine for its top `k` under `strategy` and averages
/// precision@k, recall@k, NDCG@k and hit-rate@k; coverage is the share of the engine's live
/// items recommended to anyone, `gini` the Gini index of exposure across them,
/// `intra_list_diversity` and `novelty` what the lists hold (docs/evaluation.md).
/// `diversity`, `max_per_artist` and `max_per_venue` re-rank as in `recommend`.
///
/// Train the engine on the split's train part only. `now` is "now" for every request; it
/// defaults to the earliest test timestamp (the split's cutoff), not the clock, so that the test
/// period's events are still upcoming. The loop runs in Rust, in parallel, with the GIL
/// released. Raises the engine's errors (`invalid_k`, ...) as `recommend` would.
#[pyfunction]
#[pyo3(
    signature = (engine, test_interactions, *,
        positive = eval::Relevance::default().positive, negative = eval::Relevance::default().negative,
        **options),
    text_signature = "(engine, test_interactions, *, k=10, strategy='hybrid', now=None, positive=['save', 'click'], negative=['hide'], diversity=0.0, max_per_artist=None, max_per_venue=None)"
)]
pub(crate) fn evaluate(
    py: Python<'_>,
    engine: PyRef<'_, PyEngine>,
    test_interactions: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = crate::args::arg)] positive: Vec<String>,
    #[pyo3(from_py_with = crate::args::arg)] negative: Vec<String>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyMetrics> {
    let request = request::parse(options, request::EVALUATE)?;
    let rows = crate::interactions::interactions(test_interactions)?;
    let relevance = relevance(positive, negative);
    let engine = &engine.inner;
    py.detach(|| eval::evaluate_engine(engine, &rows, &request, &relevance))
        .map(PyMetrics::from)
        .map_err(errors::to_py)
}

/// Metrics of one user's ranked list.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "UserScore")]
#[derive(Clone, PartialEq)]
pub struct PyUserScore {
    /// Relevant items in the top k (each counted once).
    pub hits: usize,
    /// `hits / k`.
    pub precision: f64,
    /// `hits / len(relevant)`.
    pub recall: f64,
    /// DCG / IDCG with binary gains.
    pub ndcg: f64,
    /// 1.0 when `hits > 0`, else 0.0.
    pub hit: f64,
}

#[pymethods]
impl PyUserScore {
    fn __repr__(&self) -> String {
        format!(
            "UserScore(hits={}, precision={:?}, recall={:?}, ndcg={:?}, hit={:?})",
            self.hits, self.precision, self.recall, self.ndcg, self.hit
        )
    }
}

/// Scores one ranked list of item ids against a user's relevant items at cut-off `k` (only the
/// first `k` entries count; a repeated item counts once). `k == 0` or no relevant items give
/// zeros.
#[pyfunction]
#[pyo3(signature = (recommended, relevant, k))]
pub(crate) fn score_user(
    #[pyo3(from_py_with = crate::args::arg)] recommended: Vec<String>,
    #[pyo3(from_py_with = crate::args::arg)] relevant: Vec<String>,
    k: Count<usize>,
) -> PyUserScore {
    let s = eval::score_user(&recommended, &relevant, k.get());
    PyUserScore {
        hits: s.hits,
        precision: s.precision,
        recall: s.recall,
        ndcg: s.ndcg,
        hit: s.hit,
    }
}
