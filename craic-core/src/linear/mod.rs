//! The linear item model (EASE, Steck 2019) the item-based component reads when
//! `Config::linear_items` > 0: item–item weights `B` that reconstruct each user's history from
//! the rest of it, in closed form — `B = I − P · diag(P)⁻¹` with `P = (XᵀX + λI)⁻¹`, the
//! diagonal of `B` zero.
//!
//! * `X` is the users × modelled-items matrix of each user's positive cells at their undecayed
//!   value — the kind weights of the kinds the user gave the event, each kind once
//!   ([`Histories::value`]) — each row scaled so its largest cell is 1. Time decay only says
//!   which cells a capped row keeps (the most recent and strongest, below): on MovieLens
//!   latest-small, whose log spans 22 years, decayed cells put the model 1–4 % under the same
//!   model on undecayed ones with the default cap (7 % with whole histories), and on MovieLens
//!   100K they made no difference (`docs/evaluation.md`, "Undecayed cells and whole histories
//!   in the fit").
//! * The modelled items are the `linear_items` engaged with (positively) by most users, ties
//!   by the earlier index; removed items are left out. An item outside them scores nothing
//!   from this model (a brand-new event has content, appeal and popularity until a retrain).
//! * A user's score of a modelled item `j` is `Σ_i x_ui · B[i][j]` over the modelled items `i`
//!   of their current row (positive cells only): the weights are fitted at every build and
//!   retrain and stay fixed between them, while the history they multiply is live.
//! * A request reads that history with a recency focus (`Config::linear_focus` = τ, default
//!   10 events): each read cell times `0.2 + 0.8 e^(−r/τ)`, `r` the read cells strictly more
//!   recent ([`Histories::recency`]; equally recent cells share a rank) — the latest events
//!   say most about the next (MovieLens `item_based` NDCG@10 +7–10 %, `docs/evaluation.md`,
//!   "The recency focus"). The fit reads without it: co-occurrence is weighed over whole
//!   histories alike.
//!
//! A request reads a row as at most `cap` of its strongest modelled cells
//! (`Config::max_user_items`, the item side's cost guard, default 100); the fit reads at most
//! [`FIT_ROW_CAP`] (or `cap`, if larger) — 2.4 % better on MovieLens 100K than fitting on
//! capped rows, level on latest-small. Cost: the fit builds the Gram matrix in
//! `Σ_users min(|row|, fit cap)²` additions and inverts it in about `n³ / 2` multiply–adds
//! (`inverse`), holding two `n × n` `f64` matrices at its peak (`16 n²` bytes, 64 MB at 2 000
//! items); the model keeps `4 n²` bytes (16 MB at 2 000 items); a request adds at most
//! `cap × n` multiply–adds.

mod histories;
mod inverse;

pub(crate) use histories::{Histories, MatrixHistories};

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};

/// Position value of an item the model does not hold.
const NOT_MODELLED: u32 = u32::MAX;

/// The most cells of a row the fit reads (the request's cap instead, if that is larger): the
/// Gram matrix costs at most `FIT_ROW_CAP²` additions per user.
pub(crate) const FIT_ROW_CAP: usize = 1_000;

/// The least weight a request's recency focus leaves a cell (`Config::linear_focus`).
pub(crate) const FOCUS_FLOOR: f64 = 0.2;

/// The fitted linear item model (`Default`: a model of no items, what an engine holds before
/// its first bulk load or rebuild).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinearItems {
    /// The modelled items (matrix indices), ascending; an item's position here is its row and
    /// column in `weights`.
    pub items: Vec<u32>,
    /// `B`, row-major, `items.len()²` values: `weights[a * n + b]` is how much history item `a`
    /// says about item `b`; the diagonal is 0.
    pub weights: Vec<f32>,
    /// Per matrix item, its position in `items` or [`NOT_MODELLED`] (rebuilt on load).
    #[serde(skip)]
    pos: Vec<u32>,
}

