//! Experiment statistics: per-variant rates, lifts against the control, fixed-horizon and
//! always-valid tests, and a sample-ratio-mismatch check.
//!
//! For every variant `i` with `n_i` exposed users of whom `x_i` converted, at level `α` (default
//! 0.05, `z = Φ⁻¹(1 − α/2)`):
//!
//! * **rate** `p_i = x_i / n_i` with the Wilson score interval;
//! * **absolute lift** `p_i − p_0` with the unpooled Wald interval
//!   `± z·sqrt(p_0(1−p_0)/n_0 + p_i(1−p_i)/n_i)`;
//! * **relative lift** `p_i / p_0 − 1` with a delta-method interval on the log ratio:
//!   `exp(ln(p_i/p_0) ± z·sqrt((1−p_i)/x_i + (1−p_0)/x_0)) − 1` (asymmetric, never below −100 %;
//!   absent while either arm has no conversions);
//! * **fixed-horizon p-value**: two-sided pooled two-proportion z-test. Valid only if the sample
//!   size was fixed in advance and you look once;
//! * **always-valid p-value**: the mixture SPRT of [`super::sequential`]; valid however often you
//!   look (the decision to use while the experiment is running);
//! * **sample ratio mismatch**: χ² goodness-of-fit of the exposed counts against the configured
//!   weights, flagged below `srm_alpha` (default 0.001). A mismatch means assignment or exposure
//!   logging is broken and the other numbers should not be trusted.
//!
//! Rates are per user (converting users / exposed users). Each treatment is compared with the
//! control on its own; with several treatments consider a stricter `alpha` (e.g. Bonferroni).
//!
//! ```
//! use craic_core::experiments::{analyze, Experiment, ExperimentCounts, StatsConfig, VariantCounts};
//! use craic_core::Strategy;
//!
//! let exp = Experiment::builder("feed")
//!     .variant("control", 0.5, Strategy::Popularity)
//!     .variant("hybrid", 0.5, Strategy::Hybrid)
//!     .build()?;
//! let arm = |name: &str, n, x| VariantCounts {
//!     variant: name.into(), exposed_users: n, converting_users: x, conversions: x,
//! };
//! let counts = ExperimentCounts {
//!     experiment: "feed".into(),
//!     variants: vec![arm("control", 1000, 100), arm("hybrid", 1000, 130)],
//!     unattributed_conversions: 0, unattributed_users: 0, users_in_multiple_variants: 0,
//! };
//! let report = analyze(&exp, &counts, &StatsConfig::default())?;
//! let cmp = report.variants[1].comparison.as_ref().unwrap();
//! assert!((cmp.p_value.unwrap() - 0.0355).abs() < 1e-4); // fixed horizon: significant
//! assert!(cmp.significant && !cmp.sequential.reject);    // ... but not yet always-valid
//! assert!(!report.sample_ratio_mismatch.mismatch);
//! # Ok::<(), craic_core::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use super::counts::ExperimentCounts;
use super::distributions::{chi_square_sf, normal_quantile, normal_sf};
use super::experiment::Experiment;
use super::sequential::{mixture_sprt, SequentialResult, DEFAULT_MIXING_VARIANCE};
use crate::model::error::{Error, Result};
use crate::scoring::request::Strategy;

/// Settings of [`analyze`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StatsConfig {
    /// Significance level of tests and `1 − confidence` of intervals, in `(0, 1)`. Default 0.05.
    pub alpha: f64,
    /// Mixing variance `τ²` of the sequential test, `> 0`. Default [`DEFAULT_MIXING_VARIANCE`].
    pub mixing_variance: f64,
    /// Level below which a sample ratio mismatch is flagged, in `(0, 1)`. Default 0.001.
    pub srm_alpha: f64,
}

impl Default for StatsConfig {
    fn default() -> Self {
        StatsConfig {
            alpha: 0.05,
            mixing_variance: DEFAULT_MIXING_VARIANCE,
            srm_alpha: 0.001,
        }
    }
}

