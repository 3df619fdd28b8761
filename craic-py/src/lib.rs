//! # craic-py
//!
//! The Python binding of craic: the compiled module `craic._craic`, re-exported by the
//! pure-Python package `craic` (`craic-py/python/craic/`). Build it with maturin
//! (`maturin develop` or `pip install ./craic-py`); see `craic-py/scripts/test.sh`.
//!
//! The binding only converts: arguments into core types, core results into small frozen Python
//! classes, and core errors into the exception hierarchy of `craic._errors` through one
//! exhaustive mapping ([`errors`]). Every engine and service call releases the GIL; the
//! service's alert callbacks (Python callables) re-attach to the interpreter to run.
//!
//! ## Crate features
//! - `extension-module`: build a Python extension that does not link libpython. Enabled only by
//!   maturin (`pyproject.toml`); leave it off for `cargo test --workspace`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod alerts;
mod args;
mod blend;
mod catalog;
mod catch_up;
mod columns;
mod config;
mod engine;
mod errors;
mod evaluation;
mod experiments;
mod feeds;
mod feeds_dedup;
mod interactions;
mod repr;
mod request;
mod results;
mod service;
mod service_jobs;
mod service_options;
mod service_results;
mod store;
mod store_results;
mod strategy;
mod synthetic;

use pyo3::prelude::*;

/// `{error kind: exception class name}` for every kind the core defines (used by the tests to
/// check that each kind maps to a specific class).
#[pyfunction]
fn _error_classes() -> std::collections::BTreeMap<&'static str, &'static str> {
    errors::class_names()
        .into_iter()
        .chain(store::class_names())
        .collect()
}

/// The compiled module of craic; import the `craic` package instead.
#[pymodule]
#[pyo3(name = "_craic")]
fn craic_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<config::PyConfig>()?;
    m.add_class::<catalog::PyItem>()?;
    m.add_class::<catalog::PyPreferences>()?;
    m.add_class::<interactions::PyInteraction>()?;
    m.add_class::<strategy::PyStrategy>()?;
    m.add_class::<results::PyContribution>()?;
    m.add_class::<results::PyRecommendation>()?;
    m.add_class::<results::PyApplied>()?;
    m.add_class::<results::PyStats>()?;
    m.add_class::<results::PyBlendWeights>()?;
    m.add_class::<blend::PyLearnSettings>()?;
    m.add_class::<blend::PyBlendReport>()?;
    m.add_class::<blend::PyBucketReport>()?;
    m.add_class::<blend::PyGridPoint>()?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<engine::PySnapshotMeta>()?;
    feeds::register(m)?;
    feeds_dedup::register(m)?;
    m.add_function(wrap_pyfunction!(engine::_engine_from_pickle, m)?)?;
    add_experiments(m)?;
    add_evaluation(m)?;
    add_service(m)?;
    add_storage(m)?;
    m.add_function(wrap_pyfunction!(_error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(request::_request_defaults, m)?)?;
    Ok(())
}

/// The experiments: hashing and assignment functions, experiments, tracking and reports.
fn add_experiments(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(experiments::hash, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::get_equal_weights, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::get_bucket_ranges, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::choose_variation, m)?)?;
    m.add_function(wrap_pyfunction!(experiments::in_namespace, m)?)?;
    m.add_class::<experiments::PyVariant>()?;
    m.add_class::<experiments::PyExperiment>()?;
    m.add_class::<experiments::PyAssignment>()?;
    m.add_class::<experiments::PyExperimentEvent>()?;
    m.add_class::<experiments::PyExperimentTracker>()?;
    m.add_class::<experiments::PyVariantCounts>()?;
    m.add_class::<experiments::PyExperimentCounts>()?;
    m.add_class::<experiments::PyEstimate>()?;
    m.add_class::<experiments::PySequentialResult>()?;
    m.add_class::<experiments::PyComparison>()?;
    m.add_class::<experiments::PyVariantReport>()?;
    m.add_class::<experiments::PySampleRatioMismatch>()?;
    m.add_class::<experiments::PyReport>()?;
    Ok(())
}

/// Offline evaluation and the synthetic data it runs on.
fn add_evaluation(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<evaluation::PySplit>()?;
    m.add_class::<evaluation::PyMetrics>()?;
    m.add_class::<evaluation::PyUserScore>()?;
    m.add_function(wrap_pyfunction!(evaluation::time_split, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::relevant_items, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::score_user, m)?)?;
    m.add_class::<synthetic::PyDataset>()?;
    m.add_function(wrap_pyfunction!(synthetic::generate, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic::preset_config, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic::world_config, m)?)?;
    Ok(())
}

/// The service, its results and jobs, drift and alerts.
fn add_service(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<service::PyService>()?;
    m.add_class::<service_results::PyModelInfo>()?;
    m.add_class::<service_results::PyRetrainOutcome>()?;
    m.add_class::<service_jobs::PyRetrainJob>()?;
    m.add_class::<service_jobs::PyScheduleHandle>()?;
    m.add_class::<service_results::PyExperimentRecommendations>()?;
    m.add_class::<alerts::PyDriftReport>()?;
    m.add_class::<alerts::PyFeatureDrift>()?;
    m.add_class::<alerts::PyPsiReport>()?;
    m.add_class::<alerts::PyPsiBin>()?;
    m.add_class::<alerts::PyDriftRule>()?;
    m.add_class::<alerts::PyConversionFloorRule>()?;
    m.add_class::<alerts::PyAlert>()?;
    Ok(())
}

/// The stores and what they return.
fn add_storage(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<store::PyStore>()?;
    m.add_class::<store_results::PyAppendReport>()?;
    m.add_class::<store_results::PyMalformedRow>()?;
    m.add_class::<store_results::PyLogRecord>()?;
    m.add_class::<store_results::PyLogPage>()?;
    m.add_class::<store_results::PyLoadedEngine>()?;
    m.add_class::<store_results::PyTailed>()?;
    m.add_class::<catch_up::PyCatchUp>()?;
    m.add_class::<store_results::PyStoredModel>()?;
    m.add_class::<store_results::PyStoredVariantCounts>()?;
    m.add_class::<store_results::PyRetrainRun>()?;
    Ok(())
}
