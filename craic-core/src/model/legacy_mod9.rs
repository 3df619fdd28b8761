//! Reading `MOD9` model snapshots (before `Config::linear_focus`): they load with the focus
//! off, so a linear item model reads histories as it did and the engine serves exactly what it
//! served. The earlier layouts are in `model::legacy_snapshot` and `model::legacy_mod6` to
//! `model::legacy_mod8`.

use serde::Deserialize;

use crate::linear::LinearItems;
use crate::model::config::Config;
use crate::model::error::Result;
use crate::model::learned::LearnedBlend;
use crate::model::legacy_mod8::ConfigV8;
use crate::model::legacy_snapshot::{ModelWithItems, Old};
use crate::model::model_snapshot::In;
use crate::model::state::Model;
use crate::snapshot;

/// `Config` as `MOD9` wrote it: `MOD8`'s fields, then the linear item model's size and ridge.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ConfigV9 {
    v8: ConfigV8,
    linear_items: usize,
    linear_l2: f64,
}

impl ConfigV9 {
    /// The current configuration, the recency focus off.
    fn upgrade(self) -> Config {
        Config {
            linear_items: self.linear_items,
            linear_l2: self.linear_l2,
            linear_focus: 0.0,
            ..self.v8.upgrade()
        }
    }
}

/// `Model` as `MOD9` wrote it: `MOD8`'s fields over its configuration, then the linear item
/// model.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ModelV9 {
    with_items: ModelWithItems<ConfigV9, LearnedBlend>,
    linear: Option<LinearItems>,
}

/// Decodes a `MOD9` snapshot into the current model.
pub(crate) fn decode_mod9(bytes: &[u8]) -> Result<In> {
    let Old { meta, model } = snapshot::decode_kind::<Old<ModelV9>>(*b"MOD9", bytes)?;
    let m = model.with_items.upgrade(ConfigV9::upgrade, |l, _| l);
    Ok(In {
        meta,
        model: Model {
            linear: model.linear,
            ..m
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::legacy_mod8::config_v8_of;
    use crate::model::legacy_snapshot::{load_as, with_items_of};
    use crate::synthetic::{Dataset, SyntheticConfig};
    use crate::Request;

    /// `m` as `MOD9` wrote it.
    fn v9_of(m: &Model) -> ModelV9 {
        let config = ConfigV9 {
            v8: config_v8_of(&m.config),
            linear_items: m.config.linear_items,
            linear_l2: m.config.linear_l2,
        };
        ModelV9 {
            with_items: with_items_of(m, config, m.learned.clone()),
            linear: m.linear.clone(),
        }
    }

    /// An engine with a linear item model saved before the recency focus loads with the focus
    /// off and its fitted model, and serves what an engine built with the focus off serves.
    #[test]
    fn a_mod9_snapshot_loads_with_the_focus_off() {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let config = Config {
            linear_items: 200,
            linear_l2: 50.0,
            linear_focus: 0.0,
            ..Config::default()
        };
        let e = data.engine(config).unwrap();
        let loaded = load_as(*b"MOD9", v9_of(&e.read()));
        assert_eq!(loaded.config(), e.config());
        assert_eq!(loaded.read().linear, e.read().linear);
        assert_eq!(loaded.blend_report(), e.blend_report());
        let t = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
        for user in data.interactions.iter().take(20).map(|x| &x.user_id) {
            for strategy in [crate::Strategy::ItemBased, crate::Strategy::Hybrid] {
                let req = Request::new(10).now(t).strategy(strategy).explain(true);
                assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
            }
        }
    }
}
