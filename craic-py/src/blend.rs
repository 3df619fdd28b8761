//! The learned Hybrid blend in Python: `LearnSettings` (what `Config(blend=...)` takes besides
//! `"fixed"` and `"learned"`) and the `BlendReport` / `BucketReport` / `GridPoint` that
//! `Engine.blend_report()` returns. Each class wraps the core's value; the core validates.

use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::args::Count;
use crate::errors;

/// Settings of the learned blend (`Config(blend=LearnSettings(...))`; `blend="learned"` takes
/// these defaults). Every argument is keyword-only and defaults to the core's default. Raises
/// `InvalidInputError` (kind `invalid_config`) on a value outside its documented range.
#[pyclass(frozen, eq, module = "craic._craic", name = "LearnSettings")]
#[derive(Clone, PartialEq)]
pub struct PyLearnSettings {
    pub(crate) inner: core::LearnSettings,
}

fn defaults() -> core::LearnSettings {
    core::LearnSettings::default()
}

#[pymethods]
impl PyLearnSettings {
    #[new]
    #[pyo3(signature = (
        *,
        holdout_fraction = defaults().holdout_fraction,
        users_per_bucket = Count(defaults().users_per_bucket),
        candidates = Count(defaults().candidates),
        grid = Count(defaults().grid),
        seed = Count(defaults().seed),
        half_life_secs = None,
        neighbours = None,
        shrinkage = None,
        discount = None,
        exclude_touched = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        holdout_fraction: f64,
        users_per_bucket: Count<usize>,
        candidates: Count<usize>,
        grid: Count<u32>,
        seed: Count<u64>,
        half_life_secs: Option<Vec<Option<f64>>>,
        neighbours: Option<Vec<Count<usize>>>,
        shrinkage: Option<Vec<f64>>,
        discount: Option<Vec<f64>>,
        exclude_touched: bool,
    ) -> PyResult<Self> {
        let inner = core::LearnSettings {
            holdout_fraction,
            users_per_bucket: users_per_bucket.get(),
            candidates: candidates.get(),
            grid: grid.get(),
            seed: seed.get(),
            hyper: core::HyperGrid {
                half_life_secs,
                neighbours: neighbours.map(|v| v.into_iter().map(Count::get).collect()),
                shrinkage,
                discount,
            },
            exclude_touched,
        };
        core::Blend::Learned(inner.clone())
            .validate()
            .map_err(errors::to_py)?;
        Ok(PyLearnSettings { inner })
    }

    /// Share of the training log held out (the latest by time), in (0, 0.5].
    #[getter]
    fn holdout_fraction(&self) -> f64 {
        self.inner.holdout_fraction
    }

    /// Held-out users scored per activity bucket at most (a seeded sample).
    #[getter]
    fn users_per_bucket(&self) -> usize {
        self.inner.users_per_bucket
    }

    /// Candidates each component offers per held-out user.
    #[getter]
    fn candidates(&self) -> usize {
        self.inner.candidates
    }

    /// Divisions of the weight simplex (weights are multiples of `1 / grid`).
    #[getter]
    fn grid(&self) -> u32 {
        self.inner.grid
    }

    /// Seed of the user sample.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Decay half-lives tried, in seconds (`None` in the list: no decay); `None`: the
    /// configuration's and three times it (none and 90 days without decay). One value pins it.
    #[getter]
    fn half_life_secs(&self) -> Option<Vec<Option<f64>>> {
        self.inner.hyper.half_life_secs.clone()
    }

    /// Neighbourhood sizes tried; `None`: the configuration's `k`, `k // 2` and `2k`.
    #[getter]
    fn neighbours(&self) -> Option<Vec<usize>> {
        self.inner.hyper.neighbours.clone()
    }

    /// Similarity shrinkages tried; `None`: the configuration's, 0 and three times it.
    #[getter]
    fn shrinkage(&self) -> Option<Vec<f64>> {
        self.inner.hyper.shrinkage.clone()
    }

    /// Popularity discounts β of the collaborative and item-based components tried (their
    /// scores of an event with `n` users times `(1 + n) ** -β`, each in [0, 2]); `None`: 0, 0.3
    /// and 0.6. The learned blend's own: `Config` has no β, and the collaborative and
    /// item_based strategies never discount.
    #[getter]
    fn discount(&self) -> Option<Vec<f64>> {
        self.inner.hyper.discount.clone()
    }

    /// Whether the holdout scores each component as requests with `exclude_touched=True`
    /// serve: set it when the service asks that way, so the blend is learned on the lists
    /// users will see (default `False`: clicked events stay eligible, as on an events
    /// platform).
    #[getter]
    fn exclude_touched(&self) -> bool {
        self.inner.exclude_touched
    }

    pub(crate) fn __repr__(&self) -> String {
        let s = &self.inner;
        let axis = |v: Option<String>| v.unwrap_or_else(|| "None".to_owned());
        let half_lives = s.hyper.half_life_secs.as_ref().map(|v| {
            let each: Vec<String> = v.iter().map(crate::repr::opt).collect();
            format!("[{}]", each.join(", "))
        });
        format!(
            "LearnSettings(holdout_fraction={:?}, users_per_bucket={}, candidates={}, grid={}, seed={}, half_life_secs={}, neighbours={}, shrinkage={}, discount={}, exclude_touched={})",
            s.holdout_fraction,
            s.users_per_bucket,
            s.candidates,
            s.grid,
            s.seed,
            axis(half_lives),
            axis(s.hyper.neighbours.as_ref().map(|v| format!("{v:?}"))),
            axis(s.hyper.shrinkage.as_ref().map(|v| format!("{v:?}"))),
            axis(s.hyper.discount.as_ref().map(|v| format!("{v:?}"))),
            crate::repr::py_bool(s.exclude_touched),
        )
    }
}

