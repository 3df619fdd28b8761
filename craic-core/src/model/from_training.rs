//! [`Engine::from_training`]: an engine built from a [`TrainingData`], removed events included.

use crate::data::interaction::Interaction;
use crate::data::training::TrainingData;
use crate::model::config::Config;
use crate::model::engine::Engine;
use crate::model::error::Result;

impl Engine {
    /// [`Engine::build`] from `data`'s catalogue and preferences and the given `interactions`
    /// (usually `&data.interactions`; a retrain passes its training split), then
    /// [`Engine::remove_items`] on `data.removed`: removed events stay in the catalogue, so their
    /// past interactions still inform similarity, and are never recommended. A removed id that
    /// is not in the catalogue is ignored (nothing to remove). A learned blend
    /// ([`crate::Blend::Learned`]) is fitted with the removals applied to its holdout model:
    /// removed events are neither offered nor counted as relevant there.
    pub fn from_training(
        config: Config,
        data: &TrainingData,
        interactions: &[Interaction],
    ) -> Result<Engine> {
        Engine::build_removing(
            data.items.clone(),
            interactions,
            data.preferences.clone(),
            config,
            &data.removed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Item, Request};

    #[test]
    fn removed_events_inform_similarity_and_are_never_recommended() {
        let items = vec![
            Item::new("rave", 2_000_000_000),
            Item::new("folk", 2_000_000_000),
            Item::new("jazz", 2_000_000_000),
        ];
        let log = [
            Interaction::new("ana", "rave", "save", 1_700_000_000),
            Interaction::new("ana", "folk", "save", 1_700_000_000),
            Interaction::new("ben", "rave", "save", 1_700_000_000),
            Interaction::new("ben", "folk", "save", 1_700_000_000),
            Interaction::new("cy", "rave", "save", 1_700_000_000),
        ];
        let data = TrainingData {
            items,
            interactions: log.to_vec(),
            removed: vec!["folk".into(), "gone".into()],
            ..TrainingData::default()
        };
        let engine = Engine::from_training(Config::default(), &data, &data.interactions).unwrap();
        assert_eq!(engine.stats().items, 3);
        assert_eq!(engine.stats().live_items, 2);
        assert_eq!(engine.removed_items(), ["folk"]);
        // Ben's neighbour Ana is found through "rave"; "folk" is removed, so not offered.
        assert_eq!(engine.neighbours("ben").len(), 1);
        let recs = engine
            .recommend("ben", &Request::new(5).now(1_700_000_100))
            .unwrap();
        assert!(recs.iter().all(|r| r.item_id != "folk"), "{recs:?}");
        assert!(recs.iter().any(|r| r.item_id == "jazz"), "{recs:?}");
    }
}
