//! A/B experiments: GrowthBook's low-level bucketing functions, `Experiment` (definition and
//! assignment), `ExperimentTracker` (exposures, conversions, counts, reports) and the report's
//! classes. Re-exported by the pure-Python module `craic.experiments`.
//!
//! One file per concept: the GrowthBook functions here, `Experiment` and `Assignment`
//! (`experiment.rs`), events and the tracker (`tracking.rs`), the report's classes (`report.rs`).

mod experiment;
mod report;
mod tracking;

pub use experiment::{PyAssignment, PyExperiment, PyVariant};
pub use report::{
    PyComparison, PyEstimate, PyReport, PySampleRatioMismatch, PySequentialResult, PyVariantReport,
};
pub use tracking::{PyExperimentCounts, PyExperimentEvent, PyExperimentTracker, PyVariantCounts};

use craic_core::experiments::growthbook;
use pyo3::prelude::*;

use crate::args::Count;
use crate::errors;

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
