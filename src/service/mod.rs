//! [`Service`]: the production wrapper around an [`Engine`] — hot-swapped models, a
//! recommendation cache, background retraining behind an evaluation gate, a daily schedule,
//! crash-safe snapshot files, Prometheus / CloudWatch metrics, experiments, drift and alerts.
//!
//! ```
//! use craic::service::{Service, ServiceOptions};
//! use craic::synthetic::{Dataset, SyntheticConfig};
//! use craic::{Config, Request};
//!
//! let data = Dataset::generate(&SyntheticConfig::tiny());
//! let now = data.config.end();
//! let svc = Service::build(Config::default(), data.clone().into(), ServiceOptions::default())?;
//! let user = &data.interactions[0].user_id;
//! let first = svc.recommend(user, &Request::new(5).now(now))?;
//! let again = svc.recommend(user, &Request::new(5).now(now))?; // served from the cache
//! assert_eq!(first, again);
//! assert!(svc.metrics_text().contains("craic_cache_hits_total 1\n"));
//!
//! let outcome = svc.retrain_blocking(None)?; // evaluate a candidate, swap it in if it passes
//! assert_eq!(outcome.accepted(), outcome.new_version.is_some());
//! # Ok::<(), craic::service::ServiceError>(())
//! ```
//!
//! # Serving and hot swap
//! The serving model is an `Arc` in an [`arc_swap::ArcSwap`]: every read loads the pointer
//! (lock-free) and keeps that model for the whole call, so a swap never interrupts a request.
//! Writes (`record`, `upsert_items`, `set_preferences`) are serialised with the swap by one
//! mutex, so a write lands either in the old model before the new one was caught up, or in the
//! new one — never lost.
//!
//! # Time
//! Every time the service uses comes from the request or event (`Request::now`, an
//! interaction's timestamp) or, when it carries none, from one injectable [`Clock`]
//! ([`ServiceOptions::clock`], the wall clock by default; [`ManualClock`] in tests): cache
//! expiry, model versions and creation times, retrain start and end, exposure stamps (the
//! request's `now` when given, so replayed requests keep their time), the schedule, drift and
//! alert reports, the model-age gauge and EMF timestamps. See [`clock`](Clock).
//!
//! # Cache
//! Lists are cached per (user, request options, model version) for [`ServiceOptions::cache_ttl`]
//! (6 h by default) in a bounded LRU ([`ServiceOptions::cache_capacity`]). The key includes the
//! options (strategy, k, city, excludes, explain, exclude_saved) but **not the clock**
//! (`Request::now`): eligibility can go stale within the TTL, so every hit is filtered again
//! for events that have started since (`starts_at <= now`); if that leaves fewer than `k`, the
//! list is recomputed. A user's lists are dropped when that user interacts or changes
//! preferences; everything is dropped on a model swap or a catalogue change. A list computed
//! before a user's write is never stored after it (per-user invalidation generations).
//!
//! # Retraining
//! [`Service::try_retrain`] starts a retrain on a background thread (one at a time:
//! [`ServiceError::RetrainRunning`] otherwise; [`Service::retrain_blocking`] waits its turn).
//! It loads the [`TrainingSource`] (writes pause meanwhile), time-splits a holdout
//! ([`RetrainOptions::holdout_fraction`]), builds the candidate (candidate config) and a
//! reference (serving config) on the training part, evaluates Hybrid and Popularity NDCG@k with
//! `now` = the split time, and applies the [`Gate`]. An accepted candidate is rebuilt on all the
//! data, caught up with the writes that arrived meanwhile, swapped in and the cache cleared.
//!
//! # Experiment arms
//! A variant whose treatment carries a [`Config`] ([`craic_core::experiments::Treatment`]) is
//! served from an engine of its own, built with that configuration on the same data; writes
//! reach every arm engine, an accepted retrain rebuilds them (only the serving model is
//! gated), a store-backed restart rebuilds them. One engine per distinct configuration, at
//! most [`ServiceOptions::max_arm_configs`]. Details: docs/operations.md, "Experiment arms
//! with a configuration".
//!
//! # Metrics
//! [`Service::metrics_text`] (Prometheus text 0.0.4) and [`Service::metrics_emf`] (CloudWatch
//! EMF JSON lines) render these series:
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `craic_recommend_duration_seconds` | histogram | `strategy` | latency of `recommend` (cache hits included) |
//! | `craic_record_duration_seconds` | histogram | | latency of `record` |
//! | `craic_retrain_duration_seconds` | histogram | | duration of retrains |
//! | `craic_requests_total` | counter | `strategy` | recommend requests |
//! | `craic_cache_hits_total` | counter | | cache hits |
//! | `craic_cache_misses_total` | counter | | cache misses (stale hits recomputed included) |
//! | `craic_recommendations_served_total` | counter | | items returned |
//! | `craic_interactions_recorded_total` | counter | | interactions accepted |
//! | `craic_errors_total` | counter | `operation`, `kind` | errors returned ([`ServiceError::kind`]) |
//! | `craic_model_info` | gauge | `version` | 1 for the serving version, 0 for earlier ones |
//! | `craic_model_age_seconds` | gauge | | seconds since the serving model was created |
//! | `craic_last_retrain_accepted` | gauge | | 1 accepted, 0 rejected or failed |
//! | `craic_last_retrain_duration_seconds` | gauge | | duration of the last retrain |
//! | `craic_retrains_total` | counter | `outcome` | retrains: `accepted`, `rejected`, `failed` |
//! | `craic_experiment_exposures_total` | counter | `experiment`, `variant` | new exposures |
//! | `craic_experiment_conversions_total` | counter | `experiment`, `variant` | new attributed conversions |
//! | `craic_training_interactions_dropped_total` | counter | | interactions the in-memory training log dropped at its capacity |
//! | `craic_drift_psi` | gauge | `feature` | PSI at the last drift report |
//! | `craic_alerts_firing` | gauge | | alerts firing at the last check |

