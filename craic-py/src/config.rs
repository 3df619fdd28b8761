//! The `Config` class: the engine's configuration, every argument keyword-only with the core's
//! default.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use craic_core as core;
use pyo3::prelude::*;

use crate::args::Count;
use crate::errors;
use crate::repr::{opt, py_bool};

static DEFAULT: LazyLock<core::Config> = LazyLock::new(core::Config::default);

/// Engine configuration. Every argument is keyword-only and defaults to the core's default.
///
/// `kinds` maps interaction kind names to weights: a name the defaults already define
/// (`save` 1.0, `click` 0.25, `hide` 0.25, `unsave`) gets a new weight and keeps its effect; a new
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
        item_neighbours = Count(DEFAULT.item_neighbours),
        max_user_items = Count(DEFAULT.max_user_items),
        linear_items = Count(DEFAULT.linear_items),
        linear_l2 = DEFAULT.linear_l2,
        linear_focus = DEFAULT.linear_focus,
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
        item_neighbours: Count<usize>,
        max_user_items: Count<usize>,
        linear_items: Count<usize>,
        linear_l2: f64,
        linear_focus: f64,
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
            blend: blend.map_or_else(|| Ok(DEFAULT.blend.clone()), crate::blend::blend_arg)?,
            item_neighbours: item_neighbours.get(),
            max_user_items: max_user_items.get(),
            linear_items: linear_items.get(),
            linear_l2,
            linear_focus,
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

    /// Neighbours kept per item for the item-based strategy (0, the default: no item lists,
    /// and `Strategy.ITEM_BASED` is an `invalid_config` error).
    #[getter]
    fn item_neighbours(&self) -> usize {
        self.inner.item_neighbours
    }

    /// The item side's cost guard: users with more items than this leave item–item overlap,
    /// and a linear item model reads at most this many of a history's strongest events
    /// (default 100; raise it on a dense log, at a build cost of `Σ min(|row|, cap)²`).
    #[getter]
    fn max_user_items(&self) -> usize {
        self.inner.max_user_items
    }

    /// Items of the linear item model (EASE, fitted at every build, retrain and `rebuild()`;
    /// 0, the default: none). When on, `Strategy.ITEM_BASED` and the learned blend's
    /// item-based component read it instead of the item lists. For long-lived catalogues;
    /// memory 4 n² bytes (16 MB at 2 000 items).
    #[getter]
    fn linear_items(&self) -> usize {
        self.inner.linear_items
    }

    /// Ridge λ of the linear item model (finite, > 0; default 250).
    #[getter]
    fn linear_l2(&self) -> f64 {
        self.inner.linear_l2
    }

    /// The linear item model's recency focus, in events (finite, ≥ 0; default 10; 0: off): a
    /// request weighs a history event with `r` more recent events by `0.2 + 0.8 · e^(−r /
    /// focus)`. Needs a decay (`half_life_secs`); the fit is unaffected.
    #[getter]
    fn linear_focus(&self) -> f64 {
        self.inner.linear_focus
    }

    /// How the Hybrid strategy blends its components: the `LearnSettings` of a blend learned
    /// at every build and retrain (the default, `LearnSettings()`; the fixed blend serves while
    /// the holdout has fewer than 100 users, the core's `MIN_HOLDOUT_USERS`), or `"fixed"`.
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
             exposure_demotion={:?}, exposure_half_life_secs={:?}, blend={}, item_neighbours={}, \
             max_user_items={}, linear_items={}, linear_l2={:?}, linear_focus={:?})",
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
            },
            c.item_neighbours,
            c.max_user_items,
            c.linear_items,
            c.linear_l2,
            c.linear_focus
        )
    }
}
