//! A/B experiments: GrowthBook's low-level bucketing functions, `Experiment` (definition and
//! assignment), `ExperimentTracker` (exposures, conversions, counts, reports) and the report's
//! classes. Re-exported by the pure-Python module `craic.experiments`.

use std::sync::Mutex;

use craic_core as core;
use craic_core::experiments::{self as exp, growthbook};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{Count, Timestamp};
use crate::errors;
use crate::types::{opt, py_bool, PyStrategy};

// ---------------------------------------------------------------------------------------------
// GrowthBook low-level functions.

/// GrowthBook's deterministic hash of `value` under `seed`, in `[0, 1)`.
///
/// Version 1: `fnv1a32(value + seed) % 1000 / 1000`; version 2:
/// `fnv1a32(str(fnv1a32(seed + value))) % 10000 / 10000`; any other version gives `None`.
/// Strings are hashed as UTF-16 code units, like the JavaScript SDK.
#[pyfunction]
pub(crate) fn hash(
    #[pyo3(from_py_with = crate::args::arg)] seed: String,
    #[pyo3(from_py_with = crate::args::arg)] value: String,
    version: Count<i64>,
) -> Option<f64> {
    u32::try_from(version.get())
        .ok()
        .and_then(|v| growthbook::hash(&seed, &value, v))
}

/// `n` equal weights of `1 / n` (an empty list for `n <= 0`). Raises `InvalidInputError`
/// (kind `invalid_experiment`) above `craic_core::limits::MAX_VARIATIONS`.
#[pyfunction]
pub(crate) fn get_equal_weights(n: Count<i64>) -> PyResult<Vec<f64>> {
    growthbook::get_equal_weights(n.get()).map_err(errors::to_py)
}

/// GrowthBook's bucket ranges `(start, end)` of `num_variations` variations.
///
/// `coverage` is clamped to `[0, 1]`; `weights` fall back to equal weights when absent, of the
/// wrong length, or not summing to 1 within 0.01. Raises `InvalidInputError` (kind
/// `invalid_experiment`) above `craic_core::limits::MAX_VARIATIONS` variations.
#[pyfunction]
#[pyo3(signature = (num_variations, coverage = 1.0, weights = None))]
pub(crate) fn get_bucket_ranges(
    num_variations: Count<usize>,
    coverage: f64,
    #[pyo3(from_py_with = crate::args::arg)] weights: Option<Vec<f64>>,
) -> PyResult<Vec<(f64, f64)>> {
    growthbook::get_bucket_ranges(num_variations.get(), coverage, weights.as_deref())
        .map_err(errors::to_py)
}

/// Index of the first range `(start, end)` with `start <= n < end`, or `-1` when none has.
#[pyfunction]
pub(crate) fn choose_variation(
    n: f64,
    #[pyo3(from_py_with = crate::args::arg)] ranges: Vec<(f64, f64)>,
) -> i32 {
    growthbook::choose_variation(n, &ranges)
}

/// Whether `user_id` falls in the slice `[start, end)` of namespace `id`, given as
/// `namespace=(id, start, end)`.
#[pyfunction]
pub(crate) fn in_namespace(
    #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    #[pyo3(from_py_with = crate::args::arg)] namespace: (String, f64, f64),
) -> bool {
    growthbook::in_namespace(&user_id, (&namespace.0, namespace.1, namespace.2))
}

// ---------------------------------------------------------------------------------------------
// Experiment and Assignment.

/// One arm of an experiment.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Variant")]
#[derive(Clone, PartialEq)]
pub struct PyVariant {
    /// Unique name within the experiment.
    pub name: String,
    /// Share of the covered traffic.
    pub weight: f64,
    /// The strategy users in this arm get.
    pub strategy: PyStrategy,
}

#[pymethods]
impl PyVariant {
    fn __repr__(&self) -> String {
        format!(
            "Variant(name={:?}, weight={:?}, strategy={:?})",
            self.name,
            self.weight,
            core::Strategy::from(self.strategy).as_str()
        )
    }
}

