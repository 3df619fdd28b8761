//! Reading `MOD7` model snapshots (before `Config::max_user_items`): they load with the item
//! side's cost guard they were built with, 100 ([`DEFAULT_MAX_USER_ITEMS`]), so the stored item
//! lists are exactly what the loaded configuration rebuilds. The earlier layouts are in
//! `model::legacy_snapshot` and `model::legacy_mod6`.

use serde::Deserialize;

use crate::model::config::{Config, DEFAULT_MAX_USER_ITEMS};
use crate::model::error::Result;
use crate::model::hyper::HyperGrid;
use crate::model::learned::{Blend, LearnSettings, LearnedBlend};
use crate::model::legacy_snapshot::{decode_with_items, ConfigV3};
use crate::model::model_snapshot::In;

/// `LearnSettings` as `MOD7` to `MOD9` wrote it (before `exclude_touched`).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct LearnSettingsV7 {
    holdout_fraction: f64,
    users_per_bucket: usize,
    candidates: usize,
    grid: u32,
    seed: u64,
    hyper: HyperGrid,
}

/// `Blend` as `MOD7` to `MOD9` wrote it (bincode tags variants by index).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) enum BlendV7 {
    Fixed,
    Learned(LearnSettingsV7),
}

impl BlendV7 {
    /// The current blend: a learned one scores its holdout keeping touched events, as then.
    fn upgrade(self) -> Blend {
        match self {
            BlendV7::Fixed => Blend::Fixed,
            BlendV7::Learned(s) => Blend::Learned(LearnSettings {
                holdout_fraction: s.holdout_fraction,
                users_per_bucket: s.users_per_bucket,
                candidates: s.candidates,
                grid: s.grid,
                seed: s.seed,
                hyper: s.hyper,
                exclude_touched: false,
            }),
        }
    }
}

/// `blend` as `MOD7` to `MOD9` wrote it.
#[cfg(test)]
pub(super) fn blend_v7_of(blend: &Blend) -> BlendV7 {
    match blend.clone() {
        Blend::Fixed => BlendV7::Fixed,
        Blend::Learned(s) => BlendV7::Learned(LearnSettingsV7 {
            holdout_fraction: s.holdout_fraction,
            users_per_bucket: s.users_per_bucket,
            candidates: s.candidates,
            grid: s.grid,
            seed: s.seed,
            hyper: s.hyper,
        }),
    }
}

/// `Config` as `MOD7` wrote it: `MOD3`'s fields, the blend, the item neighbours (bincode writes
/// a nested struct's fields in line).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ConfigV7 {
    pub v3: ConfigV3,
    pub blend: BlendV7,
    pub item_neighbours: usize,
}

impl ConfigV7 {
    /// The current configuration, with the cost guard of the time.
    pub(super) fn upgrade(self) -> Config {
        Config {
            blend: self.blend.upgrade(),
            item_neighbours: self.item_neighbours,
            max_user_items: DEFAULT_MAX_USER_ITEMS,
            ..self.v3.upgrade()
        }
    }
}

/// Decodes a `MOD7` snapshot into the current model.
pub(crate) fn decode_mod7(bytes: &[u8]) -> Result<In> {
    decode_with_items(*b"MOD7", bytes, ConfigV7::upgrade, |l: LearnedBlend, _| l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::legacy_snapshot::ModelWithItems;
    use crate::model::state::Model;

    /// `Model` as `MOD7` wrote it.
    type ModelV7 = ModelWithItems<ConfigV7, LearnedBlend>;
    use crate::model::legacy_snapshot::{load_as, v3_of, with_items_of};
    use crate::synthetic::{Dataset, SyntheticConfig};
    use crate::Request;

    /// `m` as `MOD7` wrote it.
    fn v7_of(m: &Model) -> ModelV7 {
        let config = ConfigV7 {
            v3: v3_of(&m.config),
            blend: blend_v7_of(&m.config.blend),
            item_neighbours: m.config.item_neighbours,
        };
        with_items_of(m, config, m.learned.clone())
    }

    /// An engine with item lists saved before `max_user_items` loads with the guard of the
    /// time (100), the same lists and the same learned blend, and serves the same.
    #[test]
    fn a_mod7_snapshot_loads_with_the_default_user_cap() {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let config = Config {
            item_neighbours: 10,
            ..Config::default()
        };
        let e = data.engine(config).unwrap();
        let loaded = load_as(*b"MOD7", v7_of(&e.read()));
        assert_eq!(loaded.config(), e.config());
        assert_eq!(loaded.config().max_user_items, DEFAULT_MAX_USER_ITEMS);
        assert_eq!(loaded.blend_report(), e.blend_report());
        let t = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
        for item in data.interactions.iter().take(20).map(|x| &x.item_id) {
            assert_eq!(loaded.item_neighbours(item), e.item_neighbours(item));
        }
        for user in data.interactions.iter().take(20).map(|x| &x.user_id) {
            let req = Request::new(10).now(t).explain(true);
            assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
        }
        loaded.verify_neighbours(0.0).unwrap();
    }
}
