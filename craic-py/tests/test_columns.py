"""Columnar input: Engine.build, Service and record from Arrow (pyarrow, polars, pandas) and from
dicts of numpy arrays give exactly the engine the rows give; bad tables raise typed errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import craic
from craic import synthetic

STRATEGIES = ("popularity", "collaborative", "content", "hybrid")


@pytest.fixture(scope="module")
def dataset() -> synthetic.Dataset:
    return synthetic.generate("tiny", seed=7)


def interaction_columns(d: synthetic.Dataset) -> dict[str, list[Any]]:
    rows = d.interactions
    return {
        "user_id": [r.user_id for r in rows],
        "item_id": [r.item_id for r in rows],
        "kind": [r.kind for r in rows],
        "timestamp": [r.timestamp for r in rows],
    }


def item_columns(d: synthetic.Dataset) -> dict[str, list[Any]]:
    items = d.items
    return {
        "id": [i.id for i in items],
        "starts_at": [i.starts_at for i in items],
        "city": [i.city for i in items],
        "venue": [i.venue for i in items],
        "genres": [i.genres for i in items],
        "artists": [i.artists for i in items],
        "ends_at": [i.ends_at for i in items],
        "tags": [i.tags for i in items],
    }


def preference_columns(d: synthetic.Dataset) -> dict[str, list[Any]]:
    prefs = d.preferences
    return {
        "user_id": list(prefs),
        "genres": [p.genres for p in prefs.values()],
        "artists": [p.artists for p in prefs.values()],
        "cities": [p.cities for p in prefs.values()],
    }


def summary(engine: craic.Engine, d: synthetic.Dataset) -> dict[str, Any]:
    """Everything the comparison looks at: stats, every item and preference as stored, and
    every user's top 10 under each strategy (with scores)."""
    now = max(r.timestamp for r in d.interactions)
    users = [f"u{i}" for i in range(d.user_count)]
    return {
        "stats": engine.stats(),
        "items": [engine.item(i.id) for i in d.items],
        "preferences": [engine.preferences(u) for u in users],
        "recs": {
            s: [[(r.item_id, r.score) for r in engine.recommend(u, k=10, strategy=s, now=now)] for u in users]
            for s in STRATEGIES
        },
    }


@pytest.fixture(scope="module")
def expected(dataset: synthetic.Dataset) -> dict[str, Any]:
    engine = craic.Engine.build(dataset.items, dataset.interactions, preferences=dataset.preferences)
    return summary(engine, dataset)


def build(items: Any, interactions: Any, preferences: Any) -> craic.Engine:
    return craic.Engine.build(items, interactions, preferences=preferences)


# --- the same engine from every kind of table ---------------------------------------------------


def test_pyarrow_tables(dataset: synthetic.Dataset, expected: dict[str, Any]) -> None:
    engine = build(
        pa.table(item_columns(dataset)),
        pa.table(interaction_columns(dataset)),
        pa.table(preference_columns(dataset)),
    )
    assert summary(engine, dataset) == expected


def test_pyarrow_chunked_streamed_and_record_batches(
    dataset: synthetic.Dataset, expected: dict[str, Any]
) -> None:
    table = pa.table(interaction_columns(dataset))
    batches = table.to_batches(max_chunksize=300)
    assert len(batches) > 3
    items = pa.RecordBatch.from_pydict(item_columns(dataset))  # __arrow_c_array__
    prefs = pa.table(preference_columns(dataset)).to_batches(max_chunksize=40)
    chunked = pa.Table.from_batches(batches)
    streamed = pa.RecordBatchReader.from_batches(table.schema, iter(batches))
    prefs_stream = pa.RecordBatchReader.from_batches(prefs[0].schema, iter(prefs))
    assert summary(build(items, chunked, prefs_stream), dataset) == expected
    assert summary(build(items, streamed, pa.Table.from_batches(prefs)), dataset) == expected