/// One `variants` entry: a `(name, weight, strategy)` tuple, the strategy a `Strategy` or its
/// name. An unknown strategy name makes the experiment invalid.
fn variant_row(key: &str, obj: &Bound<'_, PyAny>) -> PyResult<core::experiments::Variant> {
    let (name, weight, strategy): (String, f64, Bound<'_, PyAny>) =
        obj.extract().map_err(|e: PyErr| {
            let py = obj.py();
            let err = PyTypeError::new_err(format!(
                "experiment {key:?}: a variant must be a (name, weight, strategy) tuple ({})",
                e.value(py)
            ));
            err.set_cause(py, Some(e));
            err
        })?;
    let strategy = if let Ok(s) = strategy.cast::<PyStrategy>() {
        core::Strategy::from(*s.get())
    } else {
        let text: String = strategy.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "experiment {key:?}: variant {name:?}: strategy must be a Strategy or its name"
            ))
        })?;
        text.parse().map_err(|_| {
            errors::to_py(core::Error::InvalidExperiment(format!(
                "experiment {key:?}: variant {name:?} has unknown strategy {text:?}"
            )))
        })?
    };
    Ok(core::experiments::Variant {
        name,
        weight,
        strategy,
    })
}

/// A validated A/B experiment that deterministically assigns users to variants, exactly as
/// GrowthBook's SDKs do (same hash, ranges, coverage and namespaces).
///
/// `variants` lists `(name, weight, strategy)` tuples, control first; the weights sum to 1.
/// `coverage` is the share of users included; `namespace=(id, start, end)` restricts the
/// experiment to a slice of a namespace (experiments in disjoint slices never share users);
/// `hash_version` is 1 or 2; `seed` overrides the key as hash seed. Every rule is checked here:
/// a bad definition raises `InvalidInputError` with kind `invalid_experiment`.
#[pyclass(frozen, eq, module = "craic._craic", name = "Experiment")]
#[derive(Clone, PartialEq)]
pub struct PyExperiment {
    pub(crate) inner: exp::Experiment,
}

