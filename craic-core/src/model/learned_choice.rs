//! Which weight vector a bucket of the learned blend takes: the one whose holdout gain over the
//! best single component is surest — the largest lower confidence bound, gain − [`Z`] standard
//! errors — and that component alone when no blend's bound is above 0.
//!
//! The argmax of the holdout NDCG is what the fit took before; it overfits the holdout when the
//! holdout is noisy, and the noise of a holdout NDCG has two sources: which users were sampled,
//! and which events happened to be engaged with in the held-out period. The second dominates in a
//! small world: every sampled user ranks the same few upcoming events, so one event's fortunes
//! move every user's NDCG together, and the users' spread alone understates the noise several
//! times over (on `long-histories` at the test size, 250 users and 400 events, the argmax's
//! gain over content was 2–4 standard errors by users, under 1 once events are counted, and
//! content alone did better after the cut). So the standard error adds to the users' spread a
//! jackknife over [`GROUPS`] groups of events (by a hash of the event): the gain recomputed with
//! each group's relevant events left out. Leaving events out moves no candidate, so one ranking
//! per user and weight vector gives every replicate ([`Sample::dcg`]): the choice costs about
//! what the argmax did.

use rayon::prelude::*;

use crate::model::learned::N;
use crate::model::learned_weights::{grid_ndcg, ideal_dcg, Sample};

/// Event groups of the jackknife.
pub(super) const GROUPS: usize = 10;

/// Standard errors a blend's gain over the best single component is discounted by. 0.5 is the
/// smallest of 0.35, 0.5, 0.75, 1 that keeps the learned hybrid ≥ 0.98 × its best component on
/// every synthetic world, seeds 1–5 (`docs/evaluation.md`); a larger one costs more of the
/// blends' gains on the other worlds.
const Z: f64 = 0.5;

/// The jackknife group of the event at catalogue index `item` (a multiplicative hash, so
/// neighbouring indices, often events of one period, spread over the groups).
pub(super) fn group_of(item: u32) -> u8 {
    ((u64::from(item.wrapping_mul(0x9E37_79B1)) * GROUPS as u64) >> 32) as u8
}

/// A sampled user's ideal DCG in all and without each group's relevant events (0: none left).
struct Ideal {
    all: f64,
    without: [f64; GROUPS],
}

impl Ideal {
    fn of(s: &Sample, new_gain: f64) -> Ideal {
        Ideal {
            all: s.ideal(new_gain),
            without: std::array::from_fn(|g| {
                let (known, new) = s.by_group[g];
                ideal_dcg(s.known - known, s.new - new, new_gain)
            }),
        }
    }
}

/// The reference ranking's DCG per user, in all and per group.
type Reference = Vec<(f64, [f64; GROUPS])>;

/// A weight vector's mean NDCG, its mean gain over the reference, and the standard error of
/// that gain (users' spread and the jackknife over event groups; infinite with one user).
fn judged(
    samples: &[&Sample],
    ideals: &[Ideal],
    reference: &Reference,
    w: &[f64; N],
    new_gain: f64,
    buf: &mut Vec<f64>,
) -> (f64, f64, f64) {
    let (mut sum, mut d_sum, mut d_sq) = (0.0, 0.0, 0.0);
    let (mut rep_sum, mut rep_n) = ([0.0; GROUPS], [0usize; GROUPS]);
    for ((s, ideal), (r_all, r_group)) in samples.iter().zip(ideals).zip(reference) {
        let (dcg, by_group) = s.dcg(w, new_gain, buf);
        sum += dcg / ideal.all;
        let d = (dcg - r_all) / ideal.all;
        d_sum += d;
        d_sq += d * d;
        for g in 0..GROUPS {
            if ideal.without[g] > 0.0 {
                rep_sum[g] += (dcg - by_group[g] - r_all + r_group[g]) / ideal.without[g];
                rep_n[g] += 1;
            }
        }
    }
    let n = samples.len() as f64;
    let gain = d_sum / n;
    let user_var = if n > 1.0 {
        (d_sq - n * gain * gain).max(0.0) / (n - 1.0) / n
    } else {
        f64::INFINITY
    };
    // A group no user has relevant events in replicates the gain itself.
    let reps: [f64; GROUPS] = std::array::from_fn(|g| match rep_n[g] {
        0 => gain,
        m => rep_sum[g] / m as f64,
    });
    let rep_mean = reps.iter().sum::<f64>() / GROUPS as f64;
    let group_var = reps.iter().map(|x| (x - rep_mean).powi(2)).sum::<f64>() * (GROUPS - 1) as f64
        / GROUPS as f64;
    (sum / n, gain, (user_var + group_var).sqrt())
}