def test_pyarrow_string_encodings_and_timestamp_types(
    dataset: synthetic.Dataset, expected: dict[str, Any]
) -> None:
    t = pa.table(interaction_columns(dataset))
    interactions = pa.table(
        {
            "user_id": t["user_id"].cast(pa.large_string()),
            "item_id": t["item_id"].cast(pa.string_view()),
            "kind": t["kind"].dictionary_encode(),
            "timestamp": t["timestamp"].cast(pa.timestamp("s")),
            "ignored": pa.array([1.5] * len(t)),
        }
    )
    i = pa.table(item_columns(dataset))
    items = pa.table(
        {
            "id": i["id"].dictionary_encode(),
            "starts_at": pa.array([x * 1000 for x in i["starts_at"].to_pylist()], pa.timestamp("ms", tz="UTC")),
            "city": i["city"].dictionary_encode().cast(pa.dictionary(pa.int16(), pa.large_string())),
            "venue": i["venue"],
            "genres": i["genres"].cast(pa.large_list(pa.large_string())),
            "artists": i["artists"].cast(pa.list_(pa.string_view())),
            "ends_at": i["ends_at"].cast(pa.int32()),
            "tags": i["tags"],
        }
    )
    assert summary(build(items, interactions, pa.table(preference_columns(dataset))), dataset) == expected


def test_polars(dataset: synthetic.Dataset, expected: dict[str, Any]) -> None:
    interactions = pl.DataFrame(interaction_columns(dataset)).with_columns(
        pl.col("kind").cast(pl.Categorical), pl.col("user_id").cast(pl.Categorical)
    )
    items = pl.DataFrame(item_columns(dataset)).with_columns(pl.col("city").cast(pl.Categorical))
    prefs = pl.DataFrame(preference_columns(dataset))
    assert summary(build(items, interactions, prefs), dataset) == expected


def test_pandas_with_category_columns(dataset: synthetic.Dataset, expected: dict[str, Any]) -> None:
    interactions = pd.DataFrame(interaction_columns(dataset))
    interactions["kind"] = interactions["kind"].astype("category")
    interactions["item_id"] = interactions["item_id"].astype("category")
    items = pd.DataFrame(item_columns(dataset))
    items["city"] = items["city"].astype("category")
    items["starts_at"] = pd.to_datetime(items["starts_at"], unit="s")
    prefs = pd.DataFrame(preference_columns(dataset))
    assert summary(build(items, interactions, prefs), dataset) == expected
    # A non-default index does not matter.
    shifted = interactions.set_axis(range(10, 10 + len(interactions)))
    assert summary(build(items, shifted, prefs), dataset) == expected


def test_dict_of_numpy_arrays(dataset: synthetic.Dataset, expected: dict[str, Any]) -> None:
    cols = interaction_columns(dataset)
    interactions = {
        "user_id": np.array(cols["user_id"]),  # <U
        "item_id": np.array(cols["item_id"], dtype=object),
        "kind": np.array([k.encode() for k in cols["kind"]]),  # S
        "timestamp": np.array(cols["timestamp"], dtype=np.int64),
    }
    icols = item_columns(dataset)
    items = {
        "id": np.array(icols["id"]),
        "starts_at": np.array(icols["starts_at"], dtype="datetime64[s]"),
        "city": np.array(icols["city"], dtype=object),
        "venue": np.array(icols["venue"]),
        "genres": np.array(icols["genres"], dtype=object),
        "artists": icols["artists"],  # any sequence of lists
        "ends_at": np.array(icols["ends_at"], dtype=np.int64),
        "tags": np.array([np.array(t, dtype=str) for t in icols["tags"]], dtype=object),
    }
    pcols = preference_columns(dataset)
    prefs = {
        "user_id": np.array(pcols["user_id"]),
        "genres": np.array(pcols["genres"], dtype=object),
        "artists": pcols["artists"],
        "cities": pcols["cities"],
    }
    assert summary(build(items, interactions, prefs), dataset) == expected
    # Plain lists for the scalar columns work too (numpy.asarray).
    assert summary(build(items, cols, prefs), dataset) == expected