#[pymethods]
impl PyExperiment {
    #[new]
    #[pyo3(
        signature = (key, variants, *, coverage = 1.0, namespace = None, hash_version = Count(2),
            seed = None),
        text_signature = "(key, variants, *, coverage=1.0, namespace=None, hash_version=2, seed=None)"
    )]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        variants: &Bound<'_, PyAny>,
        coverage: f64,
        #[pyo3(from_py_with = crate::args::arg)] namespace: Option<(String, f64, f64)>,
        hash_version: Count<i64>,
        #[pyo3(from_py_with = crate::args::arg)] seed: Option<String>,
    ) -> PyResult<Self> {
        let hash_version = hash_version.get();
        let hash_version = u32::try_from(hash_version).map_err(|_| {
            errors::to_py(core::Error::InvalidExperiment(format!(
                "experiment {key:?}: unknown hash version {hash_version} (expected 1 or 2)"
            )))
        })?;
        let mut spec = exp::ExperimentSpec::new(key)
            .coverage(coverage)
            .hash_version(hash_version);
        for row in variants.try_iter()? {
            let v = variant_row(&spec.key, &row?)?;
            spec = spec.variant(v.name, v.weight, v.strategy);
        }
        if let Some((id, start, end)) = namespace {
            spec = spec.namespace(id, start, end);
        }
        if let Some(seed) = seed {
            spec = spec.seed(seed);
        }
        let inner = spec.build().map_err(errors::to_py)?;
        Ok(PyExperiment { inner })
    }

    /// The experiment key.
    #[getter]
    fn key(&self) -> &str {
        self.inner.key()
    }

    /// The variants, control first.
    #[getter]
    fn variants(&self) -> Vec<PyVariant> {
        self.inner
            .variants()
            .iter()
            .map(|v| PyVariant {
                name: v.name.clone(),
                weight: v.weight,
                strategy: v.strategy.into(),
            })
            .collect()
    }

    /// Share of users included, in `[0, 1]`.
    #[getter]
    fn coverage(&self) -> f64 {
        self.inner.spec().coverage
    }

    /// The namespace slice `(id, start, end)`, or `None`.
    #[getter]
    fn namespace(&self) -> Option<(String, f64, f64)> {
        self.inner
            .spec()
            .namespace
            .as_ref()
            .map(|n| (n.id.clone(), n.start, n.end))
    }

    /// The GrowthBook hash version (1 or 2).
    #[getter]
    fn hash_version(&self) -> u32 {
        self.inner.spec().hash_version
    }

    /// The hash seed given (`None`: the key is the seed).
    #[getter]
    fn seed(&self) -> Option<String> {
        self.inner.spec().seed.clone()
    }

    /// The bucket ranges `(start, end)`, one per variant.
    #[getter]
    fn ranges(&self) -> Vec<(f64, f64)> {
        self.inner.ranges().to_vec()
    }

    /// Where `user_id` lands: an `Assignment`, or `None` when the user is not in the experiment
    /// (empty id, outside the namespace slice or outside the coverage). Deterministic.
    fn assign(
        &self,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
    ) -> Option<PyAssignment> {
        self.inner
            .assign(&user_id)
            .map(|a| PyAssignment::new(&self.inner, a))
    }

    /// `assign` for many users at once (the GIL released); one entry per user, in order.
    fn assign_many(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] user_ids: Vec<String>,
    ) -> Vec<Option<PyAssignment>> {
        py.detach(|| {
            user_ids
                .iter()
                .map(|u| {
                    self.inner
                        .assign(u)
                        .map(|a| PyAssignment::new(&self.inner, a))
                })
                .collect()
        })
    }

    fn __repr__(&self) -> String {
        let s = self.inner.spec();
        let variants: Vec<String> = s
            .variants
            .iter()
            .map(|v| format!("({:?}, {:?}, {:?})", v.name, v.weight, v.strategy.as_str()))
            .collect();
        let namespace = s.namespace.as_ref().map_or_else(
            || "None".to_owned(),
            |n| format!("({:?}, {:?}, {:?})", n.id, n.start, n.end),
        );
        format!(
            "Experiment(key={:?}, variants=[{}], coverage={:?}, namespace={}, hash_version={}, \
             seed={})",
            s.key,
            variants.join(", "),
            s.coverage,
            namespace,
            s.hash_version,
            opt(&s.seed)
        )
    }
}

/// Where a user landed in an experiment.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Assignment")]
#[derive(Clone, PartialEq)]
pub struct PyAssignment {
    /// The variant's name.
    pub variant: String,
    /// The variant's index (0 = control).
    pub index: usize,
    /// The variant's strategy.
    pub strategy: PyStrategy,
    /// The user's hash bucket in `[0, 1)`.
    pub bucket: f64,
}

impl PyAssignment {
    fn new(experiment: &exp::Experiment, a: exp::Assignment) -> Self {
        PyAssignment {
            variant: experiment
                .variants()
                .get(a.index)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            index: a.index,
            strategy: a.strategy.into(),
            bucket: a.bucket,
        }
    }
}

