//! A [`Service`] run on a store: [`Service::open`] (restore the current model version and tail
//! the log after it), [`Service::catch_up`], [`Service::sync_model`],
//! [`Service::publish_model`], and what retrains record in the store.
//!
//! # The cursor of a published model
//! A model version in the store's registry carries, in its metrics JSON, the log cursor and
//! the change-feed position it was built at: `{"cursor": 1234, "changes": 56, "interactions":
//! ..., "created_at": ..., "metrics": {...}}`.
//! The service publishes a model only after catching it up to the log's head under its write
//! lock, so the snapshot holds exactly the log rows up to `cursor`, and a replica restoring it
//! tails from there. A current version without a cursor (published by another tool) is a
//! `store_malformed_row` error.

use std::collections::BTreeMap;
use std::sync::Arc;

use craic_core::{Config, Engine, SnapshotMeta};
use craic_store::{BlockingStore, Cursor, MalformedRow, ModelVersion, RetrainRun, StoreError};
use serde_json::{json, Value};

use super::error::{ServiceError, ServiceResult};
use super::store_source::{Position, StoreSource};
use super::training::{TrainingData, TrainingSource};
use super::{experiments, lock, ModelInfo, RetrainOutcome, Service, ServiceOptions};
use super::{Inner, Serving};

/// What [`Service::catch_up`] applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatchUp {
    /// Interactions applied to the serving model.
    pub applied: u64,
    /// The log position of the serving model now.
    pub cursor: Cursor,
    /// Catalogue and preference changes applied (this service's own included).
    pub changes: u64,
    /// The change-feed position of the serving model now.
    pub changes_cursor: Cursor,
    /// Rows skipped under the store's malformed-row policy (reported once each).
    pub skipped: Vec<MalformedRow>,
    /// True when nothing was done because a retrain is running (its swap catches up).
    pub deferred: bool,
}

impl Service {
    /// Opens a service on a store by URL (`sqlite:///path.db`, `mysql://...`); see
    /// [`Service::open`].
    pub fn open_url(url: &str, config: Config, options: ServiceOptions) -> ServiceResult<Service> {
        Service::open(Arc::new(BlockingStore::open(url)?), config, options)
    }

    /// The way a service is normally run: on a store (replacing `options.source` with a
    /// [`StoreSource`]).
    ///
    /// - If the store's registry has a current model version, it is restored (its own
    ///   configuration wins over `config`) and the log rows after its cursor are applied.
    /// - Otherwise a model is built from the store's catalogue, preferences and whole log
    ///   (malformed rows skipped and reported, see [`StoreSource::last_skipped`]) and published
    ///   as the first version.
    ///
    /// The experiments stored (definitions, exposures, conversions) are registered and
    /// replayed, so their reports are the same as before the restart, and the engines of
    /// their variants' configurations are built (see [`Service::register_experiment`]).
    pub fn open(
        store: Arc<BlockingStore>,
        config: Config,
        mut options: ServiceOptions,
    ) -> ServiceResult<Service> {
        config.validate()?;
        let source = Arc::new(StoreSource::new(Arc::clone(&store), config.clone()));
        options.source = Some(source.clone() as Arc<dyn TrainingSource>);
        let restored = match store.current_model()? {
            Some(mv) => Some(restore(&mv)?),
            None => None,
        };
        let svc = match restored {
            Some((engine, info, at)) => {
                source.reset(at);
                source.tail(&engine, &[], false)?;
                // The drift reference needs the data; a restored model starts without one
                // (as a snapshot file does) until its first accepted retrain.
                let data = TrainingData::default();
                let svc = Service::assemble(engine, Some(info), &data, options, source.clone());
                let _ = svc.inner.store.set(source);
                svc
            }
            None => {
                let (data, at) = source.read_all()?;
                let engine = Engine::from_training(config, &data, &data.interactions)?;
                source.reset(at);
                let svc = Service::assemble(engine, None, &data, options, source.clone());
                let _ = svc.inner.store.set(source);
                svc.publish_model()?;
                svc
            }
        };
        svc.reload_experiments()?;
        Ok(svc)
    }

    /// The store of a store-backed service ([`Service::open`]).
    pub fn store(&self) -> Option<&Arc<BlockingStore>> {
        self.inner.store.get().map(|s| s.store())
    }

    /// The log position of the serving model (`None` without a store).
    pub fn store_cursor(&self) -> Option<Cursor> {
        self.inner.store.get().map(|s| s.cursor())
    }

