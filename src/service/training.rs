//! What a rebuild needs: [`TrainingData`] (defined in craic-core) behind the [`TrainingSource`]
//! trait.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;

pub use craic_core::TrainingData;
use craic_core::{Interaction, Item, Preferences};

use super::error::ServiceResult;
use super::lock;

/// Where a retrain loads its data from.
///
/// The service calls the write hooks (`append`, `upsert_items`, `set_preferences`) for every
/// write it accepts, and [`TrainingSource::load`] when a retrain starts. **Writes are paused
/// while `load` runs** (so the loaded data and the service's catch-up buffer never overlap or
/// miss a write): `load` should return a consistent snapshot quickly. A storage adapter that is
/// written to elsewhere may leave the write hooks as their no-op defaults.
pub trait TrainingSource: Send + Sync {
    /// A consistent copy of the training data.
    fn load(&self) -> ServiceResult<TrainingData>;

    /// What the serving model holds: the data it was built from plus the writes applied to it
    /// since, for building experiment arm engines that must hold the same (called with writes
    /// paused). Default: [`TrainingSource::load`], right for a source every write goes through;
    /// a source that others also write to (a store) leaves out what the serving model has not
    /// applied yet.
    fn load_serving(&self) -> ServiceResult<TrainingData> {
        self.load()
    }

    /// Appends accepted interactions to the log and returns the positions (ascending) of those
    /// that are new: the service applies only these to its serving model. A source with
    /// idempotency keys (a store) leaves out the ones it already held; the default stores
    /// nothing and reports every interaction as new.
    fn append(&self, interactions: &[Interaction]) -> ServiceResult<Vec<usize>> {
        Ok((0..interactions.len()).collect())
    }

    /// Inserts or replaces catalogue items (default: nothing). A removed item upserted again
    /// is live again.
    fn upsert_items(&self, _items: &[Item]) -> ServiceResult<()> {
        Ok(())
    }

    /// Removes items, all of them known to the serving model (default: nothing); they stay in
    /// the catalogue and are listed in [`TrainingData::removed`].
    fn remove_items(&self, _ids: &[String]) -> ServiceResult<()> {
        Ok(())
    }

    /// Sets a user's preferences (default: nothing).
    fn set_preferences(&self, _user_id: &str, _preferences: &Preferences) -> ServiceResult<()> {
        Ok(())
    }

    /// The most interactions [`load`](Self::load) can return when the source keeps a bounded
    /// log (default: `None`, unbounded). The retrain gate compares the candidate's data with
    /// at most this much ([`crate::service::Gate::min_data_ratio`]).
    fn capacity(&self) -> Option<usize> {
        None
    }

    /// Interactions dropped so far to stay within [`capacity`](Self::capacity) (default 0).
    fn dropped_interactions(&self) -> u64 {
        0
    }
}

#[derive(Debug)]
struct Inner {
    items: BTreeMap<String, Item>,
    removed: BTreeSet<String>,
    preferences: BTreeMap<String, Preferences>,
    interactions: VecDeque<Interaction>,
    capacity: usize,
    dropped: u64,
}

impl Inner {
    /// Drops the oldest (first appended) interactions beyond the capacity.
    fn trim(&mut self) {
        let excess = self.interactions.len().saturating_sub(self.capacity);
        self.interactions.drain(..excess);
        self.dropped += excess as u64;
    }
}

/// The default [`TrainingSource`]: everything in memory (lost on restart), the interaction log
/// bounded by a capacity (oldest dropped first; items and preferences are kept whole — they
/// are one entry per item or user).
#[derive(Debug)]
pub struct InMemorySource {
    inner: Mutex<Inner>,
}

impl Default for InMemorySource {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemorySource {
    /// An empty source with the default capacity
    /// ([`DEFAULT_TRAINING_CAPACITY`](super::DEFAULT_TRAINING_CAPACITY)).
    pub fn new() -> Self {
        Self::with_capacity(super::DEFAULT_TRAINING_CAPACITY)
    }

    /// An empty source keeping at most `capacity` interactions.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_data_and_capacity(TrainingData::default(), capacity)
    }

    /// A source holding `data`, with the default capacity.
    pub fn with_data(data: TrainingData) -> Self {
        Self::with_data_and_capacity(data, super::DEFAULT_TRAINING_CAPACITY)
    }

    /// A source holding `data`, keeping at most `capacity` interactions (the newest of
    /// `data`'s when it has more; the others count as dropped).
    pub fn with_data_and_capacity(data: TrainingData, capacity: usize) -> Self {
        let mut inner = Inner {
            items: data.items.into_iter().map(|i| (i.id.clone(), i)).collect(),
            removed: data.removed.into_iter().collect(),
            preferences: data.preferences.into_iter().collect(),
            interactions: data.interactions.into(),
            capacity,
            dropped: 0,
        };
        inner.trim();
        InMemorySource {
            inner: Mutex::new(inner),
        }
    }

    /// Number of interactions held.
    pub fn interaction_count(&self) -> usize {
        lock(&self.inner).interactions.len()
    }
}

impl TrainingSource for InMemorySource {
    fn load(&self) -> ServiceResult<TrainingData> {
        let g = lock(&self.inner);
        Ok(TrainingData {
            items: g.items.values().cloned().collect(),
            preferences: g
                .preferences
                .iter()
                .map(|(u, p)| (u.clone(), p.clone()))
                .collect(),
            interactions: g.interactions.iter().cloned().collect(),
            removed: g.removed.iter().cloned().collect(),
        })
    }

    /// Every interaction is new: an in-memory log has no idempotency keys (recording the same
    /// interaction twice counts it twice, as [`craic_core::Engine::record`] does). The oldest
    /// interactions beyond the capacity are dropped (see [`InMemorySource`]).
    fn append(&self, interactions: &[Interaction]) -> ServiceResult<Vec<usize>> {
        let mut g = lock(&self.inner);
        g.interactions.extend(interactions.iter().cloned());
        g.trim();
        Ok((0..interactions.len()).collect())
    }

    fn capacity(&self) -> Option<usize> {
        Some(lock(&self.inner).capacity)
    }

    fn dropped_interactions(&self) -> u64 {
        lock(&self.inner).dropped
    }

    fn upsert_items(&self, items: &[Item]) -> ServiceResult<()> {
        let mut g = lock(&self.inner);
        for i in items {
            g.removed.remove(&i.id);
            g.items.insert(i.id.clone(), i.clone());
        }
        Ok(())
    }

    fn remove_items(&self, ids: &[String]) -> ServiceResult<()> {
        lock(&self.inner).removed.extend(ids.iter().cloned());
        Ok(())
    }

    fn set_preferences(&self, user_id: &str, preferences: &Preferences) -> ServiceResult<()> {
        let mut g = lock(&self.inner);
        if preferences.is_empty() {
            g.preferences.remove(user_id);
        } else {
            g.preferences
                .insert(user_id.to_owned(), preferences.clone());
        }
        Ok(())
    }
}
