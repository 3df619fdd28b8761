//! The learned blend's weight search: a held-out user's candidates with every component's
//! value ([`Sample`]), the NDCG@10 of ranking them under one weight vector (new events weighed
//! against known ones, [`new_event_gain`]), and the per-bucket search of the weight simplex
//! ([`bucket_reports`]; which point a bucket takes is `model::learned_choice`). What is held out
//! and who is sampled is `model::learned_fit`.

use rayon::prelude::*;

use crate::model::learned::{BucketReport, N};
use crate::model::learned_choice::{choose, GROUPS};
use crate::model::learned_fit::Bounds;

/// Ranks are judged at this depth.
pub(super) const DEPTH: usize = 10;

/// One held-out user: component values of their candidates, which are relevant (and whether
/// each was new at the cut), each candidate's item group, and how many relevant events were
/// known and new at the cut, in all and per item group (`model::learned_choice`).
pub(super) struct Sample {
    pub values: Vec<[f64; N]>,
    pub relevant: Vec<Relevant>,
    pub group: Vec<u8>,
    pub known: usize,
    pub new: usize,
    /// Per item group, (known, new) relevant events.
    pub by_group: [(usize, usize); GROUPS],
}

/// Whether a candidate is relevant, and if so whether anyone had engaged with it before the cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Relevant {
    No,
    Known,
    New,
}

pub(super) fn gain(rank: usize) -> f64 {
    1.0 / ((rank + 2) as f64).log2()
}

impl Sample {
    /// NDCG@10 of ranking the candidates by `w · values` (positive totals only, best first,
    /// ties to the earlier candidate), a relevant event new at the cut counting `new_gain`
    /// times a known one (see [`new_event_gain`]). Only the relevant candidates' ranks
    /// matter, so each is counted — the candidates ahead of it, stopping at [`DEPTH`] — rather
    /// than sorting every candidate: the same value as [`Sample::ndcg_by_sorting`], several
    /// times faster (this is the inner loop of the weight grid).
    pub(super) fn ndcg(&self, w: &[f64; N], new_gain: f64, totals: &mut Vec<f64>) -> f64 {
        self.dcg(w, new_gain, totals).0 / self.ideal(new_gain)
    }

    /// The DCG of [`Sample::ndcg`] (before dividing by the ideal), in all and per item group
    /// of the relevant candidates (the DCG without a group's events is the total less the
    /// group's: dropping relevance moves no candidate).
    pub(super) fn dcg(
        &self,
        w: &[f64; N],
        new_gain: f64,
        totals: &mut Vec<f64>,
    ) -> (f64, [f64; GROUPS]) {
        totals.clear();
        totals.extend(
            self.values
                .iter()
                .map(|v| v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()),
        );
        // The ranks of the relevant candidates in the top DEPTH (distinct, so at most DEPTH)
        // with their values, summed best first as the sorting reference does, so the two
        // agree to the bit.
        let (mut ranks, mut hits) = ([(0usize, 0.0f64, 0u8); DEPTH], 0);
        for (r, &t) in totals.iter().enumerate() {
            let value = match self.relevant[r] {
                Relevant::No => continue,
                Relevant::Known => 1.0,
                Relevant::New => new_gain,
            };
            if t <= 0.0 {
                continue;
            }
            // Ahead of candidate r: a higher total, or the same total earlier.
            let mut ahead = 0;
            for (n, &x) in totals.iter().enumerate() {
                if x > t || (x == t && n < r) {
                    ahead += 1;
                    if ahead == DEPTH {
                        break;
                    }
                }
            }
            if ahead < DEPTH {
                ranks[hits] = (ahead, value, self.group[r]);
                hits += 1;
            }
        }
        let ranks = &mut ranks[..hits];
        ranks.sort_unstable_by_key(|x| x.0);
        let (mut dcg, mut by_group) = (0.0, [0.0; GROUPS]);
        for &(r, v, g) in ranks.iter() {
            dcg += gain(r) * v;
            by_group[g as usize] += gain(r) * v;
        }
        (dcg, by_group)
    }

