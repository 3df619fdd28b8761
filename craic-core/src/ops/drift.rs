//! Population stability index (PSI) between a reference and a current distribution.
//!
//! `PSI = Σᵢ (cᵢ − rᵢ) · ln(cᵢ / rᵢ)` over bins `i`, where `rᵢ` and `cᵢ` are the reference and
//! current shares of bin `i`. Each term is ≥ 0, and PSI is 0 exactly when the shares agree.
//!
//! **Smoothing.** A bin that is empty on one side would make its term infinite, so every share
//! is floored at [`EPSILON`] (10⁻⁴) and the shares of each side are then renormalised to sum
//! to one. Bins that are non-empty on both sides with shares above the floor are only affected by
//! that renormalisation, and identical distributions still give exactly 0.
//!
//! **Thresholds** (the customary reading of PSI in credit scoring and model monitoring):
//! below [`PSI_MODERATE`] (0.1) the population is stable; from 0.1 to below
//! [`PSI_SIGNIFICANT`] (0.25) it has shifted moderately (watch it); from 0.25 on the shift is
//! significant (investigate, consider retraining). See [`DriftLevel`].
//!
//! **Numeric features** are binned at the reference's quantiles ([`QuantileBins`], 10 bins by
//! default), so each bin holds about a tenth of the reference. Store the bins (they are serde
//! data) with the model, then compare later traffic against the stored reference counts.
//!
//! ```
//! use craic_core::drift::{psi_categorical, DriftLevel};
//!
//! let reference = [("music", 50.0), ("sport", 50.0)];
//! let current = [("music", 25.0), ("sport", 75.0)];
//! let r = psi_categorical(&reference, &current).unwrap();
//! // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.2746…
//! assert!((r.psi - 0.274_653).abs() < 1e-6);
//! assert_eq!(r.level, DriftLevel::Significant);
//! assert_eq!(psi_categorical(&reference, &reference).unwrap().psi, 0.0);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::limits::MAX_DRIFT_BINS;
use crate::model::error::{Error, Result};

/// Floor applied to every bin share before renormalising (see the module docs).
pub const EPSILON: f64 = 1e-4;
/// PSI from which a shift counts as moderate.
pub const PSI_MODERATE: f64 = 0.1;
/// PSI from which a shift counts as significant.
pub const PSI_SIGNIFICANT: f64 = 0.25;
/// Default number of quantile bins for numeric features.
pub const DEFAULT_BINS: usize = 10;

/// How large a PSI is, by [`PSI_MODERATE`] and [`PSI_SIGNIFICANT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftLevel {
    /// PSI < 0.1.
    Stable,
    /// 0.1 ≤ PSI < 0.25.
    Moderate,
    /// PSI ≥ 0.25.
    Significant,
}

impl DriftLevel {
    /// The stable snake_case name (`"stable"`, `"moderate"`, `"significant"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DriftLevel::Stable => "stable",
            DriftLevel::Moderate => "moderate",
            DriftLevel::Significant => "significant",
        }
    }

    /// The level of `psi`.
    pub fn of(psi: f64) -> DriftLevel {
        if psi >= PSI_SIGNIFICANT {
            DriftLevel::Significant
        } else if psi >= PSI_MODERATE {
            DriftLevel::Moderate
        } else {
            DriftLevel::Stable
        }
    }
}

/// One bin of a [`PsiReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiBin {
    /// The category, or the interval for numeric bins (`"(-inf, 1.5]"`, `"(1.5, 3]"`, …).
    pub label: String,
    /// Reference count (or weight) of the bin.
    pub reference_count: f64,
    /// Current count (or weight) of the bin.
    pub current_count: f64,
    /// Reference share after smoothing.
    pub reference_share: f64,
    /// Current share after smoothing.
    pub current_share: f64,
    /// This bin's term of the sum, ≥ 0.
    pub contribution: f64,
}

/// A PSI with its per-bin contributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsiReport {
    /// The population stability index (sum of the contributions).
    pub psi: f64,
    /// Its level.
    pub level: DriftLevel,
    /// The bins, in category order (sorted) or interval order.
    pub bins: Vec<PsiBin>,
}