mod arms;
mod cache;
mod clock;
mod error;
mod experiments;
mod follow;
mod gate;
mod metrics;
mod monitor;
mod replica;
mod retrain;
mod schedule;
mod serving;
mod snapshot_file;
mod store_source;
mod training;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use arc_swap::ArcSwap;
use craic_core::cache::DEFAULT_TTL_MS;
use craic_core::{Config, Engine, Interaction, Item, Preferences};

pub use clock::{Clock, ManualClock, StopSignal, SystemClock};
pub use error::{ServiceError, ServiceErrorKind, ServiceResult};
pub use experiments::{ExperimentMemory, ExperimentRecommendations};
pub use follow::FollowHandle;
pub use gate::{Gate, Rejection, RetrainMetrics};
pub use monitor::{DriftOptions, DriftReport, FeatureDrift, FEATURES as DRIFT_FEATURES};
pub use replica::CatchUp;
pub use retrain::{RetrainJob, RetrainOptions, RetrainOutcome};
pub use schedule::{Schedule, ScheduleHandle};
pub use store_source::StoreSource;
pub use training::{InMemorySource, TrainingData, TrainingSource};

use cache::RecCache;
use metrics::ServiceMetrics;

/// Locks a mutex, recovering the data of a poisoned one (every critical section here leaves
/// its data consistent, so a panic elsewhere must not turn into a panic of every caller).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Describes the serving model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelInfo {
    /// Version id, `v{n}-{unix seconds}`.
    pub version: String,
    /// When it was built (unix seconds).
    pub created_at: i64,
    /// Training metrics measured by the retrain that accepted it (`"ndcg@10"`, ...); empty for
    /// the initial model.
    pub metrics: BTreeMap<String, f64>,
}

