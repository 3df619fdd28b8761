//! Everything a full rebuild of the model needs, in one value.

use crate::data::interaction::Interaction;
use crate::data::item::{Item, Preferences};

/// Everything a full rebuild of the model needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingData {
    /// The catalogue.
    pub items: Vec<Item>,
    /// Stated preferences by user.
    pub preferences: Vec<(String, Preferences)>,
    /// The interaction log, oldest first.
    pub interactions: Vec<Interaction>,
    /// Ids of removed events: in `items` (their past interactions still count) but never
    /// recommended ([`crate::Engine::from_training`] removes them after the build).
    pub removed: Vec<String>,
}

#[cfg(feature = "synthetic")]
impl From<crate::synthetic::Dataset> for TrainingData {
    fn from(d: crate::synthetic::Dataset) -> Self {
        TrainingData {
            items: d.items,
            preferences: d.preferences,
            interactions: d.interactions,
            removed: Vec::new(),
        }
    }
}
