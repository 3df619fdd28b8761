//! Reading model snapshots of earlier layouts: `MOD3` (before item neighbours) has the same
//! fields minus `Config::item_neighbours` and the item lists, which get the default and are
//! rebuilt on load; `MOD2` (before impressions) also lacks the exposure and the two exposure
//! settings, which get their defaults. Kept apart so the current layout stays the plain serde
//! derive of `Model`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::data::catalog::Catalog;
use crate::data::exposure::Exposure;
use crate::data::ids::Interner;
use crate::data::kinds::KindTable;
use crate::data::matrix::Matrix;
use crate::data::pref_store::PrefStore;
use crate::data::timeline::{RowsByStart, Timeline};
use crate::model::config::{Config, FeatureWeights, KindSpec};
use crate::model::error::Result;
use crate::model::model_snapshot::{In, SnapshotMeta};
use crate::model::state::Model;
use crate::scoring::artist_prior::ArtistPrior;
use crate::scoring::content::ContentIndex;
use crate::scoring::popularity::Popularity;
use crate::similarity::Neighbours;
use crate::snapshot;

/// `Config` as `MOD2` (`X = ()`) and `MOD3` (`X` = the two exposure settings) wrote it (field
/// order matters: bincode is positional, and `()` takes no bytes).
#[derive(Deserialize)]
struct ConfigOld<X> {
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
    exposure: X,
}

/// `Model` as `MOD2` (`X = ()`, no exposure) and `MOD3` wrote it.
#[derive(Deserialize)]
struct ModelOld<C, X> {
    config: ConfigOld<C>,
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
    exposure: X,
}

#[derive(Deserialize)]
struct InOld<C, X> {
    meta: SnapshotMeta,
    model: ModelOld<C, X>,
}

/// Decodes a `MOD2` snapshot into the current model (no impressions recorded).
pub(crate) fn decode_mod2(bytes: &[u8]) -> Result<In> {
    let InOld::<(), ()> { meta, model } = snapshot::decode_kind(*b"MOD2", bytes)?;
    let config = Config::default();
    let mut exposure = Exposure::new(config.exposure_half_life_secs);
    exposure.fit(model.users.len());
    Ok(In {
        meta,
        model: upgrade(model, config, exposure),
    })
}

/// Decodes a `MOD3` snapshot into the current model (item neighbours rebuilt on load).
pub(crate) fn decode_mod3(bytes: &[u8]) -> Result<In> {
    let InOld::<(f64, f64), Exposure> { meta, model } = snapshot::decode_kind(*b"MOD3", bytes)?;
    let (exposure_demotion, exposure_half_life_secs) = model.config.exposure;
    let config = Config {
        exposure_demotion,
        exposure_half_life_secs,
        ..Config::default()
    };
    let mut m = model;
    let exposure = std::mem::replace(&mut m.exposure, Exposure::new(exposure_half_life_secs));
    Ok(In {
        meta,
        model: upgrade(m, config, exposure),
    })
}

/// The current model from an earlier layout's, with `defaults` for the settings it lacks.
fn upgrade<C, X>(m: ModelOld<C, X>, defaults: Config, exposure: Exposure) -> Model {
    let c = m.config;
    let config = Config {
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
        ..defaults
    };
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
        // Absent before `MOD4`: rebuilt on load.
        item_neighbours: Neighbours::default(),
        heavy: Vec::new(),
        content: ContentIndex::default(),
        timeline: Timeline::default(),
        by_start: RowsByStart::default(),
        artist_prior: ArtistPrior::default(),
    }
}
