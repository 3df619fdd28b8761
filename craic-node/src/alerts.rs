//! Drift reports and alert rules of the service, as plain objects.

use craic::service as svc;
use craic_core::alerts as core_alerts;
use craic_core::drift::PsiReport as CorePsiReport;
use craic_core::ErrorKind;
use napi_derive::napi;

use crate::convert;
use crate::errors::{Fallible, JsFailure};

/// One bin of a population stability index.
#[napi(object)]
pub struct PsiBin {
    /// The bin's label.
    pub label: String,
    /// Count in the reference.
    pub reference_count: f64,
    /// Count in the current window.
    pub current_count: f64,
    /// Share in the reference.
    pub reference_share: f64,
    /// Share in the current window.
    pub current_share: f64,
    /// This bin's term of the index.
    pub contribution: f64,
}

/// A population stability index with its level and per-bin contributions.
#[napi(object)]
pub struct PsiReport {
    /// The index.
    pub psi: f64,
    /// `"stable"` (< 0.1), `"moderate"` (< 0.25) or `"significant"`.
    pub level: String,
    /// Per-bin terms.
    pub bins: Vec<PsiBin>,
}

impl From<CorePsiReport> for PsiReport {
    fn from(r: CorePsiReport) -> Self {
        PsiReport {
            psi: r.psi,
            level: r.level.as_str().to_owned(),
            bins: r
                .bins
                .into_iter()
                .map(|b| PsiBin {
                    label: b.label,
                    reference_count: b.reference_count,
                    current_count: b.current_count,
                    reference_share: b.reference_share,
                    current_share: b.current_share,
                    contribution: b.contribution,
                })
                .collect(),
        }
    }
}

/// Drift of one feature: its current sample size and its index (`null` without data).
#[napi(object, use_nullable = true)]
pub struct FeatureDrift {
    /// The feature (`"kind"`, `"hour"`, `"item_popularity"`, `"score"`, …).
    pub feature: String,
    /// Observations in the current window.
    pub current_count: u32,
    /// The index, or `null` when there is no data.
    pub report: Option<PsiReport>,
}

/// The drift of every monitored feature at a time.
#[napi(object)]
pub struct DriftReport {
    /// The report time, unix seconds.
    pub at: f64,
    /// Per feature.
    pub features: Vec<FeatureDrift>,
}

impl From<svc::DriftReport> for DriftReport {
    fn from(r: svc::DriftReport) -> Self {
        DriftReport {
            at: r.at as f64,
            features: r
                .features
                .into_iter()
                .map(|f| FeatureDrift {
                    feature: f.feature,
                    current_count: crate::values::saturate(f.current_count),
                    report: f.report.map(PsiReport::from),
                })
                .collect(),
        }
    }
}

/// An alert rule: `{type: 'drift', feature, threshold}` fires while the feature's PSI is at or
/// above `threshold`; `{type: 'conversion_floor', experiment, variant, floor, windowSecs,
/// minExposures}` fires while the variant's conversion rate over the window is below `floor`.
#[napi(object)]
pub struct AlertRule {
    /// `"drift"` or `"conversion_floor"`.
    #[napi(ts_type = "'drift' | 'conversion_floor'")]
    pub r#type: String,
    /// Drift: the feature name.
    pub feature: Option<String>,
    /// Drift: the PSI threshold.
    pub threshold: Option<f64>,
    /// Conversion floor: the experiment key.
    pub experiment: Option<String>,
    /// Conversion floor: the variant name.
    pub variant: Option<String>,
    /// Conversion floor: the minimum acceptable rate in `[0, 1]`.
    pub floor: Option<f64>,
    /// Conversion floor: the window in seconds.
    pub window_secs: Option<f64>,
    /// Conversion floor: fewer exposures than this in the window counts as no data (default 0).
    pub min_exposures: Option<f64>,
}

fn missing(what: &str, field: &str) -> JsFailure {
    JsFailure::invalid(
        ErrorKind::InvalidConfig,
        format!("a {what} rule needs {field}"),
    )
}

fn count_of(v: f64, name: &str) -> Fallible<u64> {
    convert::count(v, name, ErrorKind::InvalidConfig).map(|n| n as u64)
}

impl TryFrom<AlertRule> for core_alerts::AlertRule {
    type Error = JsFailure;

    fn try_from(r: AlertRule) -> Fallible<Self> {
        let rule = match r.r#type.as_str() {
            "drift" => core_alerts::AlertRule::Drift {
                feature: r.feature.ok_or_else(|| missing("drift", "feature"))?,
                threshold: r.threshold.ok_or_else(|| missing("drift", "threshold"))?,
            },
            "conversion_floor" => core_alerts::AlertRule::ConversionFloor {
                experiment: r
                    .experiment
                    .ok_or_else(|| missing("conversion_floor", "experiment"))?,
                variant: r
                    .variant
                    .ok_or_else(|| missing("conversion_floor", "variant"))?,
                floor: r
                    .floor
                    .ok_or_else(|| missing("conversion_floor", "floor"))?,
                window_secs: count_of(
                    r.window_secs
                        .ok_or_else(|| missing("conversion_floor", "windowSecs"))?,
                    "windowSecs",
                )?,
                min_exposures: count_of(r.min_exposures.unwrap_or(0.0), "minExposures")?,
            },
            other => {
                return Err(JsFailure::invalid(
                    ErrorKind::InvalidConfig,
                    format!("unknown alert rule type {other:?} (drift, conversion_floor)"),
                ))
            }
        };
        rule.validate()?;
        Ok(rule)
    }
}

impl From<core_alerts::AlertRule> for AlertRule {
    fn from(r: core_alerts::AlertRule) -> Self {
        match r {
            core_alerts::AlertRule::Drift { feature, threshold } => AlertRule {
                r#type: "drift".into(),
                feature: Some(feature),
                threshold: Some(threshold),
                experiment: None,
                variant: None,
                floor: None,
                window_secs: None,
                min_exposures: None,
            },
            core_alerts::AlertRule::ConversionFloor {
                experiment,
                variant,
                floor,
                window_secs,
                min_exposures,
            } => AlertRule {
                r#type: "conversion_floor".into(),
                feature: None,
                threshold: None,
                experiment: Some(experiment),
                variant: Some(variant),
                floor: Some(floor),
                window_secs: Some(window_secs as f64),
                min_exposures: Some(min_exposures as f64),
            },
        }
    }
}

/// Converts a list of rules; a bad one is reported with its index as `row`.
pub(crate) fn rules(rules: Vec<AlertRule>) -> Fallible<Vec<core_alerts::AlertRule>> {
    rules
        .into_iter()
        .enumerate()
        .map(|(n, r)| core_alerts::AlertRule::try_from(r).map_err(|e| e.in_row(n)))
        .collect()
}

/// A firing alert.
#[napi(object)]
pub struct Alert {
    /// The rule that fires.
    pub rule: AlertRule,
    /// What it is about, e.g. `"drift of score"`.
    pub what: String,
    /// The observed value.
    pub value: f64,
    /// The rule's threshold or floor.
    pub threshold: f64,
    /// Since when it fires, unix seconds.
    pub since: f64,
}

impl From<core_alerts::Alert> for Alert {
    fn from(a: core_alerts::Alert) -> Self {
        Alert {
            rule: a.rule.into(),
            what: a.what,
            value: a.value,
            threshold: a.threshold,
            since: a.since as f64,
        }
    }
}