#[pymethods]
impl PyAssignment {
    pub(crate) fn __repr__(&self) -> String {
        format!(
            "Assignment(variant={:?}, index={}, strategy={:?}, bucket={:?})",
            self.variant,
            self.index,
            core::Strategy::from(self.strategy).as_str(),
            self.bucket
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Events and the tracker.

/// One tracked fact: an exposure (`user_id` was shown `variant`) or a conversion (`user_id`
/// acted). Build with `ExperimentEvent.exposure(...)` / `ExperimentEvent.conversion(...)`.
/// `id` is an idempotency key: recording the same id twice counts once.
#[pyclass(frozen, eq, module = "craic._craic", name = "ExperimentEvent")]
#[derive(Clone, PartialEq)]
pub struct PyExperimentEvent {
    pub(crate) inner: exp::ExperimentEvent,
}

#[pymethods]
impl PyExperimentEvent {
    /// An exposure event: `user_id` was shown variant `variant` of `experiment` at `timestamp`.
    #[staticmethod]
    fn exposure(
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] variant: String,
        timestamp: Timestamp,
    ) -> Self {
        PyExperimentEvent {
            inner: exp::ExperimentEvent::exposure(id, experiment, user_id, variant, timestamp.0),
        }
    }

    /// A conversion event: `user_id` converted while `experiment` ran, at `timestamp`.
    #[staticmethod]
    fn conversion(
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        timestamp: Timestamp,
    ) -> Self {
        PyExperimentEvent {
            inner: exp::ExperimentEvent::conversion(id, experiment, user_id, timestamp.0),
        }
    }

    /// `"exposure"` or `"conversion"`.
    #[getter]
    fn r#type(&self) -> &'static str {
        match self.inner {
            exp::ExperimentEvent::Exposure { .. } => "exposure",
            exp::ExperimentEvent::Conversion { .. } => "conversion",
        }
    }

    /// The idempotency key.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The experiment key.
    #[getter]
    fn experiment(&self) -> &str {
        self.inner.experiment()
    }

    /// The user.
    #[getter]
    fn user_id(&self) -> &str {
        self.inner.user_id()
    }

    /// The variant name of an exposure (`None` for a conversion).
    #[getter]
    fn variant(&self) -> Option<&str> {
        match &self.inner {
            exp::ExperimentEvent::Exposure { variant, .. } => Some(variant),
            exp::ExperimentEvent::Conversion { .. } => None,
        }
    }

    /// Unix seconds.
    #[getter]
    fn timestamp(&self) -> i64 {
        self.inner.timestamp()
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            exp::ExperimentEvent::Exposure {
                id,
                experiment,
                user_id,
                variant,
                timestamp,
            } => format!(
                "ExperimentEvent.exposure(id={id:?}, experiment={experiment:?}, \
                 user_id={user_id:?}, variant={variant:?}, timestamp={timestamp})"
            ),
            exp::ExperimentEvent::Conversion {
                id,
                experiment,
                user_id,
                timestamp,
            } => format!(
                "ExperimentEvent.conversion(id={id:?}, experiment={experiment:?}, \
                 user_id={user_id:?}, timestamp={timestamp})"
            ),
        }
    }
}

/// Exposure and conversion counts of one variant.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "VariantCounts")]
#[derive(Clone, PartialEq)]
pub struct PyVariantCounts {
    /// Variant name.
    pub variant: String,
    /// Distinct users whose first exposure was to this variant.
    pub exposed_users: u64,
    /// Of those, users with at least one attributed conversion.
    pub converting_users: u64,
    /// Attributed conversion events.
    pub conversions: u64,
}

#[pymethods]
impl PyVariantCounts {
    fn __repr__(&self) -> String {
        format!(
            "VariantCounts(variant={:?}, exposed_users={}, converting_users={}, conversions={})",
            self.variant, self.exposed_users, self.converting_users, self.conversions
        )
    }
}

/// Per-variant counts of one experiment.
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "ExperimentCounts"
)]
#[derive(Clone, PartialEq)]
pub struct PyExperimentCounts {
    /// Experiment key.
    pub experiment: String,
    /// One entry per variant, control first.
    pub variants: Vec<PyVariantCounts>,
    /// Conversions before the user's first exposure, or by never-exposed users.
    pub unattributed_conversions: u64,
    /// Users with at least one unattributed conversion.
    pub unattributed_users: u64,
    /// Users exposed to more than one variant (counted in their first one).
    pub users_in_multiple_variants: u64,
}

impl From<exp::ExperimentCounts> for PyExperimentCounts {
    fn from(c: exp::ExperimentCounts) -> Self {
        PyExperimentCounts {
            experiment: c.experiment,
            variants: c
                .variants
                .into_iter()
                .map(|v| PyVariantCounts {
                    variant: v.variant,
                    exposed_users: v.exposed_users,
                    converting_users: v.converting_users,
                    conversions: v.conversions,
                })
                .collect(),
            unattributed_conversions: c.unattributed_conversions,
            unattributed_users: c.unattributed_users,
            users_in_multiple_variants: c.users_in_multiple_variants,
        }
    }
}

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(", ")
}

