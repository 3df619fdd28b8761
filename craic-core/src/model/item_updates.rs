//! Item–item neighbourhoods (opt-in: `Config::item_neighbours` > 0) kept in step with the
//! interaction matrix: the items whose columns a batch changed are updated exactly (their own
//! lists recomputed, their entries fixed in every list they can appear in), as the user–user
//! lists are; a batch touching a large share of the catalogue, or a decay rebase that lost
//! precision, rebuilds every list in parallel instead. Either way the lists are bit-for-bit
//! those of a full rebuild (`tests/incremental.rs`). With the lists off none of this runs.
//! The linear item model (opt-in: `Config::linear_items` > 0) is refitted here at every bulk
//! load instead, and not by single writes.

use serde::{Deserialize, Serialize};

use crate::linear::{LinearItems, MatrixHistories, FIT_ROW_CAP};
use crate::model::error::Result;

use crate::model::state::{Model, FULL_REBUILD_SHARE};
use crate::similarity::{Entry, Neighbours, SimParams};

/// The item side: every item's neighbour list, and which users leave item–item overlap.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ItemLists {
    /// Per item, its neighbours (shrunk cosine over the items' users), best first.
    pub lists: Neighbours,
    /// Per user: more items than `Config::max_user_items` (left out of item–item overlap).
    /// Derived.
    #[serde(skip)]
    pub heavy: Vec<bool>,
}

/// A batch changing fewer items than this never rebuilds every item list (small catalogues:
/// the updates are as cheap, and keep exercising the exact path).
const MIN_FULL_REBUILD_ITEMS: usize = 64;

impl Model {
    /// Parameters of item–item similarity: the configured item `k`, the users' buffer,
    /// shrinkage and minimum overlap (here: shared users).
    pub(crate) fn item_sim_params(&self) -> SimParams {
        SimParams {
            k: self.config.item_neighbours,
            keep: self.config.item_neighbours + self.config.neighbour_buffer,
            shrinkage: self.config.shrinkage,
            min_overlap: self.config.min_overlap,
        }
    }

    /// Every user's cap flag from the rows.
    fn heavy_flags(&self) -> Vec<bool> {
        self.matrix
            .rows
            .iter()
            .map(|r| r.len() > self.config.max_user_items)
            .collect()
    }

    /// Recomputes every item's list from the current matrix, in parallel (drops them when the
    /// configuration keeps none).
    pub(crate) fn rebuild_item_neighbours(&mut self) {
        if self.config.item_neighbours == 0 {
            self.items = None;
            return;
        }
        let heavy = self.heavy_flags();
        let lists = Neighbours::build(self.matrix.items(), &heavy, &self.item_sim_params());
        self.items = Some(ItemLists { lists, heavy });
    }