fn check_count(what: &str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Error::weight(what, v))
    }
}

fn smoothed_shares(counts: &[f64]) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    let floored: Vec<f64> = counts.iter().map(|c| (c / total).max(EPSILON)).collect();
    let norm: f64 = floored.iter().sum();
    floored.into_iter().map(|s| s / norm).collect()
}

/// PSI of two count vectors over the same bins (`labels[i]` names bin `i`). Counts must be
/// finite and ≥ 0, both totals positive, and all three slices of one length ≥ 1.
pub fn psi_from_counts(labels: &[String], reference: &[f64], current: &[f64]) -> Result<PsiReport> {
    if reference.len() != current.len() || labels.len() != reference.len() || labels.is_empty() {
        return Err(Error::InvalidConfig(format!(
            "PSI needs equally many bins on both sides (labels {}, reference {}, current {})",
            labels.len(),
            reference.len(),
            current.len()
        )));
    }
    for (side, counts) in [("reference", reference), ("current", current)] {
        for &c in counts {
            check_count(&format!("{side} count"), c)?;
        }
        let total: f64 = counts.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return Err(Error::weight(format!("{side} total"), total));
        }
    }
    let r = smoothed_shares(reference);
    let c = smoothed_shares(current);
    let bins: Vec<PsiBin> = (0..labels.len())
        .map(|i| PsiBin {
            label: labels[i].clone(),
            reference_count: reference[i],
            current_count: current[i],
            reference_share: r[i],
            current_share: c[i],
            contribution: if r[i] == c[i] {
                0.0
            } else {
                (c[i] - r[i]) * (c[i] / r[i]).ln()
            },
        })
        .collect();
    let psi = bins.iter().map(|b| b.contribution).sum();
    Ok(PsiReport {
        psi,
        level: DriftLevel::of(psi),
        bins,
    })
}

/// PSI of two categorical distributions given as `(category, count or weight)` pairs.
/// Categories are the union of both sides (a category missing on one side has count 0);
/// repeated categories add up. Bins are reported in sorted category order.
pub fn psi_categorical<S: AsRef<str>>(
    reference: &[(S, f64)],
    current: &[(S, f64)],
) -> Result<PsiReport> {
    let mut table: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (k, v) in reference {
        table.entry(k.as_ref()).or_default().0 += check_count("reference count", *v)?;
    }
    for (k, v) in current {
        table.entry(k.as_ref()).or_default().1 += check_count("current count", *v)?;
    }
    let labels: Vec<String> = table.keys().map(|k| k.to_string()).collect();
    let r: Vec<f64> = table.values().map(|v| v.0).collect();
    let c: Vec<f64> = table.values().map(|v| v.1).collect();
    psi_from_counts(&labels, &r, &c)
}

/// Bins of a numeric feature, cut at quantiles of a reference sample; plain serde data to store
/// with a model. Bin `i` is `(edges[i-1], edges[i]]`, with `-inf` and `+inf` at the ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantileBins {
    edges: Vec<f64>,
}

fn fmt_edge(e: f64) -> String {
    if e == f64::INFINITY {
        "inf".into()
    } else if e == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        format!("{e}")
    }
}

impl QuantileBins {
    /// Up to `bins` bins with edges at the reference's `k/bins` quantiles (nearest rank), so each
    /// holds about `1/bins` of the reference; tied quantiles merge bins. Errors on an empty
    /// reference, `bins` outside `1..=`[`MAX_DRIFT_BINS`] or a NaN value.
    pub fn from_reference(reference: &[f64], bins: usize) -> Result<QuantileBins> {
        if bins == 0 || bins > MAX_DRIFT_BINS || reference.is_empty() {
            return Err(Error::InvalidConfig(format!(
                "quantile bins need 1 ≤ bins ≤ {MAX_DRIFT_BINS} and a non-empty reference"
            )));
        }
        if let Some(&v) = reference.iter().find(|v| v.is_nan()) {
            return Err(Error::weight("reference value", v));
        }
        let mut sorted = reference.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let mut edges: Vec<f64> = (1..bins)
            .map(|k| sorted[(k * n).div_ceil(bins).max(1) - 1])
            .collect();
        edges.dedup();
        // An edge at the maximum would leave the last bin empty for the reference itself.
        if edges.last() == sorted.last() {
            edges.pop();
        }
        Ok(QuantileBins { edges })
    }

