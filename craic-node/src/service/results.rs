//! What the service's calls return, as plain objects, and the schedule handle.

use std::collections::HashMap;
use std::sync::Mutex;

use craic::service as svc;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::evaluation::Metrics;
use crate::experiments::Assignment;
use crate::values::Recommendation;
use crate::work::{spawn, Work};

/// Describes the serving model.
#[napi(object)]
pub struct ModelInfo {
    /// Version id, `v{n}-{unix seconds}`.
    pub version: String,
    /// When it was built, unix seconds.
    pub created_at: f64,
    /// Holdout metrics measured by the retrain that accepted it; empty for the initial model.
    pub metrics: HashMap<String, f64>,
}

impl From<svc::ModelInfo> for ModelInfo {
    fn from(m: svc::ModelInfo) -> Self {
        ModelInfo {
            version: m.version,
            created_at: m.created_at as f64,
            metrics: m.metrics.into_iter().collect(),
        }
    }
}

/// What a retrain did: accepted or why not, the holdout metrics of the candidate, the serving
/// configuration and popularity, the versions, times and data sizes.
#[napi(object, use_nullable = true)]
pub struct RetrainOutcome {
    /// True when the candidate passed the gate and was swapped in.
    pub accepted: bool,
    /// Why it was rejected (`null` when accepted).
    pub rejection: Option<String>,
    /// Which gate rule rejected it, a stable name (`null` when accepted): `too_little_data`,
    /// `empty_holdout`, `below_serving`, `below_recorded` or `not_above_popularity`.
    pub rejection_kind: Option<String>,
    /// The holdout NDCG@k the serving version recorded when it was accepted (`null` for an
    /// initial model): what the candidate was also compared with.
    pub recorded_ndcg: Option<f64>,
    /// Holdout metrics of the candidate.
    pub candidate: Metrics,
    /// Holdout metrics of the serving configuration on the same split.
    pub serving: Metrics,
    /// Holdout metrics of popularity on the same split.
    pub popularity: Metrics,
    /// Version serving when the retrain started.
    pub old_version: String,
    /// Version swapped in (`null` when rejected).
    pub new_version: Option<String>,
    /// Start, unix seconds.
    pub started_at: f64,
    /// End, unix seconds.
    pub finished_at: f64,
    /// Wall-clock duration in seconds.
    pub duration_secs: f64,
    /// Interactions in the training part.
    pub train_interactions: f64,
    /// Interactions held out.
    pub holdout_interactions: f64,
    /// The split time, unix seconds.
    pub cutoff: f64,
    /// Writes that arrived during the retrain and were replayed onto the new model.
    pub pending_applied: f64,
}

impl From<svc::RetrainOutcome> for RetrainOutcome {
    fn from(o: svc::RetrainOutcome) -> Self {
        RetrainOutcome {
            accepted: o.accepted(),
            rejection: o.rejection.as_ref().map(ToString::to_string),
            rejection_kind: o.rejection.as_ref().map(|r| r.kind().to_owned()),
            recorded_ndcg: o.metrics.recorded.as_ref().map(|r| r.1),
            candidate: o.metrics.candidate.into(),
            serving: o.metrics.serving.into(),
            popularity: o.metrics.popularity.into(),
            old_version: o.old_version,
            new_version: o.new_version,
            started_at: o.started_at as f64,
            finished_at: o.finished_at as f64,
            duration_secs: o.duration.as_secs_f64(),
            train_interactions: o.train_interactions as f64,
            holdout_interactions: o.holdout_interactions as f64,
            cutoff: o.cutoff as f64,
            pending_applied: o.pending_applied as f64,
        }
    }
}

/// What `recommendInExperiment` served: the assignment (`null` outside the experiment), the
/// variant, whether this call recorded a new exposure, and the recommendations.
#[napi(object, use_nullable = true)]
pub struct ExperimentRecommendations {
    /// The user's assignment, or `null` when outside the experiment.
    pub assignment: Option<Assignment>,
    /// The variant served, or `null`.
    pub variant: Option<String>,
    /// True when this call recorded a new exposure.
    pub new_exposure: bool,
    /// The recommendations.
    pub recommendations: Vec<Recommendation>,
}

/// What `catchUp` applied.
#[napi(object)]
pub struct CatchUp {
    /// Interactions applied to the serving model.
    pub applied: f64,
    /// The log position of the serving model now.
    pub cursor: f64,
    /// Catalogue and preference changes applied (this service's own included).
    pub changes: f64,
    /// The change-feed position of the serving model now.
    pub changes_cursor: f64,
    /// Rows skipped under the store's malformed-row policy.
    pub skipped: Vec<crate::store_values::MalformedRow>,
    /// True when nothing was done because a retrain is running (its swap catches up).
    pub deferred: bool,
}

/// Stops a daily retrain schedule: `stop()` ends its thread (a retrain in progress finishes
/// first). Keep a reference while it should run: it also stops when garbage-collected.
#[napi]
pub struct ScheduleHandle {
    pub(super) inner: Mutex<Option<svc::ScheduleHandle>>,
}

#[napi]
impl ScheduleHandle {
    /// Stops the schedule, off the JS thread (waits for a retrain in progress).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn stop(&self) -> AsyncTask<Work<()>> {
        let handle = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        spawn(move || {
            if let Some(h) = handle {
                h.stop();
            }
            Ok(())
        })
    }

    /// True until `stop()` is called.
    #[napi(getter, catch_unwind)]
    pub fn running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}