#[pymethods]
impl PyExperimentCounts {
    fn __repr__(&self) -> String {
        format!(
            "ExperimentCounts(experiment={:?}, variants=[{}], unattributed_conversions={}, \
             unattributed_users={}, users_in_multiple_variants={})",
            self.experiment,
            join(&self.variants, PyVariantCounts::__repr__),
            self.unattributed_conversions,
            self.unattributed_users,
            self.users_in_multiple_variants
        )
    }
}

/// Converts one `record_all` row: an `ExperimentEvent`, or a dict in the core's serialised
/// form (`{"type": "exposure", "id", "experiment", "user_id", "variant", "timestamp"}` or
/// `{"type": "conversion", "id", "experiment", "user_id", "timestamp"}`), e.g. replayed from
/// storage.
fn event_row(obj: &Bound<'_, PyAny>) -> PyResult<exp::ExperimentEvent> {
    if let Ok(e) = obj.cast::<PyExperimentEvent>() {
        return Ok(e.get().inner.clone());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            d.get_item(name)?
                .ok_or_else(|| PyTypeError::new_err(format!("missing key {name:?}")))
        };
        let kind: String = field("type")?.extract()?;
        let id: String = field("id")?.extract()?;
        let experiment: String = field("experiment")?.extract()?;
        let user_id: String = field("user_id")?.extract()?;
        let Timestamp(timestamp) = field("timestamp")?.extract()?;
        return match kind.as_str() {
            "exposure" => Ok(exp::ExperimentEvent::exposure(
                id,
                experiment,
                user_id,
                field("variant")?.extract::<String>()?,
                timestamp,
            )),
            "conversion" => Ok(exp::ExperimentEvent::conversion(
                id, experiment, user_id, timestamp,
            )),
            other => Err(PyTypeError::new_err(format!(
                "unknown event type {other:?} (expected \"exposure\" or \"conversion\")"
            ))),
        };
    }
    Err(PyTypeError::new_err(format!(
        "expected ExperimentEvent or dict, got {}",
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    )))
}

/// In-memory exposure and conversion tracking, idempotent and order-independent.
///
/// A conversion counts for the variant of the user's first exposure when it happens at or after
/// it; earlier conversions and those of never-exposed users are unattributed. Thread-safe: share
/// one tracker between threads; every call releases the GIL while it waits for the tracker.
#[pyclass(frozen, module = "craic._craic", name = "ExperimentTracker")]
pub struct PyExperimentTracker {
    inner: Mutex<exp::ExperimentTracker>,
}

impl PyExperimentTracker {
    /// Runs `f` on the tracker with the GIL released. A poisoned lock (a panic in another call)
    /// is taken over: the tracker's methods leave it consistent before they can panic.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut exp::ExperimentTracker) -> T + Send,
    ) -> T {
        py.detach(|| {
            let mut guard = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        })
    }
}

#[pymethods]
impl PyExperimentTracker {
    #[new]
    fn new() -> Self {
        PyExperimentTracker {
            inner: Mutex::new(exp::ExperimentTracker::new()),
        }
    }

    /// Registers an experiment. Registering the same definition again does nothing; another
    /// definition under a registered key raises `InvalidInputError` (`invalid_experiment`).
    fn register(&self, py: Python<'_>, experiment: PyRef<'_, PyExperiment>) -> PyResult<()> {
        let experiment = experiment.inner.clone();
        self.with(py, |t| t.register(experiment))
            .map_err(errors::to_py)
    }

    /// The registered experiment with this key, or `None`.
    fn experiment(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
    ) -> Option<PyExperiment> {
        self.with(py, |t| t.experiment(&key).cloned())
            .map(|inner| PyExperiment { inner })
    }