    /// Bins with the given inner edges (ascending, no NaN; duplicates removed).
    pub fn from_edges(mut edges: Vec<f64>) -> Result<QuantileBins> {
        if let Some(&v) = edges.iter().find(|v| v.is_nan()) {
            return Err(Error::weight("bin edge", v));
        }
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        Ok(QuantileBins { edges })
    }

    /// The inner edges, ascending.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Number of bins (`edges().len() + 1`).
    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }

    /// Always false: there is at least one bin.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bin of `x` (NaN goes to the last bin).
    pub fn bin_of(&self, x: f64) -> usize {
        self.edges.partition_point(|&e| e < x)
    }

    /// Counts of `values` per bin.
    pub fn counts(&self, values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        for &v in values {
            out[self.bin_of(v)] += 1.0;
        }
        out
    }

    /// Interval labels: `"(-inf, e0]"`, `"(e0, e1]"`, …, `"(eN, inf)"`.
    pub fn labels(&self) -> Vec<String> {
        let mut lo = f64::NEG_INFINITY;
        let mut out = Vec::with_capacity(self.len());
        for &e in &self.edges {
            out.push(format!("({}, {}]", fmt_edge(lo), fmt_edge(e)));
            lo = e;
        }
        out.push(format!("({}, inf)", fmt_edge(lo)));
        out
    }

    /// PSI of `current` values against stored reference counts per bin (as from
    /// [`QuantileBins::counts`] of the reference).
    pub fn psi(&self, reference_counts: &[f64], current: &[f64]) -> Result<PsiReport> {
        psi_from_counts(&self.labels(), reference_counts, &self.counts(current))
    }
}

