"""A/B experiments, compatible with GrowthBook's SDKs.

GrowthBook's low-level bucketing functions (:func:`hash`, :func:`get_bucket_ranges`,
:func:`choose_variation`, :func:`in_namespace`, :func:`get_equal_weights`), an
:class:`Experiment` that deterministically assigns users to variants, and an
:class:`ExperimentTracker` that records exposures and conversions and reports conversion rates
(Wilson intervals), lifts, fixed-horizon and always-valid sequential p-values and the
sample-ratio-mismatch check::

    from craic.experiments import Experiment, ExperimentTracker

    exp = Experiment("feed", [("control", 0.5, "popularity"), ("hybrid", 0.5, "hybrid")])
    a = exp.assign("ana")            # Assignment(variant='hybrid', ...) or None
    tracker = ExperimentTracker()
    tracker.register(exp)
    tracker.record_exposure("e1", "feed", "ana", a.variant, 1_800_000_000)
    tracker.record_conversion("c1", "feed", "ana", 1_800_000_100)
    print(tracker.report("feed"))

Everything is implemented in the Rust core; this module only re-exports it.
"""

from ._craic import (
    Assignment,
    Comparison,
    Estimate,
    Experiment,
    ExperimentCounts,
    ExperimentEvent,
    ExperimentTracker,
    Report,
    SampleRatioMismatch,
    SequentialResult,
    Variant,
    VariantCounts,
    VariantReport,
    choose_variation,
    get_bucket_ranges,
    get_equal_weights,
    hash,
    in_namespace,
)

__all__ = [
    "Assignment",
    "Comparison",
    "Estimate",
    "Experiment",
    "ExperimentCounts",
    "ExperimentEvent",
    "ExperimentTracker",
    "Report",
    "SampleRatioMismatch",
    "SequentialResult",
    "Variant",
    "VariantCounts",
    "VariantReport",
    "choose_variation",
    "get_bucket_ranges",
    "get_equal_weights",
    "hash",
    "in_namespace",
]