/// Settings of a [`Service`].
#[derive(Clone)]
pub struct ServiceOptions {
    /// Maximum number of cached lists (0 disables the cache). Default 100 000.
    pub cache_capacity: usize,
    /// How long a cached list lives. Default 6 h ([`DEFAULT_TTL_MS`]).
    pub cache_ttl: Duration,
    /// Retrain settings (holdout, k, gate).
    pub retrain: RetrainOptions,
    /// How many retrain outcomes [`Service::retrain_history`] keeps. Default 50.
    pub history_len: usize,
    /// Drift monitoring windows.
    pub drift: DriftOptions,
    /// Where retrains load their data from. `None`: an [`InMemorySource`].
    pub source: Option<Arc<dyn TrainingSource>>,
    /// Where the service reads the time when a request or event does not carry it (see
    /// [`Clock`]). Default [`SystemClock`]; tests use a [`ManualClock`].
    pub clock: Arc<dyn Clock>,
    /// How long experiment event ids are remembered behind the newest event (idempotency
    /// window, whole seconds, at least 1 s); an event older than that is late: ignored and
    /// counted. Default 7 days ([`craic_core::experiments::DEFAULT_IDEMPOTENCY_WINDOW_SECS`]).
    pub experiment_window: Duration,
    /// Most interactions the default [`InMemorySource`] keeps (oldest dropped first, counted by
    /// `craic_training_interactions_dropped_total`); ignored when [`Self::source`] is given.
    /// Default [`DEFAULT_TRAINING_CAPACITY`].
    pub training_capacity: usize,
    /// Most distinct engine configurations the experiment variants may carry (each is one more
    /// model in memory, see [`Treatment`](craic_core::experiments::Treatment) and
    /// docs/operations.md); registering an experiment beyond it is an `out_of_range` error.
    /// Default [`DEFAULT_MAX_ARM_CONFIGS`].
    pub max_arm_configs: usize,
}

/// Default [`ServiceOptions::max_arm_configs`]: 4 arm engines beside the serving one.
pub const DEFAULT_MAX_ARM_CONFIGS: usize = 4;

/// Default [`ServiceOptions::training_capacity`]: 5 M interactions (≈ 0.75 GB with short ids).
pub const DEFAULT_TRAINING_CAPACITY: usize = 5_000_000;

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            cache_capacity: 100_000,
            cache_ttl: Duration::from_millis(DEFAULT_TTL_MS),
            retrain: RetrainOptions::default(),
            history_len: 50,
            drift: DriftOptions::default(),
            source: None,
            clock: Arc::new(SystemClock),
            experiment_window: Duration::from_secs(
                craic_core::experiments::DEFAULT_IDEMPOTENCY_WINDOW_SECS.unsigned_abs(),
            ),
            training_capacity: DEFAULT_TRAINING_CAPACITY,
            max_arm_configs: DEFAULT_MAX_ARM_CONFIGS,
        }
    }
}

impl fmt::Debug for ServiceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceOptions")
            .field("cache_capacity", &self.cache_capacity)
            .field("cache_ttl", &self.cache_ttl)
            .field("retrain", &self.retrain)
            .field("history_len", &self.history_len)
            .field("drift", &self.drift)
            .field(
                "source",
                &self.source.as_ref().map(|_| "dyn TrainingSource"),
            )
            .field("clock", &self.clock)
            .field("experiment_window", &self.experiment_window)
            .field("training_capacity", &self.training_capacity)
            .field("max_arm_configs", &self.max_arm_configs)
            .finish()
    }
}

/// The serving model with its description; swapped as a whole.
pub(crate) struct Serving {
    pub engine: Engine,
    pub info: ModelInfo,
    /// Process-local sequence number of the model (part of cache keys).
    pub seq: u64,
}

/// A write accepted while a retrain runs, replayed onto the new model before the swap.
pub(crate) enum PendingOp {
    Record(Vec<Interaction>),
    Items(Vec<Item>),
    Removed(Vec<String>),
    Preferences(String, Preferences),
}

