//! Item–item neighbourhoods kept in step with the interaction matrix: the items whose columns a
//! batch changed are updated exactly (their own lists recomputed, their entries fixed in every
//! list they can appear in), like the user–user lists; a batch touching a large share of the
//! catalogue, or a decay rebase that lost precision, rebuilds every list in parallel instead.
//! Either way the lists are bit-for-bit those of a full rebuild (`tests/incremental.rs`).

use crate::model::state::{Model, FULL_REBUILD_SHARE};

/// Users with more items than this do not count towards item–item overlap (they still count in
/// the items' norms): the item side's cost guard, as `Config::max_item_users` is the user
/// side's. It bounds a build by `Σ_users min(|row|, cap)²` and an item's update by its users'
/// rows; a user crossing it recomputes the lists of the items in their row.
pub(crate) const MAX_USER_ITEMS: usize = 100;

#[cfg(test)]
thread_local! {
    /// Caps users at this many items instead (0: [`MAX_USER_ITEMS`]), so small worlds cross it.
    pub(crate) static FORCE_USER_CAP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The item side's cap on a user's items.
fn user_cap() -> usize {
    #[cfg(test)]
    if let forced @ 1.. = FORCE_USER_CAP.with(std::cell::Cell::get) {
        return forced;
    }
    MAX_USER_ITEMS
}

/// A batch changing fewer items than this never rebuilds every item list (small catalogues:
/// the updates are as cheap, and keep exercising the exact path).
const MIN_FULL_REBUILD_ITEMS: usize = 64;
use crate::similarity::{Neighbours, SimParams};

impl Model {
    /// Parameters of item–item similarity: the configured item `k`, the users' buffer,
    /// shrinkage and minimum overlap (here: shared users).
    pub fn item_sim_params(&self) -> SimParams {
        SimParams {
            k: self.config.item_neighbours,
            keep: self.config.item_neighbours + self.config.neighbour_buffer,
            shrinkage: self.config.shrinkage,
            min_overlap: self.config.min_overlap,
        }
    }

    /// Sizes the per-user cap flags of the item side and the lists.
    fn fit_item_side(&mut self) {
        self.heavy.resize(self.matrix.rows.len(), false);
        self.item_neighbours.fit(self.matrix.cols.len());
    }

    /// Every user's cap flag from the rows.
    pub(crate) fn refresh_heavy_all(&mut self) {
        self.heavy = self
            .matrix
            .rows
            .iter()
            .map(|r| r.len() > user_cap())
            .collect();
    }

    /// Recomputes every item's list from the current matrix, in parallel.
    pub fn rebuild_item_neighbours(&mut self) {
        self.refresh_heavy_all();
        self.fit_item_side();
        self.item_neighbours =
            Neighbours::build(self.matrix.items(), &self.heavy, &self.item_sim_params());
    }

    /// After the rows of `users` (sorted) and the columns (and column norms) of `items`
    /// (sorted, distinct) changed: updates the item lists, or rebuilds them all when `full` or
    /// when the batch touches more than [`FULL_REBUILD_SHARE`] of the items (and at least
    /// [`MIN_FULL_REBUILD_ITEMS`]). A user crossing [`MAX_USER_ITEMS`] either way changes the
    /// similarity of every pair of items in their row: those lists are recomputed first.
    pub(crate) fn update_item_neighbours(&mut self, users: &[u32], items: &[u32], full: bool) {
        let n_items = self.matrix.cols.len();
        let large = items.len() >= MIN_FULL_REBUILD_ITEMS
            && items.len() as f64 > FULL_REBUILD_SHARE * n_items as f64;
        if full || large {
            self.rebuild_item_neighbours();
            return;
        }
        self.fit_item_side();
        let params = self.item_sim_params();
        let mut members: Vec<u32> = Vec::new();
        for &u in users {
            let now = self.matrix.rows[u as usize].len() > user_cap();
            if std::mem::replace(&mut self.heavy[u as usize], now) != now {
                members.extend_from_slice(&self.matrix.rows[u as usize].idx);
            }
        }
        if !members.is_empty() {
            members.extend_from_slice(items);
            members.sort_unstable();
            members.dedup();
            self.item_neighbours
                .recompute(self.matrix.items(), &self.heavy, &params, &members);
        }
        for &i in items {
            self.item_neighbours
                .update(self.matrix.items(), &self.heavy, &params, i);
        }
    }

    /// The item's served neighbours (item index, similarity), best first.
    pub(crate) fn item_neighbours_of(&self, i: u32) -> &[crate::similarity::Entry] {
        self.item_neighbours.served(i, self.config.item_neighbours)
    }
}
