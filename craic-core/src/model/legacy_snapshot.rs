//! Reading model snapshots of the previous layout (`MOD2`, before impressions): the same
//! fields minus the exposure and the two exposure settings of the configuration, which get
//! their defaults. Kept apart so the current layout stays the plain serde derive of `Model`.

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

/// `Model` as `MOD2` wrote it.
#[derive(Deserialize)]
struct ModelV2 {
    config: ConfigV2,
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

#[derive(Deserialize)]
struct InV2 {
    meta: SnapshotMeta,
    model: ModelV2,
}

/// Decodes a `MOD2` snapshot into the current model (no impressions recorded).
pub(crate) fn decode_mod2(bytes: &[u8]) -> Result<In> {
    let InV2 { meta, model: m } = snapshot::decode_kind(*b"MOD2", bytes)?;
    let c = m.config;
    let defaults = Config::default();
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
    let mut exposure = Exposure::new(config.exposure_half_life_secs);
    exposure.fit(m.users.len());
    let model = Model {
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
        content: ContentIndex::default(),
        timeline: Timeline::default(),
        by_start: RowsByStart::default(),
        artist_prior: ArtistPrior::default(),
    };
    Ok(In { meta, model })
}