    fn store_source(&self) -> ServiceResult<&Arc<StoreSource>> {
        self.inner.store.get().ok_or_else(|| {
            StoreError::InvalidInput("this service is not store-backed (Service::open)".into())
                .into()
        })
    }

    /// Applies to the serving model the catalogue and preference changes made since its
    /// change-feed position ([`craic_store::Store::read_changes`]: events upserted and
    /// preferences set or cleared, by other replicas or by anyone writing to the store), then
    /// the log rows appended since its cursor, and drops the cached lists of the users
    /// concerned (all lists if events changed). Rows this service recorded itself are not
    /// applied twice. Deferred (nothing done) while a retrain runs.
    pub fn catch_up(&self) -> ServiceResult<CatchUp> {
        let out = self.catch_up_inner();
        if let Err(e) = &out {
            self.inner.metrics.error("catch_up", e.kind().as_str());
        }
        out
    }

    fn catch_up_inner(&self) -> ServiceResult<CatchUp> {
        let source = self.store_source()?;
        let w = lock(&self.inner.writes);
        if w.pending.is_some() {
            return Ok(CatchUp {
                cursor: source.cursor(),
                changes_cursor: source.changes_cursor(),
                deferred: true,
                ..CatchUp::default()
            });
        }
        let serving = self.inner.serving.load_full();
        let arms = self.inner.arms.load();
        let tail = source.tail(&serving.engine, &arms.engines().collect::<Vec<_>>(), true)?;
        drop(w);
        if tail.new_items {
            self.inner.cache.clear();
        } else {
            for u in &tail.users {
                self.inner.cache.invalidate_user(u);
            }
        }
        Ok(CatchUp {
            applied: tail.applied,
            cursor: source.cursor(),
            changes: tail.changes,
            changes_cursor: source.changes_cursor(),
            skipped: tail.skipped,
            deferred: false,
        })
    }

    /// Hot-swaps in the store's current model version if it is not the serving one (for
    /// example one another replica published), caught up to the log's head; returns the new
    /// version, or `None` when already serving it (or while a retrain runs).
    pub fn sync_model(&self) -> ServiceResult<Option<String>> {
        let out = self.sync_model_inner();
        if let Err(e) = &out {
            self.inner.metrics.error("sync_model", e.kind().as_str());
        }
        out
    }

    fn sync_model_inner(&self) -> ServiceResult<Option<String>> {
        let source = self.store_source()?;
        let serving_version = self.inner.serving.load().info.version.clone();
        let Some(mv) = source.store().current_model()? else {
            return Ok(None);
        };
        if mv.version == serving_version {
            return Ok(None);
        }
        let (engine, info, at) = restore(&mv)?;
        let mut w = lock(&self.inner.writes);
        if w.pending.is_some() {
            return Ok(None);
        }
        let old_position = source.position();
        source.reset(at);
        if let Err(e) = source.tail(&engine, &[], false) {
            // Keep serving the old model at its old position (own writes since are in the log
            // after it and will be applied to it again: restore the state as it was).
            source.reset(old_position);
            return Err(e);
        }
        w.models = (w.models + 1).max(version_number(&info.version));
        let version = info.version.clone();
        self.inner.serving.store(Arc::new(Serving {
            engine,
            info,
            seq: w.models,
        }));
        drop(w);
        self.inner.cache.clear();
        self.inner.metrics.model_version(&version);
        if self.arm_engines() > 0 {
            // The arms were at the old model's position: rebuilt at the new one (`arms.rs`).
            self.ensure_arms(Vec::new(), true)?;
        }
        Ok(Some(version))
    }

    /// Publishes the serving model to the store's registry and makes it current: caught up
    /// to the log's head under the write lock (writes pause while it is serialised), then
    /// stored with its cursor, metrics and creation time (see the module docs). Returns the
    /// version. `store_conflict` if the version is already stored.
    pub fn publish_model(&self) -> ServiceResult<String> {
        let out = self.publish_model_inner();
        if let Err(e) = &out {
            self.inner.metrics.error("publish_model", e.kind().as_str());
        }
        out
    }

    fn publish_model_inner(&self) -> ServiceResult<String> {
        let source = self.store_source()?;
        let w = lock(&self.inner.writes);
        let serving = self.inner.serving.load_full();
        let arms = self.inner.arms.load();
        source.tail(&serving.engine, &arms.engines().collect::<Vec<_>>(), true)?;
        let at = source.position();
        let info = serving.info.clone();
        let meta = SnapshotMeta {
            version: info.version.clone(),
            created_at: info.created_at,
            metrics: info.metrics.clone(),
            ..SnapshotMeta::default()
        };
        let bytes = serving.engine.to_snapshot(&meta)?;
        let interactions = serving.engine.stats().interactions;
        drop(w);
        let metrics_json = json!({
            "cursor": at.log.0,
            "changes": at.changes.0,
            "interactions": interactions,
            "created_at": info.created_at,
            "metrics": info.metrics,
        })
        .to_string();
        let model = ModelVersion {
            version: info.version.clone(),
            bytes,
            metrics_json,
            trained_at: info.created_at,
        };
        source.store().publish_model(&model, true)?;
        Ok(info.version)
    }

