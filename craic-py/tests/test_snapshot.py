"""Engine snapshots (to_snapshot / from_snapshot), pickling and the interaction matrix."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import craic

FUTURE = 1_700_000_000 + 30 * 86_400


def all_recs(engine: craic.Engine, now: int) -> list[list[craic.Recommendation]]:
    users = ["ana", "ben", "cai", "dee", "eve", "nobody"]
    return [engine.recommend(u, k=5, now=now, strategy=s, explain=True)
            for u in users for s in ("popularity", "collaborative", "content", "hybrid")]


def test_snapshot_round_trip(engine: craic.Engine, now: int) -> None:
    data = engine.to_snapshot(version="v7", created_at=1_700_000_123, metrics={"ndcg@10": 0.25})
    assert isinstance(data, bytes) and len(data) > 100
    loaded, meta = craic.Engine.from_snapshot(data)
    assert isinstance(meta, craic.SnapshotMeta)
    assert (meta.version, meta.created_at, meta.metrics) == ("v7", 1_700_000_123, {"ndcg@10": 0.25})
    assert meta.watermark == engine.stats().watermark
    assert meta.interactions == engine.stats().interactions == 14
    assert repr(meta).startswith('SnapshotMeta(version="v7", created_at=1700000123')
    assert loaded.stats() == engine.stats()
    assert all_recs(loaded, now) == all_recs(engine, now)
    assert loaded.neighbours("ben") == engine.neighbours("ben")
    loaded.verify_neighbours()  # raises PoisonedError on a difference
    # The loaded engine keeps updating incrementally, like the original.
    for e in (engine, loaded):
        e.record_one("eve", "rave", "save", now)
    assert all_recs(loaded, now) == all_recs(engine, now)
    # Defaults: empty version, created now, no metrics.
    _, meta = craic.Engine.from_snapshot(craic.Engine().to_snapshot())
    assert meta.version == "" and meta.metrics == {} and meta.created_at > 1_700_000_000
    assert meta.watermark is None and meta.interactions == 0


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b"",
        lambda b: b"not a snapshot at all",
        lambda b: b[: len(b) // 2],
        lambda b: b[:-1],
        lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:],
        lambda b: b[:-3] + bytes([b[-3] ^ 0x01]) + b[-2:],
        lambda b: b"\x00" * len(b),
    ],
    ids=["empty", "foreign", "half", "last-byte-cut", "header-flip", "body-flip", "zeros"],
)
def test_broken_snapshots_raise_snapshot_error(engine: craic.Engine, mangle: Any) -> None:
    good = engine.to_snapshot(created_at=1_700_000_000)
    with pytest.raises(craic.SnapshotError) as e:
        craic.Engine.from_snapshot(mangle(good))
    assert e.value.kind == "invalid_snapshot"
    assert isinstance(e.value, ValueError)


def test_from_snapshot_wants_bytes() -> None:
    with pytest.raises(TypeError):
        craic.Engine.from_snapshot("text")  # type: ignore[arg-type]


def test_pickle_round_trip(engine: craic.Engine, now: int) -> None:
    clone = pickle.loads(pickle.dumps(engine))
    assert isinstance(clone, craic.Engine)
    assert clone.stats() == engine.stats()
    assert all_recs(clone, now) == all_recs(engine, now)
    assert all_recs(copy.deepcopy(engine), now) == all_recs(engine, now)
    # Every protocol works.
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(engine, protocol)).stats() == engine.stats()


def test_interaction_matrix(engine: craic.Engine) -> None:
    indptr, indices, data, shape, users, items = engine.interaction_matrix()
    stats = engine.stats()
    assert shape == (len(users), len(items)) == (stats.users, stats.items)
    assert indptr.dtype == np.int64 and indices.dtype == np.int64 and data.dtype == np.float64
    assert indptr.shape == (len(users) + 1,) and indptr[0] == 0
    assert indptr[-1] == len(indices) == len(data) == stats.cells
    assert np.all(np.diff(indptr) >= 0)
    assert np.all((indices >= 0) & (indices < len(items)))
    assert sorted(set(items)) == sorted(items) and "trad" in items
    assert "ana" in users
    # Users with preferences only have empty rows.
    rows = {u: indices[indptr[r]:indptr[r + 1]] for r, u in enumerate(users)}
    assert any(len(v) == 0 for v in rows.values())
    empty = craic.Engine().interaction_matrix()
    assert empty[3] == (0, 0) and list(empty[0]) == [0] and empty[4] == [] == empty[5]


def test_to_scipy(engine: craic.Engine) -> None:
    sparse = pytest.importorskip("scipy.sparse")
    matrix, users, items = craic.to_scipy(engine)
    assert sparse.issparse(matrix) and matrix.format == "csr"
    assert matrix.shape == (len(users), len(items))
    assert matrix.nnz == engine.stats().cells
    indptr, indices, data, _, _, _ = engine.interaction_matrix()
    dense = matrix.toarray()
    for r in range(len(users)):
        for p in range(indptr[r], indptr[r + 1]):
            assert dense[r, indices[p]] == data[p]
