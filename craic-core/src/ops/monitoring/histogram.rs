//! [`LatencyHistogram`]: fixed log-spaced buckets from 1 µs to 10 s, in nanoseconds.

use serde::{Deserialize, Serialize};

/// Mantissas (×10⁻¹) of the bucket upper bounds within one decade; adjacent ratio ≤ 25/22.
const MANTISSAS: [u64; 28] = [
    10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 25, 28, 30, 33, 36, 40, 45, 50, 55, 60, 65, 70, 75,
    80, 85, 90, 95,
];

/// Number of finite bucket upper bounds: 28 per decade for 7 decades, plus 10 s.
pub const NUM_BOUNDS: usize = MANTISSAS.len() * 7 + 1;

/// The largest finite bucket bound: 10 s in nanoseconds. Larger values go to the overflow bucket.
pub const MAX_TRACKED_NANOS: u64 = 10_000_000_000;

/// The smallest bucket bound: 1 µs in nanoseconds. Smaller values share the first bucket.
pub const MIN_TRACKED_NANOS: u64 = 1_000;

/// Worst-case relative error of [`LatencyHistogram::quantile`] for quantiles whose true value
/// lies in `[MIN_TRACKED_NANOS, MAX_TRACKED_NANOS]`: √(25/22) − 1 ≈ 6.60 % (rounded up to 6.61 %).
pub const QUANTILE_RELATIVE_ERROR: f64 = 0.0661;

const fn build_bounds() -> [u64; NUM_BOUNDS] {
    let mut out = [0u64; NUM_BOUNDS];
    let mut scale = 100u64; // mantissa 10 × 100 ns = 1 µs
    let mut d = 0;
    while d < 7 {
        let mut m = 0;
        while m < MANTISSAS.len() {
            out[d * MANTISSAS.len() + m] = MANTISSAS[m] * scale;
            m += 1;
        }
        scale *= 10;
        d += 1;
    }
    out[NUM_BOUNDS - 1] = MAX_TRACKED_NANOS;
    out
}

/// Upper bounds (inclusive, nanoseconds) of the finite buckets, ascending: 1 µs, 1.1 µs, …, 10 s.
/// Bucket `i` holds values `v` with `BOUNDS[i-1] < v ≤ BOUNDS[i]` (bucket 0: `v ≤ 1 µs`); one
/// more overflow bucket holds `v > 10 s`.
pub const BOUNDS: [u64; NUM_BOUNDS] = build_bounds();

/// The subset of [`BOUNDS`] exported as Prometheus `le` buckets: 1, 2.5 and 5 × 10ᵏ from 1 µs
/// to 5 s, then 10 s (22 buckets, plus `+Inf`).
pub const EXPORT_BOUNDS: [u64; 22] = build_export_bounds();

const fn build_export_bounds() -> [u64; 22] {
    let mut out = [0u64; 22];
    let mut scale = 1_000u64;
    let mut d = 0;
    while d < 7 {
        out[d * 3] = scale;
        out[d * 3 + 1] = scale * 5 / 2;
        out[d * 3 + 2] = scale * 5;
        scale *= 10;
        d += 1;
    }
    out[21] = MAX_TRACKED_NANOS;
    out
}

/// The bucket index of a value in nanoseconds (`NUM_BOUNDS` is the overflow bucket).
pub fn bucket_index(nanos: u64) -> usize {
    BOUNDS.partition_point(|&b| b < nanos)
}

/// A latency histogram with fixed log-spaced buckets (see [`BOUNDS`]); plain data, `Clone` and
/// serde-serializable, mergeable across threads, processes or time windows.
///
/// ```
/// use craic_core::monitoring::LatencyHistogram;
///
/// let mut h = LatencyHistogram::new();
/// for ms in 1..=100u64 {
///     h.record(ms * 1_000_000);
/// }
/// assert_eq!(h.count(), 100);
/// assert_eq!(h.sum_nanos(), 5_050_000_000);
/// let p95 = h.quantile(0.95).unwrap() as f64;
/// assert!((p95 - 95e6).abs() / 95e6 <= 0.0661);
/// assert_eq!(h.quantile(1.0), Some(100_000_000)); // the exact maximum
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHistogram")]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

