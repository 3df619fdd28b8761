//! The item-based component: a user's history times the item–item neighbourhoods (kept only
//! when `Config::item_neighbours` > 0).
//!
//! The score of an upcoming event `j` for user `u` is `Σ_i r_ui · sim(i, j)` over the items `i`
//! of the user's row whose served neighbour list holds `j`, where `r_ui` is the decayed,
//! kind-weighted cell (hidden items, with a negative `r_ui`, count against). It is the
//! `ItemBased` strategy's only component and, with a learned blend, one of the Hybrid's.
//! It costs the history length times `item_neighbours` per request.

use crate::data::timeline::OFF_TIMELINE;
use crate::model::error::{Error, Result};
use crate::model::state::Model;
use crate::scoring::request::Strategy;
use crate::scoring::scratch::Scratch;

impl Model {
    /// `Ok` unless `strategy` is `ItemBased` and the model keeps no item lists: then an
    /// [`Error::InvalidConfig`] (the engine was not configured for it; nothing falls back).
    pub(crate) fn check_strategy(&self, strategy: Strategy) -> Result<()> {
        if strategy == Strategy::ItemBased && self.items.is_none() {
            return Err(Error::InvalidConfig(
                "the item_based strategy needs item neighbour lists: set Config::item_neighbours > 0"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Item-based scores of the `n_up` upcoming items into `s.ib`, by timeline position, each
    /// position with evidence marked in the scratch: for every item of the user's row, its
    /// served neighbours that are upcoming.
    pub(crate) fn item_based_scores(&self, u: Option<u32>, n_up: usize, s: &mut Scratch) {
        let Some(row) = u.and_then(|u| self.matrix.rows.get(u as usize)) else {
            return;
        };
        let pos = &self.timeline.pos;
        for (i, r) in row.iter() {
            for &(j, sim) in self.item_neighbours_of(i) {
                let p = pos[j as usize];
                if p == OFF_TIMELINE || p as usize >= n_up {
                    continue;
                }
                s.hit(p as usize);
                s.ib[p as usize] += r * f64::from(sim);
            }
        }
    }

    /// Why `j` scored for `u`: the history item contributing most (`"similar to rave-1, which
    /// you saved"`, or `"... which you liked"` when it was not saved).
    pub(crate) fn item_based_reason(&self, u: u32, j: u32) -> String {
        let best = self.matrix.rows[u as usize]
            .iter()
            .filter(|&(_, r)| r > 0.0)
            .filter_map(|(i, r)| {
                let list = self.item_neighbours_of(i);
                list.iter()
                    .find(|e| e.0 == j)
                    .map(|e| (i, r * f64::from(e.1)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((i, _)) => {
                let saved = self
                    .matrix
                    .cell_parts(u, i)
                    .iter()
                    .any(|p| Some(p.kind) == self.kinds.save);
                let how = if saved { "saved" } else { "liked" };
                format!("similar to {}, which you {how}", self.catalog.ids.name(i))
            }
            None => "similar to events you liked".to_owned(),
        }
    }
}
