//! Experiments inside the service: assignment, exposures, conversions, reports.

use std::collections::BTreeMap;

use craic_core::alerts::ConversionSample;
use craic_core::experiments::{
    Assignment, Experiment, ExperimentEvent, ExperimentSpec, ExperimentTracker, Report, StatsConfig,
};
use craic_core::{Config, Error, Interaction, Recommendation, Request, Strategy, CLICK, SAVE};

use super::error::{ServiceError, ServiceResult};
use super::metrics::{CONVERSIONS, EXPOSURES};
use super::{lock, Inner, Service};

/// Conversion buckets are kept this long (seconds) for conversion-floor alerts.
const BUCKET_RETENTION_SECS: i64 = 7 * 86_400;
const BUCKET_SECS: i64 = 60;

/// Recommendations served inside an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRecommendations {
    /// The user's assignment; `None` when the user is not in the experiment (then the
    /// request's own strategy was used and no exposure recorded).
    pub assignment: Option<Assignment>,
    /// The variant's name, when assigned.
    pub variant: Option<String>,
    /// Whether this call recorded a new exposure (false for a repeated idempotency key).
    pub new_exposure: bool,
    /// The recommendations.
    pub recommendations: Vec<Recommendation>,
}

/// The experiments' state. Which experiments a user was exposed in is read from the tracker
/// (one record per experiment and user), not kept a second time here.
pub(crate) struct ExperimentsState {
    tracker: ExperimentTracker,
    /// (bucket end, experiment, variant) → (exposures, conversions); time first, so expired
    /// buckets are popped from the front.
    buckets: BTreeMap<(i64, String, String), (u64, u64)>,
}

impl ExperimentsState {
    /// An empty state whose tracker remembers event ids for `window` (at least 1 s).
    pub fn new(window: std::time::Duration) -> Self {
        let secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX).max(1);
        ExperimentsState {
            tracker: ExperimentTracker::with_idempotency_window(secs).unwrap_or_default(),
            buckets: BTreeMap::new(),
        }
    }

    /// Counts an exposure or conversion at `at` (the event's time) into its bucket; buckets
    /// ending more than the retention before `now` (the service's clock) are dropped
    /// (amortised O(log n): they are at the front).
    fn bump(&mut self, experiment: &str, variant: &str, at: i64, now: i64, exposure: bool) {
        let end = (at.div_euclid(BUCKET_SECS) + 1) * BUCKET_SECS;
        let e = self
            .buckets
            .entry((end, experiment.to_owned(), variant.to_owned()))
            .or_default();
        if exposure {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
        let oldest = now - BUCKET_RETENTION_SECS;
        while let Some(entry) = self.buckets.first_entry() {
            if entry.key().0 > oldest {
                break;
            }
            entry.remove();
        }
    }

    /// The experiments `user` was exposed in: (experiment, variant name, first exposure time).
    fn exposures_of(&self, user: &str) -> Vec<(String, String, i64)> {
        self.tracker
            .exposures_of(user)
            .map(|(key, variant, first)| {
                let name = self
                    .tracker
                    .experiment(key)
                    .and_then(|e| e.variants().get(variant))
                    .map(|v| v.name.clone())
                    .unwrap_or_default();
                (key.to_owned(), name, first)
            })
            .collect()
    }
}

/// Sizes of the experiments' bounded structures (for tests and the soak example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExperimentMemory {
    /// Event ids remembered by the tracker (those inside the idempotency window).
    pub remembered_ids: usize,
    /// Unattributed conversions held individually (inside the window).
    pub pending_conversions: usize,
    /// Conversion-floor alert buckets (at most the retention / 60 s per variant).
    pub alert_buckets: usize,
    /// Late events ignored so far (older than the window behind the newest event).
    pub late_events: u64,
}

pub(crate) fn conversion_samples(inner: &Inner) -> Vec<ConversionSample> {
    lock(&inner.experiments)
        .buckets
        .iter()
        .map(|((at, e, v), (x, c))| ConversionSample {
            experiment: e.clone(),
            variant: v.clone(),
            at: *at,
            exposures: *x,
            conversions: *c,
        })
        .collect()
}

/// Counts `save` / `click` interactions as conversions in every experiment the user was
/// exposed in (idempotency key derived from the interaction).
pub(crate) fn observe_interactions(inner: &Inner, xs: &[Interaction]) {
    let mut counted: Vec<(String, String)> = Vec::new();
    let mut persist: Vec<craic_store::ExperimentEvent> = Vec::new();
    {
        let mut st = lock(&inner.experiments);
        for x in xs.iter().filter(|x| x.kind == SAVE || x.kind == CLICK) {
            for (exp, variant, first) in st.exposures_of(&x.user_id) {
                let id = format!(
                    "conv|{exp}|{}|{}|{}|{}",
                    x.user_id, x.item_id, x.kind, x.timestamp
                );
                let ev = ExperimentEvent::conversion(&id, &exp, &x.user_id, x.timestamp);
                let recorded = st.tracker.record(&ev);
                if recorded.is_ok() && inner.store.get().is_some() {
                    persist.push(stored(&exp, &x.user_id, &variant, id, x.timestamp));
                }
                if matches!(recorded, Ok(true)) && x.timestamp >= first {
                    st.bump(&exp, &variant, x.timestamp, inner.now(), false);
                    counted.push((exp, variant));
                }
            }
        }
    }
    for (e, v) in counted {
        if let Some(c) = inner.metrics.experiment(CONVERSIONS, &e, &v) {
            c.inc();
        }
    }
    if let Some(source) = inner.store.get() {
        for ev in persist {
            // Idempotent by key; a failure is counted, the interaction stays recorded.
            if let Err(e) = source.store().record_conversion(&ev) {
                let e = ServiceError::from(e);
                inner.metrics.error("record_conversion", e.kind().as_str());
            }
        }
    }
}

