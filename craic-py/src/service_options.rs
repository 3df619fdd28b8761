//! The keyword options every `Service` constructor takes (`Service(...)`, `Service.open`,
//! `Service.from_snapshot_file`), parsed in one place into the core's `ServiceOptions`.
//!
//! The constructors take them as `**options`; the stub (`_craic.pyi`) lists each one with its
//! type and default. A name not listed here is a `TypeError`, like any unexpected keyword
//! argument; an omitted one keeps the core's default (`ServiceOptions::default()`), so no
//! default is repeated here.

use std::time::Duration;

use craic::service::ServiceOptions;
use craic_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{translate, Count};
use crate::errors;

/// Every option name, as the constructors accept it.
pub(crate) const NAMES: [&str; 13] = [
    "cache_capacity",
    "cache_ttl_secs",
    "holdout_fraction",
    "retrain_k",
    "max_relative_drop",
    "max_drop_vs_recorded",
    "must_beat_popularity",
    "min_data_ratio",
    "history_len",
    "drift_window_secs",
    "experiment_window_secs",
    "training_capacity",
    "max_arm_configs",
];

/// Extracts one option's value, naming the option in a `TypeError`.
fn value<'py, T>(name: &str, v: &Bound<'py, PyAny>) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    v.extract::<T>().map_err(|e| {
        let e = translate(v, e);
        if e.is_instance_of::<PyTypeError>(v.py()) {
            let named = PyTypeError::new_err(format!("argument '{name}': {}", e.value(v.py())));
            named.set_cause(v.py(), Some(e));
            named
        } else {
            e
        }
    })
}

/// A TTL in seconds; negative, NaN or too large is `InvalidInputError` (`invalid_config`).
fn ttl(secs: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| {
        errors::to_py(core::Error::InvalidConfig(format!(
            "cache_ttl_secs must be a finite number of seconds ≥ 0, got {secs}"
        )))
    })
}

/// The experiments' idempotency window; 0 is `InvalidInputError` (`invalid_config`).
fn window(secs: u64) -> PyResult<Duration> {
    if secs == 0 {
        return Err(errors::to_py(core::Error::InvalidConfig(
            "experiment_window_secs must be ≥ 1".into(),
        )));
    }
    Ok(Duration::from_secs(secs))
}

/// The core's options with every given keyword applied over its defaults.
pub(crate) fn parse(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<ServiceOptions> {
    let mut o = ServiceOptions::default();
    let Some(kwargs) = kwargs else {
        return Ok(o);
    };
    for (k, v) in kwargs.iter() {
        // A key that is not UTF-8 text (a lone surrogate) can only be an unknown name.
        let name: String = k.extract().unwrap_or_default();
        let gate = &mut o.retrain.gate;
        match name.as_str() {
            "cache_capacity" => o.cache_capacity = value::<Count<usize>>(&name, &v)?.get(),
            "cache_ttl_secs" => o.cache_ttl = ttl(value(&name, &v)?)?,
            "holdout_fraction" => o.retrain.holdout_fraction = value(&name, &v)?,
            "retrain_k" => o.retrain.k = value::<Count<usize>>(&name, &v)?.get(),
            "max_relative_drop" => gate.max_relative_drop = value(&name, &v)?,
            "max_drop_vs_recorded" => gate.max_drop_vs_recorded = value(&name, &v)?,
            "must_beat_popularity" => gate.must_beat_popularity = value(&name, &v)?,
            "min_data_ratio" => gate.min_data_ratio = value(&name, &v)?,
            "history_len" => o.history_len = value::<Count<usize>>(&name, &v)?.get(),
            "drift_window_secs" => o.drift.window_secs = value::<Count<i64>>(&name, &v)?.get(),
            "experiment_window_secs" => {
                o.experiment_window = window(value::<Count<u64>>(&name, &v)?.get())?;
            }
            "training_capacity" => o.training_capacity = value::<Count<usize>>(&name, &v)?.get(),
            "max_arm_configs" => o.max_arm_configs = value::<Count<usize>>(&name, &v)?.get(),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unexpected keyword argument '{other}' (service options: {})",
                    NAMES.join(", ")
                )))
            }
        }
    }
    Ok(o)
}
