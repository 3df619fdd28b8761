"""Dictionary-encoded str columns in a dict of numpy arrays: ``(codes, categories)`` pairs give
exactly the engine the rows give, for interactions, items and preferences; negative codes are
nulls; bad codes and bad pairs raise typed errors with the row."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import craic
from craic import synthetic
from test_columns import (
    ITEMS,
    check,
    interaction_columns,
    item_columns,
    preference_columns,
    summary,
)


@pytest.fixture(scope="module")
def dataset() -> synthetic.Dataset:
    return synthetic.generate("tiny", seed=7)


@pytest.fixture(scope="module")
def expected(dataset: synthetic.Dataset) -> dict[str, Any]:
    engine = craic.Engine.build(dataset.items, dataset.interactions, preferences=dataset.preferences)
    return summary(engine, dataset)


def encode(values: list[str | None], dtype: Any = np.int32) -> tuple[npt.NDArray[Any], list[str]]:
    """``values`` as (codes, categories), categories in order of first appearance reversed (so
    codes are not the row order); ``None`` is code -1."""
    categories = list(dict.fromkeys(v for v in values if v is not None))[::-1]
    index = {c: i for i, c in enumerate(categories)}
    codes = np.array([-1 if v is None else index[v] for v in values], dtype=dtype)
    return codes, categories


def test_codes_give_the_engine_rows_give(dataset: synthetic.Dataset, expected: dict[str, Any]) -> None:
    cols = interaction_columns(dataset)
    user_codes, users = encode(cols["user_id"], np.int64)
    item_codes, items = encode(cols["item_id"], np.uint16)
    kind_codes, kinds = encode(cols["kind"], np.int8)
    interactions = {
        "user_id": (user_codes, np.array(users)),  # categories as a <U array
        "item_id": (item_codes, items),  # ... a list of str
        "kind": (kind_codes, np.array(kinds, dtype=object)),  # ... an object array
        "timestamp": np.array(cols["timestamp"], dtype=np.int64),
    }
    icols = item_columns(dataset)
    item_table = {
        **icols,
        "id": encode(icols["id"], np.int64),
        "starts_at": np.array(icols["starts_at"]),
        "city": encode(icols["city"], np.dtype(">i4")),  # big-endian codes work too
        "venue": encode(icols["venue"], np.uint64),
        "ends_at": np.array(icols["ends_at"], dtype=np.int64),
    }
    pcols = preference_columns(dataset)
    prefs = {**pcols, "user_id": encode(pcols["user_id"], np.int16)}
    engine = craic.Engine.build(item_table, interactions, preferences=prefs)
    assert summary(engine, dataset) == expected


def test_codes_in_a_service_and_record(dataset: synthetic.Dataset) -> None:
    cols = interaction_columns(dataset)
    half = len(cols["user_id"]) // 2
    user_codes, users = encode(cols["user_id"])
    kind_codes, kinds = encode(cols["kind"])
    table = {**cols, "user_id": (user_codes, users), "kind": (kind_codes, kinds)}
    first = {k: (v[0][:half], v[1]) if isinstance(v, tuple) else v[:half] for k, v in table.items()}
    rest = {k: (v[0][half:], v[1]) if isinstance(v, tuple) else v[half:] for k, v in table.items()}
    # The fixed blend: a learned one is fitted at build on the log as it then was.
    fixed = craic.Config(blend="fixed")
    svc = craic.Service(
        items=dataset.items, interactions=first, preferences=dataset.preferences, config=fixed
    )
    svc.record(rest)
    ref = craic.Service(
        items=dataset.items,
        interactions=dataset.interactions,
        preferences=dataset.preferences,
        config=fixed,
    )
    now = max(cols["timestamp"])
    assert svc.stats() == ref.stats()
    for u in ("u1", "u2", "u3"):
        assert svc.recommend(u, now=now) == ref.recommend(u, now=now)


def test_a_pair_of_strings_is_still_two_rows() -> None:
    table = {"user_id": ("ana", "ben"), "item_id": ["a", "a"], "kind": ["save"] * 2, "timestamp": [1, 2]}
    assert craic.Engine.build(ITEMS, table).stats().users == 2


def interactions(**replace: Any) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "user_id": (np.array([0, 1, 2, 3]), ["u0", "u1", "u2", "u3"]),
        "item_id": (np.zeros(4, dtype=np.int8), ["a"]),
        "kind": (np.zeros(4, dtype=np.uint8), np.array(["save"])),
        "timestamp": np.arange(1_700_000_000, 1_700_000_004),
    }
    cols.update(replace)
    return cols


def test_negative_codes_are_nulls() -> None:
    cases: list[tuple[dict[str, Any], str, int]] = [
        (interactions(user_id=(np.array([0, -1, 2, 3]), ["u0", "u1", "u2", "u3"])), "invalid_id", 1),
        (interactions(item_id=(np.array([0, 0, 0, -7], dtype=np.int64), ["a"])), "invalid_id", 3),
        (interactions(kind=(np.array([0, 0, -1, 0], dtype=np.int16), ["save"])), "unknown_kind", 2),
        # A null category is a null row too.
        (interactions(user_id=(np.array([0, 1, 0, 0]), np.array(["u0", None], dtype=object))), "invalid_id", 1),
        # No categories: every code must be null.
        (interactions(kind=(np.full(4, -1), np.array([], dtype=object))), "unknown_kind", 0),
    ]
    for table, kind, row in cases:
        with pytest.raises(craic.InvalidInputError) as e:
            craic.Engine.build(ITEMS, table)
        check(e, kind, row)
    # In an optional column, a null is the default (no city).
    items = {"id": (np.array([0, 1]), ["a", "b"]), "starts_at": np.array([2_000_000_000] * 2),
             "city": (np.array([-1, 0]), ["cork"])}
    engine = craic.Engine.build(items, [])
    assert engine.item("a") == craic.Item("a", 2_000_000_000)
    assert engine.item("b") == craic.Item("b", 2_000_000_000, city="cork")


def test_codes_past_the_categories_are_out_of_range() -> None:
    cases: list[tuple[Any, Any, int]] = [
        (ITEMS, interactions(user_id=(np.array([0, 1, 4, 3]), ["u0", "u1", "u2", "u3"])), 2),
        (ITEMS, interactions(kind=(np.array([0, 0, 0, 1], dtype=np.uint64), ["save"])), 3),
        (ITEMS, interactions(kind=(np.array([0, 2**64 - 1], dtype=np.uint64)[[0, 0, 0, 1]], ["save"])), 3),
        ({"id": (np.array([0, 1]), ["a"]), "starts_at": np.array([1, 2])}, [], 1),
        ({"id": ["a"], "starts_at": [1], "venue": (np.array([3]), ["hall"])}, [], 0),
    ]
    for items, table, row in cases:
        with pytest.raises(craic.InvalidInputError) as e:
            craic.Engine.build(items, table)
        check(e, "out_of_range", row)
    prefs = {"user_id": (np.array([0, 1]), ["ana"]), "genres": [["folk"], ["jazz"]]}
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Engine.build(ITEMS, [], preferences=prefs)
    check(e, "out_of_range", 1)


def test_bad_pairs_are_invalid_config() -> None:
    users = ["u0", "u1", "u2", "u3"]
    cases: list[dict[str, Any]] = [
        interactions(user_id=(np.array([0.0, 1.0, 2.0, 3.0]), users)),  # float codes
        interactions(user_id=(np.array([True, False, True, False]), users)),  # bool codes
        interactions(user_id=(np.zeros((2, 2), dtype=np.int32), users)),  # 2-D codes
        interactions(user_id=(np.array(["0", "1", "2", "3"]), users)),  # str codes
        interactions(user_id=(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))),  # int categories
        interactions(user_id=(np.array([0, 1, 2, 3]), np.zeros((2, 2)))),  # 2-D categories
        # Length mismatch: the column's length is that of its codes.
        interactions(user_id=(np.array([0, 1, 2]), users)),
        interactions(timestamp=np.arange(5)),
    ]
    for table in cases:
        with pytest.raises(craic.InvalidInputError) as e:
            craic.Engine.build(ITEMS, table)
        check(e, "invalid_config", None)