#[derive(Deserialize)]
struct RawHistogram {
    counts: Vec<u64>,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

impl TryFrom<RawHistogram> for LatencyHistogram {
    type Error = String;
    fn try_from(r: RawHistogram) -> Result<Self, String> {
        if r.counts.len() != NUM_BOUNDS + 1 {
            return Err(format!(
                "histogram has {} buckets, expected {}",
                r.counts.len(),
                NUM_BOUNDS + 1
            ));
        }
        let total = r.counts.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        if total != Some(r.count) {
            return Err("histogram count does not match its buckets".into());
        }
        Ok(LatencyHistogram {
            counts: r.counts,
            count: r.count,
            sum: r.sum,
            min: r.min,
            max: r.max,
        })
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        LatencyHistogram {
            counts: vec![0; NUM_BOUNDS + 1],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    pub(crate) fn from_parts(counts: Vec<u64>, sum: u64, min: u64, max: u64) -> Self {
        debug_assert_eq!(counts.len(), NUM_BOUNDS + 1);
        let count = counts.iter().sum();
        LatencyHistogram {
            counts,
            count,
            sum,
            min,
            max,
        }
    }

    /// Records one observation of `nanos` nanoseconds.
    pub fn record(&mut self, nanos: u64) {
        self.record_n(nanos, 1);
    }

    /// Records `n` observations of `nanos` nanoseconds.
    pub fn record_n(&mut self, nanos: u64, n: u64) {
        if n == 0 {
            return;
        }
        self.counts[bucket_index(nanos)] += n;
        self.count += n;
        self.sum = self.sum.saturating_add(nanos.saturating_mul(n));
        self.min = self.min.min(nanos);
        self.max = self.max.max(nanos);
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of all observations in nanoseconds (saturating).
    pub fn sum_nanos(&self) -> u64 {
        self.sum
    }

    /// Smallest observation, if any.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest observation, if any.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// Mean in nanoseconds, if any observation.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Per-bucket counts (length [`NUM_BOUNDS`] + 1; the last is the overflow bucket).
    pub fn bucket_counts(&self) -> &[u64] {
        &self.counts
    }

    /// Number of observations `≤ bound_nanos`, exact when `bound_nanos` is one of [`BOUNDS`].
    pub fn count_le(&self, bound_nanos: u64) -> u64 {
        let i = BOUNDS.partition_point(|&b| b <= bound_nanos);
        self.counts[..i].iter().sum()
    }

    /// Estimate of the `p`-quantile (`p` in `[0, 1]`, clamped) in nanoseconds: the value of rank
    /// `max(1, ⌈p·count⌉)`. the first and last ranks give the exact minimum and maximum; otherwise the
    /// geometric midpoint of the rank's bucket, clamped to `[min, max]`, within
    /// [`QUANTILE_RELATIVE_ERROR`] of the true value for values in 1 µs ..= 10 s. `None` when
    /// empty or `p` is NaN.
    pub fn quantile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if p.is_nan() {
            return None;
        }
        let p = p.clamp(0.0, 1.0);
        let rank = ((p * self.count as f64).ceil() as u64).clamp(1, self.count);
        // The extreme ranks are known exactly.
        if rank == self.count {
            return Some(self.max);
        }
        if rank == 1 {
            return Some(self.min);
        }
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let est = if i == 0 {
                    MIN_TRACKED_NANOS
                } else if i == NUM_BOUNDS {
                    self.max
                } else {
                    ((BOUNDS[i - 1] as f64) * (BOUNDS[i] as f64)).sqrt().round() as u64
                };
                return Some(est.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }

    /// Adds every observation of `other` into `self`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The observations in `self` but not in `earlier` (an earlier state of the same
    /// cumulative histogram), bucket by bucket, saturating at 0. Min and max of the difference
    /// are not recoverable: they become the bounds of the lowest and highest non-empty buckets
    /// (clamped to `self`'s min and max).
    pub fn saturating_sub(&self, earlier: &LatencyHistogram) -> LatencyHistogram {
        let counts: Vec<u64> = self
            .counts
            .iter()
            .zip(&earlier.counts)
            .map(|(a, b)| a.saturating_sub(*b))
            .collect();
        let first = counts.iter().position(|&c| c > 0);
        let last = counts.iter().rposition(|&c| c > 0);
        let (min, max) = match (first, last) {
            (Some(f), Some(l)) => {
                let lo = if f == 0 { 0 } else { BOUNDS[f - 1] + 1 };
                let hi = if l == NUM_BOUNDS { u64::MAX } else { BOUNDS[l] };
                (lo.max(self.min), hi.min(self.max))
            }
            _ => (u64::MAX, 0),
        };
        LatencyHistogram::from_parts(counts, self.sum.saturating_sub(earlier.sum), min, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn bounds_are_ascending_and_exports_are_a_subset() {
        assert_eq!(BOUNDS[0], 1_000);
        assert_eq!(BOUNDS[NUM_BOUNDS - 1], 10_000_000_000);
        assert!(BOUNDS.windows(2).all(|w| w[0] < w[1]));
        let worst = BOUNDS
            .windows(2)
            .map(|w| w[1] as f64 / w[0] as f64)
            .fold(0.0, f64::max);
        assert!(worst.sqrt() - 1.0 <= QUANTILE_RELATIVE_ERROR, "{worst}");
        assert!(EXPORT_BOUNDS.iter().all(|b| BOUNDS.contains(b)));
        assert_eq!(EXPORT_BOUNDS[1], 2_500);
        assert_eq!(EXPORT_BOUNDS[20], 5_000_000_000);
        assert_eq!(bucket_index(0), 0);
        assert_eq!(bucket_index(1_000), 0);
        assert_eq!(bucket_index(1_001), 1);
        assert_eq!(bucket_index(10_000_000_000), NUM_BOUNDS - 1);
        assert_eq!(bucket_index(10_000_000_001), NUM_BOUNDS);
    }

    fn check(samples: &mut [u64]) {
        let mut h = LatencyHistogram::new();
        for &s in samples.iter() {
            h.record(s);
        }
        samples.sort_unstable();
        let n = samples.len() as u64;
        for p in [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
            let truth = samples[rank as usize - 1] as f64;
            let est = h.quantile(p).unwrap() as f64;
            let err = (est - truth).abs() / truth;
            assert!(err <= QUANTILE_RELATIVE_ERROR, "p{p}: {est} vs {truth}");
        }
        assert_eq!(h.quantile(0.0), Some(samples[0]));
        assert_eq!(h.quantile(1.0), Some(*samples.last().unwrap()));
        assert_eq!(h.sum_nanos(), samples.iter().sum::<u64>());
    }

    #[test]
    fn quantiles_of_known_distributions() {
        let mut rng = SplitMix64::new(1);
        // Uniform 1 ms ..= 100 ms.
        let mut u: Vec<u64> = (0..50_000)
            .map(|_| 1_000_000 + rng.below(99_000_001))
            .collect();
        check(&mut u);
        // Log-normal around 2 ms (spanning µs to seconds).
        let mut ln: Vec<u64> = (0..50_000)
            .map(|_| ((2e6f64.ln() + 1.5 * rng.normal()).exp() as u64).clamp(1_000, 10_000_000_000))
            .collect();
        check(&mut ln);
        // Exact: 1..=100 ms — p50 is rank 50 = 50 ms, p99 rank 99 = 99 ms.
        let mut h = LatencyHistogram::new();
        (1..=100u64).for_each(|ms| h.record(ms * 1_000_000));
        let p50 = h.quantile(0.5).unwrap() as f64;
        assert!((p50 - 50e6).abs() / 50e6 <= QUANTILE_RELATIVE_ERROR);
        let p99 = h.quantile(0.99).unwrap() as f64;
        assert!((p99 - 99e6).abs() / 99e6 <= QUANTILE_RELATIVE_ERROR);
        assert_eq!(LatencyHistogram::new().quantile(0.5), None);
        // A single value is returned exactly.
        let mut one = LatencyHistogram::new();
        one.record(123_456);
        assert_eq!(one.quantile(0.5), Some(123_456));
    }

    #[test]
    fn merge_and_subtract() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        a.record(5_000);
        a.record_n(2_000_000, 3);
        b.record(20_000_000_000);
        let mut m = a.clone();
        m.merge(&b);
        assert_eq!(m.count(), 5);
        assert_eq!(m.max(), Some(20_000_000_000));
        assert_eq!(m.min(), Some(5_000));
        assert_eq!(m.count_le(10_000_000_000), 4);
        assert_eq!(m.bucket_counts()[NUM_BOUNDS], 1);
        let d = m.saturating_sub(&a);
        assert_eq!(d.count(), 1);
        assert_eq!(d.sum_nanos(), 20_000_000_000);
        assert_eq!(d.quantile(0.5), Some(20_000_000_000));
        assert_eq!(m.saturating_sub(&m).count(), 0);
    }

    #[test]
    fn serde_round_trip_validates() {
        let mut h = LatencyHistogram::new();
        h.record(42_000);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<LatencyHistogram>(&json).unwrap(), h);
        let bad = json.replace("\"count\":1", "\"count\":2");
        assert!(serde_json::from_str::<LatencyHistogram>(&bad).is_err());
        assert!(serde_json::from_str::<LatencyHistogram>(
            r#"{"counts":[1],"count":1,"sum":1,"min":1,"max":1}"#
        )
        .is_err());
    }
}
