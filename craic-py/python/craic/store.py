"""Storage: :class:`Store` and its result classes.

A :class:`Store` keeps what a deployment needs to survive a restart — the event catalogue,
stated preferences, the interaction log (idempotent appends and cursors to tail), experiment
data, model snapshots with a version registry and retrain history — in an SQLite file (the
embedded default) or MySQL / MariaDB::

    import craic

    store = craic.Store("sqlite:///var/lib/craic/craic.db")
    store.upsert_items(items)
    store.append(interactions)                 # re-sending the same batch is a no-op
    loaded = store.load_engine()               # an Engine and the cursor to tail from
    later = store.tail(loaded.engine, loaded.cursor)

Every call releases the GIL. Everything is implemented in Rust (``craic-store``); this module
only re-exports it. The design is in ``docs/storage.md``.
"""

from ._craic import (
    AppendReport,
    LoadedEngine,
    LogPage,
    LogRecord,
    MalformedRow,
    RetrainRun,
    Store,
    StoredModel,
    StoredVariantCounts,
    Tailed,
)

__all__ = [
    "AppendReport",
    "LoadedEngine",
    "LogPage",
    "LogRecord",
    "MalformedRow",
    "RetrainRun",
    "Store",
    "StoredModel",
    "StoredVariantCounts",
    "Tailed",
]
