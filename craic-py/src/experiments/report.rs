//! The report of an experiment and its parts (estimates, comparisons, sequential test, SRM).

use craic_core as core;
use craic_core::experiments as exp;
use pyo3::prelude::*;

use super::tracking::join;
use crate::repr::{opt, py_bool};
use crate::strategy::PyStrategy;

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
