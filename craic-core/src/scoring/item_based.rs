//! The item-based component: a user's history times the item–item neighbourhoods.
//!
//! The score of an upcoming event `j` for user `u` is `Σ_i r_ui · sim(i, j)` over the items `i`
//! of the user's row whose served neighbour list holds `j` (hidden items, with negative `r_ui`,
//! count against). It is the `ItemBased` strategy's only component, and available per user
//! for a blend through `Model::item_based_scores`.

use crate::data::timeline::OFF_TIMELINE;
use crate::model::state::Model;

impl Model {
    /// Item-based scores of the `n_up` upcoming items, by timeline position, added into
    /// `scores` (the positions with evidence flagged in `hit` and listed in `list`, as the
    /// collaborative scores are in the request scratch): for every item of the user's row, its
    /// served neighbours that are upcoming. Costs the history length times
    /// `Config::item_neighbours`. The `ItemBased` strategy passes the scratch's collaborative
    /// slots; a blend wanting both components passes buffers of its own.
    pub(crate) fn item_based_scores(
        &self,
        u: Option<u32>,
        n_up: usize,
        (scores, hit, list): (&mut [f64], &mut [bool], &mut Vec<u32>),
    ) {
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
                let p = p as usize;
                if !hit[p] {
                    hit[p] = true;
                    list.push(p as u32);
                }
                scores[p] += r * f64::from(sim);
            }
        }
    }

    /// Why `j` scored for `u`: the history item contributing most (`"similar to rave-1 you
    /// saved"`, or `"... you liked"` when it was not saved).
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
                format!("similar to {} you {how}", self.catalog.ids.name(i))
            }
            None => "similar to events you liked".to_owned(),
        }
    }
}
