//! Background retraining: holdout evaluation, the [`Gate`], final build, catch-up and swap.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use craic_core::evaluation::{evaluate_relevant, time_split, Metrics, Relevance};
use craic_core::{Config, Engine, Request, Strategy, TrainingData};

use super::error::{ServiceError, ServiceResult};
use super::gate::{Gate, Rejection, RetrainMetrics};
use super::{arms, lock, monitor, Inner, ModelInfo, PendingOp, Service, Serving};

/// Retrain settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainOptions {
    /// Share of the interaction log (latest by time) held out for evaluation. Default 0.1.
    pub holdout_fraction: f64,
    /// Cut-off of the ranking metrics. Default 10.
    pub k: usize,
    /// The acceptance rule.
    pub gate: Gate,
}

impl Default for RetrainOptions {
    fn default() -> Self {
        RetrainOptions {
            holdout_fraction: 0.1,
            k: 10,
            gate: Gate::default(),
        }
    }
}

/// What a retrain did.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainOutcome {
    /// `None` when accepted, else why the gate rejected it.
    pub rejection: Option<Rejection>,
    /// Holdout metrics.
    pub metrics: RetrainMetrics,
    /// Version serving when the retrain started.
    pub old_version: String,
    /// Version swapped in (`None` when rejected).
    pub new_version: Option<String>,
    /// Start (unix seconds).
    pub started_at: i64,
    /// End (unix seconds).
    pub finished_at: i64,
    /// Wall-clock duration.
    pub duration: Duration,
    /// Interactions in the training part / holdout part / in total.
    pub train_interactions: usize,
    /// Interactions held out.
    pub holdout_interactions: usize,
    /// The split time (unix seconds; `i64::MAX` with an empty holdout).
    pub cutoff: i64,
    /// Writes that arrived during the retrain and were replayed onto the new model.
    pub pending_applied: usize,
}

impl RetrainOutcome {
    /// True when the candidate passed the gate and was swapped in.
    pub fn accepted(&self) -> bool {
        self.rejection.is_none()
    }
}

/// A retrain running on a background thread ([`Service::try_retrain`]).
#[derive(Debug)]
pub struct RetrainJob {
    handle: JoinHandle<ServiceResult<RetrainOutcome>>,
}

impl RetrainJob {
    /// Waits for the outcome. A panic of the retrain thread is [`ServiceError::Stopped`]
    /// (nothing was swapped).
    pub fn wait(self) -> ServiceResult<RetrainOutcome> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err(ServiceError::Stopped("the retrain thread panicked".into())))
    }

    /// True once the retrain has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

/// Clears the running flag (and the pending buffer) however the retrain (or arm build, see
/// `arms.rs`) holding it ends.
pub(crate) struct RunningGuard(Arc<Inner>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        lock(&self.0.writes).pending = None;
        *lock(&self.0.retrain_running) = false;
        self.0.retrain_done.notify_all();
    }
}

fn evaluate(
    engine: &Engine,
    relevant: &BTreeMap<String, Vec<String>>,
    k: usize,
    catalogue: usize,
    now: i64,
    strategy: Strategy,
) -> Metrics {
    let req = Request::new(k).strategy(strategy).now(now);
    evaluate_relevant(relevant, k, catalogue, |u| {
        engine
            .recommend(u, &req)
            .map(|r| r.into_iter().map(|r| r.item_id).collect())
            .unwrap_or_default()
    })
}

impl Service {
    /// Starts a retrain on a background thread with `config` as the candidate configuration
    /// (`None`: the serving one). [`ServiceError::RetrainRunning`] if one is running.
    pub fn try_retrain(&self, config: Option<Config>) -> ServiceResult<RetrainJob> {
        {
            let mut running = lock(&self.inner.retrain_running);
            if *running {
                return Err(ServiceError::RetrainRunning);
            }
            *running = true;
        }
        self.spawn_retrain(config, RunningGuard(Arc::clone(&self.inner)))
    }

    /// Waits until no retrain is running, then runs one (on a background thread) and waits for
    /// its outcome. Never runs two at once.
    pub fn retrain_blocking(&self, config: Option<Config>) -> ServiceResult<RetrainOutcome> {
        let guard = self.wait_retrain_slot();
        self.spawn_retrain(config, guard)?.wait()
    }

