//! The learned Hybrid blend in JavaScript: the `blend` field of a `Config` (`'fixed'`,
//! `'learned'` or `LearnSettings`) and the `BlendReport` that `Engine.blendReport()` returns;
//! conversions of the core's values, which the core validates.

use craic_core as core;
use craic_core::ErrorKind;
use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::convert::{self, options};
use crate::errors::{Fallible, JsFailure};

options! {
    /// Settings of the learned blend (`config.blend`); every field defaults to the core's.
    pub struct LearnSettings: "learn settings" {
        /// Share of the training log held out (the latest by time), in (0, 0.5] (default 0.2).
        pub holdout_fraction: [Option<f64>],
        /// Held-out users scored per activity bucket at most (default 1000).
        pub users_per_bucket: [Option<f64>],
        /// Candidates each component offers per held-out user (default 50).
        pub candidates: [Option<f64>],
        /// Divisions of the weight simplex (default 10).
        pub grid: [Option<f64>],
        /// Seed of the user sample (default 42; a whole number up to 2^53).
        pub seed: [Option<f64>],
        /// Decay half-lives tried, in seconds (`null` in the array: no decay). Default: the
        /// config's and three times it (none and 90 days without decay). One value pins it.
        pub half_life_secs: [Option<Vec<Option<f64>>>],
        /// Neighbourhood sizes tried. Default: the config's `k`, `k / 2` and `2k`.
        pub neighbours: [Option<Vec<f64>>],
        /// Similarity shrinkages tried. Default: the config's, 0 and three times it.
        pub shrinkage: [Option<Vec<f64>>],
        /// Popularity discounts β of the collaborative and item-based components tried (their
        /// scores of an event with `n` users times `(1 + n) ** -β`, each in [0, 2]). Default: 0,
        /// 0.3 and 0.6. The learned blend's own: the config has no β, and the collaborative and
        /// item-based strategies never discount.
        pub discount: [Option<Vec<f64>>],
        /// Whether the holdout scores each component as requests with `excludeTouched: true`
        /// serve: set it when the service asks that way, so the blend is learned on the lists
        /// users will see (default false: clicked events stay eligible, as on an events
        /// platform).
        pub exclude_touched: [Option<bool>],
    }
}

/// `config.blend` as the core's blend.
pub(crate) fn blend(v: Option<Either<String, LearnSettings>>) -> Fallible<core::Blend> {
    let count = |v: Option<f64>, name: &str, default: usize| {
        v.map_or(Ok(default), |v| {
            convert::count(v, name, ErrorKind::InvalidConfig)
        })
    };
    match v {
        None => Ok(core::Config::default().blend),
        Some(Either::A(name)) => match name.as_str() {
            "fixed" => Ok(core::Blend::Fixed),
            "learned" => Ok(core::Blend::Learned(core::LearnSettings::default())),
            other => Err(JsFailure::invalid(
                ErrorKind::InvalidConfig,
                format!("blend must be 'fixed', 'learned' or learn settings, got {other:?}"),
            )),
        },
        Some(Either::B(s)) => {
            let d = core::LearnSettings::default();
            let grid = count(s.grid, "grid", d.grid as usize)?;
            Ok(core::Blend::Learned(core::LearnSettings {
                holdout_fraction: s.holdout_fraction.unwrap_or(d.holdout_fraction),
                users_per_bucket: count(s.users_per_bucket, "usersPerBucket", d.users_per_bucket)?,
                candidates: count(s.candidates, "candidates", d.candidates)?,
                grid: u32::try_from(grid).map_err(|_| {
                    JsFailure::invalid(ErrorKind::InvalidConfig, "grid is too large")
                })?,
                seed: count(s.seed, "seed", d.seed as usize)? as u64,
                hyper: core::HyperGrid {
                    half_life_secs: s.half_life_secs,
                    neighbours: s
                        .neighbours
                        .map(|v| {
                            v.into_iter()
                                .map(|k| convert::count(k, "neighbours", ErrorKind::InvalidConfig))
                                .collect::<Fallible<Vec<usize>>>()
                        })
                        .transpose()?,
                    shrinkage: s.shrinkage,
                    discount: s.discount,
                },
                exclude_touched: s.exclude_touched.unwrap_or(d.exclude_touched),
            }))
        }
    }
}

