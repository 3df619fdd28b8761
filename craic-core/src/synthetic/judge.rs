//! Judging recommenders on the named worlds: one [`Trial`] per world and seed (time split, an
//! engine built with the default config on the training part), and a list of named
//! [`Method`]s scored on it with the evaluation's NDCG and recall.
//!
//! Adding a method to every report and test that uses [`Method::strategies`] is one entry:
//!
//! ```
//! use craic_core::synthetic::judge::{judge, Method, Trial};
//! use craic_core::{Request, Strategy};
//!
//! let mut methods = Method::strategies();
//! // A method may also build its own engine from `trial.data` and `trial.split`.
//! methods.push(Method::new("hybrid, k=5 then cut", |trial: &Trial| {
//!     let engine = trial.engine.clone();
//!     let req = Request::new(5).strategy(Strategy::Hybrid).now(trial.split.cutoff);
//!     Ok(Box::new(move |user: &str| {
//!         engine.recommend(user, &req).map(|r| r.into_iter().map(|r| r.item_id).collect())
//!             .unwrap_or_default()
//!     }))
//! }));
//! let trial = Trial::new("purely-collaborative", "tiny", 42).unwrap();
//! let scores = judge(&trial, &methods, 10).unwrap();
//! assert_eq!(scores.len(), methods.len());
//! assert!(scores.iter().all(|s| (0.0..=1.0).contains(&s.metrics.ndcg)));
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Dataset, SyntheticConfig};
use crate::evaluation::{evaluate_relevant, time_split, Metrics, Relevance, Split};
use crate::{Config, Engine, Request, Strategy};

/// Share of the log (the latest) held out as the test period.
pub const TEST_FRACTION: f64 = 0.2;

/// One world and seed, split in time, with an engine built on the training part.
pub struct Trial {
    /// The world's name ([`SyntheticConfig::WORLDS`]).
    pub world: String,
    /// The generator's seed.
    pub seed: u64,
    /// The generated dataset.
    pub data: Dataset,
    /// The time split ([`TEST_FRACTION`] held out); requests use `split.cutoff` as `now`.
    pub split: Split,
    /// Each test user's relevant items (default [`Relevance`]).
    pub relevant: BTreeMap<String, Vec<String>>,
    /// An engine built with [`Config::default`] on `split.train`, shared by the methods.
    pub engine: Arc<Engine>,
}

impl Trial {
    /// Generates the world `world` at `preset` with `seed`, splits it and builds the engine.
    pub fn new(world: &str, preset: &str, seed: u64) -> crate::Result<Trial> {
        let cfg = SyntheticConfig::world(world, preset)?.with_seed(seed);
        Trial::from_config(world, &cfg, Config::default())
    }

    /// The world generated from `cfg` (named `world` in reports), split, with an engine built
    /// with `config` on the training part.
    pub fn from_config(world: &str, cfg: &SyntheticConfig, config: Config) -> crate::Result<Trial> {
        Trial::from_data(world, cfg.seed, Dataset::generate(cfg), config)
    }

    /// `data` (generated with `seed`, named `world` in reports), split, with an engine built
    /// with `config` on the training part — e.g. a generated world cut short.
    pub fn from_data(
        world: &str,
        seed: u64,
        data: Dataset,
        config: Config,
    ) -> crate::Result<Trial> {
        let split = time_split(&data.interactions, TEST_FRACTION);
        let relevant = Relevance::default().relevant_items(&split.test);
        let engine = Engine::build(
            data.items.clone(),
            &split.train,
            data.preferences.clone(),
            config,
        )?;
        Ok(Trial {
            world: world.to_string(),
            seed,
            data,
            split,
            relevant,
            engine: Arc::new(engine),
        })
    }
}

/// A prepared recommender: user id → ranked item ids.
pub type Recommender = Box<dyn Fn(&str) -> Vec<String> + Send + Sync>;

type Prepare = Box<dyn Fn(&Trial) -> crate::Result<Recommender> + Send + Sync>;

/// A named way to recommend on a [`Trial`].
pub struct Method {
    /// The name shown in reports.
    pub name: String,
    prepare: Prepare,
}

impl Method {
    /// A method from its name and how to prepare it on a trial.
    pub fn new(
        name: impl Into<String>,
        prepare: impl Fn(&Trial) -> crate::Result<Recommender> + Send + Sync + 'static,
    ) -> Method {
        Method {
            name: name.into(),
            prepare: Box::new(prepare),
        }
    }

    /// One of the engine's strategies on the trial's shared engine, ranking `k` at the cutoff.
    pub fn strategy(strategy: Strategy, k: usize) -> Method {
        Method::new(strategy.to_string(), move |trial: &Trial| {
            let engine = trial.engine.clone();
            let req = Request::new(k).strategy(strategy).now(trial.split.cutoff);
            Ok(Box::new(move |user: &str| {
                engine
                    .recommend(user, &req)
                    .map(|r| r.into_iter().map(|r| r.item_id).collect())
                    .unwrap_or_default()
            }))
        })
    }

    /// Every [`Strategy`], ranking 10.
    pub fn strategies() -> Vec<Method> {
        Strategy::ALL
            .into_iter()
            .map(|s| Method::strategy(s, 10))
            .collect()
    }
}

/// A method's metrics on one trial.
#[derive(Debug, Clone)]
pub struct Score {
    /// The method's name.
    pub method: String,
    /// Its metrics at the requested k.
    pub metrics: Metrics,
}

/// Every method's metrics at `k` on the trial, in the order given.
pub fn judge(trial: &Trial, methods: &[Method], k: usize) -> crate::Result<Vec<Score>> {
    let catalogue = trial.data.items.len();
    methods
        .iter()
        .map(|m| {
            let recommend = (m.prepare)(trial)?;
            Ok(Score {
                method: m.name.clone(),
                metrics: evaluate_relevant(&trial.relevant, k, catalogue, |u| recommend(u)),
            })
        })
        .collect()
}
