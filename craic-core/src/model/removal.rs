//! Removed events: which they are, and checking a removal before applying it.

use crate::limits::{at_most, MAX_BATCH};
use crate::model::engine::Engine;
use crate::model::error::Result;

impl Engine {
    /// The ids of the removed events ([`Engine::remove_items`]), in catalogue order: with
    /// every item and preference, what [`Engine::from_training`] needs to rebuild the catalogue.
    pub fn removed_items(&self) -> Vec<String> {
        let m = self.read();
        let c = &m.catalog;
        c.items
            .iter()
            .zip(&c.removed)
            .filter(|(_, &removed)| removed)
            .map(|(item, _)| item.id.clone())
            .collect()
    }

    /// Removes those of `ids` that are in the catalogue and ignores the others (restoring
    /// removals recorded elsewhere, e.g. a store's, whose events may have been skipped as
    /// malformed); any number of ids. Returns how many were live.
    pub fn remove_known_items(&self, ids: &[String]) -> Result<usize> {
        let known: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| self.item(id).is_some())
            .collect();
        let mut removed = 0;
        for chunk in known.chunks(MAX_BATCH) {
            removed += self.remove_items(chunk)?;
        }
        Ok(removed)
    }

    /// Validates a batch for [`Engine::remove_items`] without applying it: `Ok` means
    /// `remove_items` would accept it now (for callers that must write the removal elsewhere
    /// first, such as a store).
    pub fn check_remove_items(&self, ids: &[&str]) -> Result<()> {
        at_most("ids in one remove_items call", ids.len(), MAX_BATCH)?;
        self.read().resolve_items(ids).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Engine, ErrorKind, Item};

    #[test]
    fn a_checked_removal_changes_nothing() {
        let engine = Engine::new(Config::default()).unwrap();
        engine
            .upsert_items(vec![
                Item::new("rave", 2_000_000_000),
                Item::new("folk", 2_000_000_000),
            ])
            .unwrap();
        engine.check_remove_items(&["rave"]).unwrap();
        let err = engine.check_remove_items(&["rave", "gone"]).unwrap_err();
        assert_eq!((err.kind(), err.row()), (ErrorKind::UnknownItem, Some(1)));
        assert!(engine.removed_items().is_empty());
        assert_eq!(engine.remove_items(&["folk", "folk"]).unwrap(), 1);
        assert_eq!(engine.removed_items(), ["folk"]);
        engine
            .upsert_items(vec![Item::new("folk", 2_000_000_000)])
            .unwrap();
        assert!(engine.removed_items().is_empty());
    }
}
