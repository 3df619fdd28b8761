//! The classes of what the service answers: `ModelInfo` (the serving model), `RetrainOutcome`
//! (what a retrain did) and `ExperimentRecommendations` (a list served inside an experiment).

use std::collections::BTreeMap;

use craic::service as svc;
use pyo3::prelude::*;

use crate::engine::recommendations;
use crate::evaluation::PyMetrics;
use crate::experiments::PyAssignment;
use crate::repr::{opt, py_bool};
use crate::results::PyRecommendation;

/// Describes the serving model.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "ModelInfo")]
#[derive(Clone, PartialEq)]
pub struct PyModelInfo {
    /// Version id, `v{n}-{unix seconds}`.
    pub version: String,
    /// When it was built (unix seconds).
    pub created_at: i64,
    /// Holdout metrics measured by the retrain that accepted it (`"ndcg@10"`,
    /// `"popularity_ndcg@10"`, ...); empty for the initial model.
    pub metrics: BTreeMap<String, f64>,
}

impl From<svc::ModelInfo> for PyModelInfo {
    fn from(m: svc::ModelInfo) -> Self {
        PyModelInfo {
            version: m.version,
            created_at: m.created_at,
            metrics: m.metrics,
        }
    }
}

fn dict_repr(m: &BTreeMap<String, f64>) -> String {
    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

#[pymethods]
impl PyModelInfo {
    fn __repr__(&self) -> String {
        format!(
            "ModelInfo(version={:?}, created_at={}, metrics={})",
            self.version,
            self.created_at,
            dict_repr(&self.metrics)
        )
    }
}

/// What a retrain did: the gate's verdict, the holdout metrics of the candidate, the serving
/// configuration and Popularity (same training part, same holdout), and the versions.
#[pyclass(frozen, eq, get_all, module = "craic._craic", name = "RetrainOutcome")]
#[derive(Clone, PartialEq)]
pub struct PyRetrainOutcome {
    /// True when the candidate passed the gate and was swapped in.
    pub accepted: bool,
    /// `None` when accepted, else why the gate rejected the candidate.
    pub rejection: Option<String>,
    /// `None` when accepted, else which gate rule rejected it, a stable name:
    /// `too_little_data`, `empty_holdout`, `below_serving`, `below_recorded` or
    /// `not_above_popularity`.
    pub rejection_kind: Option<&'static str>,
    /// The holdout NDCG@k the serving version recorded when it was accepted (`None` for an
    /// initial model): what the candidate was also compared with.
    pub recorded_ndcg: Option<f64>,
    /// Hybrid, candidate configuration, trained on the training part.
    pub candidate: PyMetrics,
    /// Hybrid, serving configuration, same training part.
    pub serving: PyMetrics,
    /// Popularity (serving configuration), same training part.
    pub popularity: PyMetrics,
    /// Version serving when the retrain started.
    pub old_version: String,
    /// Version swapped in (`None` when rejected).
    pub new_version: Option<String>,
    /// Start (unix seconds).
    pub started_at: i64,
    /// End (unix seconds).
    pub finished_at: i64,
    /// Wall-clock duration in seconds.
    pub duration_secs: f64,
    /// Interactions in the training part.
    pub train_interactions: usize,
    /// Interactions held out.
    pub holdout_interactions: usize,
    /// The split time (unix seconds; `2**63 - 1` with an empty holdout).
    pub cutoff: i64,
    /// Writes that arrived during the retrain and were replayed onto the new model.
    pub pending_applied: usize,
}

impl From<svc::RetrainOutcome> for PyRetrainOutcome {
    fn from(o: svc::RetrainOutcome) -> Self {
        PyRetrainOutcome {
            accepted: o.accepted(),
            rejection: o.rejection.as_ref().map(ToString::to_string),
            rejection_kind: o.rejection.as_ref().map(|r| r.kind()),
            recorded_ndcg: o.metrics.recorded.as_ref().map(|r| r.1),
            candidate: o.metrics.candidate.into(),
            serving: o.metrics.serving.into(),
            popularity: o.metrics.popularity.into(),
            old_version: o.old_version,
            new_version: o.new_version,
            started_at: o.started_at,
            finished_at: o.finished_at,
            duration_secs: o.duration.as_secs_f64(),
            train_interactions: o.train_interactions,
            holdout_interactions: o.holdout_interactions,
            cutoff: o.cutoff,
            pending_applied: o.pending_applied,
        }
    }
}

#[pymethods]
impl PyRetrainOutcome {
    fn __repr__(&self) -> String {
        format!(
            "RetrainOutcome(accepted={}, rejection={}, rejection_kind={}, candidate_ndcg={:?}, \
             serving_ndcg={:?}, popularity_ndcg={:?}, recorded_ndcg={}, old_version={:?}, new_version={}, duration_secs={:?}, \
             train_interactions={}, holdout_interactions={}, pending_applied={})",
            py_bool(self.accepted),
            opt(&self.rejection),
            opt(&self.rejection_kind),
            self.candidate.ndcg,
            self.serving.ndcg,
            self.popularity.ndcg,
            self.recorded_ndcg.map_or("None".into(), |v| format!("{v:?}")),
            self.old_version,
            opt(&self.new_version),
            self.duration_secs,
            self.train_interactions,
            self.holdout_interactions,
            self.pending_applied
        )
    }
}

/// Recommendations served inside an experiment (`Service.recommend_in_experiment`).
#[pyclass(
    frozen,
    eq,
    get_all,
    module = "craic._craic",
    name = "ExperimentRecommendations"
)]
#[derive(Clone, PartialEq)]
pub struct PyExperimentRecommendations {
    /// The user's assignment; `None` when the user is not in the experiment (then the call's
    /// own strategy was used and no exposure recorded).
    pub assignment: Option<PyAssignment>,
    /// The variant's name, when assigned.
    pub variant: Option<String>,
    /// Whether this call recorded a new exposure (false for a repeated exposure id).
    pub new_exposure: bool,
    /// The recommendations.
    pub recommendations: Vec<PyRecommendation>,
}

impl From<svc::ExperimentRecommendations> for PyExperimentRecommendations {
    fn from(r: svc::ExperimentRecommendations) -> Self {
        let assignment = r.assignment.map(|a| PyAssignment {
            variant: r.variant.clone().unwrap_or_default(),
            index: a.index,
            strategy: a.strategy.into(),
            bucket: a.bucket,
        });
        PyExperimentRecommendations {
            assignment,
            variant: r.variant,
            new_exposure: r.new_exposure,
            recommendations: recommendations(r.recommendations),
        }
    }
}

#[pymethods]
impl PyExperimentRecommendations {
    fn __repr__(&self) -> String {
        format!(
            "ExperimentRecommendations(assignment={}, variant={}, new_exposure={}, \
             recommendations=[{}])",
            self.assignment
                .as_ref()
                .map_or_else(|| "None".to_owned(), PyAssignment::__repr__),
            opt(&self.variant),
            py_bool(self.new_exposure),
            self.recommendations
                .iter()
                .map(PyRecommendation::__repr__)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
