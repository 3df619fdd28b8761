"""The production wrapper: :class:`Service` and its result, handle, drift and alert classes.

A :class:`Service` owns a hot-swapped :class:`~craic.Engine` and adds what serving needs: a
recommendation cache, background retraining behind an evaluation gate, a daily schedule,
crash-safe snapshot files, Prometheus / CloudWatch EMF metrics, experiments, drift monitoring
and alerts (with Python callbacks)::

    import craic
    from craic import synthetic

    data = synthetic.generate("tiny")
    svc = craic.Service(items=data.items, interactions=data.interactions,
                        preferences=data.preferences)
    recs = svc.recommend("u1", k=5)
    outcome = svc.retrain()            # RetrainOutcome(accepted=True, ...) or a rejection
    svc.save_snapshot("model.snap")
    print(svc.metrics_text())          # Prometheus text format 0.0.4

Everything is implemented in the Rust core (``craic::service``); this module only re-exports
it.
"""

from ._craic import (
    Alert,
    CatchUp,
    ConversionFloorRule,
    DriftReport,
    DriftRule,
    ExperimentRecommendations,
    FeatureDrift,
    ModelInfo,
    PsiBin,
    PsiReport,
    RetrainJob,
    RetrainOutcome,
    ScheduleHandle,
    Service,
)

#: The content type of :meth:`Service.metrics_text` (Prometheus text format 0.0.4).
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

__all__ = [
    "PROMETHEUS_CONTENT_TYPE",
    "Alert",
    "CatchUp",
    "ConversionFloorRule",
    "DriftReport",
    "DriftRule",
    "ExperimentRecommendations",
    "FeatureDrift",
    "ModelInfo",
    "PsiBin",
    "PsiReport",
    "RetrainJob",
    "RetrainOutcome",
    "ScheduleHandle",
    "Service",
]