    /// Waits until no retrain (or arm build) runs, then takes the slot until the guard drops.
    pub(crate) fn wait_retrain_slot(&self) -> RunningGuard {
        let mut running = lock(&self.inner.retrain_running);
        while *running {
            running = self
                .inner
                .retrain_done
                .wait(running)
                .unwrap_or_else(|p| p.into_inner());
        }
        *running = true;
        RunningGuard(Arc::clone(&self.inner))
    }

    /// [`Service::try_retrain`] with the serving configuration.
    pub fn retrain(&self) -> ServiceResult<RetrainJob> {
        self.try_retrain(None)
    }

    /// [`Service::try_retrain`] with a candidate configuration.
    pub fn retrain_with(&self, config: Config) -> ServiceResult<RetrainJob> {
        self.try_retrain(Some(config))
    }

    /// True while a retrain runs.
    pub fn retrain_running(&self) -> bool {
        *lock(&self.inner.retrain_running)
    }

    /// The latest retrain outcomes, oldest first (at most [`super::ServiceOptions::history_len`]).
    pub fn retrain_history(&self) -> Vec<RetrainOutcome> {
        lock(&self.inner.history).iter().cloned().collect()
    }

    /// The caller holds the slot (`guard`; released here if no thread can be started).
    fn spawn_retrain(
        &self,
        config: Option<Config>,
        guard: RunningGuard,
    ) -> ServiceResult<RetrainJob> {
        let svc = self.clone();
        let spawned = std::thread::Builder::new()
            .name("craic-retrain".into())
            .spawn(move || {
                let _guard = guard;
                let t0 = Instant::now();
                let started_at = svc.inner.now();
                let out = svc.run_retrain(config);
                super::replica::record_run(&svc.inner, &out, started_at);
                let m = &svc.inner.metrics;
                m.retrain_latency.record_duration(t0.elapsed());
                m.retrain_last_seconds.set(t0.elapsed().as_secs_f64());
                match &out {
                    Ok(o) => {
                        m.retrain_accepted.set(if o.accepted() { 1.0 } else { 0.0 });
                        m.retrain_outcome(if o.accepted() { "accepted" } else { "rejected" });
                        let mut h = lock(&svc.inner.history);
                        h.push_back(o.clone());
                        while h.len() > svc.inner.options.history_len {
                            h.pop_front();
                        }
                    }
                    Err(e) => {
                        m.retrain_accepted.set(0.0);
                        m.retrain_outcome("failed");
                        m.error("retrain", e.kind().as_str());
                    }
                }
                if out.is_ok() {
                    svc.check_alerts(svc.inner.now());
                }
                out
            });
        match spawned {
            Ok(handle) => Ok(RetrainJob { handle }),
            // The closure (and the guard in it) was dropped: the running flag is clear again.
            Err(e) => Err(ServiceError::Stopped(format!(
                "cannot start a retrain thread: {e}"
            ))),
        }
    }

    fn run_retrain(&self, config: Option<Config>) -> ServiceResult<RetrainOutcome> {
        let inner = &self.inner;
        let t0 = Instant::now();
        let started_at = inner.now();
        let old = inner.serving.load_full();
        let serving_config = old.engine.config();
        let candidate_config = config.unwrap_or_else(|| serving_config.clone());
        candidate_config.validate()?;
        let data = {
            let mut w = lock(&inner.writes);
            let data = inner.source.load()?;
            w.pending = Some(Vec::new());
            data
        };
        let opts = &inner.options.retrain;
        let split = time_split(&data.interactions, opts.holdout_fraction);
        let relevant = Relevance::default().relevant_items(&split.test);
        let build = |c: &Config| Engine::from_training(c.clone(), &data, &split.train);
        let mut metrics = RetrainMetrics {
            train_data: data.interactions.len() as u64,
            // A bounded log cannot hold more than its capacity: compare with at most that.
            serving_data: match inner.source.capacity() {
                Some(cap) => old.engine.stats().interactions.min(cap as u64),
                None => old.engine.stats().interactions,
            },
            recorded: old
                .info
                .metrics
                .get(&format!("ndcg@{}", opts.k))
                .map(|&v| (old.info.version.clone(), v)),
            ..RetrainMetrics::default()
        };
        if !relevant.is_empty() && split.cutoff != i64::MAX {
            let n = data.items.len();
            let k = opts.k;
            let reference = build(&serving_config)?;
            let ev = |e: &Engine, s| evaluate(e, &relevant, k, n, split.cutoff, s);
            metrics.serving = ev(&reference, Strategy::Hybrid);
            metrics.popularity = ev(&reference, Strategy::Popularity);
            // The same configuration on the same data gives the same model: build it once.
            metrics.candidate = if candidate_config == serving_config {
                metrics.serving
            } else {
                drop(reference);
                ev(&build(&candidate_config)?, Strategy::Hybrid)
            };
        }
        let mut outcome = RetrainOutcome {
            rejection: opts.gate.check(&metrics).err(),
            metrics,
            old_version: old.info.version.clone(),
            new_version: None,
            started_at,
            finished_at: started_at,
            duration: Duration::ZERO,
            train_interactions: split.train.len(),
            holdout_interactions: split.test.len(),
            cutoff: split.cutoff,
            pending_applied: 0,
        };
        if outcome.accepted() {
            self.swap_in(candidate_config, &data, &mut outcome)?;
        }
        outcome.finished_at = inner.now();
        outcome.duration = t0.elapsed();
        Ok(outcome)
    }