    /// [`Sample::ndcg`] by ranking every candidate (the reference its tests compare with).
    #[cfg(test)]
    fn ndcg_by_sorting(&self, w: &[f64; N], new_gain: f64, buf: &mut Vec<(f64, u32)>) -> f64 {
        buf.clear();
        for (n, v) in self.values.iter().enumerate() {
            let t: f64 = v.iter().zip(w).map(|(a, b)| a * b).sum();
            if t > 0.0 {
                buf.push((t, n as u32));
            }
        }
        let by = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if buf.len() > DEPTH {
            buf.select_nth_unstable_by(DEPTH - 1, by);
            buf.truncate(DEPTH);
        }
        buf.sort_unstable_by(by);
        let value = |r: Relevant| match r {
            Relevant::No => 0.0,
            Relevant::Known => 1.0,
            Relevant::New => new_gain,
        };
        let dcg: f64 = buf
            .iter()
            .enumerate()
            .map(|(r, x)| gain(r) * value(self.relevant[x.1 as usize]))
            .sum();
        dcg / self.ideal(new_gain)
    }

    /// The best DCG possible: the higher-valued kind of relevant event first.
    pub(super) fn ideal(&self, new_gain: f64) -> f64 {
        ideal_dcg(self.known, self.new, new_gain)
    }
}

/// The best DCG of `known` and `new` relevant events, the higher-valued kind first.
pub(super) fn ideal_dcg(known: usize, new: usize, new_gain: f64) -> f64 {
    let (first, second) = if new_gain >= 1.0 {
        ((new, new_gain), (known, 1.0))
    } else {
        ((known, 1.0), (new, new_gain))
    };
    (0..(first.0 + second.0).min(DEPTH))
        .map(|r| gain(r) * if r < first.0 { first.1 } else { second.1 })
        .sum()
}

/// The most a relevant event new at the cut counts over a known one.
pub(super) const MAX_NEW_GAIN: f64 = 4.0;

/// How much more a relevant event nobody had engaged with before the cut counts than one with
/// history: known / new relevant events over every sampled user, so both kinds weigh the same in
/// the objective, clamped to `[1, MAX_NEW_GAIN]` (1 when there are none of either).
///
/// Events keep going on sale, so the share of a period's engagement on events new at its
/// start grows with the period's length and varies over time; the holdout's share is one draw
/// of it (on the long-histories world 0.19–0.31, while the test period that follows has
/// 0.34–0.40). Weighing both kinds the same keeps the blend from leaning on the components
/// that only score events with history (collaborative, item-based) because the holdout happened
/// to hold few new ones.
pub(super) fn new_event_gain(samples: &[&Sample]) -> f64 {
    let known: usize = samples.iter().map(|s| s.known).sum();
    let new: usize = samples.iter().map(|s| s.new).sum();
    if known == 0 || new == 0 {
        return 1.0;
    }
    (known as f64 / new as f64).clamp(1.0, MAX_NEW_GAIN)
}

/// Every weight vector whose entries are multiples of `1 / grid` summing to 1, vertices first;
/// the components from `active` on weigh 0.
pub(super) fn simplex(grid: u32, active: usize) -> Vec<[f64; N]> {
    fn rec(left: u32, at: usize, cur: &mut [u32; N], out: &mut Vec<[u32; N]>, active: usize) {
        if at == active - 1 {
            cur[at] = left;
            out.push(*cur);
            return;
        }
        for x in (0..=left).rev() {
            cur[at] = x;
            rec(left - x, at + 1, cur, out, active);
        }
    }
    let mut raw = Vec::new();
    rec(grid, 0, &mut [0; N], &mut raw, active);
    raw.sort_by_key(|w| std::cmp::Reverse(*w.iter().max().unwrap_or(&0)));
    raw.iter()
        .map(|w| w.map(|x| x as f64 / grid as f64))
        .collect()
}

/// Mean NDCG of every weight vector over `samples`, in parallel.
pub(super) fn grid_ndcg(samples: &[&Sample], grid: &[[f64; N]], new_gain: f64) -> Vec<f64> {
    grid.par_iter()
        .map_init(Vec::new, |buf, w| {
            let sum: f64 = samples.iter().map(|s| s.ndcg(w, new_gain, buf)).sum();
            sum / samples.len().max(1) as f64
        })
        .collect()
}

