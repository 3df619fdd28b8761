//! What the linear item model reads of a user's history: the decayed row, which says which
//! cells are positive and how recent and strong each is (a capped row keeps the strongest),
//! and each cell's undecayed value, which the model weighs.

use crate::data::kinds::KindTable;
use crate::data::matrix::Matrix;
use crate::data::sparse::SparseVec;

/// The users' histories as the model reads them.
pub(crate) trait Histories: Sync {
    /// Number of users.
    fn users(&self) -> usize;
    /// User `u`'s decayed row.
    fn row(&self, u: usize) -> &SparseVec;
    /// The undecayed value of user `u`'s cell on item `i`.
    fn value(&self, u: usize, i: u32) -> f64;
    /// How recent user `u`'s cell on item `i` is: larger is more recent (only compared
    /// between one user's cells).
    fn recency(&self, u: usize, i: u32) -> f64;
    /// The recency focus of a request's read (see [`crate::Config::linear_focus`]): `Some(τ)`
    /// weighs the cell with `r` more recent cells of the read row by
    /// `FOCUS_FLOOR + (1 − FOCUS_FLOOR) · e^(−r/τ)`; `None` weighs every cell alike. The fit
    /// never reads with a focus.
    fn focus(&self) -> Option<f64>;
}

/// The engine's histories: a cell's undecayed value is the signed weights of the kinds it
/// holds, each kind once (`KindTable::cell_value` over the cell's parts, each counted 1).
pub(crate) struct MatrixHistories<'a> {
    pub matrix: &'a Matrix,
    pub kinds: &'a KindTable,
    /// `Some(τ)` for a request's read with a recency focus, `None` for the fit's.
    pub focus: Option<f64>,
}

impl Histories for MatrixHistories<'_> {
    fn users(&self) -> usize {
        self.matrix.rows.len()
    }

    fn row(&self, u: usize) -> &SparseVec {
        &self.matrix.rows[u]
    }

    fn value(&self, u: usize, i: u32) -> f64 {
        let parts = self.matrix.cell_parts(u as u32, i);
        self.kinds.cell_value(parts.iter().map(|p| (p.kind, 1.0)))
    }

    /// The largest of the cell's per-kind decayed sums: each part is `Σ 2^((t − epoch) /
    /// half-life)` over its interactions, so for one interaction per kind this orders cells
    /// exactly by their latest interaction (a repeat counts as somewhat later).
    fn recency(&self, u: usize, i: u32) -> f64 {
        let parts = self.matrix.cell_parts(u as u32, i);
        parts.iter().map(|p| p.sum).fold(f64::MIN, f64::max)
    }

    fn focus(&self) -> Option<f64> {
        self.focus
    }
}
