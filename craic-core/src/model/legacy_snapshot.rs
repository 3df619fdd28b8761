//! Reading model snapshots of earlier layouts: `MOD2` (before impressions: no exposure, no
//! exposure settings, which get their defaults), `MOD3` (before the appeal counts and the
//! learned blend: none, the fixed blend), `MOD4` (before item neighbours:
//! `Config::item_neighbours` 0, no item lists) and `MOD5` (before the learned blend tuned its
//! hyperparameters: from `MOD4` and `MOD5` a learned blend's grid is pinned to the
//! configuration's values, and its report tried no grid point). `MOD6` (before the popularity
//! discount) is read by `model::legacy_mod6`. Kept apart so the current layout stays the plain
//! serde derive of `Model`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::data::appeal::Appeal;
use crate::data::catalog::Catalog;
use crate::data::exposure::Exposure;
use crate::data::ids::Interner;
use crate::data::kinds::KindTable;
use crate::data::matrix::Matrix;
use crate::data::pref_store::PrefStore;
use crate::data::timeline::{RowsByStart, Timeline};
use crate::model::config::{Config, FeatureWeights, KindSpec};
use crate::model::error::Result;
use crate::model::hyper::{GridPoint, HyperGrid};
use crate::model::item_updates::ItemLists;
use crate::model::learned::{Blend, BlendReport, BucketReport, LearnSettings, LearnedBlend};
use crate::model::model_snapshot::{In, SnapshotMeta};
use crate::model::state::Model;
use crate::scoring::artist_prior::ArtistPrior;
use crate::scoring::content::ContentIndex;
use crate::scoring::discount::Discount;
use crate::scoring::popularity::Popularity;
use crate::similarity::Neighbours;
use crate::snapshot;

/// `Config` as `MOD2` wrote it (field order matters: bincode is positional).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ConfigV2 {
    kinds: BTreeMap<String, KindSpec>,
    half_life_secs: Option<f64>,
    neighbours: usize,
    neighbour_buffer: usize,
    shrinkage: f64,
    min_overlap: u32,
    max_item_users: usize,
    exclude_saved: bool,
    hybrid_k0: f64,
    hybrid_content_share: f64,
    popularity_prior: f64,
    artist_prior: f64,
    preference_weight: f64,
    max_k: usize,
    content_weights: FeatureWeights,
}

/// `Config` as `MOD3` wrote it: `MOD2`'s fields, then the exposure settings (bincode writes a
/// nested struct's fields in line, so this is the flat layout).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ConfigV3 {
    v2: ConfigV2,
    exposure_demotion: f64,
    exposure_half_life_secs: f64,
}

/// `Config` as `MOD4` wrote it: `MOD3`'s fields, then the blend.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ConfigV4 {
    v3: ConfigV3,
    blend: BlendV4,
}

/// `Config` as `MOD5` wrote it: `MOD4`'s fields, then the item neighbours.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ConfigV5 {
    v4: ConfigV4,
    item_neighbours: usize,
}

/// `LearnSettings` as `MOD4` and `MOD5` wrote it (no hyperparameter grid).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct LearnSettingsV4 {
    holdout_fraction: f64,
    users_per_bucket: usize,
    candidates: usize,
    grid: u32,
    seed: u64,
}

/// `Blend` as `MOD4` and `MOD5` wrote it (bincode tags variants by index).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
enum BlendV4 {
    Fixed,
    Learned(LearnSettingsV4),
}

/// `BlendReport` as `MOD4` and `MOD5` wrote it (no chosen hyperparameters, no grid).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct BlendReportV4 {
    components: Vec<String>,
    cutoff: i64,
    train_interactions: usize,
    holdout_interactions: usize,
    buckets: Vec<BucketReport>,
}

impl ConfigV4 {
    /// The current configuration; a learned blend tunes nothing (its grid is pinned to the
    /// configuration's values, which it was learned with).
    fn upgrade(self) -> Config {
        let mut c = self.v3.upgrade();
        if let BlendV4::Learned(s) = self.blend {
            c.blend = Blend::Learned(s.upgrade(HyperGrid::pinned(&c)));
        }
        c
    }
}

impl LearnSettingsV4 {
    /// The current settings, with the grid `hyper` (scoring the holdout keeping touched
    /// events, as then).
    pub(super) fn upgrade(self, hyper: HyperGrid) -> LearnSettings {
        LearnSettings {
            holdout_fraction: self.holdout_fraction,
            users_per_bucket: self.users_per_bucket,
            candidates: self.candidates,
            grid: self.grid,
            seed: self.seed,
            hyper,
            exclude_touched: false,
        }
    }
}

