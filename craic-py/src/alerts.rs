//! Drift and alert classes of the service: `DriftReport`, `FeatureDrift`, `PsiReport`,
//! `PsiBin`, the alert rules `DriftRule` / `ConversionFloorRule`, and `Alert`. Re-exported by
//! the pure-Python module `craic.service`.

use craic::service as svc;
use craic_core::alerts::{Alert, AlertRule, CONVERSION_FLOOR_WINDOW_SECS};
use craic_core::drift::{PsiBin, PsiReport};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::Count;
use crate::errors;

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// Drift.

/// One bin of a `PsiReport`.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "PsiBin")]
#[derive(Clone, PartialEq)]
pub struct PyPsiBin {
    /// The category, or the interval of a numeric bin (`"(1.5, 3]"`).
    pub label: String,
    /// Reference count of the bin.
    pub reference_count: f64,
    /// Current count of the bin.
    pub current_count: f64,
    /// Reference share after smoothing.
    pub reference_share: f64,
    /// Current share after smoothing.
    pub current_share: f64,
    /// This bin's term of the PSI, ≥ 0.
    pub contribution: f64,
}

impl From<PsiBin> for PyPsiBin {
    fn from(b: PsiBin) -> Self {
        PyPsiBin {
            label: b.label,
            reference_count: b.reference_count,
            current_count: b.current_count,
            reference_share: b.reference_share,
            current_share: b.current_share,
            contribution: b.contribution,
        }
    }
}

#[pymethods]
impl PyPsiBin {
    fn __repr__(&self) -> String {
        format!(
            "PsiBin(label={:?}, reference_count={:?}, current_count={:?}, reference_share={:?}, \
             current_share={:?}, contribution={:?})",
            self.label,
            self.reference_count,
            self.current_count,
            self.reference_share,
            self.current_share,
            self.contribution
        )
    }
}

/// A population stability index with its level and per-bin contributions.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "PsiReport")]
#[derive(Clone, PartialEq)]
pub struct PyPsiReport {
    /// The PSI (sum of the bins' contributions).
    pub psi: f64,
    /// `"stable"` (< 0.1), `"moderate"` (< 0.25) or `"significant"`.
    pub level: String,
    /// The bins, in category order (sorted) or interval order.
    pub bins: Vec<PyPsiBin>,
}

impl From<PsiReport> for PyPsiReport {
    fn from(r: PsiReport) -> Self {
        PyPsiReport {
            psi: r.psi,
            level: r.level.as_str().to_owned(),
            bins: r.bins.into_iter().map(PyPsiBin::from).collect(),
        }
    }
}

#[pymethods]
impl PyPsiReport {
    fn __repr__(&self) -> String {
        format!(
            "PsiReport(psi={:?}, level={:?}, bins=[{}])",
            self.psi,
            self.level,
            join(&self.bins, PyPsiBin::__repr__)
        )
    }
}

/// Drift of one feature: `report` is `None` when either side has no data.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "FeatureDrift")]
#[derive(Clone, PartialEq)]
pub struct PyFeatureDrift {
    /// Feature name (`interaction_kind`, `genre`, `city`, `score`).
    pub feature: String,
    /// Observations in the current window.
    pub current_count: usize,
    /// The PSI against the training data, if computable.
    pub report: Option<PyPsiReport>,
}

#[pymethods]
impl PyFeatureDrift {
    fn __repr__(&self) -> String {
        format!(
            "FeatureDrift(feature={:?}, current_count={}, report={})",
            self.feature,
            self.current_count,
            self.report
                .as_ref()
                .map_or_else(|| "None".to_owned(), PyPsiReport::__repr__)
        )
    }
}

/// Drift of every monitored feature at one time (`Service.drift_report`).
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "DriftReport")]
#[derive(Clone, PartialEq)]
pub struct PyDriftReport {
    /// Report time (unix seconds).
    pub at: i64,
    /// One entry per feature: `interaction_kind`, `genre`, `city`, `score`.
    pub features: Vec<PyFeatureDrift>,
}

