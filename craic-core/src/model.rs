//! The engine's state and every write to it. Reads live in `recommend.rs`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::content::ContentIndex;
use crate::error::{Error, Result};
use crate::ids::{validate_id, Interner};
use crate::interaction::Interaction;
use crate::item::{Item, Preferences};
use crate::kinds::KindTable;
use crate::matrix::Matrix;
use crate::popularity::Popularity;
use crate::similarity::{Neighbours, SimParams};

/// What applying a batch of interactions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// Interactions applied.
    pub interactions: usize,
    /// Distinct users whose rows changed.
    pub users_changed: usize,
    /// Neighbour lists recomputed from scratch (the changed users' own lists included).
    pub lists_recomputed: usize,
    /// Neighbour-list entries checked or fixed in place.
    pub entries_touched: usize,
    /// True when the batch was large enough that every list was rebuilt in parallel instead.
    pub full_rebuild: bool,
}

/// A batch touching more than this share of users rebuilds all neighbour lists at once.
const FULL_REBUILD_SHARE: f64 = 0.2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Model {
    pub config: Config,
    pub kinds: KindTable,
    pub users: Interner,
    pub catalog: Catalog,
    pub prefs: HashMap<u32, Preferences>,
    pub matrix: Matrix,
    pub neighbours: Neighbours,
    /// Items whose column is longer than `max_item_users` (left out of user–user overlap).
    pub capped: Vec<bool>,
    pub popularity: Popularity,
    /// Latest interaction timestamp applied.
    pub watermark: Option<i64>,
    /// Interactions applied since creation.
    pub events: u64,
    #[serde(skip)]
    pub content: ContentIndex,
}

/// A validated interaction, resolved to indices (the user may still be new).
pub(crate) struct Resolved<'a> {
    pub user: &'a str,
    pub item: u32,
    pub kind: u8,
    pub t: i64,
}

impl Model {
    pub fn new(config: Config) -> Result<Model> {
        config.validate()?;
        Ok(Model {
            kinds: KindTable::new(&config),
            matrix: Matrix::new(config.half_life_secs),
            config,
            users: Interner::default(),
            catalog: Catalog::default(),
            prefs: HashMap::new(),
            neighbours: Neighbours::default(),
            capped: Vec::new(),
            popularity: Popularity::default(),
            watermark: None,
            events: 0,
            content: ContentIndex::default(),
        })
    }

    /// Rebuilds what is derived and not serialised (lookup tables, ranked sets, content index).
    pub fn restore(&mut self) {
        self.users.reindex();
        self.catalog.reindex();
        self.popularity.relink();
        self.neighbours.reindex();
        self.content = ContentIndex::build(&self.catalog, &self.config.content_weights);
    }

    pub fn sim_params(&self) -> SimParams {
        SimParams {
            k: self.config.neighbours,
            keep: self.config.neighbours + self.config.neighbour_buffer,
            shrinkage: self.config.shrinkage,
            min_overlap: self.config.min_overlap,
        }
    }

    // ---- catalogue -------------------------------------------------------------------------

    pub fn upsert_items(&mut self, items: Vec<Item>) -> Result<()> {
        for (n, item) in items.iter().enumerate() {
            item.validate().map_err(|e| e.in_row(n))?;
        }
        for item in items {
            let (idx, city) = self.catalog.upsert(item);
            self.matrix.ensure_item(idx);
            if self.capped.len() <= idx as usize {
                self.capped.resize(idx as usize + 1, false);
            }
            self.popularity.place(idx, city);
        }
        self.content = ContentIndex::build(&self.catalog, &self.config.content_weights);
        Ok(())
    }