impl BlendReportV4 {
    /// The current report: the hyperparameters of `config`, no grid point tried.
    fn upgrade(self, config: &Config) -> LearnedBlend {
        let chosen = GridPoint {
            half_life_secs: config.half_life_secs,
            neighbours: config.neighbours,
            shrinkage: config.shrinkage,
            discount: 0.0,
            ndcg: 0.0,
        };
        self.with(&chosen, Vec::new())
    }

    /// The current report: the hyperparameters of `chosen` (its NDCG aside), `grid` tried.
    pub(super) fn with(self, chosen: &GridPoint, grid: Vec<GridPoint>) -> LearnedBlend {
        LearnedBlend {
            report: BlendReport {
                components: self.components,
                cutoff: self.cutoff,
                train_interactions: self.train_interactions,
                holdout_interactions: self.holdout_interactions,
                buckets: self.buckets,
                half_life_secs: chosen.half_life_secs,
                neighbours: chosen.neighbours,
                shrinkage: chosen.shrinkage,
                discount: chosen.discount,
                grid,
            },
        }
    }
}

impl ConfigV3 {
    /// The current configuration: `MOD2`'s upgraded, with the exposure settings.
    pub(super) fn upgrade(self) -> Config {
        Config {
            exposure_demotion: self.exposure_demotion,
            exposure_half_life_secs: self.exposure_half_life_secs,
            ..self.v2.upgrade()
        }
    }
}

impl ConfigV2 {
    /// The current configuration: the missing settings at their defaults, the fixed blend.
    fn upgrade(self) -> Config {
        let c = self;
        Config {
            kinds: c.kinds,
            half_life_secs: c.half_life_secs,
            neighbours: c.neighbours,
            neighbour_buffer: c.neighbour_buffer,
            shrinkage: c.shrinkage,
            min_overlap: c.min_overlap,
            max_item_users: c.max_item_users,
            exclude_saved: c.exclude_saved,
            hybrid_k0: c.hybrid_k0,
            hybrid_content_share: c.hybrid_content_share,
            popularity_prior: c.popularity_prior,
            artist_prior: c.artist_prior,
            preference_weight: c.preference_weight,
            max_k: c.max_k,
            content_weights: c.content_weights,
            blend: Blend::Fixed,
            ..Config::default()
        }
    }
}

/// `Model` as `MOD2` wrote it (and `MOD3` up to its exposure), over the configuration `C` of
/// that layout.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ModelV2<C> {
    config: C,
    kinds: KindTable,
    users: Interner,
    catalog: Catalog,
    prefs: PrefStore,
    matrix: Matrix,
    neighbours: Neighbours,
    capped: Vec<bool>,
    popularity: Popularity,
    watermark: Option<i64>,
    events: u64,
}

/// `Model` as `MOD3` wrote it.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ModelV3 {
    base: ModelV2<ConfigV3>,
    exposure: Exposure,
}

/// `Model` as `MOD4` wrote it: `MOD3`'s fields (over its configuration), then the appeal
/// counts and the learned blend.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ModelV4 {
    base: ModelV2<ConfigV4>,
    exposure: Exposure,
    appeal: Appeal,
    learned: Option<BlendReportV4>,
}

/// `Model` as `MOD5`, `MOD6` and `MOD7` wrote it: `MOD4`'s fields over the configuration `C`
/// and the learned blend `L` of that layout, then the item lists.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct ModelWithItems<C, L> {
    pub base: ModelV2<C>,
    pub exposure: Exposure,
    pub appeal: Appeal,
    pub learned: Option<L>,
    pub items: Option<ItemLists>,
}

/// Decodes a snapshot of a layout with item lists (`tag`: `MOD5` to `MOD8`) into the current
/// model: its configuration upgraded by `to_config`, its learned blend by `to_learned` (given the
/// upgraded configuration).
pub(super) fn decode_with_items<C: DeserializeOwned, L: DeserializeOwned>(
    tag: [u8; 4],
    bytes: &[u8],
    to_config: impl FnOnce(C) -> Config,
    to_learned: impl FnOnce(L, &Config) -> LearnedBlend,
) -> Result<In> {
    let Old { meta, model } = snapshot::decode_kind::<Old<ModelWithItems<C, L>>>(tag, bytes)?;
    Ok(In {
        meta,
        model: model.upgrade(to_config, to_learned),
    })
}

