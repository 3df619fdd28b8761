//! Reading `MOD6` model snapshots (before the learned blend's popularity discount): a learned
//! blend loads with β = 0 (what it was learned and served with), its grid's discount axis pinned
//! to 0 and every grid point it tried at 0. The earlier layouts are in `model::legacy_snapshot`.

use serde::Deserialize;

use crate::model::config::Config;
use crate::model::error::Result;
use crate::model::hyper::{GridPoint, HyperGrid};
use crate::model::learned::{Blend, LearnedBlend};
use crate::model::legacy_snapshot::{decode_with_items, BlendReportV4, ConfigV3, LearnSettingsV4};
use crate::model::model_snapshot::In;

/// `HyperGrid` as `MOD6` wrote it (no discount axis).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct HyperGridV6 {
    half_life_secs: Option<Vec<Option<f64>>>,
    neighbours: Option<Vec<usize>>,
    shrinkage: Option<Vec<f64>>,
}

/// `LearnSettings` as `MOD6` wrote it: `MOD4`'s, then the grid (bincode writes a nested
/// struct's fields in line).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct LearnSettingsV6 {
    v4: LearnSettingsV4,
    hyper: HyperGridV6,
}

/// `Blend` as `MOD6` wrote it (bincode tags variants by index).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
enum BlendV6 {
    Fixed,
    Learned(LearnSettingsV6),
}

/// `Config` as `MOD6` wrote it: `MOD3`'s fields, the blend, the item neighbours.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ConfigV6 {
    v3: ConfigV3,
    blend: BlendV6,
    item_neighbours: usize,
}

/// `GridPoint` as `MOD6` wrote it (no discount).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct GridPointV6 {
    half_life_secs: Option<f64>,
    neighbours: usize,
    shrinkage: f64,
    ndcg: f64,
}

/// `BlendReport` as `MOD6` wrote it: `MOD4`'s, then the chosen values (no discount) and the
/// grid.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct BlendReportV6 {
    v4: BlendReportV4,
    half_life_secs: Option<f64>,
    neighbours: usize,
    shrinkage: f64,
    grid: Vec<GridPointV6>,
}

impl ConfigV6 {
    /// The current configuration; a learned blend's discount axis pinned to 0.
    fn upgrade(self) -> Config {
        let blend = match self.blend {
            BlendV6::Fixed => Blend::Fixed,
            BlendV6::Learned(s) => Blend::Learned(s.v4.upgrade(HyperGrid {
                half_life_secs: s.hyper.half_life_secs,
                neighbours: s.hyper.neighbours,
                shrinkage: s.hyper.shrinkage,
                discount: Some(vec![0.0]),
            })),
        };
        Config {
            blend,
            item_neighbours: self.item_neighbours,
            ..self.v3.upgrade()
        }
    }
}

impl BlendReportV6 {
    /// The current report: no discount chosen or tried.
    fn upgrade(self) -> LearnedBlend {
        let grid = self.grid.into_iter().map(GridPointV6::upgrade).collect();
        let chosen = GridPointV6 {
            half_life_secs: self.half_life_secs,
            neighbours: self.neighbours,
            shrinkage: self.shrinkage,
            ndcg: 0.0,
        };
        self.v4.with(&chosen.upgrade(), grid)
    }
}

impl GridPointV6 {
    /// The current point, at no discount.
    fn upgrade(self) -> GridPoint {
        GridPoint {
            half_life_secs: self.half_life_secs,
            neighbours: self.neighbours,
            shrinkage: self.shrinkage,
            discount: 0.0,
            ndcg: self.ndcg,
        }
    }
}

/// Decodes a `MOD6` snapshot into the current model (a learned blend without discount).
pub(crate) fn decode_mod6(bytes: &[u8]) -> Result<In> {
    decode_with_items(*b"MOD6", bytes, ConfigV6::upgrade, |r: BlendReportV6, _| {
        r.upgrade()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::legacy_snapshot::ModelWithItems;
    use crate::model::state::Model;

    /// `Model` as `MOD6` wrote it.
    type ModelV6 = ModelWithItems<ConfigV6, BlendReportV6>;
    use crate::model::learned::LearnSettings;
    use crate::model::legacy_snapshot::{
        load_as, report_v4_of, settings_v4_of, v3_of, with_items_of,
    };
    use crate::synthetic::{Dataset, SyntheticConfig};
    use crate::Request;

    /// `m` as `MOD6` wrote it.
    fn v6_of(m: &Model) -> ModelV6 {
        let blend = match &m.config.blend {
            Blend::Fixed => BlendV6::Fixed,
            Blend::Learned(s) => BlendV6::Learned(LearnSettingsV6 {
                v4: settings_v4_of(s),
                hyper: HyperGridV6 {
                    half_life_secs: s.hyper.half_life_secs.clone(),
                    neighbours: s.hyper.neighbours.clone(),
                    shrinkage: s.hyper.shrinkage.clone(),
                },
            }),
        };
        let config = ConfigV6 {
            v3: v3_of(&m.config),
            blend,
            item_neighbours: m.config.item_neighbours,
        };
        let learned = m.learned.clone().map(|l| {
            let r = l.report;
            let grid = r.grid.iter().map(|p| GridPointV6 {
                half_life_secs: p.half_life_secs,
                neighbours: p.neighbours,
                shrinkage: p.shrinkage,
                ndcg: p.ndcg,
            });
            BlendReportV6 {
                half_life_secs: r.half_life_secs,
                neighbours: r.neighbours,
                shrinkage: r.shrinkage,
                grid: grid.collect(),
                v4: report_v4_of(r),
            }
        });
        with_items_of(m, config, learned)
    }

    /// A learned engine saved before the popularity discount loads without one (β 0, its
    /// discount axis pinned to 0, every grid point at 0), the same choices otherwise, and
    /// serves the same.
    #[test]
    fn a_learned_mod6_snapshot_loads_without_discount() {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let settings = LearnSettings {
            hyper: HyperGrid {
                discount: Some(vec![0.0]),
                ..HyperGrid::default()
            },
            ..LearnSettings::default()
        };
        let config = Config {
            blend: Blend::Learned(settings),
            item_neighbours: 10,
            ..Config::default()
        };
        let e = data.engine(config).unwrap();
        let loaded = load_as(*b"MOD6", v6_of(&e.read()));
        assert_eq!(loaded.config(), e.config());
        let Blend::Learned(s) = loaded.config().blend else {
            panic!("a learned blend")
        };
        assert_eq!(s.hyper.discount, Some(vec![0.0]));
        let (was, now) = (e.blend_report().unwrap(), loaded.blend_report().unwrap());
        assert!(was.grid.len() > 1, "a tuned blend");
        assert_eq!(now, was);
        assert!(now.discount == 0.0 && now.grid.iter().all(|p| p.discount == 0.0));
        let t = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
        for user in data.interactions.iter().take(20).map(|x| &x.user_id) {
            let req = Request::new(10).now(t).explain(true);
            assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
        }
        loaded.verify_neighbours(0.0).unwrap();
    }
}
