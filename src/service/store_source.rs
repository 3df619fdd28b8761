//! [`StoreSource`]: a [`TrainingSource`] over a [`craic_store::BlockingStore`], and the
//! position of the serving model in the store's log.
//!
//! # Blocking, not async
//! The [`Service`](super::Service) is synchronous, so the source holds a
//! [`BlockingStore`] (which owns a small tokio runtime of its own). A store-backed service must
//! therefore not be called from inside an async runtime's worker thread (the store refuses
//! with a `store_invalid_input` error rather than stalling the runtime): async servers call it
//! from `spawn_blocking`, as they already do for CPU-bound recommendation.
//!
//! # What the serving model holds
//! A store-backed service keeps a **cursor**: the serving model contains every log row up to
//! the cursor, plus the interactions this service appended itself since (their idempotency
//! keys are remembered, so tailing the log past them does not apply them twice). A recorded
//! interaction whose key the store already held is not applied at all: it is in the model
//! already, or in the log after the cursor (appended by another replica), to be tailed. Catching up
//! ([`Service::catch_up`](super::Service::catch_up)) applies the rows after the cursor and
//! moves it; publishing a model catches up first, under the write lock, so a published
//! snapshot holds exactly the rows up to the cursor stored with it.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

use craic_core::{Config, Engine, Interaction, Item, Preferences};
use craic_store::{BlockingStore, Change, Cursor, LogEntry, LogRecord, MalformedRow, PAGE};

use super::error::ServiceResult;
use super::lock;
use super::training::{TrainingData, TrainingSource};

/// A [`TrainingSource`] reading and writing a store: [`TrainingSource::load`] reads the whole
/// catalogue, the preferences and the log (skipping and reporting malformed rows, see
/// [`StoreSource::last_skipped`]); the write hooks write through, idempotently (an interaction
/// is keyed by [`craic_store::derived_key`], so re-sending it is a no-op in the store).
#[derive(Debug)]
pub struct StoreSource {
    store: Arc<BlockingStore>,
    config: Config,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The serving model holds every catalogue and preference change up to here...
    changes: Cursor,
    /// ...and every log row up to here...
    cursor: Cursor,
    /// ...plus these rows this service appended itself (by key), not yet tailed past.
    own: HashSet<String>,
    /// The last `load`: its positions and the own keys then (all at or below its cursor).
    at_load: Option<(Position, HashSet<String>)>,
    /// Rows skipped by the last `load`.
    skipped: Vec<MalformedRow>,
}

/// A model's place in the store: the change feed's position and the log's cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Position {
    pub changes: Cursor,
    pub log: Cursor,
}

/// What a tail applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tail {
    pub applied: u64,
    pub changes: u64,
    pub skipped: Vec<MalformedRow>,
    pub users: BTreeSet<String>,
    pub new_items: bool,
}

