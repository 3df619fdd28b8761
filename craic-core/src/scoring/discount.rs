//! The learned blend's popularity discount: the Hybrid's collaborative and item-based scores
//! of an event `i` multiplied by `(1 + n_i)^-β`, `n_i` the users with a cell in its column
//! (RP3beta divides by a power of the same count). β is a hyperparameter of the learned blend
//! only (chosen on its holdout, `model::hyper`; stored in its report): the Collaborative and
//! ItemBased strategies and the fixed blend never discount. Both components, because on the
//! worlds discounting both beat discounting collaborative alone (`docs/evaluation.md`).
//!
//! No power is taken per request: the factors are kept by column length, `factors[n] = (1 +
//! n)^-β` for every `n` up to the longest column, extended by every write that lengthens a
//! column past it (`Model::sync_cells`, the bulk load) and rebuilt on load. A table extended
//! step by step equals one built at once (each entry depends on `n` and β only), which
//! `verify_neighbours` checks.

use crate::data::sparse::SparseVec;
use crate::scoring::scratch::Scratch;

/// The factor table of one β (empty, and every factor 1, when β is 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Discount {
    beta: f64,
    /// `factors[n]` = `(1 + n)^-β`, for `n` up to at least the longest column.
    factors: Vec<f64>,
}

/// `(1 + n)^-β`.
fn factor(beta: f64, n: usize) -> f64 {
    (1.0 + n as f64).powf(-beta)
}

impl Discount {
    /// The table of `beta` covering every column of `cols`.
    pub fn new(beta: f64, cols: &[SparseVec]) -> Discount {
        let mut d = Discount {
            beta,
            factors: Vec::new(),
        };
        d.cover(cols.iter().map(SparseVec::len).max().unwrap_or(0));
        d
    }

    /// True when the discount changes any score (β > 0).
    pub fn is_active(&self) -> bool {
        self.beta > 0.0
    }

    /// Extends the table to cover a column of `n` users.
    pub fn cover(&mut self, n: usize) {
        if !self.is_active() {
            return;
        }
        for m in self.factors.len()..=n {
            self.factors.push(factor(self.beta, m));
        }
    }

    /// The factor of an event with `n` users (computed when the table falls short, which a
    /// consistent model never does).
    #[inline]
    fn of(&self, n: usize) -> f64 {
        self.factors
            .get(n)
            .copied()
            .unwrap_or_else(|| factor(self.beta, n))
    }

    /// Multiplies the collaborative and item-based scores of every position with evidence in
    /// `s` by its event's factor (`order`: the event at each timeline position; `cols`: the
    /// columns).
    pub fn apply(&self, s: &mut Scratch, order: &[u32], cols: &[SparseVec]) {
        if !self.is_active() {
            return;
        }
        for &p in &s.cf_list {
            let f = self.of(cols[order[p as usize] as usize].len());
            s.cf[p as usize] *= f;
            s.ib[p as usize] *= f;
        }
    }

    /// True when this is the table of `beta` and equals one rebuilt from `cols` on every
    /// length it covers, covering them all (an incrementally kept table may cover columns
    /// that have since shrunk).
    pub fn consistent(&self, beta: f64, cols: &[SparseVec]) -> bool {
        let fresh = Discount::new(beta, cols);
        self.beta == beta
            && self.factors.len() >= fresh.factors.len()
            && self
                .factors
                .iter()
                .enumerate()
                .all(|(n, &f)| f == factor(beta, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(lens: &[usize]) -> Vec<SparseVec> {
        lens.iter()
            .map(|&n| SparseVec {
                idx: (0..n as u32).collect(),
                val: vec![1.0; n],
            })
            .collect()
    }

    #[test]
    fn a_table_extended_step_by_step_equals_one_built_at_once() {
        let mut d = Discount::new(0.6, &cols(&[1, 3]));
        d.cover(2);
        d.cover(7);
        assert_eq!(d, Discount::new(0.6, &cols(&[7, 0, 2])));
        assert!(d.consistent(0.6, &cols(&[7, 4])));
        // Short of the longest column, or of another β: inconsistent.
        assert!(!d.consistent(0.6, &cols(&[8])));
        assert!(!d.consistent(0.5, &cols(&[7])));
        assert_eq!(d.of(3), 4f64.powf(-0.6));
        assert_eq!(d.of(100), 101f64.powf(-0.6));
    }

    #[test]
    fn no_discount_keeps_no_table_and_changes_nothing() {
        let mut d = Discount::new(0.0, &cols(&[5]));
        d.cover(9);
        assert!(!d.is_active());
        assert_eq!(d, Discount::default());
        assert!(d.consistent(0.0, &cols(&[50])));
    }
}