impl<C, L> ModelWithItems<C, L> {
    /// The current model: the configuration upgraded by `to_config`, the learned blend by
    /// `to_learned` (given the upgraded configuration); no linear item model.
    pub(super) fn upgrade(
        self,
        to_config: impl FnOnce(C) -> Config,
        to_learned: impl FnOnce(L, &Config) -> LearnedBlend,
    ) -> Model {
        let m = self.base.upgrade(to_config, Some(self.exposure));
        let learned = self.learned.map(|l| to_learned(l, &m.config));
        Model {
            appeal: self.appeal,
            learned,
            items: self.items,
            ..m
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) struct Old<M> {
    pub meta: SnapshotMeta,
    pub model: M,
}

impl<C> ModelV2<C> {
    /// The current model with the configuration `to_config` makes of this layout's and
    /// `exposure` (none recorded when `None`); no appeal counts, the fixed blend.
    pub(super) fn upgrade(
        self,
        to_config: impl FnOnce(C) -> Config,
        exposure: Option<Exposure>,
    ) -> Model {
        let m = self;
        let config = to_config(m.config);
        let exposure = exposure.unwrap_or_else(|| {
            let mut e = Exposure::new(config.exposure_half_life_secs);
            e.fit(m.users.len());
            e
        });
        Model {
            config,
            kinds: m.kinds,
            users: m.users,
            catalog: m.catalog,
            prefs: m.prefs,
            matrix: m.matrix,
            neighbours: m.neighbours,
            capped: m.capped,
            popularity: m.popularity,
            watermark: m.watermark,
            events: m.events,
            exposure,
            appeal: Appeal::default(),
            learned: None,
            items: None,
            linear: None,
            content: ContentIndex::default(),
            timeline: Timeline::default(),
            by_start: RowsByStart::default(),
            artist_prior: ArtistPrior::default(),
            discount: Discount::default(),
        }
    }
}

/// Decodes a `MOD2` snapshot into the current model (no impressions recorded).
pub(crate) fn decode_mod2(bytes: &[u8]) -> Result<In> {
    let Old { meta, model } = snapshot::decode_kind::<Old<ModelV2<ConfigV2>>>(*b"MOD2", bytes)?;
    Ok(In {
        meta,
        model: model.upgrade(ConfigV2::upgrade, None),
    })
}

/// Decodes a `MOD3` snapshot into the current model (no appeal counts, the fixed blend).
pub(crate) fn decode_mod3(bytes: &[u8]) -> Result<In> {
    let Old { meta, model } = snapshot::decode_kind::<Old<ModelV3>>(*b"MOD3", bytes)?;
    let ModelV3 { base, exposure } = model;
    Ok(In {
        meta,
        model: base.upgrade(ConfigV3::upgrade, Some(exposure)),
    })
}

/// Decodes a `MOD4` snapshot into the current model (no item lists: `item_neighbours` 0).
pub(crate) fn decode_mod4(bytes: &[u8]) -> Result<In> {
    let Old { meta, model } = snapshot::decode_kind::<Old<ModelV4>>(*b"MOD4", bytes)?;
    let ModelV4 {
        base,
        exposure,
        appeal,
        learned,
    } = model;
    let m = base.upgrade(ConfigV4::upgrade, Some(exposure));
    Ok(In {
        meta,
        model: Model {
            appeal,
            learned: learned.map(|r| r.upgrade(&m.config)),
            ..m
        },
    })
}

/// Decodes a `MOD5` snapshot into the current model (a learned blend pinned to the
/// configuration's hyperparameters, its report with the configuration's values and no grid).
pub(crate) fn decode_mod5(bytes: &[u8]) -> Result<In> {
    let to_config = |c: ConfigV5| Config {
        item_neighbours: c.item_neighbours,
        ..c.v4.upgrade()
    };
    decode_with_items(*b"MOD5", bytes, to_config, |r: BlendReportV4, c| {
        r.upgrade(c)
    })
}

/// `c` as `MOD3` wrote it (the tests write snapshots of the earlier layouts).
#[cfg(test)]
pub(super) fn v3_of(c: &Config) -> ConfigV3 {
    let c = c.clone();
    let v2 = ConfigV2 {
        kinds: c.kinds,
        half_life_secs: c.half_life_secs,
        neighbours: c.neighbours,
        neighbour_buffer: c.neighbour_buffer,
        shrinkage: c.shrinkage,
        min_overlap: c.min_overlap,
        max_item_users: c.max_item_users,
        exclude_saved: c.exclude_saved,
        hybrid_k0: c.hybrid_k0,
        hybrid_content_share: c.hybrid_content_share,
        popularity_prior: c.popularity_prior,
        artist_prior: c.artist_prior,
        preference_weight: c.preference_weight,
        max_k: c.max_k,
        content_weights: c.content_weights,
    };
    ConfigV3 {
        v2,
        exposure_demotion: c.exposure_demotion,
        exposure_half_life_secs: c.exposure_half_life_secs,
    }
}

/// `s` as `MOD4` wrote it.
#[cfg(test)]
pub(super) fn settings_v4_of(s: &LearnSettings) -> LearnSettingsV4 {
    LearnSettingsV4 {
        holdout_fraction: s.holdout_fraction,
        users_per_bucket: s.users_per_bucket,
        candidates: s.candidates,
        grid: s.grid,
        seed: s.seed,
    }
}

/// `r` as `MOD4` wrote it.
#[cfg(test)]
pub(super) fn report_v4_of(r: BlendReport) -> BlendReportV4 {
    BlendReportV4 {
        components: r.components,
        cutoff: r.cutoff,
        train_interactions: r.train_interactions,
        holdout_interactions: r.holdout_interactions,
        buckets: r.buckets,
    }
}

/// `model` written as a snapshot of the earlier layout `tag`, loaded by the current code.
#[cfg(test)]
pub(super) fn load_as<M: serde::Serialize>(tag: [u8; 4], model: M) -> crate::model::engine::Engine {
    let old = Old {
        meta: SnapshotMeta::default(),
        model,
    };
    let bytes = snapshot::encode_kind(tag, &old).unwrap();
    crate::model::engine::Engine::from_snapshot(&bytes)
        .unwrap()
        .0
}

/// The fields `m` shares with `MOD2`, over the configuration `config` of an earlier layout.
#[cfg(test)]
pub(super) fn base_of<C>(m: Model, config: C) -> ModelV2<C> {
    ModelV2 {
        config,
        kinds: m.kinds,
        users: m.users,
        catalog: m.catalog,
        prefs: m.prefs,
        matrix: m.matrix,
        neighbours: m.neighbours,
        capped: m.capped,
        popularity: m.popularity,
        watermark: m.watermark,
        events: m.events,
    }
}

/// `m` as a layout with item lists (`MOD5`–`MOD7`) wrote it, over `config` and `learned` of
/// that layout.
#[cfg(test)]
pub(super) fn with_items_of<C, L>(
    m: &Model,
    config: C,
    learned: Option<L>,
) -> ModelWithItems<C, L> {
    ModelWithItems {
        exposure: m.exposure.clone(),
        appeal: m.appeal.clone(),
        learned,
        items: m.items.clone(),
        base: base_of(m.clone(), config),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Dataset, SyntheticConfig};
    use crate::Request;

    /// `m` as `MOD4` wrote it.
    fn v4_of(m: &Model) -> ModelV4 {
        let blend = match &m.config.blend {
            Blend::Fixed => BlendV4::Fixed,
            Blend::Learned(s) => BlendV4::Learned(settings_v4_of(s)),
        };
        let v3 = v3_of(&m.config);
        ModelV4 {
            exposure: m.exposure.clone(),
            appeal: m.appeal.clone(),
            learned: m.learned.clone().map(|l| report_v4_of(l.report)),
            base: base_of(m.clone(), ConfigV4 { v3, blend }),
        }
    }

    /// A learned engine saved before the hyperparameter grid loads with its blend pinned to
    /// the configuration it was learned with, the same buckets, and serves the same (an engine
    /// of that time never discounted, so this one is learned without discount).
    #[test]
    fn a_learned_mod4_snapshot_loads_pinned_to_its_configuration() {
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
            ..Config::default()
        };
        let e = data.engine(config).unwrap();
        let loaded = load_as(*b"MOD4", v4_of(&e.read()));
        let c = loaded.config();
        assert_eq!(c.neighbours, e.config().neighbours);
        let Blend::Learned(s) = &c.blend else {
            panic!("a learned blend")
        };
        assert_eq!(s.hyper, HyperGrid::pinned(&c));
        let (was, now) = (e.blend_report().unwrap(), loaded.blend_report().unwrap());
        assert_eq!(now.buckets, was.buckets);
        assert!(now.grid.is_empty());
        assert_eq!((now.neighbours, now.shrinkage), (c.neighbours, c.shrinkage));
        let t = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
        for user in data.interactions.iter().take(20).map(|x| &x.user_id) {
            let req = Request::new(10).now(t);
            assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
        }
    }
}