impl LinearItems {
    /// Fits the model on the users' histories (over `n_items` items, `removed` per item)
    /// with at most `max_items` items and the ridge `l2` (> 0), each row read as at most
    /// `row_cap` of its strongest modelled cells (see [`LinearItems::score_row`]; the engine
    /// passes the larger of [`FIT_ROW_CAP`] and its request cap).
    pub fn fit(
        histories: &impl Histories,
        n_items: usize,
        removed: &[bool],
        (max_items, l2, row_cap): (usize, f64, usize),
    ) -> Result<LinearItems> {
        let mut users_of = vec![0u32; n_items];
        for u in 0..histories.users() {
            let r = histories.row(u);
            for (&i, &v) in r.idx.iter().zip(&r.val) {
                if v > 0.0 {
                    users_of[i as usize] += 1;
                }
            }
        }
        let mut items: Vec<u32> = (0..n_items as u32)
            .filter(|&i| {
                users_of[i as usize] > 0 && !removed.get(i as usize).copied().unwrap_or(false)
            })
            .collect();
        items.sort_by_key(|&i| (std::cmp::Reverse(users_of[i as usize]), i));
        items.truncate(max_items);
        items.sort_unstable();
        let mut model = LinearItems {
            items,
            ..LinearItems::default()
        };
        model.reindex(n_items);
        let n = model.items.len();
        let mut gram = vec![0.0f64; n * n];
        let mut x: Vec<(usize, f64)> = Vec::new();
        for u in 0..histories.users() {
            model.scaled_row(histories, u, (row_cap, None), &mut x);
            for &(a, xa) in &x {
                let g = &mut gram[a * n..a * n + n];
                for &(b, xb) in &x {
                    g[b] += xa * xb;
                }
            }
        }
        for a in 0..n {
            gram[a * n + a] += l2;
        }
        inverse::invert_spd(&mut gram, n).map_err(|j| {
            Error::InvalidConfig(format!(
                "linear item model: the Gram matrix plus linear_l2 = {l2} is not positive \
                 definite at item {j} (a non-finite interaction weight?)"
            ))
        })?;
        let p = gram;
        model.weights = (0..n * n)
            .map(|k| {
                let (a, b) = (k / n, k % n);
                if a == b {
                    0.0
                } else {
                    (-p[k] / p[b * n + b]) as f32
                }
            })
            .collect();
        Ok(model)
    }

    /// Rebuilds the item → position table for `n_items` items (after a load, or when the
    /// catalogue grew).
    pub fn reindex(&mut self, n_items: usize) {
        self.pos = vec![NOT_MODELLED; n_items];
        for (p, &i) in self.items.iter().enumerate() {
            if let Some(slot) = self.pos.get_mut(i as usize) {
                *slot = p as u32;
            }
        }
    }

    /// Number of modelled items.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The position of item `i` in the model, if modelled.
    pub fn position(&self, i: u32) -> Option<usize> {
        match self.pos.get(i as usize) {
            Some(&p) if p != NOT_MODELLED => Some(p as usize),
            _ => None,
        }
    }

    /// The history item contributing most to item `j`'s score for user `u` (their row read
    /// as [`LinearItems::score_row`] reads it), if any contributes positively.
    pub fn top_contributor(
        &self,
        histories: &impl Histories,
        u: usize,
        cap: usize,
        j: u32,
    ) -> Option<u32> {
        let b = self.position(j)?;
        let n = self.items.len();
        let mut x = Vec::new();
        self.scaled_row(histories, u, (cap, histories.focus()), &mut x);
        x.iter()
            .map(|&(a, xa)| (a, xa * f64::from(self.weights[a * n + b])))
            .filter(|c| c.1 > 0.0)
            .max_by(|p, q| p.1.total_cmp(&q.1).then(q.0.cmp(&p.0)))
            .map(|(a, _)| self.items[a])
    }

