//! The learned Hybrid blend: per activity bucket (cold, light, heavy users), the weights of the
//! component scores that ranked a held-out slice of the training log best.
//!
//! [`crate::Config::blend`] chooses it ([`Blend::Learned`]) or the fixed blend of
//! `hybrid_k0` / `hybrid_content_share` ([`Blend::Fixed`]). Learning happens at build (and so at
//! every service retrain): the latest `holdout_fraction` of the log is held out by time, a model
//! is built on the rest, a seeded sample of held-out users is scored by every component on the
//! union of the components' top candidates, and a simplex grid search picks per bucket the
//! weights whose NDCG@10 gain over the best single component on that sample is surest (the
//! largest lower confidence bound, `model::learned_choice`; `model::learned_fit`; a relevant
//! event nobody had engaged with before the cut weighs so that new and known events count the
//! same in all).
//! Serving then reads three
//! precomputed weight vectors: the request path does no more work than the fixed blend.
//!
//! The blend is over a list of components ([`COMPONENTS`]): a new component is one more entry
//! there and one more value in `Model::component_values`. The last, `item_based`, is weighed
//! only when the model keeps item lists or a linear item model (`Config::item_neighbours` or
//! `Config::linear_items` > 0): otherwise the search
//! and the report cover the first four.

use serde::{Deserialize, Serialize};

use crate::model::error::{Error, Result};
use crate::model::hyper::{GridPoint, HyperGrid};

/// The components the learned blend weighs, in weight-vector order.
pub const COMPONENTS: [&str; 5] = [
    "collaborative",
    "content",
    "popularity",
    "appeal",
    "item_based",
];

/// Number of blended components.
pub const N: usize = COMPONENTS.len();

/// Index of each component in a weight vector.
pub(crate) mod slot {
    pub const COLLABORATIVE: usize = 0;
    pub const CONTENT: usize = 1;
    pub const POPULARITY: usize = 2;
    pub const APPEAL: usize = 3;
    pub const ITEM_BASED: usize = 4;
}

/// Largest user sample a learned blend may score per bucket.
pub const MAX_BLEND_USERS: usize = 20_000;
/// Largest number of candidates per component and user.
pub const MAX_BLEND_CANDIDATES: usize = 500;
/// Fewest held-out users (with a relevant event) a blend is learned from; with fewer, the
/// engine serves the fixed blend (a young platform's log: a handful of users' next events cannot
/// tell one weight vector from another, and the fixed blend keeps the cold-start contract —
/// stated preferences first, then history).
pub const MIN_HOLDOUT_USERS: usize = 100;
/// Fewest held-out users with a history (the light and heavy buckets together) the latest slice
/// of the log must hold for the blend to be learned from it alone; with fewer, the latest rows
/// of returning users before the cut are held out too, so the weights served to users with a
/// history are learned on such users (`model::learned_returning`).
pub const MIN_WARM_USERS: usize = 100;

/// Largest number of grid divisions of the weight simplex.
pub const MAX_BLEND_GRID: u32 = 20;

/// How the Hybrid strategy blends its components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Blend {
    /// The fixed blend of `hybrid_k0`, `hybrid_content_share`, `popularity_prior` and the
    /// content backing.
    Fixed,
    /// Weights learned per activity bucket on a held-out slice of the training log.
    Learned(LearnSettings),
}

/// Settings of the learned blend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnSettings {
    /// Share of the training log held out (the latest by time), in (0, 0.5].
    pub holdout_fraction: f64,
    /// Held-out users scored per bucket at most (a seeded sample), in `1..=`[`MAX_BLEND_USERS`].
    pub users_per_bucket: usize,
    /// Candidates each component offers per user, in `10..=`[`MAX_BLEND_CANDIDATES`].
    pub candidates: usize,
    /// Divisions of the weight simplex (weights are multiples of `1 / grid`), in
    /// `1..=`[`MAX_BLEND_GRID`].
    pub grid: u32,
    /// Seed of the user sample.
    pub seed: u64,
    /// The half-lives, neighbourhood sizes, shrinkages and popularity discounts tried on the
    /// same holdout (the default: values around the configuration's, and
    /// [`crate::DEFAULT_DISCOUNTS`]; one value per axis pins it). The engine is
    /// built with the best; see [`HyperGrid`].
    pub hyper: HyperGrid,
    /// Whether the holdout scores each component as requests that exclude the user's touched
    /// events serve (`Request::exclude_touched(Touched::Any)`): set it when the service asks
    /// that way (a ratings site, a catalogue where anything seen is never offered again), so
    /// the blend is learned on the lists the users will see. Default `false`: requests that
    /// keep clicked events eligible, as on an events platform.
    #[serde(default)]
    pub exclude_touched: bool,
}