    /// Records that `user_id` was shown `variant` of `experiment`; returns `False` when the
    /// event id was already recorded. Raises `NotFoundError` (`unknown_experiment`,
    /// `unknown_variant`) or `InvalidInputError` (`invalid_id`, `invalid_timestamp`).
    fn record_exposure(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        #[pyo3(from_py_with = crate::args::arg)] variant: String,
        timestamp: Timestamp,
    ) -> PyResult<bool> {
        let event = exp::ExperimentEvent::exposure(id, experiment, user_id, variant, timestamp.0);
        self.with(py, |t| t.record(&event)).map_err(errors::to_py)
    }

    /// Records that `user_id` converted while `experiment` ran; returns `False` when the event
    /// id was already recorded. Errors as `record_exposure`.
    fn record_conversion(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] id: String,
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] user_id: String,
        timestamp: Timestamp,
    ) -> PyResult<bool> {
        let event = exp::ExperimentEvent::conversion(id, experiment, user_id, timestamp.0);
        self.with(py, |t| t.record(&event)).map_err(errors::to_py)
    }

    /// Records one `ExperimentEvent`; `False` when its id was already recorded.
    fn record(&self, py: Python<'_>, event: PyRef<'_, PyExperimentEvent>) -> PyResult<bool> {
        let event = event.inner.clone();
        self.with(py, |t| t.record(&event)).map_err(errors::to_py)
    }

    /// Records a batch atomically: returns how many events were new, or raises on the first bad
    /// row (`.row` is its index) and records nothing. Rows are `ExperimentEvent`s or dicts in
    /// the core's serialised form (`{"type": "exposure" | "conversion", "id", "experiment",
    /// "user_id", "variant" (exposures only), "timestamp"}`); a row that is neither raises
    /// `TypeError` naming its index.
    fn record_all(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut rows = Vec::with_capacity(crate::types::capacity_hint(events));
        for (n, row) in events.try_iter()?.enumerate() {
            let row = row?;
            rows.push(event_row(&row).map_err(|e| {
                let err = PyTypeError::new_err(format!("event row {n}: {}", e.value(py)));
                err.set_cause(py, Some(e));
                err
            })?);
        }
        self.with(py, |t| t.record_all(&rows))
            .map_err(errors::to_py)
    }

    /// Per-variant counts of experiment `key` (`NotFoundError` for an unknown key).
    fn counts(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
    ) -> PyResult<PyExperimentCounts> {
        self.with(py, |t| t.counts(&key))
            .map(PyExperimentCounts::from)
            .map_err(errors::to_py)
    }

    /// The statistical report of experiment `key`: per-variant conversion rates with Wilson
    /// intervals, lifts against the control with intervals, the fixed-horizon z-test, the
    /// always-valid sequential test (mSPRT) and the sample-ratio-mismatch check.
    ///
    /// `alpha` is the significance level (and `1 - confidence` of the intervals),
    /// `mixing_variance` the mSPRT's prior variance, `srm_alpha` the level of the SRM check.
    /// Raises `NotFoundError` for an unknown key, `InvalidInputError` (`invalid_config`) for a
    /// bad setting.
    #[pyo3(signature = (key, *, alpha = 0.05, mixing_variance = exp::DEFAULT_MIXING_VARIANCE,
        srm_alpha = 0.001))]
    fn report(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = crate::args::arg)] key: String,
        alpha: f64,
        mixing_variance: f64,
        srm_alpha: f64,
    ) -> PyResult<PyReport> {
        let config = exp::StatsConfig {
            alpha,
            mixing_variance,
            srm_alpha,
        };
        self.with(py, |t| t.report(&key, &config))
            .map(PyReport::from)
            .map_err(errors::to_py)
    }

    fn __repr__(&self) -> &'static str {
        "ExperimentTracker()"
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