/// The weight vector of `grid` (vertices first, in component order) a bucket with `samples`
/// (not empty) takes, its mean NDCG, and the best mean NDCG of any vector: the largest lower
/// bound of the gain over the best of the first `active` vertices, that vertex when no bound is
/// above 0; ties to the first.
pub(super) fn choose(
    grid: &[[f64; N]],
    samples: &[&Sample],
    new_gain: f64,
    active: usize,
) -> ([f64; N], f64, f64) {
    let corners = grid_ndcg(samples, &grid[..active], new_gain);
    let mut c = 0;
    for (j, &x) in corners.iter().enumerate() {
        if x > corners[c] {
            c = j;
        }
    }
    let ideals: Vec<Ideal> = samples.iter().map(|s| Ideal::of(s, new_gain)).collect();
    let mut buf = Vec::new();
    let reference: Reference = samples
        .iter()
        .map(|s| s.dcg(&grid[c], new_gain, &mut buf))
        .collect();
    let bounds: Vec<(f64, f64)> = grid
        .par_iter()
        .map_init(Vec::new, |buf, w| {
            let (ndcg, gain, se) = judged(samples, &ideals, &reference, w, new_gain, buf);
            (ndcg, gain - Z * se)
        })
        .collect();
    // The best vertex's own bound is 0 (no gain, no spread).
    let mut at = c;
    for (n, &(_, bound)) in bounds.iter().enumerate() {
        if bound > bounds[at].1 {
            at = n;
        }
    }
    let best = bounds.iter().map(|b| b.0).fold(f64::MIN, f64::max);
    (grid[at], bounds[at].0, best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::learned_weights::Relevant;

    /// One user whose single relevant (known) candidate is `relevant`, in event group `group`.
    fn user(values: Vec<[f64; N]>, relevant: usize, group: u8) -> Sample {
        let mut by_group = [(0, 0); GROUPS];
        by_group[group as usize].0 = 1;
        Sample {
            relevant: (0..values.len())
                .map(|i| {
                    if i == relevant {
                        Relevant::Known
                    } else {
                        Relevant::No
                    }
                })
                .collect(),
            group: vec![group; values.len()],
            values,
            known: 1,
            new: 0,
            by_group,
        }
    }

    fn v(a: f64, b: f64) -> [f64; N] {
        let mut x = [0.0; N];
        x[..2].copy_from_slice(&[a, b]);
        x
    }

    /// The first component's vertex, the second's, and their even blend.
    fn grid() -> Vec<[f64; N]> {
        vec![v(1.0, 0.0), v(0.0, 1.0), v(0.5, 0.5)]
    }

    /// 100 users: 10 whose relevant event the even blend ranks first and either component
    /// second (gain 0.37), 90 whose relevant event the first component ranks sixth and the blend
    /// seventh (loss 0.02); `gainers_group` says which event group each gainer's event is in.
    fn users(gainers_group: impl Fn(usize) -> u8) -> Vec<Sample> {
        let gainer = |i| {
            user(
                vec![v(1.0, 0.0), v(0.0, 1.0), v(0.6, 0.6)],
                2,
                gainers_group(i),
            )
        };
        let loser = |i: usize| {
            let mut values = vec![v(1.0, 1.0); 5];
            values.extend([v(0.9, 0.0), v(0.0, 1.0)]);
            user(values, 5, 1 + (i % 9) as u8)
        };
        (0..10).map(gainer).chain((0..90).map(loser)).collect()
    }

    #[test]
    fn a_gain_spread_over_many_events_is_taken() {
        let samples = users(|i| i as u8);
        let refs: Vec<&Sample> = samples.iter().collect();
        let (w, ndcg, best) = choose(&grid(), &refs, 1.0, 2);
        assert_eq!(ndcg, best);
        assert_eq!(w, v(0.5, 0.5));
        // The first component alone: 10 × 0.63 + 90 × 0.356; the blend gains 0.016.
        let alone = grid_ndcg(&refs, &grid()[..1], 1.0)[0];
        assert!(ndcg > alone + 0.01, "{ndcg} {alone}");
    }

    /// The same NDCGs, but every gainer's event in one group: by the users' spread alone the
    /// blend's gain is over 1.3 standard errors (it would be taken), but its standard error with
    /// the event jackknife is over 3 times that, and the first component alone is kept.
    #[test]
    fn a_gain_that_rests_on_one_group_of_events_is_noise() {
        let samples = users(|_| 0);
        let refs: Vec<&Sample> = samples.iter().collect();
        let ideals: Vec<Ideal> = refs.iter().map(|s| Ideal::of(s, 1.0)).collect();
        let buf = &mut Vec::new();
        let (alone, blend) = (v(1.0, 0.0), v(0.5, 0.5));
        let reference: Reference = refs.iter().map(|s| s.dcg(&alone, 1.0, buf)).collect();
        let (_, gain, se) = judged(&refs, &ideals, &reference, &blend, 1.0, buf);
        let d: Vec<f64> = refs
            .iter()
            .map(|s| s.ndcg(&blend, 1.0, buf) - s.ndcg(&alone, 1.0, buf))
            .collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let users_se = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
        assert!((gain - mean).abs() < 1e-12);
        assert!(
            gain > 1.3 * users_se && gain - Z * users_se > 0.0,
            "{gain} {users_se}"
        );
        assert!(se > 3.0 * users_se, "{se} {users_se}");
        assert_eq!(choose(&grid(), &refs, 1.0, 2).0, alone);
    }

    #[test]
    fn one_user_is_no_evidence_for_a_blend() {
        let samples = users(|i| i as u8);
        let (w, ndcg, best) = choose(&grid(), &[&samples[0]], 1.0, 2);
        // The blend ranks it first: best, but no evidence.
        assert_eq!(best, 1.0);
        // Either vertex ranks the relevant event second; the first is taken.
        assert_eq!(w, v(1.0, 0.0));
        assert!(ndcg < 1.0);
    }

    #[test]
    fn groups_cover_every_index_evenly() {
        let mut count = [0usize; GROUPS];
        for i in 0..10_000 {
            count[group_of(i) as usize] += 1;
        }
        assert!(count.iter().all(|&c| (800..1200).contains(&c)), "{count:?}");
    }
}
