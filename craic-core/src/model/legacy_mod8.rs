//! Reading `MOD8` model snapshots (before the linear item model): they load with
//! `Config::linear_items` 0 and no linear model, so they serve exactly what they served. The
//! earlier layouts are in `model::legacy_snapshot`, `model::legacy_mod6` and
//! `model::legacy_mod7`; the next in `model::legacy_mod9`.

use serde::Deserialize;

use crate::model::config::{Config, DEFAULT_LINEAR_L2};
use crate::model::error::Result;
use crate::model::learned::LearnedBlend;
use crate::model::legacy_mod7::ConfigV7;
use crate::model::legacy_snapshot::decode_with_items;
use crate::model::model_snapshot::In;

/// `Config` as `MOD8` wrote it: `MOD7`'s fields, then the item side's cost guard (bincode
/// writes a nested struct's fields in line).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ConfigV8 {
    pub v7: ConfigV7,
    pub max_user_items: usize,
}

impl ConfigV8 {
    /// The current configuration, without a linear item model.
    pub(super) fn upgrade(self) -> Config {
        Config {
            max_user_items: self.max_user_items,
            linear_items: 0,
            linear_l2: DEFAULT_LINEAR_L2,
            ..self.v7.upgrade()
        }
    }
}

/// Decodes a `MOD8` snapshot into the current model.
pub(crate) fn decode_mod8(bytes: &[u8]) -> Result<In> {
    decode_with_items(*b"MOD8", bytes, ConfigV8::upgrade, |l: LearnedBlend, _| l)
}

/// `c` as `MOD8` wrote it.
#[cfg(test)]
pub(super) fn config_v8_of(c: &Config) -> ConfigV8 {
    ConfigV8 {
        v7: ConfigV7 {
            v3: crate::model::legacy_snapshot::v3_of(c),
            blend: crate::model::legacy_mod7::blend_v7_of(&c.blend),
            item_neighbours: c.item_neighbours,
        },
        max_user_items: c.max_user_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::legacy_snapshot::{load_as, with_items_of, ModelWithItems};
    use crate::model::state::Model;
    use crate::synthetic::{Dataset, SyntheticConfig};
    use crate::Request;

    /// `m` as `MOD8` wrote it.
    fn v8_of(m: &Model) -> ModelWithItems<ConfigV8, LearnedBlend> {
        with_items_of(m, config_v8_of(&m.config), m.learned.clone())
    }

    /// An engine saved before the linear item model loads without one, with its item lists,
    /// cost guard and learned blend, and serves the same.
    #[test]
    fn a_mod8_snapshot_loads_without_a_linear_model() {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let config = Config {
            item_neighbours: 10,
            max_user_items: 300,
            ..Config::default()
        };
        let e = data.engine(config).unwrap();
        let loaded = load_as(*b"MOD8", v8_of(&e.read()));
        assert_eq!(loaded.config(), e.config());
        assert_eq!(loaded.config().linear_items, 0);
        assert!(loaded.read().linear.is_none());
        assert_eq!(loaded.blend_report(), e.blend_report());
        let t = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
        for user in data.interactions.iter().take(20).map(|x| &x.user_id) {
            let req = Request::new(10).now(t).explain(true);
            assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
        }
    }
}
