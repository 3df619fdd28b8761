"""craic.Store from Python: an SQLite file store (the embedded default), the log's idempotency
and cursor, loading an engine and tailing it, the model registry, experiments, retrain runs, and
typed errors (bad URL, a server that is down, a version published twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

import craic
from craic.experiments import Experiment
from craic.store import Store

FUTURE = 2_000_000_000
T = 1_700_000_000
ITEMS = [
    craic.Item("rave", FUTURE, city="dublin", genres=["techno"]),
    craic.Item("trad", FUTURE, city="dublin", genres=["folk"]),
    craic.Item("jazz", FUTURE, city="cork", genres=["jazz"]),
]


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return craic.Store(f"sqlite://{tmp_path / 'craic.db'}")


def test_idempotent_log_and_load_then_tail(store: Store, tmp_path: Path) -> None:
    store.upsert_items(ITEMS)
    store.set_preferences({"ana": craic.Preferences(genres=["folk"], cities=["dublin"])})
    assert sorted(i.id for i in store.items()) == ["jazz", "rave", "trad"]
    assert store.preferences()["ana"].genres == ["folk"]
    first = [("ana", "rave", "save", T), ("ben", "rave", "save", T + 1)]
    report = store.append(first)
    assert (report.inserted, report.duplicates, report.new_indices) == (2, 0, [0, 1])
    again = store.append(first)
    assert (again.inserted, again.duplicates, again.new_indices) == (0, 2, [])
    keyed = store.append([("ben", "trad", "click", T + 2)], keys=["evt-3"])
    assert keyed.inserted == 1
    page = store.read_log(0, 2)
    assert [r.interaction.user_id for r in page.records] == ["ana", "ben"]
    rest = store.read_log(page.next, 10)
    assert [r.key for r in rest.records] == ["evt-3"]
    assert store.log_head() == rest.records[0].cursor

    loaded = store.load_engine()
    assert loaded.interactions == 3 and loaded.skipped == []
    store.append([("cy", "rave", "save", T + 3), ("cy", "trad", "save", T + 4)])
    tailed = store.tail(loaded.engine, loaded.cursor)
    assert tailed.interactions == 2
    assert store.tail(loaded.engine, tailed.cursor).interactions == 0
    once = store.load_engine()
    for user in ("ana", "ben", "cy"):
        assert loaded.engine.recommend(user, now=T) == once.engine.recommend(user, now=T)
    # The file persists: a second handle sees everything.
    assert len(craic.Store(f"sqlite://{tmp_path / 'craic.db'}").read_log(0, 100).records) == 5


def test_registry_experiments_and_retrain_runs(store: Store) -> None:
    engine = craic.Engine()
    engine.upsert_items(ITEMS)
    data = engine.to_snapshot(version="v1", created_at=T)
    store.publish_model("v1", data, metrics_json='{"ndcg@10": 0.2}', trained_at=T)
    current = store.current_model()
    assert current is not None and current.version == "v1" and current.bytes == data
    restored, meta = craic.Engine.from_snapshot(current.bytes)
    assert restored.stats().items == 3 and meta.version == "v1"
    with pytest.raises(craic.InvalidInputError) as conflict:
        store.publish_model("v1", data, trained_at=T)
    assert conflict.value.kind == "conflict"
    with pytest.raises(craic.NotFoundError) as missing:
        store.set_current_model("v9")
    assert missing.value.kind == "not_found"
    assert [(m.version, m.current, m.bytes) for m in store.models()] == [("v1", True, None)]

    feed = Experiment("feed", [("control", 0.5, "popularity"), ("hybrid", 0.5, "hybrid")],
                      coverage=0.9)
    store.put_experiment(feed)
    assert store.experiments() == [feed]
    assert store.assign("feed", "ana", "hybrid") == ("hybrid", True)
    assert store.assign("feed", "ana", "control") == ("hybrid", False)
    assert store.record_exposure("feed", "ana", "hybrid", "x1", T)
    assert not store.record_exposure("feed", "ana", "hybrid", "x1", T)
    assert store.record_conversion("feed", "ana", "hybrid", "c1", T, value=2.0)
    counts = {c.variant: (c.assignments, c.exposures, c.conversions, c.conversion_value)
              for c in store.experiment_counts("feed")}
    assert counts == {"control": (0, 0, 0, 0.0), "hybrid": (1, 1, 1, 2.0)}

    run_id = store.record_retrain(started_at=T, finished_at=T + 5, outcome="published",
                                  version="v1", interactions=3)
    [run] = store.retrain_runs(10)
    assert (run.id, run.outcome, run.version) == (run_id, "published", "v1")


def test_bad_urls_and_a_server_that_is_down() -> None:
    with pytest.raises(craic.InvalidInputError) as bad:
        craic.Store("postgres://x")
    assert bad.value.kind == "invalid_url"
    with pytest.raises(craic.StorageError) as down:
        craic.Store("mysql://root:secret@127.0.0.1:1/craic")
    assert down.value.kind == "unavailable"
    assert "secret" not in str(down.value)


def test_bad_rows_are_typed_errors(store: Store) -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        store.append([("a", "b", "save", T * 1000)])
    assert e.value.kind == "invalid_timestamp"
    with pytest.raises(craic.InvalidInputError) as keys:
        store.append([("a", "b", "save", T)], keys=["k1", "k2"])
    assert keys.value.kind == "invalid_config"


def test_impression_ranks_are_stored(store: Store) -> None:
    """The store suite's rank scenario (craic-store/tests/common/suite/log.rs), as in Node's
    store.test.js: ranks read back as appended, the first stays when a showing is re-sent with
    another rank, and a rank on another kind or a negative one is a typed error."""
    store.upsert_items(ITEMS)
    top = 2**32 - 1
    rows: list[object] = [
        ("ana", "rave", "impression", T, 3),
        craic.Interaction("ana", "trad", "impression", T),
        {"user_id": "ben", "item_id": "rave", "kind": "save", "timestamp": T + 1, "rank": None},
        craic.Interaction("ben", "trad", "impression", T + 2, rank=top),
    ]
    assert store.append(rows).inserted == 4  # type: ignore[arg-type]
    resent = store.append([("ana", "rave", "impression", T, 7)])
    assert (resent.inserted, resent.duplicates) == (0, 1)
    page = store.read_log(0, 100)
    assert [r.interaction.rank for r in page.records] == [3, None, None, top]
    assert page.records[0].interaction == craic.Interaction("ana", "rave", "impression", T, 3)
    assert "rank=3" in repr(page.records[0].interaction)

    with pytest.raises(craic.InvalidInputError) as bad:
        store.append([("cy", "rave", "impression", T, 0), ("cy", "rave", "click", T + 3, 1)])
    assert bad.value.kind == "invalid_rank"
    with pytest.raises(craic.InvalidInputError) as negative:
        store.append([("cy", "rave", "impression", T, 0), ("cy", "rave", "impression", T, -1)])
    assert (negative.value.kind, negative.value.row) == ("out_of_range", 1)  # in the conversion
    with pytest.raises(craic.InvalidInputError) as neg_class:
        craic.Interaction("cy", "rave", "impression", T, rank=-1)
    assert neg_class.value.kind == "out_of_range"
    assert store.log_head() == page.next, "nothing written"

    loaded = store.load_engine()
    assert (loaded.interactions, loaded.skipped) == (4, [])
    store.append([craic.Interaction("cy", "trad", "impression", T + 4, rank=0)])
    assert store.tail(loaded.engine, loaded.cursor).interactions == 1
    assert store.read_log(loaded.cursor, 10).records[0].interaction.rank == 0