#[derive(Default)]
pub(crate) struct WriteState {
    /// `Some` while a retrain runs: writes since it loaded its data.
    pub pending: Option<Vec<PendingOp>>,
    /// Number of models created so far (for version ids).
    pub models: u64,
}

pub(crate) struct Inner {
    pub serving: ArcSwap<Serving>,
    /// Engines of experiment variants with a configuration of their own (`arms.rs`).
    pub arms: ArcSwap<arms::Arms>,
    /// Cache tags of arm engines.
    pub arm_seq: std::sync::atomic::AtomicU64,
    pub options: ServiceOptions,
    pub source: Arc<dyn TrainingSource>,
    pub writes: Mutex<WriteState>,
    pub cache: RecCache,
    pub metrics: ServiceMetrics,
    pub retrain_running: Mutex<bool>,
    pub retrain_done: Condvar,
    pub history: Mutex<std::collections::VecDeque<RetrainOutcome>>,
    pub experiments: Mutex<experiments::ExperimentsState>,
    pub monitor: Mutex<monitor::MonitorState>,
    #[allow(clippy::type_complexity)]
    pub alert_callbacks: Mutex<Vec<Arc<dyn Fn(&craic_core::alerts::Alert) + Send + Sync>>>,
    /// Set by [`Service::open`]: the store the service runs on (`replica.rs`).
    pub store: std::sync::OnceLock<Arc<StoreSource>>,
}

impl Inner {
    /// The service's clock ([`ServiceOptions::clock`]).
    pub fn clock(&self) -> &dyn Clock {
        &*self.options.clock
    }

    /// Unix seconds by the service's clock.
    pub fn now(&self) -> i64 {
        self.options.clock.now()
    }
}