def test_optional_columns_and_nulls_mean_defaults() -> None:
    items = pa.table(
        {
            "id": ["a", "b"],
            "starts_at": [2_000_000_000, 2_000_000_000],
            "city": pa.array([None, "cork"], pa.string()),
            "genres": pa.array([None, ["folk"]], pa.list_(pa.string())),
            "ends_at": pa.array([None, 2_000_003_600], pa.int64()),
            "venue": pa.nulls(2),  # an all-null column of type null
        }
    )
    interactions = pa.table({"user_id": ["ana"], "item_id": ["a"], "kind": ["save"], "timestamp": [1_700_000_000]})
    engine = craic.Engine.build(items, interactions)
    assert engine.item("a") == craic.Item("a", 2_000_000_000)
    assert engine.item("b") == craic.Item("b", 2_000_000_000, city="cork", genres=["folk"], ends_at=2_000_003_600)
    # pandas: an all-missing category column (a dictionary of doubles in Arrow) is absent.
    frame = pd.DataFrame({"id": ["a"], "starts_at": [2_000_000_000], "city": pd.Categorical([None])})
    assert craic.Engine.build(frame, []).item("a") == craic.Item("a", 2_000_000_000)


def test_empty_columns_of_any_dtype_are_empty() -> None:
    # `[]` in a dict of columns becomes a float64 numpy array: nobody stated a preference, and no
    # interaction yet, is not a type error.
    items = {"id": ["a"], "starts_at": [2_000_000_000]}
    empty: dict[str, list[Any]] = {"user_id": [], "item_id": [], "kind": [], "timestamp": []}
    engine = craic.Engine.build(items, empty, preferences={"user_id": [], "genres": []})
    assert engine.stats().interactions == 0
    assert [r.item_id for r in engine.recommend("new", now=1_700_000_000)] == ["a"]


def test_sliced_table(dataset: synthetic.Dataset) -> None:
    table = pa.table(interaction_columns(dataset)).slice(100, 700)
    rows = dataset.interactions[100:800]
    a = craic.Engine.build(dataset.items, table)
    b = craic.Engine.build(dataset.items, rows)
    assert a.stats() == b.stats()
    assert [a.neighbours(f"u{i}") for i in range(50)] == [b.neighbours(f"u{i}") for i in range(50)]


def test_service_and_record(dataset: synthetic.Dataset) -> None:
    half = len(dataset.interactions) // 2
    cols = pa.table(interaction_columns(dataset))
    svc = craic.Service(
        items=pd.DataFrame(item_columns(dataset)),
        interactions=cols.slice(0, half),
        preferences=pl.DataFrame(preference_columns(dataset)),
    )
    ref = craic.Service(
        items=dataset.items, interactions=dataset.interactions[:half], preferences=dataset.preferences
    )
    assert svc.stats() == ref.stats()
    svc.record(cols.slice(half))
    ref.record(dataset.interactions[half:])
    now = max(r.timestamp for r in dataset.interactions)
    assert svc.stats() == ref.stats()
    for u in ("u1", "u2", "u3"):
        assert svc.recommend(u, now=now) == ref.recommend(u, now=now)
    engine = craic.Engine.build(dataset.items, [])
    engine.record(pl.DataFrame(interaction_columns(dataset)))
    assert engine.stats().interactions == len(dataset.interactions)


# --- errors ----------------------------------------------------------------------------------------


def interactions_table(n: int = 4, **replace: Any) -> pa.Table:
    cols: dict[str, Any] = {
        "user_id": [f"u{i}" for i in range(n)],
        "item_id": ["a"] * n,
        "kind": ["save"] * n,
        "timestamp": [1_700_000_000 + i for i in range(n)],
    }
    cols.update(replace)
    return pa.table({k: v for k, v in cols.items() if v is not None})


ITEMS = [craic.Item("a", 2_000_000_000)]


def check(err: pytest.ExceptionInfo[craic.InvalidInputError], kind: str, row: int | None) -> None:
    assert err.value.kind == kind
    assert err.value.row == row


def test_missing_column() -> None:
    with pytest.raises(craic.InvalidInputError, match="required column `kind` is missing") as e:
        craic.Engine.build(ITEMS, interactions_table(kind=None))
    check(e, "invalid_config", None)
    with pytest.raises(craic.InvalidInputError, match="items: required column `starts_at`") as e:
        craic.Engine.build(pa.table({"id": ["a"]}), [])
    check(e, "invalid_config", None)
    with pytest.raises(craic.InvalidInputError, match="required column `user_id`") as e:
        craic.Engine.build(ITEMS, {"item_id": np.array(["a"])})
    check(e, "invalid_config", None)


