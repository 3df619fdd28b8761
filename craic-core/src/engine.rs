//! [`Engine`]: the thread-safe, in-process recommender.

use std::borrow::Borrow;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::interaction::Interaction;
use crate::item::{Item, Preferences};
use crate::model::{Applied, Model};
use crate::recommend::BlendWeights;
use crate::request::{Recommendation, Request};
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

/// The recommender: catalogue, interaction matrix, neighbourhoods and scorers behind one lock.
///
/// `Engine` is `Send + Sync`; share it in an `Arc`. Reads (`recommend`, `neighbours`, ...) run
/// concurrently; a write (`record`, `upsert_items`, ...) is applied as a whole before any reader
/// sees it — never half a batch.
///
/// ```
/// use craic_core::{Config, Engine, Interaction, Item, Request, Strategy};
/// let engine = Engine::new(Config::default())?;
/// engine.upsert_items(vec![
///     Item::new("rave", 2_000_000_000).city("dublin").genres(["techno"]),
///     Item::new("folk", 2_000_000_000).city("dublin").genres(["folk"]),
///     Item::new("jazz", 2_000_000_000).city("cork").genres(["jazz"]),
/// ])?;
/// engine.record(&[
///     Interaction::new("ana", "rave", "save", 1_700_000_000),
///     Interaction::new("ana", "folk", "click", 1_700_000_100),
///     Interaction::new("ben", "rave", "save", 1_700_000_200),
/// ])?;
/// let recs = engine.recommend("ben", &Request::new(2).now(1_800_000_000))?;
/// assert_eq!(recs[0].item_id, "folk"); // ana, ben's neighbour, liked it; "rave" is already saved
/// assert_eq!(recs.len(), 2);
/// # Ok::<(), craic_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    model: RwLock<Model>,
}

impl Engine {
    /// An empty engine. Fails with `InvalidConfig` / `InvalidWeight` on a bad configuration.
    pub fn new(config: Config) -> Result<Engine> {
        Ok(Engine::from_model(Model::new(config)?))
    }

    /// Builds an engine in one go: catalogue, preferences, then every interaction into the matrix
    /// followed by one parallel build of all neighbour lists. Same result as recording the
    /// interactions one by one, much faster. [`Engine::build_from_iter`] does the same from a
    /// stream, without needing every interaction in memory.
    pub fn build(
        config: Config,
        items: Vec<Item>,
        preferences: Vec<(String, Preferences)>,
        interactions: &[Interaction],
    ) -> Result<Engine> {
        Engine::build_from_iter(config, items, preferences, interactions)
    }

    /// [`Engine::build`] from any iterator of interactions — owned `Interaction`s (for example
    /// parsed from a file as they are read) or `&Interaction`s — consumed once, in order.
    ///
    /// Only a compact form of each row is kept while loading (user and item indices, kind and
    /// timestamp: 17 bytes), never the strings, so the caller never needs the whole log in
    /// memory. Every row is validated: the first bad one fails the build with an
    /// [`Error::InvalidRow`] giving its zero-based index in the stream and the same kind as
    /// [`Engine::record`] would report, and no engine is built (reading stops within 65 536
    /// rows of it; rows are validated 65 536 at a time, in parallel). Gives exactly the engine
    /// `build` gives on the same interactions.
    ///
    /// ```
    /// use craic_core::{Config, Engine, ErrorKind, Interaction, Item, Request};
    /// let items = vec![Item::new("rave", 2_000_000_000), Item::new("folk", 2_000_000_000)];
    /// // E.g. lines of a log, parsed one at a time.
    /// let log = ["ana,rave,save", "ana,folk,click", "ben,rave,save"];
    /// let stream = log.iter().enumerate().map(|(n, line)| {
    ///     let f: Vec<&str> = line.split(',').collect();
    ///     Interaction::new(f[0], f[1], f[2], 1_700_000_000 + n as i64)
    /// });
    /// let engine = Engine::build_from_iter(Config::default(), items.clone(), vec![], stream)?;
    /// assert_eq!(engine.stats().interactions, 3);
    /// assert_eq!(engine.recommend("ben", &Request::new(1).now(1_800_000_000))?[0].item_id, "folk");
    ///
    /// let bad = [("ana", "rave"), ("ana", "nope"), ("ben", "rave")]
    ///     .map(|(u, i)| Interaction::new(u, i, "save", 1_700_000_000));
    /// let err = Engine::build_from_iter(Config::default(), items, vec![], bad).unwrap_err();
    /// assert_eq!((err.kind(), err.row()), (ErrorKind::UnknownItem, Some(1)));
    /// # Ok::<(), craic_core::Error>(())
    /// ```
    pub fn build_from_iter<I>(
        config: Config,
        items: Vec<Item>,
        preferences: Vec<(String, Preferences)>,
        interactions: I,
    ) -> Result<Engine>
    where
        I: IntoIterator,
        I::Item: Borrow<Interaction> + Sync,
    {
        let mut model = Model::new(config)?;
        model.upsert_items(items)?;
        for (n, (user, prefs)) in preferences.into_iter().enumerate() {
            model
                .set_preferences(&user, prefs)
                .map_err(|e| e.in_row(n))?;
        }
        model.bulk_load(interactions)?;
        Ok(Engine::from_model(model))
    }