    /// The users' histories as the linear item model reads them: a request with the recency
    /// focus when one is configured (it needs the decay to order cells in time).
    pub(crate) fn histories(&self) -> MatrixHistories<'_> {
        let tau = self.config.linear_focus;
        MatrixHistories {
            matrix: &self.matrix,
            kinds: &self.kinds,
            focus: (tau > 0.0 && self.config.half_life_secs.is_some()).then_some(tau),
        }
    }

    /// Fits the linear item model on the current rows (drops it when the configuration keeps
    /// none): at every bulk load, so at every build and retrain.
    pub(crate) fn fit_linear_items(&mut self) -> Result<()> {
        self.linear = match self.config.linear_items {
            0 => None,
            n => Some(LinearItems::fit(
                &self.histories(),
                self.matrix.cols.len(),
                &self.catalog.removed,
                (
                    n,
                    self.config.linear_l2,
                    self.config.max_user_items.max(FIT_ROW_CAP),
                ),
            )?),
        };
        Ok(())
    }

    /// After a load: the stored lists' reverse index and the cap flags, or every list rebuilt
    /// when the configuration wants lists the snapshot did not hold.
    pub(crate) fn restore_item_neighbours(&mut self) {
        let heavy = self.heavy_flags();
        match &mut self.items {
            Some(side) if self.config.item_neighbours > 0 => {
                side.lists.reindex();
                side.heavy = heavy;
            }
            _ => self.rebuild_item_neighbours(),
        }
    }

    /// Gives a new item (and user) its empty list (and flag).
    pub(crate) fn fit_item_side(&mut self) {
        let (n_items, n_users) = (self.matrix.cols.len(), self.matrix.rows.len());
        if let Some(side) = &mut self.items {
            side.lists.fit(n_items);
            side.heavy.resize(n_users, false);
        }
    }

    /// After the rows of `users` (sorted) and the columns (and column norms) of `items`
    /// (sorted, distinct) changed: updates the item lists, or rebuilds them all when `full` or
    /// when the batch touches more than [`FULL_REBUILD_SHARE`] of the items (and at least
    /// [`MIN_FULL_REBUILD_ITEMS`]). A user crossing `max_user_items` either way changes the
    /// similarity of every pair of items in their row: those lists are recomputed first.
    pub(crate) fn update_item_neighbours(&mut self, users: &[u32], items: &[u32], full: bool) {
        if self.items.is_none() {
            return;
        }
        let n_items = self.matrix.cols.len();
        let large = items.len() >= MIN_FULL_REBUILD_ITEMS
            && items.len() as f64 > FULL_REBUILD_SHARE * n_items as f64;
        if full || large {
            self.rebuild_item_neighbours();
            return;
        }
        self.fit_item_side();
        let params = self.item_sim_params();
        let cap = self.config.max_user_items;
        let (Some(side), m) = (&mut self.items, &self.matrix) else {
            return;
        };
        let mut members: Vec<u32> = Vec::new();
        for &u in users {
            let now = m.rows[u as usize].len() > cap;
            if std::mem::replace(&mut side.heavy[u as usize], now) != now {
                members.extend_from_slice(&m.rows[u as usize].idx);
            }
        }
        if !members.is_empty() {
            members.extend_from_slice(items);
            members.sort_unstable();
            members.dedup();
            side.lists
                .recompute(m.items(), &side.heavy, &params, &members);
        }
        for &i in items {
            side.lists.update(m.items(), &side.heavy, &params, i);
        }
    }

    /// Item `i`'s served neighbours (item index, similarity), best first (empty with the lists
    /// off).
    pub(crate) fn item_neighbours_of(&self, i: u32) -> &[Entry] {
        match &self.items {
            Some(side) if (i as usize) < side.lists.lists.len() => {
                side.lists.served(i, self.config.item_neighbours)
            }
            _ => &[],
        }
    }

    /// Every item list against a full recompute, within `tolerance` (see
    /// [`crate::Engine::verify_neighbours`]); the name of the first item that differs.
    pub(crate) fn verify_item_neighbours(&self, tolerance: f64) -> std::result::Result<(), String> {
        let Some(side) = &self.items else {
            return match self.config.item_neighbours {
                0 => Ok(()),
                _ => Err("item neighbour lists missing".into()),
            };
        };
        if !side.lists.reverse_index_consistent() {
            return Err("reverse item neighbour index out of step with the lists".into());
        }
        if side.heavy != self.heavy_flags() {
            return Err("item side cap flags out of step with the rows".into());
        }
        let params = self.item_sim_params();
        let fresh = Neighbours::build(self.matrix.items(), &side.heavy, &params);
        for i in 0..fresh.lists.len() as u32 {
            let (a, b) = (side.lists.served(i, params.k), fresh.served(i, params.k));
            if !crate::similarity::same_within(a, b, tolerance) {
                return Err(format!(
                    "item {:?}: incremental neighbours {a:?} != full recompute {b:?}",
                    self.catalog.ids.name(i)
                ));
            }
        }
        Ok(())
    }
}
