//! Reading what an [`Engine`] holds besides recommendations: its [`Stats`], a user's
//! neighbours and blend shares, an item's appeal, the learned blend's report, the catalogue as
//! the evaluation sees it, the interaction matrix, and a check of the neighbour lists.

use serde::{Deserialize, Serialize};

use crate::model::engine::Engine;
use crate::model::error::{Error, Result};
use crate::scoring::recommend::BlendWeights;
use crate::similarity::Neighbours;

/// Counts describing an engine's contents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Users known (interacted or stated preferences).
    pub users: usize,
    /// Items in the catalogue, removed ones included.
    pub items: usize,
    /// Items that can be recommended (not removed).
    pub live_items: usize,
    /// Non-empty user–item cells.
    pub cells: usize,
    /// Interactions applied since the engine was created.
    pub interactions: u64,
    /// Latest interaction timestamp applied (the data watermark).
    pub watermark: Option<i64>,
}

impl Engine {
    /// The similarity tolerance [`Engine::verify_neighbours`] is called with when the caller
    /// names none (the bindings' default): far below any difference a real bug produces, far
    /// above the rounding of a recompute in another order.
    pub const NEIGHBOUR_TOLERANCE: f64 = 1e-9;

    /// A user's neighbours, most similar first (empty for unknown users).
    pub fn neighbours(&self, user_id: &str) -> Vec<(String, f64)> {
        self.read().neighbours_of(user_id)
    }

    /// An item's neighbours (item id, similarity), most similar first, whether or not they have
    /// started or been removed: what the `ItemBased` strategy scores with. Empty for unknown
    /// items and when the configuration keeps no item lists (`Config::item_neighbours` 0).
    pub fn item_neighbours(&self, item_id: &str) -> Vec<(String, f64)> {
        let m = self.read();
        m.catalog.ids.get(item_id).map_or_else(Vec::new, |i| {
            m.item_neighbours_of(i)
                .iter()
                .map(|&(j, s)| (m.catalog.ids.name(j).to_owned(), f64::from(s)))
                .collect()
        })
    }

    /// Cosine similarity of two users as the neighbour lists define it (0 for unknown users).
    pub fn similarity(&self, a: &str, b: &str) -> f64 {
        let m = self.read();
        match (m.users.get(a), m.users.get(b)) {
            (Some(u), Some(v)) => {
                Neighbours::pair(m.matrix.users(), &m.capped, &m.sim_params(), u, v) as f64
            }
            _ => 0.0,
        }
    }

    /// The Hybrid blend shares a user would get now.
    pub fn blend_weights(&self, user_id: &str) -> BlendWeights {
        let m = self.read();
        let u = m.users.get(user_id);
        let has_profile = u.is_some_and(|u| m.prefs.contains(u) || m.matrix.positive_count(u) > 0);
        m.blend_weights(u, has_profile)
    }

    /// What the learned blend chose at build and how it scored on its holdout; `None` when the
    /// fixed blend serves: configured, a holdout with fewer than [`crate::MIN_HOLDOUT_USERS`]
    /// users, or an engine loaded from a snapshot written before learned blends.
    pub fn blend_report(&self) -> Option<crate::BlendReport> {
        self.read().learned.as_ref().map(|l| l.report.clone())
    }

    /// New-event appeal of an item at `now`: its positive interactions per day on sale, on
    /// sale since anyone first saw or touched it (at least a day); `None` for an unknown item.
    pub fn appeal(&self, item_id: &str, now: i64) -> Option<f64> {
        let m = self.read();
        m.catalog.ids.get(item_id).map(|i| m.appeal.rate(i, now))
    }

    /// Counts of users, items, cells and interactions.
    pub fn stats(&self) -> Stats {
        let m = self.read();
        Stats {
            users: m.users.len(),
            items: m.catalog.len(),
            live_items: m.catalog.live_count(),
            cells: m.matrix.rows.iter().map(|r| r.len()).sum(),
            interactions: m.events,
            watermark: m.watermark,
        }
    }