impl From<svc::DriftReport> for PyDriftReport {
    fn from(r: svc::DriftReport) -> Self {
        PyDriftReport {
            at: r.at,
            features: r
                .features
                .into_iter()
                .map(|f| PyFeatureDrift {
                    feature: f.feature,
                    current_count: f.current_count,
                    report: f.report.map(PyPsiReport::from),
                })
                .collect(),
        }
    }
}

#[pymethods]
impl PyDriftReport {
    /// The PSI of `feature`, or `None` when not computed (no data, or an unknown feature).
    fn psi(&self, #[pyo3(from_py_with = crate::args::arg)] feature: String) -> Option<f64> {
        self.features
            .iter()
            .find(|f| f.feature == feature)
            .and_then(|f| f.report.as_ref().map(|r| r.psi))
    }

    fn __repr__(&self) -> String {
        format!(
            "DriftReport(at={}, features=[{}])",
            self.at,
            join(&self.features, PyFeatureDrift::__repr__)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Alert rules and alerts.

/// Fires while the PSI of `feature` is ≥ `threshold` (e.g. 0.25, "significant"). A negative
/// or non-finite threshold raises `InvalidInputError`.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "DriftRule")]
#[derive(Clone, PartialEq)]
pub struct PyDriftRule {
    /// The feature (`interaction_kind`, `genre`, `city`, `score`).
    pub feature: String,
    /// PSI threshold.
    pub threshold: f64,
}

#[pymethods]
impl PyDriftRule {
    #[new]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] feature: String,
        threshold: f64,
    ) -> PyResult<Self> {
        let rule = PyDriftRule { feature, threshold };
        rule.to_core().validate().map_err(errors::to_py)?;
        Ok(rule)
    }

    fn __repr__(&self) -> String {
        format!(
            "DriftRule(feature={:?}, threshold={:?})",
            self.feature, self.threshold
        )
    }
}

impl PyDriftRule {
    fn to_core(&self) -> AlertRule {
        AlertRule::Drift {
            feature: self.feature.clone(),
            threshold: self.threshold,
        }
    }
}

/// Fires while the conversion rate of `experiment` / `variant` over the last `window_secs` is
/// below `floor`; fewer than `min_exposures` exposures in the window count as no data. A floor
/// outside `[0, 1]` or a zero window raises `InvalidInputError`.
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "ConversionFloorRule"
)]
#[derive(Clone, PartialEq)]
pub struct PyConversionFloorRule {
    /// Experiment key.
    pub experiment: String,
    /// Variant name.
    pub variant: String,
    /// Minimum acceptable conversion rate in `[0, 1]`.
    pub floor: f64,
    /// Window length in seconds.
    pub window_secs: u64,
    /// Exposures needed in the window before the rule judges.
    pub min_exposures: u64,
}

#[pymethods]
impl PyConversionFloorRule {
    #[new]
    #[pyo3(
        signature = (experiment, variant, floor, *, window_secs = Count(CONVERSION_FLOOR_WINDOW_SECS), min_exposures = Count(0)),
        text_signature = "(experiment, variant, floor, *, window_secs=..., min_exposures=0)"
    )]
    fn new(
        #[pyo3(from_py_with = crate::args::arg)] experiment: String,
        #[pyo3(from_py_with = crate::args::arg)] variant: String,
        floor: f64,
        window_secs: Count<u64>,
        min_exposures: Count<u64>,
    ) -> PyResult<Self> {
        let rule = PyConversionFloorRule {
            experiment,
            variant,
            floor,
            window_secs: window_secs.get(),
            min_exposures: min_exposures.get(),
        };
        rule.to_core().validate().map_err(errors::to_py)?;
        Ok(rule)
    }

    fn __repr__(&self) -> String {
        format!(
            "ConversionFloorRule(experiment={:?}, variant={:?}, floor={:?}, window_secs={}, \
             min_exposures={})",
            self.experiment, self.variant, self.floor, self.window_secs, self.min_exposures
        )
    }
}

impl PyConversionFloorRule {
    fn to_core(&self) -> AlertRule {
        AlertRule::ConversionFloor {
            experiment: self.experiment.clone(),
            variant: self.variant.clone(),
            floor: self.floor,
            window_secs: self.window_secs,
            min_exposures: self.min_exposures,
        }
    }
}

