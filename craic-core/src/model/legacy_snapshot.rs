//! Reading model snapshots of earlier layouts: `MOD2` (before impressions: no exposure, no
//! exposure settings, which get their defaults), `MOD3` (before the appeal counts and the
//! learned blend: none, the fixed blend) and `MOD4` (before item neighbours:
//! `Config::item_neighbours` 0, no item lists). Kept apart so the current layout stays the
//! plain serde derive of `Model`.

use std::collections::BTreeMap;

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
use crate::model::learned::{Blend, LearnedBlend};
use crate::model::model_snapshot::{In, SnapshotMeta};
use crate::model::state::Model;
use crate::scoring::artist_prior::ArtistPrior;
use crate::scoring::content::ContentIndex;
use crate::scoring::popularity::Popularity;
use crate::similarity::Neighbours;
use crate::snapshot;

/// `Config` as `MOD2` wrote it (field order matters: bincode is positional).
#[derive(Deserialize)]
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
struct ConfigV3 {
    v2: ConfigV2,
    exposure_demotion: f64,
    exposure_half_life_secs: f64,
}

/// `Config` as `MOD4` wrote it: `MOD3`'s fields, then the blend.
#[derive(Deserialize)]
struct ConfigV4 {
    v3: ConfigV3,
    blend: Blend,
}

impl ConfigV3 {
    /// The current configuration: `MOD2`'s upgraded, with the exposure settings.
    fn upgrade(self) -> Config {
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
struct ModelV2<C> {
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
struct ModelV3 {
    base: ModelV2<ConfigV3>,
    exposure: Exposure,
}

/// `Model` as `MOD4` wrote it: `MOD3`'s fields (over its configuration), then the appeal
/// counts and the learned blend.
#[derive(Deserialize)]
struct ModelV4 {
    base: ModelV2<ConfigV4>,
    exposure: Exposure,
    appeal: Appeal,
    learned: Option<LearnedBlend>,
}

#[derive(Deserialize)]
struct Old<M> {
    meta: SnapshotMeta,
    model: M,
}

impl<C> ModelV2<C> {
    /// The current model with the configuration `to_config` makes of this layout's and
    /// `exposure` (none recorded when `None`); no appeal counts, the fixed blend.
    fn upgrade(self, to_config: impl FnOnce(C) -> Config, exposure: Option<Exposure>) -> Model {
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
            content: ContentIndex::default(),
            timeline: Timeline::default(),
            by_start: RowsByStart::default(),
            artist_prior: ArtistPrior::default(),
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
    let to_config = |c: ConfigV4| Config {
        blend: c.blend,
        ..c.v3.upgrade()
    };
    Ok(In {
        meta,
        model: Model {
            appeal,
            learned,
            ..base.upgrade(to_config, Some(exposure))
        },
    })
}