/// An experiment event in the store's form.
fn stored(
    experiment: &str,
    user: &str,
    variant: &str,
    key: String,
    at: i64,
) -> craic_store::ExperimentEvent {
    craic_store::ExperimentEvent {
        experiment: experiment.to_owned(),
        user: user.to_owned(),
        variant: variant.to_owned(),
        key,
        at,
        value: 1.0,
    }
}

/// The store's record of an experiment: its spec as JSON and its variant names.
fn encode(experiment: &Experiment) -> ServiceResult<craic_store::ExperimentRecord> {
    let definition = serde_json::to_vec(experiment.spec())
        .map_err(|e| craic_store::StoreError::InvalidInput(format!("experiment spec: {e}")))?;
    Ok(craic_store::ExperimentRecord {
        key: experiment.key().to_owned(),
        definition,
        variants: experiment
            .variants()
            .iter()
            .map(|v| v.name.clone())
            .collect(),
    })
}

/// An experiment from the store's record (its spec as JSON).
pub(crate) fn decode(record: &craic_store::ExperimentRecord) -> ServiceResult<Experiment> {
    let spec: ExperimentSpec = serde_json::from_slice(&record.definition).map_err(|e| {
        craic_store::StoreError::MalformedRow(craic_store::MalformedRow {
            table: "experiments",
            row_id: 0,
            reason: format!("experiment {:?}: definition is not a spec: {e}", record.key),
        })
    })?;
    Ok(Experiment::new(spec)?)
}

/// Registers a stored experiment and replays its exposures and conversions (in recording
/// order) into the tracker. Conversion-floor alert buckets are not rebuilt.
pub(crate) fn restore(
    inner: &Inner,
    experiment: Experiment,
    events: craic_store::ExperimentEvents,
) -> ServiceResult<()> {
    let key = experiment.key().to_owned();
    let mut st = lock(&inner.experiments);
    st.tracker.register(experiment)?;
    for x in events.exposures {
        let ev = ExperimentEvent::exposure(&x.key, &key, &x.user, &x.variant, x.at);
        st.tracker.record(&ev)?;
    }
    for x in events.conversions {
        let ev = ExperimentEvent::conversion(&x.key, &key, &x.user, x.at);
        st.tracker.record(&ev)?;
    }
    Ok(())
}

/// The engine configurations of `experiment`'s variants (those that carry one).
pub(crate) fn arm_configs(experiment: &Experiment) -> Vec<Config> {
    experiment
        .variants()
        .iter()
        .filter_map(|v| v.config.clone())
        .collect()
}

/// An arm serving `ItemBased` from an engine that keeps neither item lists nor a linear item
/// model (its own configuration, else `serving`'s) would fail every request: refused at
/// registration instead.
fn check_item_based_arms(experiment: &Experiment, serving: &Config) -> ServiceResult<()> {
    for v in experiment.variants() {
        let config = v.config.as_ref().unwrap_or(serving);
        if v.strategy == Strategy::ItemBased && !config.has_item_side() {
            return Err(Error::InvalidConfig(format!(
                "variant {:?} serves item_based from an engine without item lists or a linear \
                 item model (item_neighbours and linear_items 0)",
                v.name
            ))
            .into());
        }
    }
    Ok(())
}

impl Service {
    /// Registers an experiment (registering the same definition again is a no-op).
    ///
    /// A variant whose treatment carries a [`Config`] is served from an engine built with it
    /// on the same training data, before this returns (one engine per distinct configuration,
    /// at most [`super::ServiceOptions::max_arm_configs`]: beyond it an `out_of_range` error
    /// and nothing registered). What it costs and how the arm engines follow writes,
    /// retrains and restarts: docs/operations.md, "Experiment arms with a configuration".
    /// A variant serving [`Strategy::ItemBased`] from an engine without item lists or a linear
    /// item model (its own configuration's, else the serving one's `item_neighbours` and
    /// `linear_items` are 0) is an `invalid_config` error, and nothing is registered.
    pub fn register_experiment(&self, experiment: Experiment) -> ServiceResult<()> {
        let out = self.register_experiment_inner(experiment);
        if let Err(e) = &out {
            self.inner
                .metrics
                .error("register_experiment", e.kind().as_str());
        }
        out
    }

