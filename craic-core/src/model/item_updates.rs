//! Item–item neighbourhoods kept in step with the interaction matrix: the items whose columns a
//! batch changed are updated exactly (their own lists recomputed, their entries fixed in every
//! list they can appear in), like the user–user lists; a batch touching a large share of the
//! catalogue, or a decay rebase that lost precision, rebuilds every list in parallel instead.
//! Either way the lists are bit-for-bit those of a full rebuild (`tests/incremental.rs`).

use crate::model::state::{Model, FULL_REBUILD_SHARE};

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

    /// Sizes the per-user "capped" flags of the item side (no user is capped) and the lists.
    fn fit_item_side(&mut self) {
        self.no_cap.resize(self.matrix.rows.len(), false);
        self.item_neighbours.fit(self.matrix.cols.len());
    }

    /// Recomputes every item's list from the current matrix, in parallel.
    pub fn rebuild_item_neighbours(&mut self) {
        self.fit_item_side();
        self.item_neighbours =
            Neighbours::build(self.matrix.items(), &self.no_cap, &self.item_sim_params());
    }

    /// After the columns (and column norms) of `items` (sorted, distinct) changed: updates the
    /// item lists, or rebuilds them all when `full` or when the batch touches more than
    /// [`FULL_REBUILD_SHARE`] of the items (and at least [`MIN_FULL_REBUILD_ITEMS`]).
    pub(crate) fn update_item_neighbours(&mut self, items: &[u32], full: bool) {
        let n_items = self.matrix.cols.len();
        let large = items.len() >= MIN_FULL_REBUILD_ITEMS
            && items.len() as f64 > FULL_REBUILD_SHARE * n_items as f64;
        if full || large {
            self.rebuild_item_neighbours();
            return;
        }
        self.fit_item_side();
        let params = self.item_sim_params();
        for &i in items {
            self.item_neighbours
                .update(self.matrix.items(), &self.no_cap, &params, i);
        }
    }

    /// The item's served neighbours (item index, similarity), best first.
    pub(crate) fn item_neighbours_of(&self, i: u32) -> &[crate::similarity::Entry] {
        self.item_neighbours.served(i, self.config.item_neighbours)
    }
}
