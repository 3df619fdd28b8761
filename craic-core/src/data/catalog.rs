//! The item catalogue: metadata by dense index, removal flags and city ids.

use serde::{Deserialize, Serialize};

use crate::data::ids::Interner;
use crate::data::item::Item;

/// The city id of an item without a city (never a real city id).
pub(crate) const NO_CITY: u32 = u32::MAX;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Catalog {
    pub ids: Interner,
    pub items: Vec<Item>,
    pub removed: Vec<bool>,
    pub cities: Interner,
    pub city_of: Vec<u32>,
    /// `items[i].starts_at`, kept compact for the eligibility hot path (derived).
    #[serde(skip)]
    pub starts: Vec<i64>,
}

/// Canonical form of a metadata value for matching (case- and surrounding-space-insensitive).
pub(crate) fn canonical(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Catalog {
    /// Inserts or replaces an item; returns its index and city id.
    pub fn upsert(&mut self, item: Item) -> (u32, u32) {
        let idx = self.ids.intern(&item.id);
        let city = if item.city.trim().is_empty() {
            NO_CITY
        } else {
            self.cities.intern(&canonical(&item.city))
        };
        let i = idx as usize;
        if i == self.items.len() {
            self.starts.push(item.starts_at);
            self.items.push(item);
            self.removed.push(false);
            self.city_of.push(city);
        } else {
            self.starts[i] = item.starts_at;
            self.items[i] = item;
            self.removed[i] = false;
            self.city_of[i] = city;
        }
        (idx, city)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn city_id(&self, name: &str) -> Option<u32> {
        self.cities.get(&canonical(name))
    }

    pub fn city_name(&self, id: u32) -> Option<&str> {
        (id != NO_CITY).then(|| self.cities.name(id))
    }

    pub fn live_count(&self) -> usize {
        self.removed.iter().filter(|r| !**r).count()
    }

    pub fn reindex(&mut self) {
        self.starts = self.items.iter().map(|it| it.starts_at).collect();
        self.ids.reindex();
        self.cities.reindex();
    }
}
