//! Weighted sampling helpers of the generator: cumulative weights, picks, Zipf weights,
//! shuffles and start-time windows of items.

use crate::rng::SplitMix64;

/// Cumulative weights of a time-sorted list of items, for sampling in a start-time window.
#[derive(Debug, Default)]
pub(super) struct Channel {
    pub(super) starts: Vec<i64>,
    pub(super) members: Vec<u32>,
    cum: Vec<f64>,
}

impl Channel {
    pub(super) fn build(mut entries: Vec<(i64, u32, f64)>) -> Self {
        entries.sort_unstable_by_key(|e| (e.0, e.1));
        let mut cum = Vec::with_capacity(entries.len() + 1);
        let mut total = 0.0;
        cum.push(0.0);
        for e in &entries {
            total += e.2.max(0.0);
            cum.push(total);
        }
        Channel {
            starts: entries.iter().map(|e| e.0).collect(),
            members: entries.iter().map(|e| e.1).collect(),
            cum,
        }
    }

    /// An item starting in `(after, until]`, drawn ∝ weight.
    pub(super) fn sample(&self, rng: &mut SplitMix64, after: i64, until: i64) -> Option<u32> {
        let lo = self.starts.partition_point(|&s| s <= after);
        let hi = self.starts.partition_point(|&s| s <= until);
        sample_cum(&self.cum, lo, hi, rng).map(|j| self.members[j])
    }
}

/// Index in `lo..hi` drawn ∝ `cum[j + 1] - cum[j]`, or `None` when the range has no weight.
pub(super) fn sample_cum(cum: &[f64], lo: usize, hi: usize, rng: &mut SplitMix64) -> Option<usize> {
    if lo >= hi || hi >= cum.len() {
        return None;
    }
    let total = cum[hi] - cum[lo];
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let x = cum[lo] + rng.next_f64() * total;
    let j = lo + cum[lo + 1..=hi].partition_point(|&c| c <= x);
    Some(j.min(hi - 1))
}

/// Cumulative array of `weights` (with a leading 0).
pub(super) fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut cum = vec![0.0];
    let mut total = 0.0;
    for w in weights {
        total += w;
        cum.push(total);
    }
    cum
}

pub(super) fn pick(cum: &[f64], rng: &mut SplitMix64) -> usize {
    sample_cum(cum, 0, cum.len().saturating_sub(1), rng).unwrap_or(0)
}

/// Up to `n` distinct indices drawn ∝ weight (rejection of repeats, bounded tries).
pub(super) fn pick_distinct(cum: &[f64], n: usize, rng: &mut SplitMix64) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(n);
    for _ in 0..n * 8 {
        if out.len() >= n {
            break;
        }
        let j = pick(cum, rng) as u32;
        if !out.contains(&j) {
            out.push(j);
        }
    }
    out
}

pub(super) fn zipf_weights(n: usize, exponent: f64) -> Vec<f64> {
    (0..n)
        .map(|r| 1.0 / ((r + 1) as f64).powf(exponent))
        .collect()
}

pub(super) fn shuffled(n: usize, rng: &mut SplitMix64) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}