/// `Config(blend=...)`: `"fixed"`, `"learned"` (default settings) or a `LearnSettings`.
pub(crate) fn blend_arg(value: &Bound<'_, PyAny>) -> PyResult<core::Blend> {
    if let Ok(settings) = value.cast::<PyLearnSettings>() {
        return Ok(core::Blend::Learned(settings.get().inner.clone()));
    }
    match value.extract::<String>().ok().as_deref() {
        Some("fixed") => Ok(core::Blend::Fixed),
        Some("learned") => Ok(core::Blend::Learned(defaults())),
        Some(other) => Err(errors::to_py(core::Error::InvalidConfig(format!(
            "blend must be \"fixed\", \"learned\" or a LearnSettings, got {other:?}"
        )))),
        None => Err(PyTypeError::new_err(
            "blend must be \"fixed\", \"learned\" or a LearnSettings",
        )),
    }
}

/// `Config.blend`: `"fixed"` or the `LearnSettings`.
pub(crate) fn blend_value(py: Python<'_>, blend: &core::Blend) -> PyResult<Py<PyAny>> {
    Ok(match blend {
        core::Blend::Fixed => "fixed".into_pyobject(py)?.into_any().unbind(),
        core::Blend::Learned(s) => Py::new(py, PyLearnSettings { inner: s.clone() })?.into_any(),
    })
}

/// What the learned blend chose at the last build or retrain and how each component scored on
/// its holdout (`Engine.blend_report()`; `None` with the fixed blend).
#[pyclass(frozen, eq, module = "craic._craic", name = "BlendReport")]
#[derive(Clone, PartialEq)]
pub struct PyBlendReport {
    pub(crate) inner: core::BlendReport,
}

#[pymethods]
impl PyBlendReport {
    /// Component names, the order of every weight and NDCG list.
    #[getter]
    fn components(&self) -> Vec<String> {
        self.inner.components.clone()
    }

    /// Start of the held-out slice (unix seconds).
    #[getter]
    fn cutoff(&self) -> i64 {
        self.inner.cutoff
    }

    /// Interactions the holdout model was built on.
    #[getter]
    fn train_interactions(&self) -> usize {
        self.inner.train_interactions
    }

    /// Interactions held out.
    #[getter]
    fn holdout_interactions(&self) -> usize {
        self.inner.holdout_interactions
    }

    /// Per activity bucket (`cold`, `light`, `heavy`): sample size, weights and NDCG.
    #[getter]
    fn buckets(&self) -> Vec<PyBucketReport> {
        self.inner
            .buckets
            .iter()
            .map(|b| PyBucketReport { inner: b.clone() })
            .collect()
    }

    /// The chosen decay half-life in seconds (`None`: no decay): the engine's
    /// `Config.half_life_secs`.
    #[getter]
    fn half_life_secs(&self) -> Option<f64> {
        self.inner.half_life_secs
    }

