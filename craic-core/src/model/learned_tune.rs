//! The learned blend's hyperparameter search (`model::hyper`): a coordinate search over the
//! half-lives, then the neighbourhood sizes, then the shrinkages, then the popularity
//! discounts, each point scored by the blend it learns on the same sampled held-out users.
//!
//! Only the sampled users (at most three buckets of `users_per_bucket`) are scored, so no
//! holdout model builds every user's neighbour list: each half-life gets one holdout model
//! without lists, and per sampled user one scan finds its best neighbours at every shrinkage at
//! once, kept to the largest neighbourhood size tried. A point installs the first `k` of those
//! lists (exactly what a build with that `k` and shrinkage serves: the lists are ordered by
//! similarity, then by user) and its discount table, and scores the users as the fit always
//! has (a discount only changes their collaborative and item-based values). Points are compared on
//! the first quarter of each bucket's sample with a coarser weight simplex (steps of 1/5); the
//! chosen one is then learned on all of it with the settings' simplex.

use rayon::prelude::*;

use crate::model::error::Result;
use crate::model::hyper::{Axes, GridPoint};
use crate::model::learned::{BucketReport, LearnSettings};
use crate::model::learned_fit::{sample, Bounds, Holdout, Sampled};
use crate::model::learned_weights::{bucket_reports, Sample};
use crate::model::state::Model;
use crate::scoring::discount::Discount;
use crate::similarity::{Entry, Neighbours, PairAcc};

/// The search's inputs (see [`crate::model::learned_fit::fit`]).
pub(super) struct Search<'a> {
    pub data: &'a Holdout<'a>,
    pub settings: &'a LearnSettings,
    pub axes: &'a Axes,
    pub bounds: &'a [Bounds; 3],
    pub sampled: &'a Sampled<'a>,
    /// Components weighed (the item-based one only with item lists).
    pub active: usize,
}

/// Share of each bucket's sample the search scores its points on; the chosen point's blend is
/// then learned on the whole sample. A quarter keeps a tuned build within 3 × a plain one at
/// `medium` (`docs/performance.md`), and the prefix of one seeded shuffle keeps it
/// deterministic. Scoring the points on half or all of the sample gained 0.1 % (mean learned
/// hybrid over the worlds at the test size, seeds 1–8, tuned: 0.3526 / 0.3527 against 0.3523).
const SEARCH_SHARE: f64 = 0.25;

/// Divisions of the weight simplex the search learns each point's blend on (at most; 56
/// weight vectors instead of the default 286); the chosen point's blend is then learned on
/// `LearnSettings::grid`.
const SEARCH_GRID: u32 = 5;

/// Relative holdout NDCG gain a larger neighbourhood size must bring over the best point so
/// far to be chosen: every user keeps `k` neighbours, so `2k` costs that memory again, and at
/// `medium` the default grid's `2k` gained 0.1 % (`docs/performance.md`, the learned default's
/// memory).
const LARGER_K_GAIN: f64 = 0.01;

/// A holdout model at one half-life and, per sampled user (in bucket order), their list at
/// each shrinkage of the axis.
struct AtHalfLife {
    half_life_secs: Option<f64>,
    m: Model,
    lists: Vec<Option<(u32, Vec<Vec<Entry>>)>>,
}

/// A point tried: its report entry and the buckets it learned.
type Tried = (GridPoint, Vec<BucketReport>);

/// A point of the grid at one half-life: the positions of its neighbourhood size, shrinkage
/// and discount on their axes, in that order.
type Point = [usize; 3];