impl StoreSource {
    /// A source over `store`; `config` decides which interaction kinds are usable (rows of
    /// other kinds are skipped and reported when loading).
    pub fn new(store: Arc<BlockingStore>, config: Config) -> StoreSource {
        StoreSource {
            store,
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<BlockingStore> {
        &self.store
    }

    /// The log position of the serving model (see the module docs).
    pub fn cursor(&self) -> Cursor {
        lock(&self.state).cursor
    }

    /// The change-feed position of the serving model: every catalogue and preference change
    /// up to it is applied.
    pub fn changes_cursor(&self) -> Cursor {
        lock(&self.state).changes
    }

    pub(crate) fn position(&self) -> Position {
        let s = lock(&self.state);
        Position {
            changes: s.changes,
            log: s.cursor,
        }
    }

    /// Rows skipped by the last [`TrainingSource::load`], by table and row id.
    pub fn last_skipped(&self) -> Vec<MalformedRow> {
        lock(&self.state).skipped.clone()
    }

    /// Reads everything; returns the data and the positions it holds (skipped rows are kept
    /// for [`StoreSource::last_skipped`]). The change feed's head is read first: a change
    /// made while the catalogue is read is applied again by the next tail (harmless: a change
    /// carries the whole new state).
    pub(crate) fn read_all(&self) -> ServiceResult<(TrainingData, Position)> {
        self.read_where(|_| true)
    }

    /// [`StoreSource::read_all`], keeping only the log rows `keep` accepts.
    fn read_where(
        &self,
        keep: impl Fn(&LogRecord) -> bool,
    ) -> ServiceResult<(TrainingData, Position)> {
        let changes = self.store.changes_head()?;
        let mut skipped = Vec::new();
        let items: Vec<Item> = self
            .store
            .items()?
            .into_iter()
            .filter(|i| match i.validate() {
                Ok(()) => true,
                Err(e) => {
                    skipped.push(row("events", 0, format!("event {:?}: {e}", i.id)));
                    false
                }
            })
            .collect();
        let removed = self.store.removed_items()?;
        let preferences = self.store.preferences()?;
        let known: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
        let mut interactions = Vec::new();
        let mut cursor = Cursor::START;
        loop {
            let page = self.store.read_log(cursor, PAGE)?;
            if page.is_empty() {
                break;
            }
            skipped.extend(page.malformed);
            for r in page.records.into_iter().filter(|r| keep(r)) {
                match check(&self.config, &r, |id| known.contains(id)) {
                    Ok(()) => interactions.push(r.interaction),
                    Err(m) => skipped.push(m),
                }
            }
            cursor = page.next;
        }
        drop(known);
        skipped.sort_by_key(|m| (m.table, m.row_id));
        let data = TrainingData {
            items,
            preferences,
            interactions,
            removed,
        };
        lock(&self.state).skipped = skipped;
        Ok((
            data,
            Position {
                changes,
                log: cursor,
            },
        ))
    }

    /// Sets the serving model's position (a model built or restored at `cursor`, holding no
    /// write of this service after it).
    pub(crate) fn reset(&self, at: Position) {
        let mut s = lock(&self.state);
        s.cursor = at.log;
        s.changes = at.changes;
        s.own.clear();
    }

    /// After an accepted retrain swapped in a model built on the last `load`: it holds the rows
    /// up to that load's cursor plus the writes replayed since. Returns false if there was no
    /// load to adopt.
    pub(crate) fn adopt_load(&self) -> bool {
        let mut s = lock(&self.state);
        let Some((at, before)) = s.at_load.take() else {
            return false;
        };
        s.cursor = at.log;
        s.changes = at.changes;
        s.own.retain(|k| !before.contains(k));
        true
    }

    /// Forgets the last `load` (a retrain that was rejected or failed).
    pub(crate) fn forget_load(&self) {
        lock(&self.state).at_load = None;
    }

    /// Applies the log rows after the cursor to `engine` (the serving model, or a model that
    /// is about to replace it) and to the experiment `arms` (engines at the same position; a
    /// row or change an arm rejects is skipped for it), and moves the cursor. With `skip_own`,
    /// rows this service appended itself are skipped (the engines already have them). An
    /// interaction naming an event an engine lacks fetches it from the store's catalogue
    /// first. The caller holds the service's write lock.
    pub(crate) fn tail(
        &self,
        engine: &Engine,
        arms: &[&Engine],
        skip_own: bool,
    ) -> ServiceResult<Tail> {
        let config = engine.config();
        let mut out = Tail::default();
        self.tail_changes(engine, arms, &mut out)?;
        let mut cursor = self.cursor();
        let mut absent: HashSet<String> = HashSet::new();
        loop {
            let page = self.store.read_log(cursor, PAGE)?;
            if page.is_empty() {
                break;
            }
            out.skipped.extend(page.malformed);
            let mut batch = Vec::with_capacity(page.records.len());
            for r in page.records {
                if skip_own && lock(&self.state).own.remove(&r.key) {
                    continue;
                }
                let item = &r.interaction.item_id;
                if engine.item(item).is_none() && !absent.contains(item) {
                    if self.fetch_item(engine, item)? {
                        out.new_items = true;
                    } else {
                        absent.insert(item.clone());
                    }
                }
                for arm in arms.iter().filter(|a| a.item(item).is_none()) {
                    self.fetch_item(arm, item)?;
                }
                match check(&config, &r, |id| engine.item(id).is_some()) {
                    Ok(()) => batch.push(r.interaction),
                    Err(m) => out.skipped.push(m),
                }
            }
            engine.record(&batch)?;
            for arm in arms {
                // An arm whose configuration lacks a kind skips the batch (`arms.rs`).
                let _ = arm.record(&batch);
            }
            out.applied += batch.len() as u64;
            out.users.extend(batch.into_iter().map(|x| x.user_id));
            cursor = page.next;
            lock(&self.state).cursor = cursor;
        }
        if !skip_own {
            lock(&self.state).own.clear();
        }
        out.skipped.sort_by_key(|m| (m.table, m.row_id));
        Ok(out)
    }

    /// Applies the catalogue and preference changes after the change cursor (this service's
    /// own included: a change carries the whole new state, so applying it again is harmless,
    /// and applying every change in feed order ends where the store is). A change the core
    /// rejects (written behind the store's back) is skipped and reported.
    fn tail_changes(&self, engine: &Engine, arms: &[&Engine], out: &mut Tail) -> ServiceResult<()> {
        let mut cursor = self.changes_cursor();
        loop {
            let page = self.store.read_changes(cursor, PAGE)?;
            if page.is_empty() {
                return Ok(());
            }
            out.skipped.extend(page.malformed);
            for r in page.changes {
                for arm in arms {
                    // A change carries the whole new state: the arms take it as the engine
                    // does, and one an arm rejects the engine rejects too (reported below).
                    let _ = apply_change(arm, &r.change);
                }
                let applied = apply_change(engine, &r.change).map(|touched| match r.change {
                    Change::Preferences(user, _) => {
                        out.users.insert(user);
                    }
                    _ => out.new_items |= touched,
                });
                match applied {
                    Ok(()) => out.changes += 1,
                    Err(e) => {
                        out.skipped
                            .push(row("catalog_changes", r.cursor.0 as i64, e.to_string()))
                    }
                }
            }
            cursor = page.next;
            lock(&self.state).changes = cursor;
        }
    }

    /// Adds a valid catalogue entry from the store to the engine; true if it did.
    fn fetch_item(&self, engine: &Engine, id: &str) -> ServiceResult<bool> {
        if craic_core::validate_id(id).is_err() {
            return Ok(false);
        }
        match self.store.item(id)? {
            Some(item) if item.validate().is_ok() => {
                engine.upsert_items(vec![item])?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl TrainingSource for StoreSource {
    fn load(&self) -> ServiceResult<TrainingData> {
        let (data, at) = self.read_all()?;
        let mut s = lock(&self.state);
        s.at_load = Some((at, s.own.clone()));
        Ok(data)
    }

    /// Appends idempotently and reports the interactions whose keys were not in the store:
    /// only those are applied by the service (and remembered, so tailing past them does not
    /// apply them twice). If the append fails, the service applies nothing, and whatever a
    /// batch wrote before failing is in the log after the cursor, applied by the next tail.
    /// The catalogue and preferences now (re-applying a change is harmless, so holding a
    /// few the serving model has not tailed yet does no harm) and the log rows the serving
    /// model holds: those up to its cursor, and this service's own rows after it.
    fn load_serving(&self) -> ServiceResult<TrainingData> {
        let (cursor, own) = {
            let s = lock(&self.state);
            (s.cursor, s.own.clone())
        };
        let (data, _) = self.read_where(|r| r.cursor <= cursor || own.contains(&r.key))?;
        Ok(data)
    }

    fn append(&self, interactions: &[Interaction]) -> ServiceResult<Vec<usize>> {
        let entries: Vec<LogEntry> = interactions.iter().cloned().map(LogEntry::new).collect();
        let report = self.store.append(&entries)?;
        lock(&self.state)
            .own
            .extend(report.new_indices.iter().map(|&n| entries[n].key.clone()));
        Ok(report.new_indices)
    }

    fn upsert_items(&self, items: &[Item]) -> ServiceResult<()> {
        Ok(self.store.upsert_items(items)?)
    }

    fn remove_items(&self, ids: &[String]) -> ServiceResult<()> {
        self.store.remove_items(ids)?;
        Ok(())
    }

    fn set_preferences(&self, user_id: &str, preferences: &Preferences) -> ServiceResult<()> {
        Ok(self
            .store
            .set_preferences(&[(user_id.to_owned(), preferences.clone())])?)
    }
}

/// Applies one catalogue or preference change to an engine; true if the engine's catalogue
/// changed (removing an event it never had does nothing: it is not recommended anyway).
fn apply_change(engine: &Engine, change: &Change) -> craic_core::Result<bool> {
    match change {
        Change::Item(item) => engine.upsert_items(vec![item.clone()]).map(|()| true),
        Change::Removed(id) if engine.item(id).is_none() => Ok(false),
        Change::Removed(id) => engine.remove_items(&[id]).map(|_| true),
        Change::Preferences(user, p) => engine.set_preferences(user, p.clone()).map(|()| false),
    }
}

fn row(table: &'static str, row_id: i64, reason: String) -> MalformedRow {
    MalformedRow {
        table,
        row_id,
        reason,
    }
}

/// The core's checks of `Engine::record`, per row (the malformed-row policy of
/// `craic_store::engine_io`: skip and report).
fn check(
    config: &Config,
    r: &LogRecord,
    has_item: impl Fn(&str) -> bool,
) -> Result<(), MalformedRow> {
    let x = &r.interaction;
    let problem = match x.validate() {
        Err(e) => Some(e),
        Ok(()) if !config.kinds.contains_key(&x.kind) && x.kind != craic_core::IMPRESSION => {
            Some(craic_core::Error::UnknownKind(x.kind.clone()))
        }
        Ok(()) if !has_item(&x.item_id) => Some(craic_core::Error::UnknownItem(x.item_id.clone())),
        Ok(()) => None,
    };
    match problem {
        None => Ok(()),
        Some(e) => Err(row("interactions", r.cursor.0 as i64, e.to_string())),
    }
}