/// The core's blend as `config.blend`.
pub(crate) fn blend_value(b: core::Blend) -> Either<String, LearnSettings> {
    match b {
        core::Blend::Fixed => Either::A("fixed".to_owned()),
        core::Blend::Learned(s) => Either::B(LearnSettings {
            holdout_fraction: Some(s.holdout_fraction),
            users_per_bucket: Some(s.users_per_bucket as f64),
            candidates: Some(s.candidates as f64),
            grid: Some(f64::from(s.grid)),
            seed: Some(s.seed as f64),
            half_life_secs: s.hyper.half_life_secs,
            neighbours: s
                .hyper
                .neighbours
                .map(|v| v.into_iter().map(|k| k as f64).collect()),
            shrinkage: s.hyper.shrinkage,
            discount: s.hyper.discount,
            exclude_touched: Some(s.exclude_touched),
        }),
    }
}

/// One activity bucket of a `BlendReport`.
#[napi(object)]
pub struct BucketReport {
    /// `cold`, `light` or `heavy`.
    pub name: String,
    /// Fewest positive items in a history in this bucket.
    pub min_history: u32,
    /// Most positive items in a history in this bucket (`null`: no upper bound).
    pub max_history: Option<u32>,
    /// Held-out users scored.
    pub users: u32,
    /// The chosen weight of each component (in `components` order; they sum to 1).
    pub weights: Vec<f64>,
    /// Holdout NDCG@10 of each component alone.
    pub component_ndcg: Vec<f64>,
    /// Holdout NDCG@10 of the chosen blend.
    pub blend_ndcg: f64,
}

/// What the learned blend chose at the last build and how each component scored on its holdout.
#[napi(object)]
pub struct BlendReport {
    /// Component names, the order of every weight and NDCG array.
    pub components: Vec<String>,
    /// Start of the held-out slice (unix seconds).
    pub cutoff: i64,
    /// Interactions the holdout model was built on.
    pub train_interactions: u32,
    /// Interactions held out.
    pub holdout_interactions: u32,
    /// Per activity bucket: sample size, weights and NDCG.
    pub buckets: Vec<BucketReport>,
    /// The chosen decay half-life in seconds (`null`: no decay): the engine's
    /// `config.halfLifeSecs`.
    pub half_life_secs: Option<f64>,
    /// The chosen neighbourhood size: the engine's `config.neighbours`.
    pub neighbours: u32,
    /// The chosen similarity shrinkage: the engine's `config.shrinkage`.
    pub shrinkage: f64,
    /// The chosen popularity discount β of the collaborative and item-based components (0: none).
    pub discount: f64,
    /// Every hyperparameter point tried, in order, with its holdout NDCG@10.
    pub grid: Vec<GridPoint>,
}

/// One hyperparameter point a learned blend tried (`BlendReport.grid`).
#[napi(object)]
pub struct GridPoint {
    /// Decay half-life in seconds (`null`: no decay).
    pub half_life_secs: Option<f64>,
    /// Neighbourhood size.
    pub neighbours: u32,
    /// Similarity shrinkage.
    pub shrinkage: f64,
    /// Popularity discount β of the collaborative and item-based components.
    pub discount: f64,
    /// Holdout NDCG@10 of the blend learned at this point (on the search sample).
    pub ndcg: f64,
}

/// Saturating: a count beyond `u32` (not reachable within the core's limits) reads as the max.
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<core::BlendReport> for BlendReport {
    fn from(r: core::BlendReport) -> Self {
        BlendReport {
            components: r.components,
            cutoff: r.cutoff,
            train_interactions: u32_of(r.train_interactions),
            holdout_interactions: u32_of(r.holdout_interactions),
            buckets: r
                .buckets
                .into_iter()
                .map(|b| BucketReport {
                    name: b.name,
                    min_history: b.min_history,
                    max_history: b.max_history,
                    users: u32_of(b.users),
                    weights: b.weights,
                    component_ndcg: b.component_ndcg,
                    blend_ndcg: b.blend_ndcg,
                })
                .collect(),
            half_life_secs: r.half_life_secs,
            neighbours: u32_of(r.neighbours),
            shrinkage: r.shrinkage,
            discount: r.discount,
            grid: r
                .grid
                .into_iter()
                .map(|p| GridPoint {
                    half_life_secs: p.half_life_secs,
                    neighbours: u32_of(p.neighbours),
                    shrinkage: p.shrinkage,
                    discount: p.discount,
                    ndcg: p.ndcg,
                })
                .collect(),
        }
    }
}