/// The production wrapper around an [`Engine`]; see the [module docs](self). Cheap to clone
/// (a handle to shared state); `Send + Sync`.
#[derive(Clone)]
pub struct Service {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("model", &self.model_info())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service whose initial model is built from `options.source` (an empty
    /// [`InMemorySource`] when `None`).
    pub fn new(config: Config, options: ServiceOptions) -> ServiceResult<Service> {
        let source = options
            .source
            .clone()
            .unwrap_or_else(|| Arc::new(InMemorySource::with_capacity(options.training_capacity)));
        let data = source.load()?;
        let engine = Engine::from_training(config, &data, &data.interactions)?;
        Ok(Service::assemble(engine, None, &data, options, source))
    }

    /// A service built from `data`, kept in a new [`InMemorySource`] (replacing
    /// `options.source`).
    pub fn build(
        config: Config,
        data: TrainingData,
        mut options: ServiceOptions,
    ) -> ServiceResult<Service> {
        options.source = Some(Arc::new(InMemorySource::with_data_and_capacity(
            data,
            options.training_capacity,
        )));
        Service::new(config, options)
    }

    /// Wires the state around an initial engine.
    pub(crate) fn assemble(
        engine: Engine,
        info: Option<ModelInfo>,
        data: &TrainingData,
        options: ServiceOptions,
        source: Arc<dyn TrainingSource>,
    ) -> Service {
        let now = options.clock.now();
        let info = info.unwrap_or_else(|| ModelInfo {
            version: format!("v1-{now}"),
            created_at: now,
            metrics: BTreeMap::new(),
        });
        // Continue the numbering of a restored version (`v7-...` → the next one is `v8-...`).
        let models = info
            .version
            .strip_prefix('v')
            .and_then(|v| v.split('-').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(1);
        let monitor = monitor::MonitorState::new(&options.drift, &engine, data);
        let metrics = ServiceMetrics::new();
        metrics.model_version(&info.version);
        let ttl_ms = u64::try_from(options.cache_ttl.as_millis()).unwrap_or(u64::MAX);
        let inner = Inner {
            serving: ArcSwap::from_pointee(Serving {
                engine,
                info,
                seq: models,
            }),
            arms: Default::default(),
            arm_seq: Default::default(),
            cache: RecCache::new(options.cache_capacity, ttl_ms),
            source,
            writes: Mutex::new(WriteState {
                pending: None,
                models,
            }),
            metrics,
            retrain_running: Mutex::new(false),
            retrain_done: Condvar::new(),
            history: Mutex::new(Default::default()),
            experiments: Mutex::new(experiments::ExperimentsState::new(
                options.experiment_window,
            )),
            monitor: Mutex::new(monitor),
            alert_callbacks: Mutex::new(Vec::new()),
            store: Default::default(),
            options,
        };
        Service {
            inner: Arc::new(inner),
        }
    }

    /// The serving model's description.
    pub fn model_info(&self) -> ModelInfo {
        self.inner.serving.load().info.clone()
    }

    /// The serving engine (for read-only inspection: `stats`, `neighbours`, ...). Writes made
    /// directly on it bypass the training data, the cache and the catch-up of a running
    /// retrain: write through the service instead.
    pub fn engine(&self) -> EngineRef {
        EngineRef(self.inner.serving.load_full())
    }

    /// Installs an externally built model as is (for example one loaded from a snapshot or
    /// built offline) under a new version id, clears the cache and returns the version. Writes
    /// recorded meanwhile are not replayed onto it (use a retrain for that); the training data
    /// is unchanged.
    pub fn swap_engine(&self, engine: Engine) -> String {
        let mut w = lock(&self.inner.writes);
        w.models += 1;
        let now = self.inner.now();
        let version = format!("v{}-{now}", w.models);
        self.inner.serving.store(Arc::new(Serving {
            engine,
            info: ModelInfo {
                version: version.clone(),
                created_at: now,
                metrics: BTreeMap::new(),
            },
            seq: w.models,
        }));
        drop(w);
        self.inner.cache.clear();
        self.inner.metrics.model_version(&version);
        version
    }

    /// The settings.
    pub fn options(&self) -> &ServiceOptions {
        &self.inner.options
    }

    /// Number of cached lists (expired ones included until touched).
    pub fn cache_len(&self) -> usize {
        self.inner.cache.len()
    }

    /// Prometheus text exposition (0.0.4) of the service's metrics.
    pub fn metrics_text(&self) -> String {
        self.refresh_gauges();
        self.inner.metrics.registry.to_prometheus()
    }

    /// CloudWatch EMF JSON lines (cumulative values) with the given namespace, stamped now.
    pub fn metrics_emf(&self, namespace: &str) -> String {
        self.refresh_gauges();
        let ms = self.inner.clock().now_ms();
        self.inner.metrics.registry.to_emf(namespace, ms)
    }

    /// The metrics registry (to add application metrics or take snapshots for deltas).
    pub fn metrics_registry(&self) -> &craic_core::monitoring::MetricsRegistry {
        &self.inner.metrics.registry
    }

    fn refresh_gauges(&self) {
        // Counters mirroring running totals (monotonic, so only ever added to).
        let m = &self.inner.metrics;
        let mirror = |counter: &craic_core::monitoring::Counter, total: u64| {
            counter.add(total.saturating_sub(counter.get()));
        };
        mirror(
            &m.training_dropped,
            self.inner.source.dropped_interactions(),
        );
        mirror(&m.experiment_late, self.experiment_memory().late_events);
        let created = self.inner.serving.load().info.created_at;
        self.inner
            .metrics
            .model_age
            .set((self.inner.now() - created).max(0) as f64);
    }
}

/// The serving engine of the moment ([`Service::engine`]); keeps that model alive while held
/// (a swap does not change it). Dereferences to [`Engine`].
pub struct EngineRef(Arc<Serving>);

impl std::ops::Deref for EngineRef {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.0.engine
    }
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Service>();
}