/// PSI of a numeric feature: bins at `bins` reference quantiles ([`QuantileBins`]), then
/// [`psi_from_counts`]. Errors on empty input or NaN values.
pub fn psi_numeric(reference: &[f64], current: &[f64], bins: usize) -> Result<PsiReport> {
    if let Some(&v) = current.iter().find(|v| v.is_nan()) {
        return Err(Error::weight("current value", v));
    }
    let q = QuantileBins::from_reference(reference, bins)?;
    q.psi(&q.counts(reference), current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// Before: a huge `bins` sized the edge vector before anything was checked.
    #[test]
    fn bins_are_bounded() {
        for bins in [0, MAX_DRIFT_BINS + 1, usize::MAX] {
            let e = QuantileBins::from_reference(&[1.0, 2.0], bins).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidConfig);
        }
        QuantileBins::from_reference(&[1.0, 2.0], MAX_DRIFT_BINS).unwrap();
    }

    #[test]
    fn identical_distributions_give_zero() {
        let a = [("a", 3.0), ("b", 0.0), ("c", 7.0)];
        let r = psi_categorical(&a, &a).unwrap();
        assert_eq!(r.psi, 0.0);
        assert_eq!(r.level, DriftLevel::Stable);
        assert!(r.bins.iter().all(|b| b.contribution == 0.0));
        let v: Vec<f64> = (0..1000).map(|i| (i % 37) as f64).collect();
        assert_eq!(psi_numeric(&v, &v, 10).unwrap().psi, 0.0);
        // Scale does not matter, only shares.
        let b = [("a", 30.0), ("b", 0.0), ("c", 70.0)];
        assert!(psi_categorical(&a, &b).unwrap().psi.abs() < 1e-15);
    }

    #[test]
    fn hand_computed_cases() {
        let r = psi_categorical(&[("x", 1.0), ("y", 1.0)], &[("x", 1.0), ("y", 3.0)]).unwrap();
        let want = -0.25 * 0.5f64.ln() + 0.25 * 1.5f64.ln();
        assert!((r.psi - want).abs() < 1e-12, "{} vs {want}", r.psi);
        assert!((r.bins[0].contribution - (-0.25 * 0.5f64.ln())).abs() < 1e-12);
        assert_eq!(r.bins[1].label, "y");
        // Three bins: ref (0.2, 0.3, 0.5), cur (0.3, 0.3, 0.4).
        let r = psi_from_counts(
            &["a".into(), "b".into(), "c".into()],
            &[2.0, 3.0, 5.0],
            &[3.0, 3.0, 4.0],
        )
        .unwrap();
        let want = 0.1 * 1.5f64.ln() + 0.0 + -0.1 * 0.8f64.ln();
        assert!((r.psi - want).abs() < 1e-12);
        assert_eq!(r.level, DriftLevel::Stable);
    }

    #[test]
    fn empty_bins_are_smoothed() {
        // A category that vanished: reference share 0.5 vs current floor.
        let r = psi_categorical(&[("a", 1.0), ("b", 1.0)], &[("a", 1.0)]).unwrap();
        let cur_a = 1.0 / (1.0 + EPSILON);
        let cur_b = EPSILON / (1.0 + EPSILON);
        let want = (cur_a - 0.5) * (cur_a / 0.5).ln() + (cur_b - 0.5) * (cur_b / 0.5).ln();
        assert!((r.psi - want).abs() < 1e-12);
        assert!(r.psi.is_finite() && r.psi > 4.0);
        assert_eq!(r.level, DriftLevel::Significant);
        assert_eq!(r.bins[1].current_count, 0.0);
    }

    #[test]
    fn errors() {
        let empty: [(&str, f64); 0] = [];
        assert!(psi_categorical(&empty, &[("a", 1.0)]).is_err());
        assert!(psi_categorical(&[("a", -1.0)], &[("a", 1.0)]).is_err());
        assert!(psi_categorical(&[("a", f64::NAN)], &[("a", 1.0)]).is_err());
        assert!(psi_categorical(&[("a", 0.0)], &[("a", 1.0)]).is_err());
        assert!(psi_numeric(&[], &[1.0], 10).is_err());
        assert!(psi_numeric(&[1.0], &[f64::NAN], 10).is_err());
        assert!(psi_numeric(&[1.0], &[1.0], 0).is_err());
        assert!(psi_from_counts(&["a".into()], &[1.0, 2.0], &[1.0]).is_err());
    }

    #[test]
    fn quantile_bins() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let q = QuantileBins::from_reference(&v, 10).unwrap();
        assert_eq!(
            q.edges(),
            &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]
        );
        assert_eq!(q.counts(&v), vec![10.0; 10]);
        assert_eq!(q.labels()[0], "(-inf, 10]");
        assert_eq!(q.labels()[9], "(90, inf)");
        assert_eq!(q.bin_of(10.0), 0);
        assert_eq!(q.bin_of(10.5), 1);
        // Heavy ties merge bins.
        let t = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        let q = QuantileBins::from_reference(&t, 10).unwrap();
        assert_eq!(q.edges(), &[1.0, 2.0]);
        assert_eq!(q.counts(&t), vec![8.0, 1.0, 1.0]);
        let one = QuantileBins::from_reference(&[5.0; 20], 10).unwrap();
        assert_eq!(one.len(), 1);
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(serde_json::from_str::<QuantileBins>(&json).unwrap(), q);
    }

    #[test]
    fn shifted_normal_drifts() {
        let mut rng = SplitMix64::new(3);
        let reference: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let same: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let shifted: Vec<f64> = (0..20_000).map(|_| rng.normal() + 0.5).collect();
        let stable = psi_numeric(&reference, &same, DEFAULT_BINS).unwrap();
        assert_eq!(stable.level, DriftLevel::Stable);
        assert!(stable.psi < 0.01, "{}", stable.psi);
        let moved = psi_numeric(&reference, &shifted, DEFAULT_BINS).unwrap();
        // A half-sigma shift of a normal has PSI ≈ 0.25 (≈ shift² for 10 quantile bins).
        assert!(moved.psi > 0.18 && moved.psi < 0.3, "{}", moved.psi);
        assert_eq!(moved.bins.len(), 10);
        let total: f64 = moved.bins.iter().map(|b| b.contribution).sum();
        assert!((total - moved.psi).abs() < 1e-12);
    }
}
