//! [`Engine`]: the thread-safe, in-process recommender — writing to it and recommending;
//! building one in one go is in `build.rs`, and what it holds (stats, neighbours, the matrix,
//! verification) is read through the methods in `inspect.rs`.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use rayon::prelude::*;

use crate::data::exposure::Impression;
use crate::data::interaction::Interaction;
use crate::data::item::{Item, Preferences};
use crate::limits::{at_most, MAX_BATCH, MAX_RECOMMEND_MANY_RESULTS};
use crate::model::config::Config;
use crate::model::error::{Error, Result};
use crate::model::state::{Applied, Model};
use crate::scoring::request::{Recommendation, Request};

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

    pub(crate) fn from_model(model: Model) -> Engine {
        Engine {
            model: RwLock::new(model),
        }
    }

    /// The model for a diagnostic read (`stats`, `config`, `neighbours`, ...), poisoned or not.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Model> {
        self.model.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The model for a serving read: [`Error::Poisoned`] after a write panicked part-way.
    fn serving(&self) -> Result<RwLockReadGuard<'_, Model>> {
        self.model.read().map_err(|_| Error::Poisoned)
    }

    /// The model for a write: [`Error::Poisoned`] after an earlier write panicked part-way. A
    /// panic while the returned guard is held poisons the engine in turn.
    pub(super) fn write(&self) -> Result<RwLockWriteGuard<'_, Model>> {
        self.model.write().map_err(|_| Error::Poisoned)
    }

    /// True after a write panicked part-way: the state may hold half a batch, so
    /// [`Engine::recommend`], [`Engine::recommend_many`], every write and
    /// [`Engine::to_snapshot`] fail with [`Error::Poisoned`] until [`Engine::replace`] installs
    /// a fresh state. The diagnostic reads (`stats`, `neighbours`, `similarity`, ...) still
    /// answer, from the possibly inconsistent state.
    pub fn is_poisoned(&self) -> bool {
        self.model.is_poisoned()
    }

    /// Replaces this engine's whole state with `fresh`'s (for example one rebuilt from the
    /// interaction log or decoded from a snapshot) and clears the poison, in one write: readers
    /// see the old state or the new one, never a mix. Fails with [`Error::Poisoned`] (and
    /// changes nothing) when `fresh` is poisoned itself.
    pub fn replace(&self, fresh: Engine) -> Result<()> {
        let model = fresh.model.into_inner().map_err(|_| Error::Poisoned)?;
        let mut guard = self.model.write().unwrap_or_else(|p| p.into_inner());
        *guard = model;
        drop(guard);
        self.model.clear_poison();
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.read().config.clone()
    }

    /// Inserts or replaces items (metadata replaced whole). The batch is validated first and
    /// rejected whole on the first bad item ([`Error::row`] says which).
    ///
    /// At most [`MAX_BATCH`] items per call (else [`Error::OutOfRange`]).
    pub fn upsert_items(&self, items: Vec<Item>) -> Result<()> {
        at_most("items in one upsert_items call", items.len(), MAX_BATCH)?;
        self.write()?.upsert_items(items)
    }

    /// Stops items from being recommended (their past interactions still inform similarity).
    /// Returns how many were live. Unknown ids are an `UnknownItem` error and nothing changes.
    /// At most [`MAX_BATCH`] ids per call (else [`Error::OutOfRange`]).
    pub fn remove_items(&self, ids: &[&str]) -> Result<usize> {
        at_most("ids in one remove_items call", ids.len(), MAX_BATCH)?;
        self.write()?.remove_items(ids)
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
        self.write()?.set_preferences(user_id, preferences)
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
    /// whole (nothing changes) if any row is bad; [`Error::row`] gives its index. At most
    /// [`MAX_BATCH`] rows per call (else [`Error::OutOfRange`]; [`Engine::build_from_iter`]
    /// streams larger loads).
    ///
    /// A panic part-way (a bug) poisons the engine: see [`Engine::is_poisoned`].
    pub fn record(&self, interactions: &[Interaction]) -> Result<Applied> {
        at_most("rows in one record call", interactions.len(), MAX_BATCH)?;
        self.write()?.apply(interactions)
    }

    /// Checks a batch exactly as [`Engine::record`] would (size, ids, kinds, items), without
    /// applying it: `Ok` means `record` would accept it now. For callers that must write the
    /// batch elsewhere first (a store that reports which entries are new) and then apply only
    /// part of it.
    pub fn check_record(&self, interactions: &[Interaction]) -> Result<()> {
        at_most("rows in one record call", interactions.len(), MAX_BATCH)?;
        let m = self.serving()?;
        for (n, x) in interactions.iter().enumerate() {
            m.resolve(x).map_err(|e| e.in_row(n))?;
        }
        Ok(())
    }

    /// Records impressions (items shown to users; see [`Impression`]) like [`Engine::record`]
    /// records their interactions: the whole batch is validated first (a negative rank is
    /// [`Error::OutOfRange`], an unknown item `UnknownItem`, with [`Error::row`] set) and
    /// rejected whole, nothing half-applied.
    pub fn record_impressions(&self, impressions: &[Impression]) -> Result<Applied> {
        at_most("rows in one record call", impressions.len(), MAX_BATCH)?;
        self.record(&impressions_to_interactions(impressions)?)
    }

    /// The items shown to a user since their last interaction with each, in catalogue order,
    /// with the decayed number of showings at `now` (what exposure-aware demotion counts).
    pub fn exposure(&self, user_id: &str, now: i64) -> Vec<(String, f64)> {
        let m = self.read();
        let Some(u) = m.users.get(user_id) else {
            return Vec::new();
        };
        m.exposure
            .seen(u)
            .iter()
            .map(|s| {
                let id = m.catalog.ids.name(s.item).to_owned();
                (id, m.exposure.count_at(s.sum, now))
            })
            .collect()
    }

    /// Recomputes every neighbour list from the current matrix (never needed for correctness;
    /// useful after changing nothing but wanting to verify, or after bulk imports), and refits
    /// the linear item model when the configuration keeps one (`Config::linear_items` > 0:
    /// its weights are otherwise fitted only by a build; an engine fed by [`Engine::record`]
    /// alone has an empty one until this is called). Does nothing on a poisoned engine (see
    /// [`Engine::is_poisoned`]): a rebuild cannot take back half a batch.
    pub fn rebuild(&self) {
        if let Ok(mut m) = self.write() {
            m.rebuild_neighbours();
            // A fit fails only when the Gram matrix is numerically singular (a `linear_l2` at
            // the edge of `f64`): the previous weights then stay, as a build would refuse it.
            let _ = m.fit_linear_items();
        }
    }

    /// Recommends up to `request.k` items for a user; exactly `k` whenever `k` items are
    /// eligible. Unknown users are cold-start users, not an error.
    pub fn recommend(&self, user_id: &str, request: &Request) -> Result<Vec<Recommendation>> {
        self.serving()?.recommend(user_id, request)
    }

    /// Up to `k` upcoming events similar to `item_id`, for an event page: exactly `k` whenever
    /// `k` events start after `now` (default: the clock) in `city` (if given). Co-engaged
    /// events first (people who engaged with this event also engaged with them, by shrunk
    /// cosine, computed at call time so always current), then events matching its content and
    /// artists (so a brand-new event has similar events at once), then popular ones; each with
    /// its explanation. An unknown item is [`Error::UnknownItem`]; `k` must be in
    /// `1..=Config::max_k` ([`Error::InvalidK`]).
    ///
    /// ```
    /// use craic_core::{Config, Engine, Interaction, Item};
    /// let items = vec![
    ///     Item::new("rave", 2_000_000_000).genres(["techno"]),
    ///     Item::new("club", 2_000_000_000).genres(["techno"]),
    ///     Item::new("folk", 2_000_000_000).genres(["folk"]),
    /// ];
    /// let engine = Engine::build(items, &[], vec![], Config::default())?;
    /// let similar = engine.similar_items("rave", 2, Some(1_800_000_000), None)?;
    /// assert_eq!(similar[0].item_id, "club"); // same genre
    /// # Ok::<(), craic_core::Error>(())
    /// ```
    pub fn similar_items(
        &self,
        item_id: &str,
        k: usize,
        now: Option<i64>,
        city: Option<&str>,
    ) -> Result<Vec<Recommendation>> {
        self.serving()?.similar_items(item_id, k, now, city)
    }

    /// [`Engine::recommend`] for many users at once, in parallel, under one consistent view.
    ///
    /// At most [`MAX_RECOMMEND_MANY_RESULTS`] recommendations per call: users × `k` above it
    /// fail with [`Error::OutOfRange`] before any work (split the users into several calls).
    pub fn recommend_many(
        &self,
        user_ids: &[&str],
        request: &Request,
    ) -> Result<Vec<Vec<Recommendation>>> {
        at_most(
            "users × k of one recommend_many call",
            user_ids.len().saturating_mul(request.k),
            MAX_RECOMMEND_MANY_RESULTS,
        )?;
        let m = self.serving()?;
        user_ids
            .par_iter()
            .map(|u| m.recommend(u, request))
            .collect()
    }
}

