//! What a rebuild needs: [`TrainingData`] (defined in craic-core) behind the [`TrainingSource`]
//! trait.

use std::collections::BTreeMap;
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

    /// Appends accepted interactions to the log (default: nothing).
    fn append(&self, _interactions: &[Interaction]) -> ServiceResult<()> {
        Ok(())
    }

    /// Inserts or replaces catalogue items (default: nothing).
    fn upsert_items(&self, _items: &[Item]) -> ServiceResult<()> {
        Ok(())
    }

    /// Sets a user's preferences (default: nothing).
    fn set_preferences(&self, _user_id: &str, _preferences: &Preferences) -> ServiceResult<()> {
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Inner {
    items: BTreeMap<String, Item>,
    preferences: BTreeMap<String, Preferences>,
    interactions: Vec<Interaction>,
}

/// The default [`TrainingSource`]: everything in memory (lost on restart).
#[derive(Debug, Default)]
pub struct InMemorySource {
    inner: Mutex<Inner>,
}

impl InMemorySource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// A source holding `data`.
    pub fn with_data(data: TrainingData) -> Self {
        InMemorySource {
            inner: Mutex::new(Inner {
                items: data.items.into_iter().map(|i| (i.id.clone(), i)).collect(),
                preferences: data.preferences.into_iter().collect(),
                interactions: data.interactions,
            }),
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
            interactions: g.interactions.clone(),
        })
    }

    fn append(&self, interactions: &[Interaction]) -> ServiceResult<()> {
        lock(&self.inner)
            .interactions
            .extend_from_slice(interactions);
        Ok(())
    }

    fn upsert_items(&self, items: &[Item]) -> ServiceResult<()> {
        let mut g = lock(&self.inner);
        for i in items {
            g.items.insert(i.id.clone(), i.clone());
        }
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