    /// Registers and replays the experiments stored, and builds the engines of their
    /// variants' configurations.
    fn reload_experiments(&self) -> ServiceResult<()> {
        let store = Arc::clone(self.store_source()?.store());
        let mut configs = Vec::new();
        for record in store.experiments()? {
            let experiment = experiments::decode(&record)?;
            configs.extend(experiments::arm_configs(&experiment));
            let events = store.experiment_events(&record.key)?;
            experiments::restore(&self.inner, experiment, events)?;
        }
        self.ensure_arms(configs, false)
    }
}

/// After an accepted retrain swapped its model in (and adopted its load's cursor): publish.
pub(crate) fn after_accepted(svc: &Service) {
    if svc.inner.store.get().is_some() {
        // A failure is counted (`craic_errors_total{operation="publish_model"}`); the model
        // serves anyway and `publish_model` can be called again.
        let _ = svc.publish_model();
    }
}

/// Records a finished retrain in the store's `retrain_runs` (store-backed services only).
pub(crate) fn record_run(inner: &Inner, out: &ServiceResult<RetrainOutcome>, started_at: i64) {
    let Some(source) = inner.store.get() else {
        return;
    };
    source.forget_load();
    let run = match out {
        Ok(o) => RetrainRun {
            id: 0,
            started_at: o.started_at,
            finished_at: o.finished_at,
            outcome: if o.accepted() {
                "published"
            } else {
                "rejected"
            }
            .into(),
            version: o.new_version.clone(),
            interactions: o.metrics.train_data,
            detail_json: json!({
                "rejection": o.rejection.as_ref().map(ToString::to_string),
                "rejection_kind": o.rejection.as_ref().map(|r| r.kind()),
                "old_version": o.old_version,
                "ndcg": o.metrics.candidate.ndcg,
                "serving_ndcg": o.metrics.serving.ndcg,
                "popularity_ndcg": o.metrics.popularity.ndcg,
                "train_interactions": o.train_interactions,
                "holdout_interactions": o.holdout_interactions,
                "serving_data": o.metrics.serving_data,
            })
            .to_string(),
        },
        Err(e) => RetrainRun {
            id: 0,
            started_at,
            finished_at: inner.now(),
            outcome: "failed".into(),
            version: None,
            interactions: 0,
            detail_json: json!({ "error": e.to_string(), "kind": e.kind().as_str() }).to_string(),
        },
    };
    if let Err(e) = source.store().record_retrain(&run) {
        inner
            .metrics
            .error("record_retrain", ServiceError::from(e).kind().as_str());
    }
}

/// Decodes a registry version: the engine, its description and its position (a version
/// without `"changes"`, published before the change feed existed, replays the whole feed).
fn restore(mv: &ModelVersion) -> ServiceResult<(Engine, ModelInfo, Position)> {
    let malformed = |reason: String| {
        ServiceError::Store(StoreError::MalformedRow(MalformedRow {
            table: "model_versions",
            row_id: 0,
            reason: format!("version {:?}: {reason}", mv.version),
        }))
    };
    let meta: Value = serde_json::from_str(&mv.metrics_json)
        .map_err(|e| malformed(format!("metrics are not JSON: {e}")))?;
    let cursor = meta
        .get("cursor")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("metrics have no \"cursor\"".into()))?;
    let (engine, snap) = Engine::from_snapshot(&mv.bytes)?;
    let metrics: BTreeMap<String, f64> = meta
        .get("metrics")
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or(snap.metrics);
    let info = ModelInfo {
        version: mv.version.clone(),
        created_at: mv.trained_at,
        metrics,
    };
    let changes = meta.get("changes").and_then(Value::as_u64).unwrap_or(0);
    let at = Position {
        changes: Cursor(changes),
        log: Cursor(cursor),
    };
    Ok((engine, info, at))
}

/// `n` of a version id `v{n}-...` (0 otherwise).
fn version_number(version: &str) -> u64 {
    version
        .strip_prefix('v')
        .and_then(|v| v.split('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
