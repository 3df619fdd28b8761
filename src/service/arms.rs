//! Experiment arms with an engine configuration of their own ([`Treatment`] with a config).
//!
//! A variant whose treatment carries a [`Config`] is served from an engine built with that
//! configuration on the same training data as the serving model: one engine per **distinct**
//! configuration across the registered experiments (two variants, or two experiments, with
//! equal configurations share one), at most [`ServiceOptions::max_arm_configs`] of them.
//!
//! - **Memory**: each arm engine is a full model (neighbour lists, matrices, catalogue), so
//!   `n` distinct arm configurations cost about `n` times the serving model's memory.
//! - **Building**: registering an experiment with a configuration not served yet builds its
//!   engine before the call returns, from [`TrainingSource::load_serving`] (what the serving
//!   model was built from, plus the writes since), holding the retrain slot (a
//!   [`Service::try_retrain`] meanwhile is `retrain_running`); writes are buffered meanwhile
//!   and replayed, as during a retrain.
//! - **Writes**: `record`, `record_impressions`, `upsert_items`, `remove_items`,
//!   `set_preferences` and a store's catch-up go to every arm engine after the serving one
//!   (under the same lock). A write an arm's configuration rejects (an interaction kind it does
//!   not define) is skipped for that arm and counted in
//!   `craic_errors_total{operation="arm_write"}`.
//! - **Retrains**: an accepted retrain rebuilds every arm on the data it loaded and swaps them
//!   in with the new serving model. Only the serving model is gated: an arm is what an
//!   experiment measures, so the gate refusing a weaker arm would end the experiment it is
//!   meant to judge; a rejected retrain leaves the arms as they are, so every arm stays
//!   trained on the same data as the serving model.
//! - **Restarts**: a store-backed service ([`Service::open`]) rebuilds the arms of the stored
//!   experiments when it opens; a model synced from the registry ([`Service::sync_model`])
//!   gets its arms rebuilt right after. [`Service::swap_engine`] leaves them as they are.
//!
//! [`Treatment`]: craic_core::experiments::Treatment
//! [`ServiceOptions::max_arm_configs`]: super::ServiceOptions::max_arm_configs
//! [`TrainingSource::load_serving`]: super::TrainingSource::load_serving

use std::sync::atomic::Ordering;
use std::sync::Arc;

use craic_core::{Config, Engine, Error, TrainingData};

use super::error::ServiceResult;
use super::retrain::replay;
use super::{lock, Inner, PendingOp, Service};

/// One arm engine: the configuration it was built with and a cache tag of its own.
pub(crate) struct Arm {
    pub config: Config,
    pub engine: Engine,
    /// Unique per built arm engine (part of its cached lists' key).
    pub seq: u64,
}

/// The arm engines, one per distinct configuration; swapped as a whole.
#[derive(Default)]
pub(crate) struct Arms(Vec<Arc<Arm>>);

impl Arms {
    /// The arms of freshly built engines (new cache tags).
    pub fn new(inner: &Inner, built: Vec<(Config, Engine)>) -> Arms {
        Arms(
            built
                .into_iter()
                .map(|(config, engine)| {
                    let seq = inner.arm_seq.fetch_add(1, Ordering::Relaxed);
                    Arc::new(Arm {
                        config,
                        engine,
                        seq,
                    })
                })
                .collect(),
        )
    }

    /// The arm serving `config`.
    pub fn get(&self, config: &Config) -> Option<&Arc<Arm>> {
        self.0.iter().find(|a| &a.config == config)
    }

    /// Every arm engine.
    pub fn engines(&self) -> impl Iterator<Item = &Engine> {
        self.0.iter().map(|a| &a.engine)
    }

    /// Number of arm engines.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Builds one engine per arm configuration of `arms` on `data`.
pub(crate) fn rebuild(arms: &Arms, data: &TrainingData) -> ServiceResult<Vec<(Config, Engine)>> {
    build(arms.0.iter().map(|a| a.config.clone()).collect(), data)
}

fn build(configs: Vec<Config>, data: &TrainingData) -> ServiceResult<Vec<(Config, Engine)>> {
    configs
        .into_iter()
        .map(|c| {
            let engine = Engine::from_training(c.clone(), data, &data.interactions)?;
            Ok((c, engine))
        })
        .collect()
}

/// Replays buffered writes onto freshly built arm engines.
pub(crate) fn replay_all(built: &[(Config, Engine)], ops: &[PendingOp]) {
    for (_, engine) in built {
        replay(engine, ops);
    }
}

/// Applies a write the serving engine accepted to every arm engine (the caller holds the
/// write lock); an arm that rejects it skips it, counted as an `arm_write` error.
pub(crate) fn apply<T>(inner: &Inner, write: impl Fn(&Engine) -> craic_core::Result<T>) {
    for engine in inner.arms.load().engines() {
        if let Err(e) = write(engine) {
            inner.metrics.error("arm_write", e.kind().as_str());
        }
    }
}

impl Service {
    /// Makes sure an arm engine serves each of `configs` (registration, restart): builds the
    /// missing ones, or with `rebuild` every arm (after a model sync). Beyond
    /// [`super::ServiceOptions::max_arm_configs`] distinct configurations it is an
    /// `out_of_range` error and nothing is built.
    pub(crate) fn ensure_arms(&self, configs: Vec<Config>, rebuild: bool) -> ServiceResult<()> {
        let wanted = |current: &Arms| -> Vec<Config> {
            let mut out: Vec<Config> = Vec::new();
            for c in &configs {
                if current.get(c).is_none() && !out.contains(c) {
                    out.push(c.clone());
                }
            }
            out
        };
        if !rebuild && wanted(&self.inner.arms.load()).is_empty() {
            return Ok(());
        }
        let _slot = self.wait_retrain_slot();
        let current = self.inner.arms.load_full();
        let new = wanted(&current);
        let max = self.inner.options.max_arm_configs;
        let total = current.len() + new.len();
        if total > max {
            return Err(Error::OutOfRange {
                what: "distinct experiment arm configurations".into(),
                value: total as i128,
                min: 0,
                max: max as i128,
            }
            .into());
        }
        let configs: Vec<Config> = match rebuild {
            true => current
                .0
                .iter()
                .map(|a| a.config.clone())
                .chain(new)
                .collect(),
            false => new,
        };
        if configs.is_empty() {
            return Ok(());
        }
        let data = {
            let mut w = lock(&self.inner.writes);
            let data = self.inner.source.load_serving()?;
            w.pending = Some(Vec::new());
            data
        };
        let built = build(configs, &data)?;
        let early = lock(&self.inner.writes).pending.replace(Vec::new());
        replay_all(&built, &early.unwrap_or_default());
        let mut w = lock(&self.inner.writes);
        replay_all(&built, &w.pending.take().unwrap_or_default());
        let mut arms = Arms::new(&self.inner, built);
        if !rebuild {
            arms.0.splice(0..0, current.0.iter().cloned());
        }
        self.inner.arms.store(Arc::new(arms));
        drop(w);
        Ok(())
    }

    /// Number of arm engines built for experiment variants with a configuration of their own
    /// (one per distinct configuration; see [`super::ServiceOptions::max_arm_configs`]).
    pub fn arm_engines(&self) -> usize {
        self.inner.arms.load().len()
    }
}
