//! The engine configuration as JavaScript passes it (`new Engine(config)`, `Engine.build(..,
//! { config })`, a treatment's `config`) and as `engine.config()` returns it: camelCase
//! options, every one optional and defaulting to the core's default, counts checked whole.

use std::collections::HashMap;

use craic_core as core;
use craic_core::ErrorKind;
use napi::bindgen_prelude::{Either, Null};

use crate::convert::{self, options};
use crate::errors::{Fallible, JsFailure};

options! {
    /// Engine configuration; every field is optional and defaults to the core's default.
    /// `kinds` maps kind names to weights: a name the defaults define (`save` 1.0, `click` 0.25,
    /// `hide` 0.25, `unsave`) gets a new weight and keeps its effect, a new name
    /// (`{purchase: 3}`) is added as a positive kind. `halfLifeSecs: null` disables decay.
    pub struct Config: "config" {
        /// Interaction kind names and their weights.
        pub kinds: [Option<HashMap<String, f64>>],
        /// Half-life of an interaction's weight in seconds (`null`: no decay; default 30 days).
        pub half_life_secs: [Option<Either<f64, Null>>],
        /// Neighbours kept per user.
        pub neighbours: [Option<f64>],
        /// Extra neighbours kept beyond `neighbours` so updates are fixed in place.
        pub neighbour_buffer: [Option<f64>],
        /// Similarity shrinkage λ.
        pub shrinkage: [Option<f64>],
        /// Minimum number of co-interacted items for two users to be neighbours.
        pub min_overlap: [Option<f64>],
        /// Items with more distinct users than this do not count towards user–user overlap.
        pub max_item_users: [Option<f64>],
        /// Never recommend items the user saved (a request can override it).
        pub exclude_saved: [Option<bool>],
        /// Positive items at which the hybrid's collaborative share reaches one half.
        pub hybrid_k0: [Option<f64>],
        /// Content's share of the hybrid's non-collaborative part.
        pub hybrid_content_share: [Option<f64>],
        /// Weight of stated preferences against history in the content profile.
        pub preference_weight: [Option<f64>],
        /// Exponent of the popularity prior on content scores (0 disables it).
        pub popularity_prior: [Option<f64>],
        /// Weight of the artist prior in the content score's popularity prior (0 disables it).
        pub artist_prior: [Option<f64>],
        /// Weight of each kind of metadata in content scoring (`genre`, `artist`, `venue`,
        /// `city`, `tag`).
        pub content_weights: [Option<HashMap<String, f64>>],
        /// Largest `k` a request may ask for.
        pub max_k: [Option<f64>],
        /// Strength of exposure-aware demotion (0 = off; default 0.5).
        pub exposure_demotion: [Option<f64>],
        /// Half-life in seconds of one showing in the demotion count (default 3 days).
        pub exposure_half_life_secs: [Option<f64>],
        /// How the hybrid blends its components: `'learned'` (the default: learned at every
        /// build and retrain with default settings; the fixed blend serves while the holdout has
        /// fewer than 100 users), the `LearnSettings` to learn with, or `'fixed'`.
        pub blend: [Option<Either<String, crate::blend::LearnSettings>>],
        /// Neighbours kept per item for the `"item_based"` strategy (0, the default: no item
        /// lists).
        pub item_neighbours: [Option<f64>],
        /// The item side's cost guard: users with more items than this leave item–item
        /// overlap, and a linear item model reads at most this many of a history's strongest
        /// events (default 100; raise it on a dense log, at a build cost of
        /// `Σ min(|row|, cap)²`).
        pub max_user_items: [Option<f64>],
        /// Items of the linear item model (EASE, fitted at every build, retrain and
        /// `rebuild()`; 0, the default: none). When on, the `"item_based"` strategy and the
        /// learned blend's item-based component read it instead of the item lists. For
        /// long-lived catalogues; memory 4 n² bytes (16 MB at 2 000 items).
        pub linear_items: [Option<f64>],
        /// Ridge λ of the linear item model (finite, > 0; default 250).
        pub linear_l2: [Option<f64>],
        /// The linear item model's recency focus, in events (finite, ≥ 0; default 10; 0:
        /// off): a request weighs a history event with `r` more recent events by
        /// `0.2 + 0.8 · e^(−r / focus)`. Needs a decay (`halfLifeSecs`); the fit is
        /// unaffected.
        pub linear_focus: [Option<f64>],
    }
}

