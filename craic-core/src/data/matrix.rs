//! The user × item interaction matrix, kept in both orientations and updated in place.
//!
//! Each user–item cell is the sum of its *parts*: one decayed count per interaction kind
//! (`Σ 2^((t − epoch)/half_life)` over that kind's interactions), weighted by the kind's signed
//! weight. Keeping parts lets a retraction (`unsave`) remove exactly one kind's contribution and
//! tells whether an item is saved or hidden. Rows (user → items) and columns (item → users) hold
//! the same values, so a dot product is the same sum whichever side computes it.

use serde::{Deserialize, Serialize};

use crate::data::decay::{Decay, Rebase};
use crate::data::kinds::{KindEffect, KindTable};
use crate::data::sparse::SparseVec;
use crate::similarity::Side;

/// One kind's decayed count in one cell (packed: 13 bytes instead of 16; there is one per
/// cell and kind, the largest per-cell structure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[repr(C, packed)]
pub(crate) struct Part {
    pub item: u32,
    pub kind: u8,
    pub sum: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Matrix {
    pub rows: Vec<SparseVec>,
    pub cols: Vec<SparseVec>,
    /// Per user, sorted by (item, kind).
    pub parts: Vec<Vec<Part>>,
    /// Euclidean norm of each row.
    pub norms: Vec<f64>,
    pub decay: Decay,
    /// Euclidean norm of each column (derived, not serialised: rebuilt with the columns and
    /// on load, refreshed for every column a write changes).
    #[serde(skip)]
    pub col_norms: Vec<f64>,
}

impl Matrix {
    pub fn new(half_life: Option<f64>) -> Self {
        Matrix {
            rows: Vec::new(),
            cols: Vec::new(),
            parts: Vec::new(),
            norms: Vec::new(),
            decay: Decay::new(half_life),
            col_norms: Vec::new(),
        }
    }

    pub fn ensure_user(&mut self, u: u32) {
        let n = u as usize + 1;
        if self.rows.len() < n {
            self.rows.resize_with(n, SparseVec::default);
            self.parts.resize_with(n, Vec::new);
            self.norms.resize(n, 0.0);
        }
    }

    pub fn ensure_item(&mut self, i: u32) {
        let n = i as usize + 1;
        if self.cols.len() < n {
            self.cols.resize_with(n, SparseVec::default);
            self.col_norms.resize(n, 0.0);
        }
    }

    /// The user side: user–user similarities between the rows.
    pub fn users(&self) -> Side<'_> {
        Side {
            rows: &self.rows,
            cols: &self.cols,
            norms: &self.norms,
        }
    }