/// The interactions recording `impressions` (kind `impression`), each checked; the first bad
/// one is an error with its row.
pub fn impressions_to_interactions(impressions: &[Impression]) -> Result<Vec<Interaction>> {
    impressions
        .iter()
        .enumerate()
        .map(|(n, x)| x.to_interaction().map_err(|e| e.in_row(n)))
        .collect()
}

impl Engine {
    /// `f` of the model for a serving read ([`Error::Poisoned`] on a poisoned engine).
    pub(crate) fn read_model<T>(&self, f: impl FnOnce(&Model) -> T) -> Result<T> {
        Ok(f(&*self.serving()?))
    }
}

/// Test-only fault injection: a write that panics part-way, with the engine's lock held.
#[cfg(test)]
pub(crate) mod hooks {
    use std::cell::Cell;

    thread_local! {
        static PANIC_IN_WRITE: Cell<bool> = const { Cell::new(false) };
    }

    /// Makes the next write on this thread panic once the model is locked (and, for `record`,
    /// half applied: see `Model::apply`).
    pub(crate) fn panic_in_next_write() {
        PANIC_IN_WRITE.with(|p| p.set(true));
    }

    /// Panics if armed (and disarms).
    pub(crate) fn maybe_panic() {
        if PANIC_IN_WRITE.with(|p| p.replace(false)) {
            panic!("injected panic part-way through a write");
        }
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

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;
    use crate::limits::MAX_K;
    use crate::{ErrorKind, Request};

    const T: i64 = 1_700_000_000;

    fn small_engine() -> Engine {
        let items = ["rave", "folk", "jazz", "opera"]
            .map(|id| Item::new(id, 2_000_000_000).city("dublin").genres([id]));
        let log = [
            ("ana", "rave"),
            ("ana", "folk"),
            ("ben", "rave"),
            ("ben", "jazz"),
            ("cat", "folk"),
        ]
        .map(|(u, i)| Interaction::new(u, i, "save", T));
        Engine::build(items.to_vec(), &log, vec![], Config::default()).unwrap()
    }

    fn req() -> Request {
        Request::new(3).now(T + 100)
    }

    /// Before: the lock's poison was ignored and the half-applied batch was served.
    #[test]
    fn a_write_that_panics_poisons_the_engine_until_replaced() {
        let engine = small_engine();
        let batch = [
            Interaction::new("cat", "opera", "save", T + 1),
            Interaction::new("dan", "jazz", "save", T + 2),
        ];
        hooks::panic_in_next_write();
        let panicked = catch_unwind(AssertUnwindSafe(|| engine.record(&batch)));
        assert!(panicked.is_err(), "the injected panic should propagate");
        assert!(engine.is_poisoned());
        fn kind<T: std::fmt::Debug>(r: Result<T>) -> ErrorKind {
            r.unwrap_err().kind()
        }
        assert_eq!(kind(engine.recommend("ana", &req())), ErrorKind::Poisoned);
        assert_eq!(
            kind(engine.recommend_many(&["ana"], &req())),
            ErrorKind::Poisoned
        );
        assert_eq!(kind(engine.record(&batch)), ErrorKind::Poisoned);
        assert_eq!(kind(engine.upsert_items(vec![])), ErrorKind::Poisoned);
        assert_eq!(kind(engine.remove_items(&[])), ErrorKind::Poisoned);
        let prefs = Preferences::default();
        assert_eq!(
            kind(engine.set_preferences("ana", prefs)),
            ErrorKind::Poisoned
        );
        let meta = crate::SnapshotMeta::default();
        assert_eq!(kind(engine.to_snapshot(&meta)), ErrorKind::Poisoned);
        engine.rebuild(); // a no-op: it cannot take back half a batch
        assert!(engine.is_poisoned());
        let _ = engine.stats(); // diagnostic reads still answer

        // A fresh state clears the poison; it then serves like an engine that never panicked.
        let fresh = small_engine();
        fresh.record(&batch).unwrap();
        let expected = fresh.recommend("ana", &req()).unwrap();
        engine.replace(fresh).unwrap();
        assert!(!engine.is_poisoned());
        assert_eq!(engine.recommend("ana", &req()).unwrap(), expected);
        engine.verify_neighbours(0.0).unwrap();
    }

    /// Before: `verify_neighbours` returned a bare `String`; now a typed error with a stable kind.
    #[test]
    fn verify_neighbours_reports_typed_errors() {
        let engine = small_engine();
        engine.verify_neighbours(0.0).unwrap();
        for bad in [f64::NAN, -1.0] {
            let e = engine.verify_neighbours(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        }
        // The stored lists were computed with other parameters (ana, ben and cat share one item
        // pairwise): a recompute with an overlap of 1 and another shrinkage disagrees.
        {
            let mut m = engine.write().unwrap();
            m.config.min_overlap = 1;
            m.config.shrinkage += 50.0;
        }
        let e = engine.verify_neighbours(0.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InconsistentModel);
        assert_eq!(e.kind().as_str(), "inconsistent_model");
    }

    /// Before: the scratch was cleared only at the end of a successful request, so a request
    /// that panicked left scores and exclusions behind for the next one on the thread.
    #[test]
    fn a_request_that_panics_leaves_the_scratch_clean() {
        let engine = small_engine();
        let expected = engine.recommend("ana", &req()).unwrap();
        for user in ["ana", "ben", "nobody"] {
            crate::scoring::scratch::hooks::panic_in_next_rank();
            let r = catch_unwind(AssertUnwindSafe(|| engine.recommend(user, &req())));
            assert!(r.is_err(), "the injected panic should propagate");
            assert!(crate::scoring::scratch::scratch_is_clean(), "{user}");
            assert!(!engine.is_poisoned(), "a read never poisons");
        }
        assert_eq!(engine.recommend("ana", &req()).unwrap(), expected);
    }

    /// Before: `max_k` had no upper bound, and `Request::k` up to it sized allocations.
    #[test]
    fn caller_counts_are_bounded() {
        let big = Config {
            max_k: 1 << 40,
            ..Config::default()
        };
        assert_eq!(
            Engine::new(big).unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
        let engine = small_engine();
        let e = engine
            .recommend("ana", &Request::new(MAX_K + 1))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidK);
        let users = vec!["ana"; MAX_RECOMMEND_MANY_RESULTS / 1000 + 1];
        let e = engine
            .recommend_many(&users, &Request::new(1000))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutOfRange);
        let e = engine
            .recommend_many(&["ana", "ben"], &Request::new(usize::MAX))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::OutOfRange);
        let rows = vec![Interaction::new("ana", "rave", "click", T); MAX_BATCH + 1];
        assert_eq!(
            engine.record(&rows).unwrap_err().kind(),
            ErrorKind::OutOfRange
        );
        assert_eq!(engine.stats().interactions, 5, "nothing applied");
    }
}