impl Default for LearnSettings {
    fn default() -> Self {
        LearnSettings {
            holdout_fraction: 0.2,
            users_per_bucket: 1_000,
            candidates: 50,
            grid: 10,
            seed: 42,
            hyper: HyperGrid::default(),
            exclude_touched: false,
        }
    }
}

impl Blend {
    /// Checks the settings (called by [`crate::Config::validate`]).
    pub fn validate(&self) -> Result<()> {
        let Blend::Learned(s) = self else {
            return Ok(());
        };
        let bad = |what: &str| Err(Error::InvalidConfig(format!("blend: {what}")));
        if !(s.holdout_fraction > 0.0 && s.holdout_fraction <= 0.5) {
            return bad("holdout_fraction must be in (0, 0.5]");
        }
        if s.users_per_bucket == 0 || s.users_per_bucket > MAX_BLEND_USERS {
            return bad(&format!(
                "users_per_bucket must be in 1..={MAX_BLEND_USERS}"
            ));
        }
        if !(10..=MAX_BLEND_CANDIDATES).contains(&s.candidates) {
            return bad(&format!(
                "candidates must be in 10..={MAX_BLEND_CANDIDATES}"
            ));
        }
        if s.grid == 0 || s.grid > MAX_BLEND_GRID {
            return bad(&format!("grid must be in 1..={MAX_BLEND_GRID}"));
        }
        s.hyper.validate()
    }
}

/// One activity bucket of a [`BlendReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketReport {
    /// `cold`, `light` or `heavy`.
    pub name: String,
    /// Fewest positive items in a user's history in this bucket.
    pub min_history: u32,
    /// Most positive items in a user's history in this bucket (`None`: no upper bound).
    pub max_history: Option<u32>,
    /// Held-out users scored.
    pub users: usize,
    /// The chosen weight of each component, in [`COMPONENTS`] order (they sum to 1).
    pub weights: Vec<f64>,
    /// Holdout NDCG@10 of each component alone, in [`COMPONENTS`] order (new and known
    /// relevant events balanced, as the fit weighs them).
    pub component_ndcg: Vec<f64>,
    /// Holdout NDCG@10 of the chosen blend (on the same balanced scale).
    pub blend_ndcg: f64,
}

/// What the learned blend chose and how it scored on its holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlendReport {
    /// Component names, the order of every weight and NDCG vector.
    pub components: Vec<String>,
    /// Start of the held-out slice (unix seconds).
    pub cutoff: i64,
    /// Interactions the holdout model was built on.
    pub train_interactions: usize,
    /// Interactions held out.
    pub holdout_interactions: usize,
    /// Per bucket: sample size, weights and NDCG.
    pub buckets: Vec<BucketReport>,
    /// The chosen decay half-life in seconds (`None`: no decay), the engine's
    /// `Config::half_life_secs`.
    pub half_life_secs: Option<f64>,
    /// The chosen neighbourhood size, the engine's `Config::neighbours`.
    pub neighbours: usize,
    /// The chosen similarity shrinkage, the engine's `Config::shrinkage`.
    pub shrinkage: f64,
    /// The chosen popularity discount β: the Hybrid's collaborative and item-based scores of
    /// an event with `n` users are multiplied by `(1 + n)^-β` (0: none; see
    /// `scoring::discount`). The learned blend's own: the configuration has none, the
    /// Collaborative and ItemBased strategies never discount.
    pub discount: f64,
    /// Every grid point tried, in the order tried, with its holdout NDCG@10; the chosen one is
    /// the first with the best.
    pub grid: Vec<GridPoint>,
}

/// The learned blend a model serves: the report and, per bucket, its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LearnedBlend {
    pub report: BlendReport,
}

impl LearnedBlend {
    /// The weights for a user with `history` positive items.
    pub fn weights(&self, history: u32) -> [f64; N] {
        let b = self
            .report
            .buckets
            .iter()
            .find(|b| history >= b.min_history && b.max_history.is_none_or(|m| history <= m))
            .or(self.report.buckets.last());
        let mut w = [0.0; N];
        if let Some(b) = b {
            for (x, v) in w.iter_mut().zip(&b.weights) {
                *x = *v;
            }
        }
        w
    }
}