fn count_field(v: Option<f64>, name: &str, default: usize) -> Fallible<usize> {
    v.map_or(Ok(default), |v| {
        convert::count(v, name, ErrorKind::InvalidConfig)
    })
}

impl Config {
    /// The core configuration.
    pub(crate) fn into_core(self) -> Fallible<core::Config> {
        let d = core::Config::default();
        let mut weights = d.content_weights.clone();
        for (name, w) in self.content_weights.unwrap_or_default() {
            weights.set(&name, w)?;
        }
        let min_overlap = count_field(self.min_overlap, "minOverlap", d.min_overlap as usize)?;
        let mut config = core::Config {
            half_life_secs: match self.half_life_secs {
                None => d.half_life_secs,
                Some(Either::A(secs)) => Some(secs),
                Some(Either::B(Null)) => None,
            },
            neighbours: count_field(self.neighbours, "neighbours", d.neighbours)?,
            neighbour_buffer: count_field(
                self.neighbour_buffer,
                "neighbourBuffer",
                d.neighbour_buffer,
            )?,
            shrinkage: self.shrinkage.unwrap_or(d.shrinkage),
            min_overlap: u32::try_from(min_overlap).map_err(|_| {
                JsFailure::invalid(ErrorKind::InvalidConfig, "minOverlap is too large")
            })?,
            max_item_users: count_field(self.max_item_users, "maxItemUsers", d.max_item_users)?,
            exclude_saved: self.exclude_saved.unwrap_or(d.exclude_saved),
            hybrid_k0: self.hybrid_k0.unwrap_or(d.hybrid_k0),
            hybrid_content_share: self.hybrid_content_share.unwrap_or(d.hybrid_content_share),
            preference_weight: self.preference_weight.unwrap_or(d.preference_weight),
            popularity_prior: self.popularity_prior.unwrap_or(d.popularity_prior),
            artist_prior: self.artist_prior.unwrap_or(d.artist_prior),
            max_k: count_field(self.max_k, "maxK", d.max_k)?,
            exposure_demotion: self.exposure_demotion.unwrap_or(d.exposure_demotion),
            exposure_half_life_secs: self
                .exposure_half_life_secs
                .unwrap_or(d.exposure_half_life_secs),
            content_weights: weights,
            blend: crate::blend::blend(self.blend)?,
            item_neighbours: count_field(
                self.item_neighbours,
                "itemNeighbours",
                d.item_neighbours,
            )?,
            max_user_items: count_field(self.max_user_items, "maxUserItems", d.max_user_items)?,
            linear_items: count_field(self.linear_items, "linearItems", d.linear_items)?,
            linear_l2: self.linear_l2.unwrap_or(d.linear_l2),
            linear_focus: self.linear_focus.unwrap_or(d.linear_focus),
            ..d
        };
        let mut kinds: Vec<(String, f64)> = self.kinds.unwrap_or_default().into_iter().collect();
        kinds.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, weight) in kinds {
            config = config.with_kind_weight(name, weight)?;
        }
        config.validate()?;
        Ok(config)
    }
}

impl From<core::Config> for Config {
    fn from(c: core::Config) -> Self {
        Config {
            kinds: Some(c.kinds.iter().map(|(k, s)| (k.clone(), s.weight)).collect()),
            half_life_secs: Some(c.half_life_secs.map_or(Either::B(Null), Either::A)),
            neighbours: Some(c.neighbours as f64),
            neighbour_buffer: Some(c.neighbour_buffer as f64),
            shrinkage: Some(c.shrinkage),
            min_overlap: Some(f64::from(c.min_overlap)),
            max_item_users: Some(c.max_item_users as f64),
            exclude_saved: Some(c.exclude_saved),
            hybrid_k0: Some(c.hybrid_k0),
            hybrid_content_share: Some(c.hybrid_content_share),
            preference_weight: Some(c.preference_weight),
            popularity_prior: Some(c.popularity_prior),
            artist_prior: Some(c.artist_prior),
            content_weights: Some(
                c.content_weights
                    .entries()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ),
            max_k: Some(c.max_k as f64),
            exposure_demotion: Some(c.exposure_demotion),
            exposure_half_life_secs: Some(c.exposure_half_life_secs),
            blend: Some(crate::blend::blend_value(c.blend)),
            item_neighbours: Some(c.item_neighbours as f64),
            max_user_items: Some(c.max_user_items as f64),
            linear_items: Some(c.linear_items as f64),
            linear_l2: Some(c.linear_l2),
            linear_focus: Some(c.linear_focus),
        }
    }
}