    /// What the evaluation's beyond-accuracy metrics need to know about the live catalogue:
    /// each item's genres and artists (as `genre:…` / `artist:…`, canonical), the users, and
    /// per item the users whose interaction with it is positive.
    pub fn catalogue_info(&self) -> crate::evaluation::CatalogueInfo {
        use crate::data::catalog::canonical;
        let m = self.read();
        let live = |i: usize| !m.catalog.removed[i];
        let features = (0..m.catalog.len())
            .filter(|&i| live(i))
            .map(|i| {
                let it = &m.catalog.items[i];
                let genres = it.genres.iter().map(|g| format!("genre:{}", canonical(g)));
                let artists = it
                    .artists
                    .iter()
                    .map(|a| format!("artist:{}", canonical(a)));
                (it.id.clone(), genres.chain(artists).collect())
            })
            .collect();
        let mut counts = vec![0usize; m.catalog.len()];
        for row in &m.matrix.rows {
            for (i, v) in row.iter() {
                if v > 0.0 {
                    counts[i as usize] += 1;
                }
            }
        }
        let interacted = counts
            .iter()
            .enumerate()
            .filter(|&(i, &n)| n > 0 && live(i))
            .map(|(i, &n)| (m.catalog.items[i].id.clone(), n))
            .collect();
        crate::evaluation::CatalogueInfo {
            size: m.catalog.live_count(),
            features,
            users: m.users.len(),
            interacted,
        }
    }

    /// The users × items matrix of decayed, weighted interactions as a sprs CSR matrix (row and
    /// column order are the order in which users and items first appeared), with the user ids
    /// and item ids of the rows and columns.
    pub fn interaction_matrix(&self) -> (sprs::CsMat<f64>, Vec<String>, Vec<String>) {
        let m = self.read();
        let users = (0..m.users.len() as u32)
            .map(|u| m.users.name(u).to_owned())
            .collect();
        let items = (0..m.catalog.len() as u32)
            .map(|i| m.catalog.ids.name(i).to_owned())
            .collect();
        (m.matrix.to_csr(), users, items)
    }

    /// Checks that every neighbour list, users' and (when kept) items', equals a full recompute
    /// from the current matrix,
    /// within `tolerance` on similarities (ties may be ordered differently only where the
    /// similarities are within `tolerance`).
    ///
    /// # Errors
    /// [`Error::Inconsistent`] naming the first structure or user whose state differs;
    /// [`Error::InvalidConfig`] for a negative or NaN `tolerance`.
    pub fn verify_neighbours(&self, tolerance: f64) -> Result<()> {
        if tolerance.is_nan() || tolerance < 0.0 {
            return Err(Error::InvalidConfig(format!(
                "tolerance must be a number ≥ 0, got {tolerance}"
            )));
        }
        let m = self.read();
        let inconsistent = |what: &str| Err(Error::Inconsistent(what.to_owned()));
        if !m.neighbours.reverse_index_consistent() {
            return inconsistent("reverse neighbour index out of step with the lists");
        }
        if !m.rows_by_start_consistent() {
            return inconsistent("rows in start order out of step with the matrix");
        }
        if !m.artist_prior_consistent() {
            return inconsistent("artist priors out of step with popularity");
        }
        if !m.matrix.col_norms_consistent() {
            return inconsistent("column norms out of step with the matrix");
        }
        if !m.discount_consistent() {
            return inconsistent("popularity discounts out of step with the columns");
        }
        let fresh = Neighbours::build(m.matrix.users(), &m.capped, &m.sim_params());
        let k = m.config.neighbours;
        for u in 0..m.users.len() as u32 {
            let (a, b) = (m.neighbours.served(u, k), fresh.served(u, k));
            if !crate::similarity::same_within(a, b, tolerance) {
                return Err(Error::Inconsistent(format!(
                    "user {:?}: incremental neighbours {:?} != full recompute {:?}",
                    m.users.name(u),
                    a,
                    b
                )));
            }
        }
        m.verify_item_neighbours(tolerance)
            .map_err(Error::Inconsistent)
    }
}