    /// The chosen neighbourhood size: the engine's `Config.neighbours`.
    #[getter]
    fn neighbours(&self) -> usize {
        self.inner.neighbours
    }

    /// The chosen similarity shrinkage: the engine's `Config.shrinkage`.
    #[getter]
    fn shrinkage(&self) -> f64 {
        self.inner.shrinkage
    }

    /// The chosen popularity discount β of the collaborative and item-based components (0: none).
    #[getter]
    fn discount(&self) -> f64 {
        self.inner.discount
    }

    /// Every hyperparameter point tried, in order, with its holdout NDCG@10.
    #[getter]
    fn grid(&self) -> Vec<PyGridPoint> {
        self.inner
            .grid
            .iter()
            .map(|p| PyGridPoint { inner: p.clone() })
            .collect()
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "BlendReport(components={:?}, cutoff={}, train_interactions={}, holdout_interactions={}, half_life_secs={}, neighbours={}, shrinkage={:?}, discount={:?}, grid=<{} points>, buckets=[{}])",
            r.components,
            r.cutoff,
            r.train_interactions,
            r.holdout_interactions,
            crate::repr::opt(&r.half_life_secs),
            r.neighbours,
            r.shrinkage,
            r.discount,
            r.grid.len(),
            r.buckets
                .iter()
                .map(|b| format!("{:?}", b.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// One activity bucket of a `BlendReport`.
#[pyclass(frozen, eq, module = "craic._craic", name = "BucketReport")]
#[derive(Clone, PartialEq)]
pub struct PyBucketReport {
    inner: core::BucketReport,
}

#[pymethods]
impl PyBucketReport {
    /// `cold`, `light` or `heavy`.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Fewest positive items in a history in this bucket.
    #[getter]
    fn min_history(&self) -> u32 {
        self.inner.min_history
    }

    /// Most positive items in a history in this bucket (`None`: no upper bound).
    #[getter]
    fn max_history(&self) -> Option<u32> {
        self.inner.max_history
    }

    /// Held-out users scored.
    #[getter]
    fn users(&self) -> usize {
        self.inner.users
    }

    /// The chosen weight of each component (in `BlendReport.components` order; sum 1).
    #[getter]
    fn weights(&self) -> Vec<f64> {
        self.inner.weights.clone()
    }

    /// Holdout NDCG@10 of each component alone.
    #[getter]
    fn component_ndcg(&self) -> Vec<f64> {
        self.inner.component_ndcg.clone()
    }

    /// Holdout NDCG@10 of the chosen blend.
    #[getter]
    fn blend_ndcg(&self) -> f64 {
        self.inner.blend_ndcg
    }

    fn __repr__(&self) -> String {
        let b = &self.inner;
        format!(
            "BucketReport(name={:?}, users={}, weights={:?}, blend_ndcg={:?})",
            b.name, b.users, b.weights, b.blend_ndcg
        )
    }
}

/// One hyperparameter point a learned blend tried (`BlendReport.grid`).
#[pyclass(frozen, eq, module = "craic._craic", name = "GridPoint")]
#[derive(Clone, PartialEq)]
pub struct PyGridPoint {
    inner: core::GridPoint,
}

#[pymethods]
impl PyGridPoint {
    /// Decay half-life in seconds (`None`: no decay).
    #[getter]
    fn half_life_secs(&self) -> Option<f64> {
        self.inner.half_life_secs
    }

    /// Neighbourhood size.
    #[getter]
    fn neighbours(&self) -> usize {
        self.inner.neighbours
    }

    /// Similarity shrinkage.
    #[getter]
    fn shrinkage(&self) -> f64 {
        self.inner.shrinkage
    }

    /// Popularity discount β of the collaborative and item-based components.
    #[getter]
    fn discount(&self) -> f64 {
        self.inner.discount
    }

    /// Holdout NDCG@10 of the blend learned at this point (on the search sample).
    #[getter]
    fn ndcg(&self) -> f64 {
        self.inner.ndcg
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "GridPoint(half_life_secs={}, neighbours={}, shrinkage={:?}, discount={:?}, ndcg={:?})",
            crate::repr::opt(&p.half_life_secs),
            p.neighbours,
            p.shrinkage,
            p.discount,
            p.ndcg
        )
    }
}
