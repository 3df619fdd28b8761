"""Conversion of an engine's interaction matrix to scipy (an optional dependency)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._craic import Engine

__all__ = ["to_scipy"]


def to_scipy(engine: Engine) -> tuple[Any, list[str], list[str]]:
    """The engine's interaction matrix as ``(scipy.sparse.csr_matrix, user_ids, item_ids)``.

    Row ``r`` is user ``user_ids[r]``, column ``c`` item ``item_ids[c]``; see
    :meth:`Engine.interaction_matrix`. Requires scipy (``pip install scipy``); raises
    ``ImportError`` without it.
    """
    # Optional dependency, imported only when asked for (and untyped: scipy ships no stubs).
    if not callable(getattr(engine, "interaction_matrix", None)):
        raise TypeError(f"to_scipy expects an Engine, got {type(engine).__name__}")
    sparse = importlib.import_module("scipy.sparse")
    indptr, indices, data, shape, user_ids, item_ids = engine.interaction_matrix()
    return sparse.csr_matrix((data, indices, indptr), shape=shape), user_ids, item_ids