    pub(crate) fn from_model(model: Model) -> Engine {
        Engine {
            model: RwLock::new(model),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Model> {
        self.model.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Model> {
        self.model.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.read().config.clone()
    }

    /// Inserts or replaces items (metadata replaced whole). The batch is validated first and
    /// rejected whole on the first bad item ([`Error::row`] says which).
    pub fn upsert_items(&self, items: Vec<Item>) -> Result<()> {
        self.write().upsert_items(items)
    }

    /// Stops items from being recommended (their past interactions still inform similarity).
    /// Returns how many were live. Unknown ids are an `UnknownItem` error and nothing changes.
    pub fn remove_items(&self, ids: &[&str]) -> Result<usize> {
        self.write().remove_items(ids)
    }

    /// The catalogue entry of an item (removed items included).
    pub fn item(&self, id: &str) -> Option<Item> {
        let m = self.read();
        m.catalog
            .ids
            .get(id)
            .map(|i| m.catalog.items[i as usize].clone())
    }

    /// Sets (replaces) what a user said they like. Empty preferences clear them.
    pub fn set_preferences(&self, user_id: &str, preferences: Preferences) -> Result<()> {
        self.write().set_preferences(user_id, preferences)
    }

    /// A user's stated preferences, if any.
    pub fn preferences(&self, user_id: &str) -> Option<Preferences> {
        let m = self.read();
        m.users
            .get(user_id)
            .and_then(|u| m.prefs.get(u).map(|p| p.to_preferences()))
    }

    /// Applies interactions incrementally: only the neighbour lists the batch can affect are
    /// touched, and the result equals a full rebuild. The batch is validated first and rejected
    /// whole (nothing changes) if any row is bad; [`Error::row`] gives its index.
    pub fn record(&self, interactions: &[Interaction]) -> Result<Applied> {
        self.write().apply(interactions)
    }

    /// Recomputes every neighbour list from the current matrix (never needed for correctness;
    /// useful after changing nothing but wanting to verify, or after bulk imports).
    pub fn rebuild(&self) {
        self.write().rebuild_neighbours();
    }

    /// Recommends up to `request.k` items for a user; exactly `k` whenever `k` items are
    /// eligible. Unknown users are cold-start users, not an error.
    pub fn recommend(&self, user_id: &str, request: &Request) -> Result<Vec<Recommendation>> {
        self.read().recommend(user_id, request)
    }

    /// [`Engine::recommend`] for many users at once, in parallel, under one consistent view.
    pub fn recommend_many(
        &self,
        user_ids: &[&str],
        request: &Request,
    ) -> Result<Vec<Vec<Recommendation>>> {
        let m = self.read();
        user_ids
            .par_iter()
            .map(|u| m.recommend(u, request))
            .collect()
    }

    /// A user's neighbours, most similar first (empty for unknown users).
    pub fn neighbours(&self, user_id: &str) -> Vec<(String, f64)> {
        self.read().neighbours_of(user_id)
    }

    /// Cosine similarity of two users as the neighbour lists define it (0 for unknown users).
    pub fn similarity(&self, a: &str, b: &str) -> f64 {
        let m = self.read();
        match (m.users.get(a), m.users.get(b)) {
            (Some(u), Some(v)) => {
                Neighbours::pair(&m.matrix, &m.capped, &m.sim_params(), u, v) as f64
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

    /// Checks that every neighbour list equals a full recompute from the current matrix,
    /// within `tolerance` on similarities (ties may be ordered differently only where the
    /// similarities are within `tolerance`). Returns the first user whose list differs.
    pub fn verify_neighbours(&self, tolerance: f64) -> std::result::Result<(), String> {
        let m = self.read();
        if !m.neighbours.reverse_index_consistent() {
            return Err("reverse neighbour index out of step with the lists".into());
        }
        if !m.rows_by_start_consistent() {
            return Err("rows in start order out of step with the matrix".into());
        }
        if !m.artist_prior_consistent() {
            return Err("artist priors out of step with popularity".into());
        }
        let fresh = Neighbours::build(&m.matrix, &m.capped, &m.sim_params());
        let k = m.config.neighbours;
        for u in 0..m.users.len() as u32 {
            let (a, b) = (m.neighbours.served(u, k), fresh.served(u, k));
            let same = a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    (x.1 as f64 - y.1 as f64).abs() <= tolerance
                        && (x.0 == y.0 || (x.1 - y.1).abs() as f64 <= tolerance)
                });
            if !same {
                return Err(format!(
                    "user {:?}: incremental {:?} != full {:?}",
                    m.users.name(u),
                    a,
                    b
                ));
            }
        }
        Ok(())
    }
}

impl Engine {
    pub(crate) fn read_model<T>(&self, f: impl FnOnce(&Model) -> T) -> T {
        f(&self.read())
    }
}

impl Clone for Engine {
    fn clone(&self) -> Self {
        Engine::from_model(self.read().clone())
    }
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Engine>();
    let _ = Error::InvalidConfig(String::new());
}
