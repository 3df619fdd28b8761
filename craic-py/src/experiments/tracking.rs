//! Experiment events and the `ExperimentTracker` (exposures, conversions, counts, reports).

use std::sync::Mutex;

use craic_core::experiments as exp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::experiment::PyExperiment;
use super::report::PyReport;
use crate::args::{Count, Timestamp};
use crate::errors;

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

pub(super) fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
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
    /// An empty tracker remembering event ids for `idempotency_window_secs` behind the newest
    /// event (default 7 days, at least 1); an older event is late: ignored and counted by
    /// `late_events()`.
    #[new]
    #[pyo3(
        signature = (*, idempotency_window_secs = Count(exp::DEFAULT_IDEMPOTENCY_WINDOW_SECS)),
        text_signature = "(*, idempotency_window_secs=604800)"
    )]
    fn new(idempotency_window_secs: Count<i64>) -> PyResult<Self> {
        let tracker =
            exp::ExperimentTracker::with_idempotency_window(idempotency_window_secs.get())
                .map_err(errors::to_py)?;
        Ok(PyExperimentTracker {
            inner: Mutex::new(tracker),
        })
    }

    /// The idempotency window in seconds.
    fn idempotency_window_secs(&self, py: Python<'_>) -> i64 {
        self.with(py, |t| t.idempotency_window())
    }

    /// Events ignored so far as late (older than the window behind the newest event).
    fn late_events(&self, py: Python<'_>) -> u64 {
        self.with(py, |t| t.late_events())
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
        let mut rows = Vec::with_capacity(crate::interactions::capacity_hint(events));
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
    #[pyo3(signature = (key, *, alpha = exp::StatsConfig::default().alpha,
        mixing_variance = exp::StatsConfig::default().mixing_variance,
        srm_alpha = exp::StatsConfig::default().srm_alpha))]
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
