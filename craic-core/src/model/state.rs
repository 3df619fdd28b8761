//! The engine's state and every write to it. Reads live in `recommend.rs`.

use serde::{Deserialize, Serialize};

use crate::data::appeal::Appeal;
use crate::data::catalog::Catalog;
use crate::data::exposure::{Exposure, IMPRESSION_KIND};
use crate::data::ids::{validate_id, Interner};
use crate::data::interaction::{Interaction, InteractionRef, IMPRESSION};
use crate::data::item::{Item, Preferences};
use crate::data::kinds::{KindEffect, KindTable};
use crate::data::matrix::Matrix;
use crate::data::pref_store::PrefStore;
use crate::data::timeline::{RowsByStart, Timeline};
use crate::linear::LinearItems;
use crate::model::config::Config;
use crate::model::error::{Error, Result};
use crate::model::item_updates::ItemLists;
use crate::model::learned::LearnedBlend;
use crate::scoring::artist_prior::ArtistPrior;
use crate::scoring::content::ContentIndex;
use crate::scoring::discount::Discount;
use crate::scoring::popularity::Popularity;
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
pub(crate) const FULL_REBUILD_SHARE: f64 = 0.2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Model {
    pub config: Config,
    pub kinds: KindTable,
    pub users: Interner,
    pub catalog: Catalog,
    pub prefs: PrefStore,
    pub matrix: Matrix,
    pub neighbours: Neighbours,
    /// Items whose column is longer than `max_item_users` (left out of user–user overlap).
    pub capped: Vec<bool>,
    pub popularity: Popularity,
    /// Latest interaction timestamp applied.
    pub watermark: Option<i64>,
    /// Interactions applied since creation.
    pub events: u64,
    /// Decayed impressions since the last engagement, per user and item.
    pub exposure: Exposure,
    /// New-event appeal: positive interactions per day on sale, per item.
    pub appeal: Appeal,
    /// The learned Hybrid blend (`None`: the fixed one).
    pub learned: Option<LearnedBlend>,
    /// Item–item neighbour lists (`None`: `Config::item_neighbours` is 0, the default).
    pub items: Option<ItemLists>,
    /// The linear item model (`None`: `Config::linear_items` is 0, the default); fitted by
    /// every bulk load (build, retrain) and `Engine::rebuild`, fixed between them (empty in an
    /// engine fed only by records until one of those).
    pub linear: Option<LinearItems>,
    #[serde(skip)]
    pub content: ContentIndex,
    #[serde(skip)]
    pub timeline: Timeline,
    #[serde(skip)]
    pub by_start: RowsByStart,
    #[serde(skip)]
    pub artist_prior: ArtistPrior,
    /// The learned blend's popularity discount (derived from its report's β: rebuilt on load
    /// and when a blend is installed, extended by every write; see `scoring::discount`).
    #[serde(skip)]
    pub discount: Discount,
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
            exposure: Exposure::new(config.exposure_half_life_secs),
            appeal: Appeal::default(),
            learned: None,
            items: (config.item_neighbours > 0).then(ItemLists::default),
            linear: (config.linear_items > 0).then(LinearItems::default),
            config,
            users: Interner::default(),
            catalog: Catalog::default(),
            prefs: PrefStore::default(),
            neighbours: Neighbours::default(),
            capped: Vec::new(),
            popularity: Popularity::default(),
            watermark: None,
            events: 0,
            content: ContentIndex::default(),
            timeline: Timeline::default(),
            by_start: RowsByStart::default(),
            artist_prior: ArtistPrior::default(),
            discount: Discount::default(),
        })
    }

    /// Rebuilds what is derived and not serialised (lookup tables, ranked sets, content index).
    pub fn restore(&mut self) {
        self.users.reindex();
        self.catalog.reindex();
        self.popularity.relink();
        self.neighbours.reindex();
        self.matrix.rebuild_col_norms();
        self.restore_item_neighbours();
        if let Some(l) = &mut self.linear {
            l.reindex(self.matrix.cols.len());
        }
        self.reindex_catalog();
        self.by_start = RowsByStart::build(&self.matrix, &self.catalog.starts);
        self.refresh_discount();
    }

    /// Installs the learned blend `learned` (`None`: the fixed blend) and its discount.
    pub fn set_learned(&mut self, learned: Option<LearnedBlend>) {
        self.learned = learned;
        self.refresh_discount();
    }

    /// The discount table of the learned blend's β (none with the fixed blend), rebuilt.
    pub(crate) fn refresh_discount(&mut self) {
        let beta = self.learned.as_ref().map_or(0.0, |l| l.report.discount);
        self.discount = Discount::new(beta, &self.matrix.cols);
    }

    /// True when the discount table is the learned blend's and covers every column.
    pub fn discount_consistent(&self) -> bool {
        let beta = self.learned.as_ref().map_or(0.0, |l| l.report.discount);
        self.discount.consistent(beta, &self.matrix.cols)
    }

    /// True when the rows kept in start order equal ones rebuilt from the matrix.
    pub fn rows_by_start_consistent(&self) -> bool {
        let fresh = RowsByStart::build(&self.matrix, &self.catalog.starts);
        (0..self.matrix.rows.len() as u32).all(|u| fresh.row(u) == self.by_start.row(u))
    }

    /// Rebuilds the timeline and the content index after the catalogue changed.
    fn reindex_catalog(&mut self) {
        self.timeline = Timeline::build(&self.catalog);
        self.popularity.reposition(&self.timeline);
        self.content =
            ContentIndex::build(&self.catalog, &self.config.content_weights, &self.timeline);
        self.rebuild_artist_prior();
    }

    /// Every artist prior from the current popularity (after the catalogue or every score
    /// changed).
    pub fn rebuild_artist_prior(&mut self) {
        self.artist_prior =
            ArtistPrior::build(&self.content, &self.timeline, &self.popularity.score);
    }

    /// True when the artist priors equal ones rebuilt from the current popularity.
    pub fn artist_prior_consistent(&self) -> bool {
        self.artist_prior
            .consistent(&self.content, &self.timeline, &self.popularity.score)
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
            let before = self
                .catalog
                .ids
                .get(&item.id)
                .map(|i| self.catalog.starts[i as usize]);
            let moved = before.is_some_and(|s| s != item.starts_at);
            let (idx, city) = self.catalog.upsert(item);
            if moved {
                // Cells keep start order: re-sort the rows of everyone who touched the item.
                for &u in &self.matrix.cols[idx as usize].idx {
                    self.by_start.resort(&self.matrix, &self.catalog.starts, u);
                }
            }
            self.matrix.ensure_item(idx);
            if self.capped.len() <= idx as usize {
                self.capped.resize(idx as usize + 1, false);
            }
            self.popularity.place(idx, city);
        }
        self.fit_item_side();
        self.reindex_catalog();
        Ok(())
    }

    /// The catalogue indices of `ids`; the first invalid or unknown id is an error with its row.
    pub fn resolve_items(&self, ids: &[&str]) -> Result<Vec<u32>> {
        let mut idx = Vec::with_capacity(ids.len());
        for (n, id) in ids.iter().enumerate() {
            validate_id(id).map_err(|e| e.in_row(n))?;
            match self.catalog.ids.get(id) {
                Some(i) => idx.push(i),
                None => return Err(Error::UnknownItem((*id).to_owned()).in_row(n)),
            }
        }
        Ok(idx)
    }

    pub fn remove_items(&mut self, ids: &[&str]) -> Result<usize> {
        let idx = self.resolve_items(ids)?;
        let mut removed = 0;
        for i in idx {
            if !std::mem::replace(&mut self.catalog.removed[i as usize], true) {
                removed += 1;
            }
        }
        self.reindex_catalog();
        Ok(removed)
    }

    pub fn set_preferences(&mut self, user: &str, prefs: Preferences) -> Result<()> {
        validate_id(user)?;
        let u = self.intern_user(user);
        self.prefs.set(u, &prefs);
        Ok(())
    }

    /// The index of `user`, interned if new, with a matrix row and an (empty) neighbour list.
    /// Every user has a list: a snapshot of an engine whose newest users only stated
    /// preferences would otherwise not decode (fewer neighbour lists than users).
    pub(crate) fn intern_user(&mut self, user: &str) -> u32 {
        let u = self.users.intern(user);
        self.matrix.ensure_user(u);
        self.neighbours.fit(self.matrix.rows.len());
        self.exposure.fit(self.matrix.rows.len());
        self.fit_item_side();
        u
    }

    // ---- interactions ----------------------------------------------------------------------

    pub(crate) fn resolve<'a>(&self, x: &'a Interaction) -> Result<Resolved<'a>> {
        self.resolve_view(x.view())
    }

    /// [`Model::resolve`] of a borrowed row.
    pub(crate) fn resolve_view<'a>(&self, x: InteractionRef<'a>) -> Result<Resolved<'a>> {
        x.validate()?;
        let kind = match self.kinds.id(x.kind) {
            Some(k) => k,
            None if x.kind == IMPRESSION => IMPRESSION_KIND,
            None => return Err(Error::UnknownKind(x.kind.to_owned())),
        };
        let item = self
            .catalog
            .ids
            .get(x.item_id)
            .ok_or_else(|| Error::UnknownItem(x.item_id.to_owned()))?;
        Ok(Resolved {
            user: x.user_id,
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
        let rows: Vec<(u32, u32, u8, i64)> = resolved
            .iter()
            .map(|r| (self.intern_user(r.user), r.item, r.kind, r.t))
            .collect();
        let (touched, rebased) = self.add_parts(rows);
        #[cfg(test)]
        crate::model::engine::hooks::maybe_panic(); // half applied: parts added, nothing synced

        // 2. Cells into rows and columns.
        let (changes, items) = self.sync_cells(&touched, rebased);

        // 3. Neighbour lists.
        let applied = Applied {
            interactions: resolved.len(),
            users_changed: changes.len(),
            ..Applied::default()
        };
        Ok(self.update_neighbours(&changes, &items, rebased, applied))
    }

    /// Syncs the `touched` cells (sorted by user) into the matrix's rows and columns, their
    /// norms, popularity and the artist prior (rebuilt after a decay rebase). Returns the users
    /// whose row changed, in order, and the items whose column changed, sorted and distinct.
    fn sync_cells(&mut self, touched: &[(u32, u32)], rebased: bool) -> (Vec<u32>, Vec<u32>) {
        let mut changes: Vec<u32> = Vec::new();
        let mut items: Vec<u32> = Vec::new();
        for &(u, i) in touched {
            if self.matrix.sync_cell(&self.kinds, u, i).is_some() {
                if changes.last() != Some(&u) {
                    changes.push(u);
                }
                self.by_start.sync(&self.matrix, &self.catalog.starts, u, i);
                items.push(i);
            }
        }
        items.sort_unstable();
        items.dedup();
        for &u in &changes {
            self.matrix.refresh_norm(u);
        }
        for &i in &items {
            self.matrix.refresh_col_norm(i);
            self.popularity.set(i, self.matrix.cols[i as usize].sum());
            self.discount.cover(self.matrix.cols[i as usize].len());
        }
        if rebased {
            self.rebuild_artist_prior();
        } else {
            self.artist_prior
                .refresh(&items, &self.popularity.score, &self.timeline);
        }
        (changes, items)
    }

    /// Brings the neighbour lists up to date after users `changes` and items `items` changed
    /// (the item lists first, when kept: see `item_updates`); the users': a full rebuild when
    /// too many users changed (or a rebase left subnormal values), else
    /// the lists of the users whose capped columns crossed a cap, then each changed user's.
    /// Returns `applied` with the lists recomputed and entries touched added.
    fn update_neighbours(
        &mut self,
        changes: &[u32],
        items: &[u32],
        rebased: bool,
        mut applied: Applied,
    ) -> Applied {
        let n_users = self.matrix.rows.len();
        let must_rebuild = rebased && self.matrix.has_subnormal();
        self.update_item_neighbours(changes, items, must_rebuild);
        if must_rebuild || changes.len() as f64 > FULL_REBUILD_SHARE * n_users as f64 {
            self.rebuild_user_neighbours();
            applied.full_rebuild = true;
            applied.lists_recomputed = n_users;
            return applied;
        }
        self.neighbours_fit();
        let params = self.sim_params();
        let crossed = self.refresh_caps(items);
        if !crossed.is_empty() {
            let mut members: Vec<u32> = crossed
                .iter()
                .flat_map(|&i| self.matrix.cols[i as usize].idx.iter().copied())
                .chain(changes.iter().copied())
                .collect();
            members.sort_unstable();
            members.dedup();
            self.neighbours
                .recompute(self.matrix.users(), &self.capped, &params, &members);
            applied.lists_recomputed += members.len();
        }
        for &u in changes {
            let cost = self
                .neighbours
                .update(self.matrix.users(), &self.capped, &params, u);
            applied.lists_recomputed += cost.lists_recomputed;
            applied.entries_touched += cost.entries_touched;
        }
        applied
    }

    /// Adds every interaction, as (user, item, kind, timestamp) with the user interned, to its
    /// cell's parts in arrival order (rescaling popularity on a decay rebase); impressions go to
    /// the exposure instead, and any other row ends its cell's exposure. Returns the touched
    /// (user, item) cells, sorted and distinct, and whether the decay epoch moved.
    pub(crate) fn add_parts(
        &mut self,
        rows: impl IntoIterator<Item = (u32, u32, u8, i64)>,
    ) -> (Vec<(u32, u32)>, bool) {
        let rows = rows.into_iter();
        let mut touched: Vec<(u32, u32)> = Vec::with_capacity(rows.size_hint().0);
        let mut rebased = false;
        for (u, i, k, t) in rows {
            self.watermark = Some(self.watermark.map_or(t, |w| w.max(t)));
            self.events += 1;
            self.observe_appeal(i, k, t);
            if k == IMPRESSION_KIND {
                self.exposure.show(u, i, t);
                continue;
            }
            self.exposure.engage(u, i);
            if let Some(rb) = self.matrix.add_part(&self.kinds, u, i, k, t) {
                self.popularity.rescale(rb.factor);
                self.by_start.rescale(rb.factor);
                rebased = true;
            }
            touched.push((u, i));
        }
        touched.sort_unstable();
        touched.dedup();
        (touched, rebased)
    }

    /// Counts one interaction (or impression) of `kind` with `item` at `t` in the appeal.
    pub(crate) fn observe_appeal(&mut self, item: u32, kind: u8, t: i64) {
        let positive = kind != IMPRESSION_KIND
            && self.kinds.effects.get(kind as usize) == Some(&KindEffect::Positive);
        self.appeal.observe(item, t, positive);
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

    pub(crate) fn refresh_caps_all(&mut self) {
        let cap = self.config.max_item_users;
        for (flag, col) in self.capped.iter_mut().zip(&self.matrix.cols) {
            *flag = col.len() > cap;
        }
    }

    /// Recomputes every neighbour list, users' and (when kept) items', from the current
    /// matrix.
    pub fn rebuild_neighbours(&mut self) {
        self.rebuild_user_neighbours();
        self.rebuild_item_neighbours();
    }

    /// Recomputes every user's neighbour list from the current matrix, in parallel.
    fn rebuild_user_neighbours(&mut self) {
        self.refresh_caps_all();
        self.neighbours = Neighbours::build(self.matrix.users(), &self.capped, &self.sim_params());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::request::{Request, Strategy};

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
        assert!(back.rows_by_start_consistent());
    }

    #[test]
    fn rows_stay_in_start_order_when_an_event_moves() {
        let mut m = Model::new(Config::default()).unwrap();
        let items = |b_start| {
            vec![
                Item::new("a", 2_000_000_100).genres(["techno"]),
                Item::new("b", b_start).genres(["techno"]),
                Item::new("c", 2_000_000_300).genres(["jazz"]),
            ]
        };
        m.upsert_items(items(2_000_000_200)).unwrap();
        m.apply(&[
            Interaction::new("x", "a", "save", 1_700_000_000),
            Interaction::new("x", "b", "click", 1_700_000_001),
            Interaction::new("x", "c", "click", 1_700_000_002),
            Interaction::new("y", "b", "save", 1_700_000_003),
            Interaction::new("y", "c", "save", 1_700_000_004),
        ])
        .unwrap();
        assert!(m.rows_by_start_consistent());
        let order = |m: &Model| -> Vec<u32> { m.by_start.row(0).iter().map(|c| c.item).collect() };
        assert_eq!(order(&m), vec![2, 1, 0]);
        // b moves from the middle to the end of the week, then is removed.
        m.upsert_items(items(2_000_000_400)).unwrap();
        assert!(m.rows_by_start_consistent());
        assert_eq!(order(&m), vec![1, 2, 0]);
        m.apply(&[Interaction::new("x", "b", "unsave", 1_700_000_005)])
            .unwrap();
        m.apply(&[Interaction::new("x", "a", "unsave", 1_700_000_006)])
            .unwrap();
        assert!(m.rows_by_start_consistent());
        assert_eq!(order(&m), vec![1, 2]);
        m.remove_items(&["b"]).unwrap();
        let r = m
            .recommend(
                "y",
                &Request::new(3).strategy(Strategy::Collaborative).now(0),
            )
            .unwrap();
        assert!(r.iter().all(|x| x.item_id != "b"));
    }
}