    /// Builds the accepted candidate (and every experiment arm, not gated: see `arms.rs`) on
    /// all of `data`, catches them up with the writes buffered meanwhile and swaps them in.
    fn swap_in(
        &self,
        candidate_config: Config,
        data: &TrainingData,
        outcome: &mut RetrainOutcome,
    ) -> ServiceResult<()> {
        let inner = &self.inner;
        let engine = Engine::from_training(candidate_config, data, &data.interactions)?;
        // The experiment arms are rebuilt on the same data (not gated: see `arms.rs`).
        let arms = arms::rebuild(&inner.arms.load(), data)?;
        // Catch up outside the write lock first, then the rest under it, and swap.
        let early = lock(&inner.writes).pending.replace(Vec::new());
        let early = early.unwrap_or_default();
        outcome.pending_applied += replay(&engine, &early);
        arms::replay_all(&arms, &early);
        let monitor_state = monitor::MonitorState::new(&inner.options.drift, &engine, data);
        let mut w = lock(&inner.writes);
        let rest = w.pending.take().unwrap_or_default();
        outcome.pending_applied += replay(&engine, &rest);
        arms::replay_all(&arms, &rest);
        inner.arms.store(Arc::new(arms::Arms::new(inner, arms)));
        w.models += 1;
        let now = inner.now();
        let version = format!("v{}-{now}", w.models);
        let m = |x: &Metrics, p: &str| {
            [
                (format!("{p}ndcg@{}", x.k), x.ndcg),
                (format!("{p}precision@{}", x.k), x.precision),
                (format!("{p}recall@{}", x.k), x.recall),
                (format!("{p}hit_rate@{}", x.k), x.hit_rate),
                (format!("{p}coverage@{}", x.k), x.coverage),
            ]
        };
        let info = ModelInfo {
            version: version.clone(),
            created_at: now,
            metrics: m(&outcome.metrics.candidate, "")
                .into_iter()
                .chain(m(&outcome.metrics.popularity, "popularity_"))
                .collect(),
        };
        inner.serving.store(Arc::new(Serving {
            engine,
            info,
            seq: w.models,
        }));
        if let Some(store) = inner.store.get() {
            store.adopt_load(); // still under the write lock: the cursor moves with the swap
        }
        drop(w);
        inner.cache.clear();
        inner.metrics.model_version(&version);
        lock(&inner.monitor).replace_reference(monitor_state);
        outcome.new_version = Some(version);
        super::replica::after_accepted(self);
        Ok(())
    }
}

/// Applies buffered writes to a new engine; returns how many ops were applied. A write the new
/// model rejects (for example a kind the candidate configuration dropped) is skipped: the
/// serving model had accepted it, the candidate cannot represent it.
pub(crate) fn replay(engine: &Engine, ops: &[PendingOp]) -> usize {
    let mut n = 0;
    for op in ops {
        let ok = match op {
            PendingOp::Record(x) => engine.record(x).is_ok(),
            PendingOp::Items(items) => engine.upsert_items(items.clone()).is_ok(),
            PendingOp::Removed(ids) => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                engine.remove_items(&ids).is_ok()
            }
            PendingOp::Preferences(u, p) => engine.set_preferences(u, p.clone()).is_ok(),
        };
        n += usize::from(ok);
    }
    n
}