    /// User `u`'s positive cells on modelled items as (position, undecayed value / the largest
    /// such value), into `out`, by position: at most `cap` of them, those strongest in the
    /// decayed row (the most recent and strongest; ties by position). A cell counts when both
    /// its decayed and its undecayed value are positive. A read with a `focus` (a request's;
    /// the fit reads without) then weighs each by its recency rank ([`LinearItems::focus`]).
    fn scaled_row(
        &self,
        histories: &impl Histories,
        u: usize,
        (cap, focus): (usize, Option<f64>),
        out: &mut Vec<(usize, f64)>,
    ) {
        out.clear();
        let row = histories.row(u);
        for (&i, &v) in row.idx.iter().zip(&row.val) {
            if v > 0.0 {
                if let Some(p) = self.position(i) {
                    out.push((p, v));
                }
            }
        }
        if out.len() > cap {
            let stronger =
                |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            out.select_nth_unstable_by(cap, stronger);
            out.truncate(cap);
            out.sort_unstable_by_key(|c| c.0);
        }
        for c in out.iter_mut() {
            c.1 = histories.value(u, self.items[c.0]);
        }
        out.retain(|c| c.1 > 0.0);
        let top = out.iter().map(|c| c.1).fold(0.0f64, f64::max);
        for c in out.iter_mut() {
            c.1 /= top;
        }
        if let Some(tau) = focus {
            self.focus(histories, u, tau, out);
        }
    }

    /// Weighs each cell of `out` by how many of the row's cells are more recent (`r`):
    /// `FOCUS_FLOOR + (1 − FOCUS_FLOOR) · e^(−r/τ)`; cells equally recent share a rank.
    fn focus(&self, histories: &impl Histories, u: usize, tau: f64, out: &mut [(usize, f64)]) {
        let keys: Vec<f64> = out
            .iter()
            .map(|c| histories.recency(u, self.items[c.0]))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
        for (c, k) in out.iter_mut().zip(&keys) {
            let newer = sorted.partition_point(|s| s > k);
            c.1 *= FOCUS_FLOOR + (1.0 - FOCUS_FLOOR) * (-(newer as f64) / tau).exp();
        }
    }

    /// User `u`'s scores of every modelled item, by position, into `acc` (resized to the
    /// number of modelled items `n` and overwritten), from at most `cap` of their row's
    /// modelled cells, the strongest (the cost guard: a request costs at most `cap × n`);
    /// `false` (and `acc` all zero) when the row holds no modelled item.
    pub fn score_row(
        &self,
        histories: &impl Histories,
        u: usize,
        cap: usize,
        (acc, x): (&mut Vec<f32>, &mut Vec<(usize, f64)>),
    ) -> bool {
        let n = self.items.len();
        acc.clear();
        acc.resize(n, 0.0);
        self.scaled_row(histories, u, (cap, histories.focus()), x);
        // In `f32`, as the weights are (twice the lanes of `f64`), four history rows per pass
        // over `acc` (a quarter of its loads and stores), in a fixed order, so a score does
        // not depend on the machine.
        let row = |a: usize| &self.weights[a * n..a * n + n];
        let mut quads = x.chunks_exact(4);
        for q in quads.by_ref() {
            let (w0, w1, w2, w3) = (row(q[0].0), row(q[1].0), row(q[2].0), row(q[3].0));
            let [x0, x1, x2, x3] = [q[0].1, q[1].1, q[2].1, q[3].1].map(|v| v as f32);
            let ws = w0.iter().zip(w1).zip(w2.iter().zip(w3));
            for (s, ((&b0, &b1), (&b2, &b3))) in acc.iter_mut().zip(ws) {
                *s += (x0 * b0 + x1 * b1) + (x2 * b2 + x3 * b3);
            }
        }
        for &(a, xa) in quads.remainder() {
            let xa = xa as f32;
            for (s, &b) in acc.iter_mut().zip(row(a)) {
                *s += xa * b;
            }
        }
        !x.is_empty()
    }

    /// The weight of history item `i` toward item `j` (0 when either is not modelled).
    #[cfg(test)]
    pub fn weight(&self, i: u32, j: u32) -> f64 {
        match (self.position(i), self.position(j)) {
            (Some(a), Some(b)) => f64::from(self.weights[a * self.len() + b]),
            _ => 0.0,
        }
    }

    /// Structural check of a decoded model over `n_items` items.
    pub fn check(&self, n_items: usize, max_items: usize) -> std::result::Result<(), String> {
        let n = self.items.len();
        if n > max_items
            || self.weights.len() != n * n
            || !self.items.windows(2).all(|w| w[0] < w[1])
            || self.items.last().is_some_and(|&i| i as usize >= n_items)
            || self.weights.iter().any(|w| !w.is_finite())
        {
            return Err("malformed linear item model".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