    /// The item side (the transpose): item–item similarities between the columns.
    pub fn items(&self) -> Side<'_> {
        Side {
            rows: &self.cols,
            cols: &self.rows,
            norms: &self.col_norms,
        }
    }

    /// Records one interaction in the parts of cell (u, i). Returns a rebase if the decay epoch
    /// moved (the caller must then rescale whatever it derived from the matrix).
    pub fn add_part(&mut self, kinds: &KindTable, u: u32, i: u32, k: u8, t: i64) -> Option<Rebase> {
        let rebase = self.decay.prepare(t);
        if let Some(r) = rebase {
            self.rescale(r.factor);
        }
        let parts = &mut self.parts[u as usize];
        match kinds.effects[k as usize] {
            KindEffect::Retract(target) => {
                if let Ok(p) = parts.binary_search_by(|p| (p.item, p.kind).cmp(&(i, target))) {
                    parts.remove(p);
                }
            }
            KindEffect::Positive | KindEffect::Negative => {
                let w = self.decay.factor(t);
                match parts.binary_search_by(|p| (p.item, p.kind).cmp(&(i, k))) {
                    Ok(p) => parts[p].sum += w,
                    Err(p) => parts.insert(
                        p,
                        Part {
                            item: i,
                            kind: k,
                            sum: w,
                        },
                    ),
                }
            }
        }
        rebase
    }

    /// The parts of cell (u, i).
    pub fn cell_parts(&self, u: u32, i: u32) -> &[Part] {
        let parts = &self.parts[u as usize];
        let lo = parts.partition_point(|p| p.item < i);
        let hi = lo + parts[lo..].partition_point(|p| p.item == i);
        &parts[lo..hi]
    }

    /// Recomputes cell (u, i) from its parts into the row and the column.
    /// Returns `Some(true)` if the cell exists afterwards, `Some(false)` if it was removed and
    /// `None` if nothing changed.
    pub fn sync_cell(&mut self, kinds: &KindTable, u: u32, i: u32) -> Option<bool> {
        let parts = self.cell_parts(u, i);
        if parts.is_empty() {
            let removed = self.rows[u as usize].remove(i);
            self.cols[i as usize].remove(u);
            return removed.then_some(false);
        }
        let value = kinds.cell_value(parts.iter().map(|p| (p.kind, p.sum)));
        if self.rows[u as usize].get(i) == Some(value) {
            return None;
        }
        self.rows[u as usize].set(i, value);
        self.cols[i as usize].set(u, value);
        Some(true)
    }

    /// Recomputes cell (u, i) from its parts into the row only (columns are rebuilt after).
    pub fn sync_row_only(&mut self, kinds: &KindTable, u: u32, i: u32) {
        let parts = self.cell_parts(u, i);
        if parts.is_empty() {
            self.rows[u as usize].remove(i);
        } else {
            let value = kinds.cell_value(parts.iter().map(|p| (p.kind, p.sum)));
            self.rows[u as usize].set(i, value);
        }
    }

    pub fn refresh_norm(&mut self, u: u32) {
        self.norms[u as usize] = self.rows[u as usize].norm();
    }

    /// Recomputes column `i`'s norm (after a write changed the column).
    pub fn refresh_col_norm(&mut self, i: u32) {
        self.col_norms[i as usize] = self.cols[i as usize].norm();
    }

    /// True when every column norm equals one recomputed from its column (bit for bit).
    pub fn col_norms_consistent(&self) -> bool {
        self.col_norms.len() == self.cols.len()
            && self
                .cols
                .iter()
                .zip(&self.col_norms)
                .all(|(c, &n)| c.norm() == n)
    }

    /// Every column norm from the columns (after a load).
    pub fn rebuild_col_norms(&mut self) {
        self.col_norms = self.cols.iter().map(SparseVec::norm).collect();
    }

    /// Multiplies every stored weight by `factor` (an exact power of two).
    fn rescale(&mut self, factor: f64) {
        for parts in &mut self.parts {
            parts.iter_mut().for_each(|p| p.sum *= factor);
        }
        self.rows.iter_mut().for_each(|r| r.scale(factor));
        self.cols.iter_mut().for_each(|c| c.scale(factor));
        self.norms.iter_mut().for_each(|n| *n *= factor);
        self.col_norms.iter_mut().for_each(|n| *n *= factor);
    }

    /// True if some stored weight is so small that scaling lost precision (subnormal), in which
    /// case derived similarities must be recomputed rather than trusted.
    pub fn has_subnormal(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.val.iter().any(|v| *v != 0.0 && !v.is_normal()))
    }

    /// Items the user has hidden (any negative part) or saved (a `save` part), sorted.
    pub fn excluded_items(&self, kinds: &KindTable, u: u32, saved_too: bool) -> Vec<u32> {
        let Some(parts) = self.parts.get(u as usize) else {
            return Vec::new();
        };
        let mut out: Vec<u32> = parts
            .iter()
            .filter(|p| kinds.is_negative(p.kind) || (saved_too && Some(p.kind) == kinds.save))
            .map(|p| p.item)
            .collect();
        out.dedup();
        out
    }

    /// Number of items with a positive value in the user's row.
    pub fn positive_count(&self, u: u32) -> usize {
        self.rows
            .get(u as usize)
            .map_or(0, |r| r.val.iter().filter(|v| **v > 0.0).count())
    }

    /// Exports the matrix as a sprs CSR matrix (users × items) for analysis and interop.
    pub fn to_csr(&self) -> sprs::CsMat<f64> {
        let mut indptr = Vec::with_capacity(self.rows.len() + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for r in &self.rows {
            indices.extend(r.idx.iter().map(|&i| i as usize));
            data.extend_from_slice(&r.val);
            indptr.push(indices.len());
        }
        sprs::CsMat::new((self.rows.len(), self.cols.len()), indptr, indices, data)
    }

    /// Rebuilds every column from the rows: a counting transpose straight into exactly sized
    /// columns (each in user order), with no intermediate copy of the matrix.
    pub fn rebuild_columns(&mut self) {
        let mut len = vec![0u32; self.cols.len()];
        for r in &self.rows {
            for &i in &r.idx {
                len[i as usize] += 1;
            }
        }
        for (col, &n) in self.cols.iter_mut().zip(&len) {
            *col = SparseVec {
                idx: Vec::with_capacity(n as usize),
                val: Vec::with_capacity(n as usize),
            };
        }
        drop(len);
        for (u, r) in self.rows.iter().enumerate() {
            for (i, v) in r.iter() {
                let col = &mut self.cols[i as usize];
                col.idx.push(u as u32);
                col.val.push(v);
            }
        }
        self.rebuild_col_norms();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilt_columns_transpose_the_rows_like_sprs() {
        let mut m = Matrix::new(None);
        let cells = [
            (0, 3, 1.0),
            (0, 1, -0.5),
            (2, 1, 0.25),
            (2, 0, 0.0),
            (3, 3, 2.0),
        ];
        for &(u, i, v) in &cells {
            m.ensure_user(u);
            m.ensure_item(i);
            m.rows[u as usize].set(i, v);
        }
        m.ensure_item(5);
        m.rebuild_columns();
        let csc = m.to_csr().to_csc();
        assert_eq!(m.cols.len(), 6);
        for (i, col) in csc.outer_iterator().enumerate() {
            let idx: Vec<u32> = col.indices().iter().map(|&u| u as u32).collect();
            assert_eq!(m.cols[i].idx, idx);
            assert_eq!(m.cols[i].val, col.data());
            assert_eq!(m.cols[i].idx.capacity(), idx.len());
        }
        assert_eq!(
            m.cols[1].iter().collect::<Vec<_>>(),
            vec![(0, -0.5), (2, 0.25)]
        );
    }
}