/// A point estimate with its two-sided `1 - alpha` interval.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Estimate")]
#[derive(Clone, PartialEq)]
pub struct PyEstimate {
    /// Point estimate.
    pub value: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl From<exp::Estimate> for PyEstimate {
    fn from(e: exp::Estimate) -> Self {
        PyEstimate {
            value: e.value,
            lower: e.lower,
            upper: e.upper,
        }
    }
}

#[pymethods]
impl PyEstimate {
    fn __repr__(&self) -> String {
        format!(
            "Estimate(value={:?}, lower={:?}, upper={:?})",
            self.value, self.lower, self.upper
        )
    }
}

/// One look of the always-valid sequential test (mSPRT).
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "SequentialResult"
)]
#[derive(Clone, PartialEq)]
pub struct PySequentialResult {
    /// `ln Λ` (0 while the data carry no information).
    pub log_likelihood_ratio: f64,
    /// Always-valid p-value, `min(1, 1/Λ)`.
    pub p_value: f64,
    /// The difference is significant, however often one looks.
    pub reject: bool,
}

impl From<exp::SequentialResult> for PySequentialResult {
    fn from(s: exp::SequentialResult) -> Self {
        PySequentialResult {
            log_likelihood_ratio: s.log_likelihood_ratio,
            p_value: s.p_value,
            reject: s.reject,
        }
    }
}

#[pymethods]
impl PySequentialResult {
    fn __repr__(&self) -> String {
        format!(
            "SequentialResult(log_likelihood_ratio={:?}, p_value={:?}, reject={})",
            self.log_likelihood_ratio,
            self.p_value,
            py_bool(self.reject)
        )
    }
}

/// One treatment against the control.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Comparison")]
#[derive(Clone, PartialEq)]
pub struct PyComparison {
    /// `p_treatment - p_control` with its Wald interval (`None` while an arm is empty).
    pub absolute_lift: Option<PyEstimate>,
    /// `p_treatment / p_control - 1` with its interval (`None` while an arm has no conversions).
    pub relative_lift: Option<PyEstimate>,
    /// Pooled two-proportion z statistic.
    pub z: Option<f64>,
    /// Two-sided fixed-horizon p-value of the z-test.
    pub p_value: Option<f64>,
    /// `p_value <= alpha` (meaningful only at the planned sample size).
    pub significant: bool,
    /// The always-valid sequential test of this look.
    pub sequential: PySequentialResult,
}

impl From<exp::Comparison> for PyComparison {
    fn from(c: exp::Comparison) -> Self {
        PyComparison {
            absolute_lift: c.absolute_lift.map(Into::into),
            relative_lift: c.relative_lift.map(Into::into),
            z: c.z,
            p_value: c.p_value,
            significant: c.significant,
            sequential: c.sequential.into(),
        }
    }
}

fn opt_repr<T>(v: &Option<T>, f: impl Fn(&T) -> String) -> String {
    v.as_ref().map_or_else(|| "None".to_owned(), f)
}

#[pymethods]
impl PyComparison {
    fn __repr__(&self) -> String {
        format!(
            "Comparison(absolute_lift={}, relative_lift={}, z={}, p_value={}, significant={}, \
             sequential={})",
            opt_repr(&self.absolute_lift, PyEstimate::__repr__),
            opt_repr(&self.relative_lift, PyEstimate::__repr__),
            opt(&self.z),
            opt(&self.p_value),
            py_bool(self.significant),
            self.sequential.__repr__()
        )
    }
}

/// One variant's line of the report.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "VariantReport")]
#[derive(Clone, PartialEq)]
pub struct PyVariantReport {
    /// Variant name.
    pub variant: String,
    /// Its strategy.
    pub strategy: PyStrategy,
    /// Configured weight.
    pub weight: f64,
    /// Distinct exposed users.
    pub exposed_users: u64,
    /// Distinct converting users.
    pub converting_users: u64,
    /// Attributed conversion events.
    pub conversions: u64,
    /// Conversion rate (converting / exposed users) with its Wilson interval (`None` with no
    /// exposed users).
    pub conversion_rate: Option<PyEstimate>,
    /// Comparison with the control (`None` for the control itself).
    pub comparison: Option<PyComparison>,
}