impl StatsConfig {
    /// The default settings with another `alpha`.
    pub fn with_alpha(alpha: f64) -> Self {
        StatsConfig {
            alpha,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        let unit = |v: f64| v > 0.0 && v < 1.0;
        if !unit(self.alpha) || !unit(self.srm_alpha) {
            return Err(Error::InvalidConfig(format!(
                "alpha {} and srm_alpha {} must lie strictly between 0 and 1",
                self.alpha, self.srm_alpha
            )));
        }
        if !(self.mixing_variance.is_finite() && self.mixing_variance > 0.0) {
            return Err(Error::InvalidConfig(format!(
                "mixing variance {} must be positive and finite",
                self.mixing_variance
            )));
        }
        Ok(())
    }
}

/// A point estimate with a two-sided `1 − α` interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// One treatment against the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// `p_i − p_0` with its Wald interval (absent while an arm is empty).
    pub absolute_lift: Option<Estimate>,
    /// `p_i / p_0 − 1` with its log-ratio delta-method interval (absent while an arm has no
    /// conversions).
    pub relative_lift: Option<Estimate>,
    /// Pooled two-proportion z statistic.
    pub z: Option<f64>,
    /// Two-sided fixed-horizon p-value of the z-test.
    pub p_value: Option<f64>,
    /// `p_value <= alpha` (fixed horizon: only meaningful at the planned sample size).
    pub significant: bool,
    /// The always-valid mSPRT result for this look.
    pub sequential: SequentialResult,
}

/// One variant's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantReport {
    /// Variant name.
    pub variant: String,
    /// Its strategy.
    pub strategy: Strategy,
    /// Configured weight.
    pub weight: f64,
    /// Distinct exposed users.
    pub exposed_users: u64,
    /// Distinct converting users.
    pub converting_users: u64,
    /// Attributed conversion events.
    pub conversions: u64,
    /// Conversion rate with its Wilson interval (absent with no exposed users).
    pub conversion_rate: Option<Estimate>,
    /// Comparison with the control (`None` for the control itself).
    pub comparison: Option<Comparison>,
}

/// χ² goodness-of-fit of exposed users against the configured weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleRatioMismatch {
    /// The χ² statistic (finite; `f64::MAX` when a zero-weight variant has users).
    pub chi_square: f64,
    /// Degrees of freedom (variants with positive weight minus one).
    pub degrees_of_freedom: u32,
    /// Its p-value (1 with no exposed users).
    pub p_value: f64,
    /// `p_value < srm_alpha`.
    pub mismatch: bool,
}

/// The statistical report of one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Experiment key.
    pub experiment: String,
    /// The settings used.
    pub config: StatsConfig,
    /// Exposed users over all variants.
    pub total_exposed_users: u64,
    /// Conversions not attributed to any variant.
    pub unattributed_conversions: u64,
    /// Users exposed to more than one variant.
    pub users_in_multiple_variants: u64,
    /// Sample ratio mismatch check.
    pub sample_ratio_mismatch: SampleRatioMismatch,
    /// One line per variant, control first.
    pub variants: Vec<VariantReport>,
}