    fn register_experiment_inner(&self, experiment: Experiment) -> ServiceResult<()> {
        let record = match self.inner.store.get() {
            Some(_) => Some(encode(&experiment)?),
            None => None,
        };
        if let Some(known) = lock(&self.inner.experiments)
            .tracker
            .experiment(experiment.key())
        {
            if known != &experiment {
                return Err(Error::InvalidExperiment(format!(
                    "experiment {:?} is already registered with a different definition",
                    experiment.key()
                ))
                .into());
            }
        }
        check_item_based_arms(&experiment, &self.engine().config())?;
        self.ensure_arms(arm_configs(&experiment), false)?;
        lock(&self.inner.experiments).tracker.register(experiment)?;
        if let (Some(source), Some(record)) = (self.inner.store.get(), record) {
            source.store().put_experiment(&record)?;
        }
        Ok(())
    }

    /// Recommends inside experiment `key`: assigns the user, serves the variant's strategy
    /// (from the arm engine of the variant's configuration, when it carries one) and records
    /// an exposure with the idempotency key `key|user|model version|day`. A user
    /// outside the experiment gets the request's own strategy and no exposure.
    pub fn recommend_in_experiment(
        &self,
        key: &str,
        user: &str,
        request: &Request,
    ) -> ServiceResult<ExperimentRecommendations> {
        self.recommend_in_experiment_with_id(key, user, request, None)
    }

    /// [`Service::recommend_in_experiment`] with a caller-supplied exposure idempotency key.
    pub fn recommend_in_experiment_with_id(
        &self,
        key: &str,
        user: &str,
        request: &Request,
        exposure_id: Option<&str>,
    ) -> ServiceResult<ExperimentRecommendations> {
        let experiment = lock(&self.inner.experiments)
            .tracker
            .experiment(key)
            .cloned()
            .ok_or_else(|| Error::UnknownExperiment(key.to_owned()));
        let experiment = match experiment {
            Ok(e) => e,
            Err(e) => {
                self.inner
                    .metrics
                    .error("recommend_in_experiment", e.kind().as_str());
                return Err(e.into());
            }
        };
        let Some(assignment) = experiment.assign(user) else {
            return Ok(ExperimentRecommendations {
                assignment: None,
                variant: None,
                new_exposure: false,
                recommendations: self.recommend(user, request)?,
            });
        };
        let variant = experiment
            .variants()
            .get(assignment.index)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let req = request.clone().strategy(assignment.strategy);
        let recommendations = match experiment
            .variants()
            .get(assignment.index)
            .and_then(|v| v.config.as_ref())
        {
            None => self.recommend(user, &req)?,
            Some(config) => self.recommend_in_arm(user, &req, config)?,
        };
        // The exposure happens at the request's time (a replayed or backfilled request keeps
        // its own), else now by the service's clock.
        let now = request.now.unwrap_or_else(|| self.inner.now());
        let id = match exposure_id {
            Some(id) => id.to_owned(),
            None => format!(
                "{key}|{user}|{}|{}",
                self.inner.serving.load().info.version,
                now.div_euclid(86_400)
            ),
        };
        self.persist_exposure(stored(key, user, &variant, id.clone(), now))?;
        let ev = ExperimentEvent::exposure(id, key, user, &variant, now);
        let new_exposure = {
            let mut st = lock(&self.inner.experiments);
            let new = st.tracker.record(&ev)?;
            if new {
                st.bump(key, &variant, now, self.inner.now(), true);
            }
            new
        };
        if new_exposure {
            if let Some(c) = self.inner.metrics.experiment(EXPOSURES, key, &variant) {
                c.inc();
            }
        }
        Ok(ExperimentRecommendations {
            assignment: Some(assignment),
            variant: Some(variant),
            new_exposure,
            recommendations,
        })
    }

    /// Writes an exposure to the store of a store-backed service: first and always (idempotent
    /// by key), so a retry after a failure heals.
    fn persist_exposure(&self, ev: craic_store::ExperimentEvent) -> ServiceResult<()> {
        let Some(source) = self.inner.store.get() else {
            return Ok(());
        };
        source.store().record_exposure(&ev).map(drop).map_err(|e| {
            let e = ServiceError::from(e);
            self.inner
                .metrics
                .error("recommend_in_experiment", e.kind().as_str());
            e
        })
    }

    /// Sizes of the experiments' bounded structures (see docs/operations.md, "Bounded memory").
    pub fn experiment_memory(&self) -> ExperimentMemory {
        let st = lock(&self.inner.experiments);
        ExperimentMemory {
            remembered_ids: st.tracker.remembered_ids(),
            pending_conversions: st.tracker.pending_conversions(),
            alert_buckets: st.buckets.len(),
            late_events: st.tracker.late_events(),
        }
    }

    /// The core's statistics report of experiment `key`.
    pub fn experiment_report(&self, key: &str, config: &StatsConfig) -> ServiceResult<Report> {
        Ok(lock(&self.inner.experiments).tracker.report(key, config)?)
    }
}