/// Converts one rule: a `DriftRule`, a `ConversionFloorRule` or a dict with a `"type"` key.
fn rule_row(obj: &Bound<'_, PyAny>) -> PyResult<AlertRule> {
    if let Ok(r) = obj.cast::<PyDriftRule>() {
        return Ok(r.get().to_core());
    }
    if let Ok(r) = obj.cast::<PyConversionFloorRule>() {
        return Ok(r.get().to_core());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            d.get_item(name)?
                .ok_or_else(|| PyTypeError::new_err(format!("missing key {name:?}")))
        };
        let kind: String = field("type")?.extract()?;
        return match kind.as_str() {
            "drift" => Ok(AlertRule::Drift {
                feature: field("feature")?.extract()?,
                threshold: field("threshold")?.extract()?,
            }),
            "conversion_floor" => Ok(AlertRule::ConversionFloor {
                experiment: field("experiment")?.extract()?,
                variant: field("variant")?.extract()?,
                floor: field("floor")?.extract()?,
                window_secs: field("window_secs")?.extract()?,
                min_exposures: match d.get_item("min_exposures")? {
                    Some(v) => v.extract()?,
                    None => 0,
                },
            }),
            other => Err(PyTypeError::new_err(format!(
                "unknown rule type {other:?} (expected \"drift\" or \"conversion_floor\")"
            ))),
        };
    }
    Err(PyTypeError::new_err(format!(
        "expected DriftRule, ConversionFloorRule or dict, got {}",
        obj.get_type().name()?
    )))
}

/// Converts a sequence of rules (see [`rule_row`]); a row that cannot be converted raises
/// `TypeError` naming its index, with the original error as `__cause__`.
pub(crate) fn rules_of(rows: &Bound<'_, PyAny>) -> PyResult<Vec<AlertRule>> {
    let py = rows.py();
    let mut out = Vec::new();
    for (n, row) in rows.try_iter()?.enumerate() {
        out.push(rule_row(&row?).map_err(|e| {
            let err = PyTypeError::new_err(format!("alert rule row {n}: {}", e.value(py)));
            err.set_cause(py, Some(e));
            err
        })?);
    }
    Ok(out)
}

/// A firing alert (`Service.check_alerts`, `Service.on_alert` callbacks).
#[pyclass(frozen, eq, module = "craic._craic", name = "Alert")]
#[derive(Clone, PartialEq)]
pub struct PyAlert {
    inner: Alert,
}

impl From<Alert> for PyAlert {
    fn from(inner: Alert) -> Self {
        PyAlert { inner }
    }
}

#[pymethods]
impl PyAlert {
    /// The rule that fires: a `DriftRule` or a `ConversionFloorRule`.
    #[getter]
    fn rule(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match &self.inner.rule {
            AlertRule::Drift { feature, threshold } => PyDriftRule {
                feature: feature.clone(),
                threshold: *threshold,
            }
            .into_pyobject(py)?
            .into_any()
            .unbind(),
            AlertRule::ConversionFloor {
                experiment,
                variant,
                floor,
                window_secs,
                min_exposures,
            } => PyConversionFloorRule {
                experiment: experiment.clone(),
                variant: variant.clone(),
                floor: *floor,
                window_secs: *window_secs,
                min_exposures: *min_exposures,
            }
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        })
    }

    /// Its subject: the feature name, or `experiment/variant`.
    #[getter]
    fn what(&self) -> &str {
        &self.inner.what
    }

    /// The observed value (PSI or conversion rate); the last one seen if data is missing now.
    #[getter]
    fn value(&self) -> f64 {
        self.inner.value
    }

    /// The rule's threshold or floor.
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold
    }

    /// When it started firing (unix seconds), kept while it keeps firing.
    #[getter]
    fn since(&self) -> i64 {
        self.inner.since
    }

    fn __repr__(&self) -> String {
        let rule = match &self.inner.rule {
            AlertRule::Drift { .. } => "drift",
            AlertRule::ConversionFloor { .. } => "conversion_floor",
        };
        format!(
            "Alert(rule={rule:?}, what={:?}, value={:?}, threshold={:?}, since={})",
            self.inner.what, self.inner.value, self.inner.threshold, self.inner.since
        )
    }
}