impl Search<'_> {
    /// Runs the search from `base`, the holdout model at the first half-life of the axis.
    /// Returns the chosen point, its buckets (learned on the whole sample), and every point
    /// tried in order (scored on the search sample, see [`SEARCH_SHARE`]).
    pub fn run(&self, base: Model) -> Result<(GridPoint, Vec<BucketReport>, Vec<GridPoint>)> {
        let a = self.axes;
        let mut at = self.at(a.half_life_secs[0], base);
        let first: Point = [0; 3];
        let lens = [a.neighbours.len(), a.shrinkage.len(), a.discount.len()];
        if a.half_life_secs.len() + lens.iter().sum::<usize>() == 4 {
            let (point, buckets) = self.score(&mut at, first, self.sampled, self.settings.grid)?;
            return Ok((point.clone(), buckets, vec![point]));
        }
        let few: Sampled = self
            .sampled
            .iter()
            .map(|users| users[..users.len().min(self.search_users())].to_vec())
            .collect();
        let coarse = self.settings.grid.min(SEARCH_GRID);
        let mut tried: Vec<GridPoint> = Vec::new();
        let mut best = (first, self.score(&mut at, first, &few, coarse)?);
        tried.push(best.1 .0.clone());
        // One holdout model alive at a time (each is most of a learned build's extra memory):
        // the best so far is dropped before the next is built, and rebuilt if it stays best.
        let mut kept = Some(at);
        let mut best_h = a.half_life_secs[0];
        for &h in &a.half_life_secs[1..] {
            kept = None;
            let mut other = self.at(h, self.data.model(h)?.0);
            let got = self.score(&mut other, first, &few, coarse)?;
            tried.push(got.0.clone());
            if better(&got, &best.1, 1.0) {
                (kept, best.1, best_h) = (Some(other), got, h);
            }
        }
        let mut at = match kept {
            Some(at) => at,
            None => self.at(best_h, self.data.model(best_h)?.0),
        };
        // Then one axis at a time from the best point so far.
        for (axis, len) in lens.into_iter().enumerate() {
            let from = best.0;
            for n in 1..len {
                let mut p = from;
                p[axis] = n;
                let got = self.score(&mut at, p, &few, coarse)?;
                tried.push(got.0.clone());
                // Every user keeps `k` neighbours: a larger `k` must be worth its memory.
                let larger = axis == 0 && a.neighbours[n] > a.neighbours[best.0[0]];
                let bar = if larger { 1.0 + LARGER_K_GAIN } else { 1.0 };
                if better(&got, &best.1, bar) {
                    best = (p, got);
                }
            }
        }
        let (_, buckets) = self.score(&mut at, best.0, self.sampled, self.settings.grid)?;
        Ok((best.1 .0, buckets, tried))
    }

    /// Users per bucket the search scores a point on: the first [`SEARCH_SHARE`] of the
    /// bucket's seeded sample (at least one).
    fn search_users(&self) -> usize {
        (self.settings.users_per_bucket as f64 * SEARCH_SHARE).ceil() as usize
    }

    /// The sampled users' lists on `m` at every shrinkage, kept to the largest `k` tried.
    fn at(&self, half_life_secs: Option<f64>, m: Model) -> AtHalfLife {
        let keep = self.axes.neighbours.iter().copied().max().unwrap_or(1);
        let p = crate::similarity::SimParams {
            k: keep,
            keep,
            ..m.sim_params()
        };
        let users: Vec<Option<u32>> = self
            .sampled
            .iter()
            .flatten()
            .map(|(user, _, _)| m.users.get(user))
            .collect();
        let lists = users
            .par_iter()
            .map_init(PairAcc::default, |acc, &u| {
                u.map(|u| {
                    let shrinkages = &self.axes.shrinkage;
                    (
                        u,
                        Neighbours::lists_for(m.matrix.users(), &m.capped, &p, u, shrinkages, acc),
                    )
                })
            })
            .collect();
        AtHalfLife {
            half_life_secs,
            m,
            lists,
        }
    }

    /// The blend learned at `at`'s half-life and point `p` on `sampled`, and its NDCG over all
    /// of them.
    fn score(&self, at: &mut AtHalfLife, p: Point, sampled: &Sampled, grid: u32) -> Result<Tried> {
        let a = self.axes;
        let (k, shrinkage, discount) = (a.neighbours[p[0]], a.shrinkage[p[1]], a.discount[p[2]]);
        for (u, lists) in at.lists.iter().flatten() {
            let list = &lists[p[1]];
            at.m.neighbours.lists[*u as usize] = list[..list.len().min(k)].to_vec();
        }
        at.m.config.neighbours = k;
        at.m.config.shrinkage = shrinkage;
        at.m.discount = Discount::new(discount, &at.m.matrix.cols);
        let m = &at.m;
        let depth = self.settings.candidates.min(m.config.max_k);
        let touched = self.settings.exclude_touched;
        let per_bucket = sampled
            .iter()
            .map(|users| {
                users
                    .par_iter()
                    .map(|&(user, rel, now)| sample(m, user, rel, (now, depth, touched)))
                    .collect::<Result<Vec<Sample>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        // Points are compared by each bucket's best blend, as the noise of the holdout is the
        // same for all of them; the served weights are the noise-aware choice.
        let learned = bucket_reports(self.bounds, &per_bucket, grid, self.active);
        let users: usize = learned.iter().map(|(b, _)| b.users).sum();
        let total: f64 = learned.iter().map(|(b, best)| best * b.users as f64).sum();
        let buckets: Vec<BucketReport> = learned.into_iter().map(|(b, _)| b).collect();
        let point = GridPoint {
            half_life_secs: at.half_life_secs,
            neighbours: k,
            shrinkage,
            discount,
            ndcg: if users > 0 { total / users as f64 } else { 0.0 },
        };
        Ok((point, buckets))
    }
}

/// True when `a` scored strictly better than `bar` × `b` (ties keep the point tried first).
fn better(a: &Tried, b: &Tried, bar: f64) -> bool {
    a.0.ndcg > bar * b.0.ndcg
}
