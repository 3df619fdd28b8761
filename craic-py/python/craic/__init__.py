"""craic: an embeddable recommendation engine with a Rust core, used in-process.

Build an :class:`Engine` from items and implicit-feedback interactions, then ask it for
recommendations::

    import craic
    engine = craic.Engine.build(items, interactions)
    recs = engine.recommend("ana", k=5, strategy="hybrid", explain=True)

For serving, :class:`Service` wraps an engine with a cache, gated background retrains, a
daily schedule, snapshot files, Prometheus metrics, experiments, drift and alerts (its helper
classes live in :mod:`craic.service`)::

    svc = craic.Service(items=items, interactions=interactions)
    svc.recommend("ana", k=5)
    svc.retrain()                     # RetrainOutcome: gated, hot-swapped

Submodules: :mod:`craic.experiments` (GrowthBook-compatible A/B experiments),
:mod:`craic.evaluation` (time split and ranking metrics), :mod:`craic.synthetic` (a synthetic
dataset). Engines round-trip through ``Engine.to_snapshot`` / ``Engine.from_snapshot`` and
pickle; :func:`to_scipy` turns the interaction matrix into a scipy sparse matrix.

Every error is a :class:`CraicError` with a stable ``.kind``; its subclasses also subclass the
matching builtin (``InvalidInputError`` is a ``ValueError``, ``NotFoundError`` a ``KeyError``).
"""

from ._errors import (
    CraicError,
    InvalidInputError,
    NotFoundError,
    PoisonedError,
    RetrainRunningError,
    SnapshotError,
    StorageError,
    StoppedError,
)
from . import evaluation, experiments, feeds, service, store, synthetic
from ._scipy import to_scipy
from ._craic import (
    Applied,
    BlendReport,
    BlendWeights,
    BucketReport,
    Config,
    Contribution,
    Engine,
    GridPoint,
    Interaction,
    Item,
    LearnSettings,
    Preferences,
    Recommendation,
    Service,
    SnapshotMeta,
    Stats,
    Store,
    Strategy,
    __version__,
)

__all__ = [
    "Applied",
    "BlendReport",
    "BlendWeights",
    "BucketReport",
    "Config",
    "Contribution",
    "CraicError",
    "Engine",
    "GridPoint",
    "Interaction",
    "InvalidInputError",
    "Item",
    "LearnSettings",
    "NotFoundError",
    "PoisonedError",
    "Preferences",
    "Recommendation",
    "RetrainRunningError",
    "Service",
    "SnapshotError",
    "SnapshotMeta",
    "Stats",
    "StorageError",
    "Store",
    "StoppedError",
    "Strategy",
    "__version__",
    "evaluation",
    "experiments",
    "feeds",
    "service",
    "store",
    "synthetic",
    "to_scipy",
]
