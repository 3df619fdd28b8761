"""The exception hierarchy of craic, declared once.

Every error the engine reports is a :class:`CraicError` carrying a stable, machine-readable
``kind`` (``"unknown_item"``, ``"invalid_weight"``, ...) and, for a rejected batch, the ``row``
index of the first bad row. The subclasses also subclass the matching Python builtin, so code
that catches ``ValueError`` or ``KeyError`` keeps working.

The compiled module (``craic._craic``) looks these classes up here and maps every core error
kind, and every kind the :class:`craic.Service` adds (``io``, ``retrain_running``, ``stopped``),
to one of them: the family of each kind is decided once, in the Rust facade
(``craic::ErrorFamily``), for the Python and Node bindings alike.
"""

from __future__ import annotations

__all__ = [
    "CraicError",
    "InvalidInputError",
    "NotFoundError",
    "PoisonedError",
    "RetrainRunningError",
    "SnapshotError",
    "StorageError",
    "StoppedError",
]


class CraicError(Exception):
    """Base class of every error raised by craic.

    Attributes:
        kind: stable snake_case category (``craic_core::ErrorKind::as_str``); match on it, not on
            the message text.
        row: for a batch call (``record``, ``upsert_items``, ``Engine.build``...), the zero-based
            index of the first rejected row; ``None`` otherwise. A rejected batch changes nothing.
    """

    kind: str
    row: int | None

    def __init__(self, message: str, *, kind: str = "unknown", row: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.row = row

    def __str__(self) -> str:
        # KeyError would repr() the message; every craic error prints it as written.
        return str(self.args[0]) if self.args else ""


class InvalidInputError(CraicError, ValueError):
    """An argument was rejected: bad id, weight, timestamp, ``k``, item, kind or configuration,
    a rank on an interaction that is not an impression (kind ``invalid_rank``), or a count above
    its documented limit or a negative rank (kind ``out_of_range``; see ``docs/limits.md``)."""


class NotFoundError(CraicError, KeyError):
    """The caller named something that does not exist (an unknown item, experiment or variant)."""


class SnapshotError(CraicError, ValueError):
    """A snapshot could not be decoded (foreign, unsupported version, truncated or corrupt)."""


class StorageError(CraicError, OSError):
    """Reading or writing a file or storage backend failed (kind ``io``).

    Raised by :class:`craic.Service` for snapshot files; ``errno``, ``strerror`` and
    ``filename`` are set like those of the builtin ``OSError`` of the failed call.
    """


class RetrainRunningError(CraicError, RuntimeError):
    """A retrain was asked for without waiting while another one runs (kind ``retrain_running``)."""


class PoisonedError(CraicError, RuntimeError):
    """The engine's state cannot be trusted; replace it (build a new engine, or let the
    :class:`craic.Service` retrain).

    Kind ``poisoned``: a write panicked part-way, so the engine may hold half a batch;
    recommending, writing and snapshotting fail with this until the state is replaced, so
    nothing half-applied is served. Kind ``inconsistent_model``: ``Engine.verify_neighbours``
    found the incrementally maintained state out of step with a full recompute (a bug).
    """


class StoppedError(CraicError, RuntimeError):
    """Background work stopped unexpectedly, e.g. the retrain thread panicked (kind ``stopped``).

    Nothing was swapped: the service keeps serving its current model.
    """
