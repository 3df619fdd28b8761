//! The statistical report of an experiment, as plain objects.

use craic_core::experiments as exp;
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use crate::convert::{options, strict};

/// An estimate with its confidence interval.
#[napi(object)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl From<exp::Estimate> for Estimate {
    fn from(e: exp::Estimate) -> Self {
        Estimate {
            value: e.value,
            lower: e.lower,
            upper: e.upper,
        }
    }
}

/// The always-valid sequential test (mixture SPRT) of a variant against the control.
#[napi(object)]
pub struct SequentialResult {
    /// Log of the mixture likelihood ratio.
    pub log_likelihood_ratio: f64,
    /// Always-valid p-value.
    pub p_value: f64,
    /// Whether the null hypothesis is rejected at the report's alpha.
    pub reject: bool,
}

/// A variant against the control.
#[napi(object, use_nullable = true)]
pub struct Comparison {
    /// Difference of conversion rates, with its interval.
    pub absolute_lift: Option<Estimate>,
    /// Relative difference of conversion rates, with its interval.
    pub relative_lift: Option<Estimate>,
    /// Two-proportion z statistic.
    pub z: Option<f64>,
    /// Two-sided p-value of the z-test.
    pub p_value: Option<f64>,
    /// Whether the fixed-horizon test is significant at alpha.
    pub significant: bool,
    /// The sequential test.
    pub sequential: SequentialResult,
}

/// One variant's line of a report.
#[napi(object, use_nullable = true)]
pub struct VariantReport {
    /// The variant's name.
    pub variant: String,
    /// Its strategy.
    pub strategy: String,
    /// Its weight.
    pub weight: f64,
    /// Distinct users exposed.
    pub exposed_users: f64,
    /// Distinct exposed users who converted.
    pub converting_users: f64,
    /// Conversions.
    pub conversions: f64,
    /// Conversion rate with its Wilson interval (`null` without exposures).
    pub conversion_rate: Option<Estimate>,
    /// Against the control (`null` for the control itself).
    pub comparison: Option<Comparison>,
}

/// The sample-ratio-mismatch check: do exposures follow the weights?
#[napi(object)]
pub struct SampleRatioMismatch {
    /// Chi-square statistic.
    pub chi_square: f64,
    /// Degrees of freedom.
    pub degrees_of_freedom: u32,
    /// P-value.
    pub p_value: f64,
    /// Whether the mismatch is significant at the report's `srmAlpha`.
    pub mismatch: bool,
}

/// The statistical report of an experiment.
#[napi(object)]
pub struct Report {
    /// The experiment key.
    pub experiment: String,
    /// Significance level (and 1 − confidence of the intervals).
    pub alpha: f64,
    /// The sequential test's prior variance.
    pub mixing_variance: f64,
    /// Level of the sample-ratio-mismatch check.
    pub srm_alpha: f64,
    /// Distinct users exposed, over all variants.
    pub total_exposed_users: f64,
    /// Conversions of users never exposed.
    pub unattributed_conversions: f64,
    /// Users exposed to more than one variant.
    pub users_in_multiple_variants: f64,
    /// The sample-ratio-mismatch check.
    pub sample_ratio_mismatch: SampleRatioMismatch,
    /// Per-variant lines, control first.
    pub variants: Vec<VariantReport>,
}

impl From<exp::Report> for Report {
    fn from(r: exp::Report) -> Self {
        let srm = r.sample_ratio_mismatch;
        Report {
            experiment: r.experiment,
            alpha: r.config.alpha,
            mixing_variance: r.config.mixing_variance,
            srm_alpha: r.config.srm_alpha,
            total_exposed_users: r.total_exposed_users as f64,
            unattributed_conversions: r.unattributed_conversions as f64,
            users_in_multiple_variants: r.users_in_multiple_variants as f64,
            sample_ratio_mismatch: SampleRatioMismatch {
                chi_square: srm.chi_square,
                degrees_of_freedom: srm.degrees_of_freedom,
                p_value: srm.p_value,
                mismatch: srm.mismatch,
            },
            variants: r.variants.into_iter().map(variant_report).collect(),
        }
    }
}

fn variant_report(v: exp::VariantReport) -> VariantReport {
    VariantReport {
        variant: v.variant,
        strategy: v.strategy.as_str().to_owned(),
        weight: v.weight,
        exposed_users: v.exposed_users as f64,
        converting_users: v.converting_users as f64,
        conversions: v.conversions as f64,
        conversion_rate: v.conversion_rate.map(Estimate::from),
        comparison: v.comparison.map(|c| Comparison {
            absolute_lift: c.absolute_lift.map(Estimate::from),
            relative_lift: c.relative_lift.map(Estimate::from),
            z: c.z,
            p_value: c.p_value,
            significant: c.significant,
            sequential: SequentialResult {
                log_likelihood_ratio: c.sequential.log_likelihood_ratio,
                p_value: c.sequential.p_value,
                reject: c.sequential.reject,
            },
        }),
    }
}

options! {
    /// Settings of a report.
    pub struct ReportOptions: "report options" {
        /// Significance level and 1 − confidence of the intervals (default 0.05).
        pub alpha: [Option<f64>],
        /// The sequential test's prior variance.
        pub mixing_variance: [Option<f64>],
        /// Level of the sample-ratio-mismatch check (default 0.001).
        pub srm_alpha: [Option<f64>],
    }
}

impl From<ReportOptions> for exp::StatsConfig {
    fn from(o: ReportOptions) -> Self {
        exp::StatsConfig {
            alpha: o.alpha.unwrap_or(0.05),
            mixing_variance: o.mixing_variance.unwrap_or(exp::DEFAULT_MIXING_VARIANCE),
            srm_alpha: o.srm_alpha.unwrap_or(0.001),
        }
    }
}

/// Report options as the core's statistics settings (strict names).
pub(crate) fn stats_config(env: &Env, options: Option<Object>) -> napi::Result<exp::StatsConfig> {
    let options: ReportOptions = strict(env, options)?.unwrap_or_default();
    Ok(options.into())
}