    pub fn remove_items(&mut self, ids: &[&str]) -> Result<usize> {
        let mut idx = Vec::with_capacity(ids.len());
        for (n, id) in ids.iter().enumerate() {
            validate_id(id).map_err(|e| e.in_row(n))?;
            match self.catalog.ids.get(id) {
                Some(i) => idx.push(i),
                None => return Err(Error::UnknownItem((*id).to_owned()).in_row(n)),
            }
        }
        let mut removed = 0;
        for i in idx {
            if !std::mem::replace(&mut self.catalog.removed[i as usize], true) {
                removed += 1;
            }
        }
        self.content = ContentIndex::build(&self.catalog, &self.config.content_weights);
        Ok(removed)
    }

    pub fn set_preferences(&mut self, user: &str, prefs: Preferences) -> Result<()> {
        validate_id(user)?;
        let u = self.intern_user(user);
        if prefs.is_empty() {
            self.prefs.remove(&u);
        } else {
            self.prefs.insert(u, prefs);
        }
        Ok(())
    }

    pub(crate) fn intern_user(&mut self, user: &str) -> u32 {
        let u = self.users.intern(user);
        self.matrix.ensure_user(u);
        u
    }

    // ---- interactions ----------------------------------------------------------------------

    pub(crate) fn resolve<'a>(&self, x: &'a Interaction) -> Result<Resolved<'a>> {
        x.validate()?;
        let kind = self
            .kinds
            .id(&x.kind)
            .ok_or_else(|| Error::UnknownKind(x.kind.clone()))?;
        let item = self
            .catalog
            .ids
            .get(&x.item_id)
            .ok_or_else(|| Error::UnknownItem(x.item_id.clone()))?;
        Ok(Resolved {
            user: &x.user_id,
            item,
            kind,
            t: x.timestamp,
        })
    }

    /// Applies a batch atomically: every row is validated before anything changes.
    pub fn apply(&mut self, batch: &[Interaction]) -> Result<Applied> {
        let resolved = batch
            .iter()
            .enumerate()
            .map(|(n, x)| self.resolve(x).map_err(|e| e.in_row(n)))
            .collect::<Result<Vec<_>>>()?;

        // 1. Parts, in arrival order (decay rebases happen at the same points as in any replay).
        let (touched, rebased) = self.add_parts(&resolved);

        // 2. Cells into rows and columns.
        let mut changes: Vec<(u32, Vec<u32>)> = Vec::new(); // (user, removed items)
        let mut items: Vec<u32> = Vec::new();
        for &(u, i) in &touched {
            if let Some(exists) = self.matrix.sync_cell(&self.kinds, u, i) {
                match changes.last_mut() {
                    Some((last, _)) if *last == u => {}
                    _ => changes.push((u, Vec::new())),
                }
                if !exists {
                    if let Some(c) = changes.last_mut() {
                        c.1.push(i);
                    }
                }
                items.push(i);
            }
        }
        items.sort_unstable();
        items.dedup();
        for &(u, _) in &changes {
            self.matrix.refresh_norm(u);
        }
        for &i in &items {
            self.popularity.set(i, self.matrix.cols[i as usize].sum());
        }

        // 3. Neighbour lists.
        let mut applied = Applied {
            interactions: resolved.len(),
            users_changed: changes.len(),
            ..Applied::default()
        };
        let n_users = self.matrix.rows.len();
        let must_rebuild = rebased && self.matrix.has_subnormal();
        if must_rebuild || changes.len() as f64 > FULL_REBUILD_SHARE * n_users as f64 {
            self.refresh_caps_all();
            self.rebuild_neighbours();
            applied.full_rebuild = true;
            applied.lists_recomputed = n_users;
            return Ok(applied);
        }
        self.neighbours_fit();
        let params = self.sim_params();
        let crossed = self.refresh_caps(&items);
        if !crossed.is_empty() {
            let mut members: Vec<u32> = crossed
                .iter()
                .flat_map(|&i| self.matrix.cols[i as usize].idx.iter().copied())
                .chain(changes.iter().map(|c| c.0))
                .collect();
            members.sort_unstable();
            members.dedup();
            self.neighbours
                .recompute(&self.matrix, &self.capped, &params, &members);
            applied.lists_recomputed += members.len();
        }
        for &(u, _) in &changes {
            let cost = self
                .neighbours
                .update(&self.matrix, &self.capped, &params, u);
            applied.lists_recomputed += cost.lists_recomputed;
            applied.entries_touched += cost.entries_touched;
        }
        Ok(applied)
    }

    /// Adds every interaction to its cell's parts in arrival order (interning new users and
    /// rescaling popularity on a decay rebase). Returns the touched (user, item) cells, sorted
    /// and distinct, and whether the decay epoch moved.
    pub(crate) fn add_parts(&mut self, resolved: &[Resolved<'_>]) -> (Vec<(u32, u32)>, bool) {
        let mut touched: Vec<(u32, u32)> = Vec::with_capacity(resolved.len());
        let mut rebased = false;
        for r in resolved {
            let u = self.intern_user(r.user);
            if let Some(rb) = self.matrix.add_part(&self.kinds, u, r.item, r.kind, r.t) {
                self.popularity.rescale(rb.factor);
                rebased = true;
            }
            touched.push((u, r.item));
            self.watermark = Some(self.watermark.map_or(r.t, |w| w.max(r.t)));
        }
        self.events += resolved.len() as u64;
        touched.sort_unstable();
        touched.dedup();
        (touched, rebased)
    }

    fn neighbours_fit(&mut self) {
        let n = self.matrix.rows.len();
        self.neighbours.fit(n);
    }

    /// Updates the cap flags of `items`; returns those whose flag flipped.
    fn refresh_caps(&mut self, items: &[u32]) -> Vec<u32> {
        let cap = self.config.max_item_users;
        items
            .iter()
            .copied()
            .filter(|&i| {
                let now = self.matrix.cols[i as usize].len() > cap;
                std::mem::replace(&mut self.capped[i as usize], now) != now
            })
            .collect()
    }

    fn refresh_caps_all(&mut self) {
        let cap = self.config.max_item_users;
        for (flag, col) in self.capped.iter_mut().zip(&self.matrix.cols) {
            *flag = col.len() > cap;
        }
    }

    /// Recomputes every neighbour list from the current matrix, in parallel.
    pub fn rebuild_neighbours(&mut self) {
        self.refresh_caps_all();
        self.neighbours = Neighbours::build(&self.matrix, &self.capped, &self.sim_params());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Request, Strategy};

    #[test]
    fn serde_round_trip_then_restore_serves_the_same() {
        let mut m = Model::new(Config::default()).unwrap();
        m.upsert_items(vec![
            Item::new("a", 2_000_000_000)
                .city("dublin")
                .genres(["techno"]),
            Item::new("b", 2_000_000_000)
                .city("dublin")
                .genres(["techno"]),
            Item::new("c", 2_000_000_000).city("cork").genres(["jazz"]),
        ])
        .unwrap();
        m.set_preferences(
            "p",
            Preferences::new(["jazz"], Vec::<String>::new(), ["cork"]),
        )
        .unwrap();
        m.apply(&[
            Interaction::new("x", "a", "save", 1_700_000_000),
            Interaction::new("x", "b", "click", 1_700_000_001),
            Interaction::new("y", "a", "save", 1_700_000_002),
        ])
        .unwrap();
        let json = serde_json::to_string(&m).unwrap();
        let mut back: Model = serde_json::from_str(&json).unwrap();
        back.restore();
        for user in ["x", "y", "p", "new"] {
            for s in Strategy::ALL {
                let r = Request::new(3).strategy(s).now(1_800_000_000).explain(true);
                assert_eq!(
                    m.recommend(user, &r).unwrap(),
                    back.recommend(user, &r).unwrap()
                );
            }
        }
        assert_eq!(back.neighbours_of("y"), m.neighbours_of("y"));
    }
}