#[pymethods]
impl PyVariantReport {
    fn __repr__(&self) -> String {
        format!(
            "VariantReport(variant={:?}, strategy={:?}, weight={:?}, exposed_users={}, \
             converting_users={}, conversions={}, conversion_rate={}, comparison={})",
            self.variant,
            core::Strategy::from(self.strategy).as_str(),
            self.weight,
            self.exposed_users,
            self.converting_users,
            self.conversions,
            opt_repr(&self.conversion_rate, PyEstimate::__repr__),
            opt_repr(&self.comparison, PyComparison::__repr__)
        )
    }
}

/// The χ² check of exposed users against the configured weights.
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "SampleRatioMismatch"
)]
#[derive(Clone, PartialEq)]
pub struct PySampleRatioMismatch {
    /// The χ² statistic.
    pub chi_square: f64,
    /// Degrees of freedom.
    pub degrees_of_freedom: u32,
    /// Its p-value (1 with no exposed users).
    pub p_value: f64,
    /// `p_value < srm_alpha`: the split is broken, distrust the results.
    pub mismatch: bool,
}

#[pymethods]
impl PySampleRatioMismatch {
    fn __repr__(&self) -> String {
        format!(
            "SampleRatioMismatch(chi_square={:?}, degrees_of_freedom={}, p_value={:?}, \
             mismatch={})",
            self.chi_square,
            self.degrees_of_freedom,
            self.p_value,
            py_bool(self.mismatch)
        )
    }
}

/// The statistical report of one experiment (`ExperimentTracker.report`).
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "Report")]
#[derive(Clone, PartialEq)]
pub struct PyReport {
    /// Experiment key.
    pub experiment: String,
    /// Significance level used.
    pub alpha: f64,
    /// Mixing variance of the sequential test used.
    pub mixing_variance: f64,
    /// Level of the sample-ratio-mismatch check used.
    pub srm_alpha: f64,
    /// Exposed users over all variants.
    pub total_exposed_users: u64,
    /// Conversions not attributed to any variant.
    pub unattributed_conversions: u64,
    /// Users exposed to more than one variant.
    pub users_in_multiple_variants: u64,
    /// The sample-ratio-mismatch check.
    pub sample_ratio_mismatch: PySampleRatioMismatch,
    /// One line per variant, control first.
    pub variants: Vec<PyVariantReport>,
}

impl From<exp::Report> for PyReport {
    fn from(r: exp::Report) -> Self {
        let srm = r.sample_ratio_mismatch;
        PyReport {
            experiment: r.experiment,
            alpha: r.config.alpha,
            mixing_variance: r.config.mixing_variance,
            srm_alpha: r.config.srm_alpha,
            total_exposed_users: r.total_exposed_users,
            unattributed_conversions: r.unattributed_conversions,
            users_in_multiple_variants: r.users_in_multiple_variants,
            sample_ratio_mismatch: PySampleRatioMismatch {
                chi_square: srm.chi_square,
                degrees_of_freedom: srm.degrees_of_freedom,
                p_value: srm.p_value,
                mismatch: srm.mismatch,
            },
            variants: r
                .variants
                .into_iter()
                .map(|v| PyVariantReport {
                    variant: v.variant,
                    strategy: v.strategy.into(),
                    weight: v.weight,
                    exposed_users: v.exposed_users,
                    converting_users: v.converting_users,
                    conversions: v.conversions,
                    conversion_rate: v.conversion_rate.map(Into::into),
                    comparison: v.comparison.map(Into::into),
                })
                .collect(),
        }
    }
}

#[pymethods]
impl PyReport {
    fn __repr__(&self) -> String {
        format!(
            "Report(experiment={:?}, alpha={:?}, mixing_variance={:?}, srm_alpha={:?}, \
             total_exposed_users={}, unattributed_conversions={}, users_in_multiple_variants={}, \
             sample_ratio_mismatch={}, variants=[{}])",
            self.experiment,
            self.alpha,
            self.mixing_variance,
            self.srm_alpha,
            self.total_exposed_users,
            self.unattributed_conversions,
            self.users_in_multiple_variants,
            self.sample_ratio_mismatch.__repr__(),
            join(&self.variants, PyVariantReport::__repr__)
        )
    }
}