def test_wrong_types() -> None:
    cases: list[tuple[Any, str]] = [
        (interactions_table(timestamp=["x"] * 4), "column `timestamp` has type Utf8"),
        (interactions_table(user_id=[1, 2, 3, 4]), "column `user_id` has type Int64"),
        (interactions_table(timestamp=[1.5] * 4), "column `timestamp` has type Float64"),
        ({**interactions_table().to_pydict(), "timestamp": np.array([1.5] * 4)}, "column `timestamp` is a numpy array of float64"),
        ({**interactions_table().to_pydict(), "user_id": np.zeros((2, 2))}, "column `user_id` is 2-dimensional"),
        ({**interactions_table().to_pydict(), "user_id": np.array([1, 2, 3, 4])}, "column `user_id` is a numpy array of int64"),
        (pa.array([1, 2, 3]), "expected a table of columns"),
    ]
    for table, match in cases:
        with pytest.raises(craic.InvalidInputError, match=match) as e:
            craic.Engine.build(ITEMS, table)
        check(e, "invalid_config", None)
    with pytest.raises(craic.InvalidInputError, match="column `genres` has type Utf8") as e:
        craic.Engine.build(pa.table({"id": ["a"], "starts_at": [1], "genres": ["folk|trad"]}), [])
    check(e, "invalid_config", None)
    with pytest.raises(craic.InvalidInputError, match="`kind` has 3 rows but `user_id` has 4") as e:
        craic.Engine.build(ITEMS, {**interactions_table().to_pydict(), "kind": np.array(["save"] * 3)})
    check(e, "invalid_config", None)


def test_null_where_a_value_is_required() -> None:
    users: list[str | None] = [f"u{i}" for i in range(700)]
    users[650] = None
    chunked = pa.Table.from_batches(interactions_table(700, user_id=users).to_batches(max_chunksize=256))
    cases: list[tuple[Any, str, str, int]] = [
        (interactions_table(user_id=["a", None, "c", "d"]), "invalid_id", "row 1: column `user_id` is null", 1),
        (interactions_table(item_id=["a", "a", "a", None]), "invalid_id", "row 3: column `item_id`", 3),
        (interactions_table(kind=pa.array(["save", None, "save", "save"]).dictionary_encode()), "unknown_kind", "column `kind` is null", 1),
        (interactions_table(timestamp=[1, 2, None, 4]), "invalid_timestamp", "row 2: column `timestamp`", 2),
        (chunked, "invalid_id", "row 650: column `user_id` is null", 650),
        (pl.DataFrame(interactions_table(user_id=["a", "b", None, "d"])), "invalid_id", "row 2", 2),
        ({**interactions_table().to_pydict(), "user_id": np.array(["a", None, "c", "d"], dtype=object)}, "invalid_id", "row 1", 1),
        ({**interactions_table().to_pydict(), "timestamp": np.array(["2024-01-01", "NaT", "2024-01-01", "2024-01-01"], dtype="datetime64[s]")}, "invalid_timestamp", "row 1", 1),
    ]
    for table, kind, match, row in cases:
        with pytest.raises(craic.InvalidInputError, match=match) as e:
            craic.Engine.build(ITEMS, table)
        check(e, kind, row)


def test_bad_items_and_preferences() -> None:
    cases: list[tuple[Any, Any, str, str, int]] = [
        (pa.table({"id": ["a", None], "starts_at": [1, 2]}), None, "invalid_id", "items row 1: column `id` is null", 1),
        (pa.table({"id": ["a", "b"], "starts_at": [1, None]}), None, "invalid_timestamp", "column `starts_at` is null", 1),
        (pa.table({"id": ["a", "b"], "starts_at": [1, 2], "genres": [["x"], ["y", None]]}), None, "invalid_item", "items row 1: column `genres` holds a null string", 1),
        ({"id": np.array(["a", "b"]), "starts_at": np.array([1, 2]), "tags": [["x"], "outdoor"]}, None, "invalid_item", "row 1: column `tags` holds a str", 1),
        ({"id": np.array(["a", "b"]), "starts_at": np.array([1, 2]), "city": np.array(["x", 3], dtype=object)}, None, "invalid_item", "row 1: column `city` holds a int", 1),
        (ITEMS, pa.table({"user_id": ["ana", None]}), "invalid_id", "preferences row 1: column `user_id` is null", 1),
        (ITEMS, pa.table({"user_id": ["ana", "ben"], "cities": [None, [None]]}), "invalid_config", "preferences row 1: column `cities` holds a null string", 1),
        (ITEMS, pa.table({"user_id": ["a", "b"], "cities": pa.array([[], ["x", None]], pa.list_(pa.string()))}), "invalid_config", "row 1: column `cities` holds a null", 1),
    ]
    for items, prefs, kind, match, row in cases:
        with pytest.raises(craic.InvalidInputError, match=match) as e:
            craic.Engine.build(items, [], preferences=prefs)
        check(e, kind, row)