/// Wilson score interval of `successes / trials` at normal quantile `z` (`None` for 0 trials).
pub fn wilson_interval(successes: u64, trials: u64, z: f64) -> Option<Estimate> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Estimate {
        value: p,
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

/// Two-sided pooled two-proportion z-test: `(z, p-value)` of `b` (treatment) vs `a` (control), each
/// `(successes, trials)`; `None` when an arm is empty or the pooled rate is 0 or 1.
pub fn two_proportion_z_test(a: (u64, u64), b: (u64, u64)) -> Option<(f64, f64)> {
    let (na, nb) = (a.1 as f64, b.1 as f64);
    if a.1 == 0 || b.1 == 0 {
        return None;
    }
    let (xa, xb) = (a.0.min(a.1) as f64, b.0.min(b.1) as f64);
    let pooled = (xa + xb) / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let z = (xb / nb - xa / na) / se;
    Some((z, (2.0 * normal_sf(z.abs())).min(1.0)))
}

/// χ² goodness-of-fit of `observed` counts against expected shares `weights` (normalised).
/// Categories with zero weight and zero count are ignored.
pub fn sample_ratio_mismatch(
    observed: &[u64],
    weights: &[f64],
    srm_alpha: f64,
) -> SampleRatioMismatch {
    let total: u64 = observed.iter().sum();
    let weight_sum: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    let positive = weights.iter().filter(|w| **w > 0.0).count();
    let df = u32::try_from(positive.saturating_sub(1)).unwrap_or(u32::MAX);
    if total == 0 || weight_sum <= 0.0 {
        return SampleRatioMismatch {
            chi_square: 0.0,
            degrees_of_freedom: df,
            p_value: 1.0,
            mismatch: false,
        };
    }
    let mut chi = 0.0;
    for (&o, &w) in observed.iter().zip(weights) {
        let o = o as f64;
        if w > 0.0 {
            let e = total as f64 * w / weight_sum;
            chi += (o - e) * (o - e) / e;
        } else if o > 0.0 {
            chi = f64::MAX;
        }
    }
    let p_value = if chi == f64::MAX {
        0.0
    } else if df == 0 {
        1.0
    } else {
        chi_square_sf(chi, df)
    };
    SampleRatioMismatch {
        chi_square: chi,
        degrees_of_freedom: df,
        p_value,
        mismatch: p_value < srm_alpha,
    }
}

fn absolute_lift(c: (u64, u64), t: (u64, u64), z: f64) -> Option<Estimate> {
    if c.1 == 0 || t.1 == 0 {
        return None;
    }
    let pc = c.0.min(c.1) as f64 / c.1 as f64;
    let pt = t.0.min(t.1) as f64 / t.1 as f64;
    let se = (pc * (1.0 - pc) / c.1 as f64 + pt * (1.0 - pt) / t.1 as f64).sqrt();
    let d = pt - pc;
    Some(Estimate {
        value: d,
        lower: d - z * se,
        upper: d + z * se,
    })
}

fn relative_lift(c: (u64, u64), t: (u64, u64), z: f64) -> Option<Estimate> {
    let (xc, xt) = (c.0.min(c.1), t.0.min(t.1));
    if xc == 0 || xt == 0 {
        return None;
    }
    let pc = xc as f64 / c.1 as f64;
    let pt = xt as f64 / t.1 as f64;
    let log_ratio = (pt / pc).ln();
    let se = ((1.0 - pt) / xt as f64 + (1.0 - pc) / xc as f64).sqrt();
    Some(Estimate {
        value: pt / pc - 1.0,
        lower: (log_ratio - z * se).exp() - 1.0,
        upper: (log_ratio + z * se).exp() - 1.0,
    })
}

/// Computes the [`Report`] of `experiment` from its `counts`.
///
/// # Errors
/// [`Error::InvalidConfig`] for a bad `config`; [`Error::InvalidExperiment`] when `counts` do not
/// list exactly the experiment's variants, in order.
pub fn analyze(
    experiment: &Experiment,
    counts: &ExperimentCounts,
    config: &StatsConfig,
) -> Result<Report> {
    config.validate()?;
    let variants = experiment.variants();
    let names_match = counts.variants.len() == variants.len()
        && counts
            .variants
            .iter()
            .zip(variants)
            .all(|(c, v)| c.variant == v.name);
    if !names_match {
        return Err(Error::InvalidExperiment(format!(
            "counts of {:?} do not match the variants of experiment {:?}",
            counts.experiment,
            experiment.key()
        )));
    }
    let z = normal_quantile(1.0 - config.alpha / 2.0);
    let control = counts
        .variants
        .first()
        .map(|c| (c.converting_users, c.exposed_users))
        .unwrap_or((0, 0));
    let lines = counts
        .variants
        .iter()
        .zip(variants)
        .enumerate()
        .map(|(i, (c, v))| {
            let arm = (c.converting_users, c.exposed_users);
            let comparison = (i > 0).then(|| {
                let test = two_proportion_z_test(control, arm);
                Comparison {
                    absolute_lift: absolute_lift(control, arm, z),
                    relative_lift: relative_lift(control, arm, z),
                    z: test.map(|t| t.0),
                    p_value: test.map(|t| t.1),
                    significant: test.is_some_and(|t| t.1 <= config.alpha),
                    sequential: mixture_sprt(control, arm, config.mixing_variance, config.alpha),
                }
            });
            VariantReport {
                variant: v.name.clone(),
                strategy: v.strategy,
                weight: v.weight,
                exposed_users: c.exposed_users,
                converting_users: c.converting_users,
                conversions: c.conversions,
                conversion_rate: wilson_interval(c.converting_users, c.exposed_users, z),
                comparison,
            }
        })
        .collect();
    let observed: Vec<u64> = counts.variants.iter().map(|c| c.exposed_users).collect();
    let weights: Vec<f64> = variants.iter().map(|v| v.weight).collect();
    Ok(Report {
        experiment: experiment.key().to_owned(),
        config: *config,
        total_exposed_users: observed.iter().sum(),
        unattributed_conversions: counts.unattributed_conversions,
        users_in_multiple_variants: counts.users_in_multiple_variants,
        sample_ratio_mismatch: sample_ratio_mismatch(&observed, &weights, config.srm_alpha),
        variants: lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z95: f64 = 1.959_963_984_540_054;

    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
    /// Wilson score interval without continuity correction.
    #[test]
    fn wilson_matches_newcombe_1998() {
        let cases = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ];
        for (x, n, lo, hi) in cases {
            let w = wilson_interval(x, n, Z95).unwrap();
            assert!(
                (w.lower - lo).abs() < 5e-5 && (w.upper - hi).abs() < 5e-5,
                "{x}/{n}: {w:?}"
            );
        }
        let w = wilson_interval(10, 100, Z95).unwrap();
        assert!((w.lower - 0.0552).abs() < 1e-4 && (w.upper - 0.1744).abs() < 1e-4);
        assert_eq!(wilson_interval(0, 0, Z95), None);
    }

    /// 100/1000 vs 130/1000: pooled p = 0.115, SE = 0.0142671, z = 2.10274, p = 0.035488
    /// (by hand, p-value from libm erfc).
    #[test]
    fn z_test_worked_example() {
        let (z, p) = two_proportion_z_test((100, 1000), (130, 1000)).unwrap();
        assert!((z - 2.102_740_605_622_114).abs() < 1e-12);
        assert!((p - 0.035_488_450_466_474_73).abs() < 1e-12);
        assert_eq!(two_proportion_z_test((0, 0), (1, 2)), None);
        assert_eq!(two_proportion_z_test((0, 10), (0, 10)), None);
    }

    #[test]
    fn lifts() {
        let abs = absolute_lift((100, 1000), (130, 1000), Z95).unwrap();
        assert!((abs.value - 0.03).abs() < 1e-12);
        let se = (0.1f64 * 0.9 / 1000.0 + 0.13 * 0.87 / 1000.0).sqrt();
        assert!((abs.lower - (0.03 - Z95 * se)).abs() < 1e-12);
        let rel = relative_lift((100, 1000), (130, 1000), Z95).unwrap();
        assert!((rel.value - 0.3).abs() < 1e-12);
        let se = (0.87f64 / 130.0 + 0.9 / 100.0).sqrt();
        assert!((rel.upper - (1.3f64.ln() + Z95 * se).exp() + 1.0).abs() < 1e-12);
        assert!(rel.lower > -1.0 && rel.lower < 0.3 && rel.upper > 0.3);
        assert_eq!(relative_lift((0, 10), (3, 10), Z95), None);
    }

    #[test]
    fn srm_examples() {
        // 5100 vs 4900 at 50/50: χ² = 4, p = 0.0455 — fine.
        let ok = sample_ratio_mismatch(&[5100, 4900], &[0.5, 0.5], 0.001);
        assert!((ok.chi_square - 4.0).abs() < 1e-9);
        assert!((ok.p_value - 0.045_500_263_896_358_4).abs() < 1e-9);
        assert!(!ok.mismatch);
        // 5200 vs 4800: χ² = 16, p = 6.3e-5 — flagged.
        let bad = sample_ratio_mismatch(&[5200, 4800], &[0.5, 0.5], 0.001);
        assert!((bad.p_value - 6.334_248_366_623_977e-5).abs() < 1e-12);
        assert!(bad.mismatch);
        // Uneven weights honoured: 2000/8000 at 20/80 is perfect.
        assert!(sample_ratio_mismatch(&[2000, 8000], &[0.2, 0.8], 0.001).p_value > 0.999_999);
        assert!(sample_ratio_mismatch(&[1, 10], &[0.0, 1.0], 0.001).mismatch);
        assert!(!sample_ratio_mismatch(&[0, 0], &[0.5, 0.5], 0.001).mismatch);
    }
}