/// Per bucket, the grid point whose holdout NDCG@10 gain over the best single component is
/// surest (`model::learned_choice`; a bucket without users takes the pooled choice) and each
/// component's own NDCG; with each report, the bucket's best NDCG over the grid (what the
/// hyperparameter search compares its points by, `model::learned_tune`; 0 without users).
pub(super) fn bucket_reports(
    bounds: &[Bounds],
    per_bucket: &[Vec<Sample>],
    grid: u32,
    active: usize,
) -> Vec<(BucketReport, f64)> {
    let grid = simplex(grid, active);
    let pooled: Vec<&Sample> = per_bucket.iter().flatten().collect();
    let new_gain = new_event_gain(&pooled);
    // The pooled best only matters to a bucket without users (not computed otherwise: it
    // costs as much as every bucket's own search).
    let pooled_w = per_bucket
        .iter()
        .any(Vec::is_empty)
        .then(|| choose(&grid, &pooled, new_gain, active).0);
    bounds
        .iter()
        .zip(per_bucket)
        .map(|(&(name, lo, hi), samples)| {
            let samples: Vec<&Sample> = samples.iter().collect();
            let (w, blend_ndcg, best) = match pooled_w {
                Some(w) if samples.is_empty() => (w, 0.0, 0.0),
                _ => choose(&grid, &samples, new_gain, active),
            };
            let component_ndcg = (0..active)
                .map(|j| {
                    let mut e = [0.0; N];
                    e[j] = 1.0;
                    grid_ndcg(&samples, &[e], new_gain)[0]
                })
                .collect();
            let report = BucketReport {
                name: name.to_owned(),
                min_history: lo,
                max_history: hi,
                users: samples.len(),
                weights: w[..active].to_vec(),
                component_ndcg,
                blend_ndcg,
            };
            (report, best)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use proptest::prelude::*;

    /// Per event group, `known` and `new` relevant events all in the first group.
    fn in_group_zero(known: usize, new: usize) -> [(usize, usize); GROUPS] {
        let mut g = [(0, 0); GROUPS];
        g[0] = (known, new);
        g
    }

    /// A user with `known` and `new` relevant events, two candidates: a known relevant one
    /// scored by the first component, a new relevant one by the second.
    fn two_kinds(known: usize, new: usize) -> Sample {
        let mut a = [0.0; N];
        a[0] = 1.0;
        let mut b = [0.0; N];
        b[1] = 1.0;
        Sample {
            values: vec![a, b],
            relevant: vec![Relevant::Known, Relevant::New],
            group: vec![0, 1],
            known,
            new,
            by_group: in_group_zero(known, new),
        }
    }

    #[test]
    fn a_new_event_counts_new_gain_times_a_known_one() {
        let s = two_kinds(1, 1);
        let (mut known_first, mut new_first) = ([0.0; N], [0.0; N]);
        known_first[..2].copy_from_slice(&[0.6, 0.4]);
        new_first[..2].copy_from_slice(&[0.4, 0.6]);
        let buf = &mut Vec::new();
        // Equal weight: either order is the same DCG.
        assert_eq!(s.ndcg(&known_first, 1.0, buf), s.ndcg(&new_first, 1.0, buf));
        // A new event worth 3: new first is ideal, known first loses.
        assert!((s.ndcg(&new_first, 3.0, buf) - 1.0).abs() < 1e-12);
        let expected = (1.0 + 3.0 * gain(1)) / (3.0 + gain(1));
        assert!((s.ndcg(&known_first, 3.0, buf) - expected).abs() < 1e-12);
    }

    #[test]
    fn the_new_event_gain_balances_the_two_kinds_within_bounds() {
        let gain_of = |pairs: &[(usize, usize)]| {
            let samples: Vec<Sample> = pairs.iter().map(|&(k, n)| two_kinds(k, n)).collect();
            new_event_gain(&samples.iter().collect::<Vec<_>>())
        };
        assert_eq!(gain_of(&[(3, 1), (3, 1)]), 3.0);
        assert_eq!(gain_of(&[(5, 2), (1, 1)]), 2.0);
        // More new than known: no down-weighting; none of a kind: no reweighting.
        assert_eq!(gain_of(&[(1, 4)]), 1.0);
        assert_eq!(gain_of(&[(4, 0)]), 1.0);
        assert_eq!(gain_of(&[(0, 4)]), 1.0);
        assert_eq!(gain_of(&[]), 1.0);
        assert_eq!(gain_of(&[(100, 1)]), MAX_NEW_GAIN);
    }

    proptest! {
        /// NDCG stays in [0, 1] whatever the weights, the relevance and the new-event gain.
        #[test]
        fn ndcg_is_a_share_of_the_ideal(
            cands in prop::collection::vec((prop::array::uniform5(0.0..1.0f64), 0u8..3), 1..30),
            extra in (0usize..5, 0usize..5),
            w in prop::array::uniform5(0.0..1.0f64),
            new_gain in 1.0..MAX_NEW_GAIN,
        ) {
            let relevant: Vec<Relevant> = cands
                .iter()
                .map(|c| [Relevant::No, Relevant::Known, Relevant::New][c.1 as usize])
                .collect();
            let count = |r| relevant.iter().filter(|&&x| x == r).count();
            let (known, new) = (count(Relevant::Known) + extra.0, count(Relevant::New) + extra.1);
            let s = Sample {
                values: cands.iter().map(|c| c.0).collect(),
                group: vec![0; cands.len()],
                known,
                new,
                by_group: in_group_zero(known, new),
                relevant,
            };
            if s.known + s.new > 0 {
                let x = s.ndcg(&w, new_gain, &mut Vec::new());
                prop_assert!((0.0..=1.0 + 1e-12).contains(&x), "{x}");
            }
        }
    }

    /// The counting NDCG equals the sorting one on random samples, ties and non-positive
    /// totals included (values drawn from a few levels so ties are common).
    #[test]
    fn ndcg_by_counting_equals_ndcg_by_sorting() {
        let mut rng = SplitMix64::new(7);
        let (mut totals, mut buf) = (Vec::new(), Vec::new());
        for _ in 0..500 {
            let n = 1 + rng.below(40) as usize;
            let level = |rng: &mut SplitMix64| rng.below(5) as f64 / 4.0 - 0.25;
            let values: Vec<[f64; N]> = (0..n)
                .map(|_| std::array::from_fn(|_| level(&mut rng)))
                .collect();
            let relevant: Vec<Relevant> = (0..n)
                .map(|_| match rng.below(4) {
                    0 => Relevant::Known,
                    1 => Relevant::New,
                    _ => Relevant::No,
                })
                .collect();
            let count = |k: Relevant| relevant.iter().filter(|&&r| r == k).count();
            let (known, new) = (count(Relevant::Known), count(Relevant::New));
            if known + new == 0 {
                continue; // a sampled user always has a relevant event
            }
            let s = Sample {
                group: (0..n).map(|_| rng.below(GROUPS as u64) as u8).collect(),
                values,
                relevant,
                known,
                new,
                by_group: in_group_zero(known, new),
            };
            for _ in 0..5 {
                let w: [f64; N] = std::array::from_fn(|_| level(&mut rng) + 0.25);
                let new_gain = 1.0 + rng.below(4) as f64 / 2.0;
                assert_eq!(
                    s.ndcg(&w, new_gain, &mut totals),
                    s.ndcg_by_sorting(&w, new_gain, &mut buf)
                );
                // The groups' DCGs add up to the whole.
                let (dcg, by_group) = s.dcg(&w, new_gain, &mut totals);
                assert!((by_group.iter().sum::<f64>() - dcg).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn the_simplex_has_every_split_and_vertices_first() {
        let g = simplex(2, N - 1);
        assert_eq!(g.len(), 10); // C(2 + 3, 3)
        assert!(g[..N - 1].iter().all(|w| w.contains(&1.0)));
        assert!(g.iter().all(|w| w[N - 1] == 0.0));
        assert_eq!(simplex(2, N).len(), 15); // C(2 + 4, 4)
        assert!(g
            .iter()
            .all(|w| (w.iter().sum::<f64>() - 1.0).abs() < 1e-12));
    }
}