def test_values_the_core_rejects_keep_their_row() -> None:
    table = interactions_table(item_id=["a", "a", "nope", "a"])
    with pytest.raises(craic.NotFoundError) as e:
        craic.Engine.build(ITEMS, table)
    assert (e.value.kind, e.value.row) == ("unknown_item", 2)
    with pytest.raises(craic.InvalidInputError) as e2:
        craic.Engine.build(ITEMS, interactions_table(timestamp=[1, 2, 3, -(2**62)]))
    assert (e2.value.kind, e2.value.row) == ("invalid_timestamp", 3)
    with pytest.raises(craic.CraicError) as e3:
        craic.Service(items=ITEMS, interactions=interactions_table(kind=["save", "zap", "save", "save"]))
    assert (e3.value.kind, e3.value.row) == ("unknown_kind", 1)


def test_rows_still_work_and_are_not_tables(dataset: synthetic.Dataset) -> None:
    # A {user_id: Preferences} mapping is not columnar, even for a user called "user_id".
    prefs = {"user_id": craic.Preferences(genres=["folk"])}
    engine = craic.Engine.build(dataset.items, dataset.interactions[:10], preferences=prefs)
    assert engine.preferences("user_id") == prefs["user_id"]
    with pytest.raises(TypeError, match="argument 'items'"):
        craic.Engine.build(3, [])  # type: ignore[arg-type]


def test_an_optional_rank_column_reaches_the_log(tmp_path: Any) -> None:
    """`rank` (nullable: only impressions have one) from pyarrow, pandas' nullable `Int64`,
    polars and numpy, read back from a store; a negative rank is `out_of_range` with its row, a
    rank on another kind the core's `invalid_rank`."""
    store = craic.Store(f"sqlite://{tmp_path / 'ranks.db'}")
    store.upsert_items([craic.Item("gig", 2_000_000_000)])
    t = 1_700_000_000

    def cols(users: list[str]) -> dict[str, list[Any]]:
        n = len(users)
        return {"user_id": users, "item_id": ["gig"] * n, "kind": ["impression"] * n}

    arrow = pa.table({**cols(["a", "b", "c"]), "timestamp": [t, t, t], "rank": [0, None, 5]})
    frame = pd.DataFrame({**cols(["d", "e"]), "timestamp": [t, t]})
    frame["rank"] = pd.array([None, 2], dtype="Int64")
    polars = pl.DataFrame({**cols(["f"]), "timestamp": [t], "rank": [7]})
    numpy = {k: np.array(v) for k, v in {**cols(["g"]), "timestamp": [t], "rank": [1]}.items()}
    for table in (arrow, frame, polars, numpy):
        store.append(table)
    ranks = [(r.interaction.user_id, r.interaction.rank) for r in store.read_log(0, 100).records]
    want = [("a", 0), ("b", None), ("c", 5), ("d", None), ("e", 2), ("f", 7), ("g", 1)]
    assert ranks == want

    negative = pa.table({**cols(["h", "i"]), "timestamp": [t, t], "rank": [0, -1]})
    with pytest.raises(craic.InvalidInputError) as bad:
        store.append(negative)
    assert (bad.value.kind, bad.value.row) == ("out_of_range", 1)
    on_a_save = {"user_id": ["j"], "item_id": ["gig"], "kind": ["save"], "timestamp": [t], "rank": [3]}
    with pytest.raises(craic.InvalidInputError) as ranked:
        store.append(pa.table(on_a_save))
    assert ranked.value.kind == "invalid_rank"
    with pytest.raises(craic.InvalidInputError) as typed:
        store.append(pa.table({**cols(["k"]), "timestamp": [t], "rank": ["top"]}))
    assert typed.value.kind == "invalid_config"
    assert len(store.read_log(0, 100).records) == 7
