"""The item-based strategy on the shared fixture testdata/item_based.json (the same neighbours,
lists, scores and reasons as the Rust and Node tests, computed from the formula), fill-up, and
the typed error when the engine keeps no item lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import craic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "item_based.json"
TOLERANCE = 1e-6  # similarities are kept as 32-bit floats


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


def build(data: dict[str, Any], config: craic.Config) -> craic.Engine:
    items = [craic.Item(**i) for i in data["items"]]
    return craic.Engine.build(items, data["interactions"], config=config)


@pytest.fixture(scope="module")
def engine(data: dict[str, Any]) -> craic.Engine:
    return build(data, craic.Config(**data["config"]))


def test_config_item_neighbours(data: dict[str, Any]) -> None:
    assert craic.Config().item_neighbours == 0
    config = craic.Config(**data["config"])
    assert config.item_neighbours == data["config"]["item_neighbours"]
    assert "item_neighbours=3" in repr(config)
    with pytest.raises(craic.InvalidInputError) as err:
        craic.Config(item_neighbours=1001)
    assert err.value.kind == "invalid_config"


def test_fixture_item_neighbours(data: dict[str, Any], engine: craic.Engine) -> None:
    for item, expected in data["neighbours"].items():
        got = engine.item_neighbours(item)
        assert [g[0] for g in got] == [e[0] for e in expected], item
        assert all(abs(g[1] - e[1]) < TOLERANCE for g, e in zip(got, expected))


def test_fixture_item_based(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["recommend"]:
        for strategy in (craic.Strategy.ITEM_BASED, "item_based"):
            recs = engine.recommend(
                case["user"], k=case["k"], strategy=strategy, now=data["now"], explain=True
            )
            assert [r.item_id for r in recs] == case["expect"], case
            assert all(abs(r.score - s) < TOLERANCE for r, s in zip(recs, case["scores"]))
            parts = [r.explanation for r in recs if r.explanation]
            assert [p[0].component for p in parts] == ["item_based"] * len(recs)
            assert [p[0].reason for p in parts] == case["reasons"], case


def test_fill_up(data: dict[str, Any], engine: craic.Engine) -> None:
    case = data["fill_up"]
    recs = engine.recommend(
        case["user"], k=case["k"], strategy="item_based", now=data["now"], explain=True
    )
    components = [r.explanation[0].component for r in recs if r.explanation]
    n = case["item_based"]
    assert components == ["item_based"] * n + ["popularity"] * (case["k"] - n)


def test_off_is_a_typed_error(data: dict[str, Any]) -> None:
    off = build(data, craic.Config())
    assert off.item_neighbours("a") == []
    with pytest.raises(craic.InvalidInputError) as err:
        off.recommend("fan", k=3, strategy=craic.Strategy.ITEM_BASED, now=data["now"])
    assert err.value.kind == "invalid_config"
    assert craic.Strategy.ITEM_BASED.value == "item_based"


def test_learned_blend_weighs_item_based_when_on() -> None:
    # Enough users that the holdout (each one's last save) has MIN_HOLDOUT_USERS (as in Rust).
    t0 = 1_700_000_000
    items = [craic.Item(id=f"e{n}", starts_at=t0 + 10_000_000) for n in range(12)]
    log = [
        {
            "user_id": f"u{u}",
            "item_id": f"e{(u + s * (1 + u % 3)) % 12}",
            "kind": "save",
            "timestamp": t0 + 1_000 * s + u,
        }
        for u in range(600)
        for s in range(4)
    ]
    on = craic.Engine.build(items, log, config=craic.Config(item_neighbours=5))
    report = on.blend_report()
    assert report is not None
    assert report.components == ["collaborative", "content", "popularity", "appeal", "item_based"]
    assert on.blend_weights("u1").item_based >= 0.0
    off = craic.Engine.build(items, log)
    off_report = off.blend_report()
    assert off_report is not None and "item_based" not in off_report.components
    assert off.blend_weights("u1").item_based == 0.0
    # A log too young to learn from (the shared fixture's few users) serves the fixed blend.
    young = build(data_fixture(), craic.Config(item_neighbours=3, blend="learned"))
    assert young.blend_report() is None


def data_fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


def test_pickle_keeps_the_item_lists(data: dict[str, Any], engine: craic.Engine) -> None:
    import pickle

    back = pickle.loads(pickle.dumps(engine))
    assert back.config.item_neighbours == data["config"]["item_neighbours"]
    for item in data["neighbours"]:
        assert back.item_neighbours(item) == engine.item_neighbours(item)
    case = data["recommend"][0]

    def ids(e: craic.Engine) -> list[str]:
        recs = e.recommend(case["user"], k=case["k"], strategy="item_based", now=data["now"])
        return [r.item_id for r in recs]
    assert ids(back) == ids(engine) == case["expect"]


def test_max_user_items_is_the_item_sides_cost_guard() -> None:
    # The Rust test's log (craic-core/tests/item_based.rs): "heavy" saved five events, "light"
    # two; with the guard at 4 heavy leaves item-item overlap and c (only theirs) has no
    # neighbours, at 5 it has three.
    t = 1_700_000_000
    items = [craic.Item(id=i, starts_at=t + 10_000_000) for i in "abcdef"]
    log = [("heavy", i, "save", t + n) for n, i in enumerate("abcde")]
    log += [("light", "a", "save", t + 10), ("light", "b", "save", t + 11)]

    def build_with(cap: int) -> craic.Engine:
        config = craic.Config(item_neighbours=3, min_overlap=1, max_user_items=cap)
        assert config.max_user_items == cap and f"max_user_items={cap}" in repr(config)
        return craic.Engine.build(items, log, config=config)

    guarded = build_with(4)
    assert guarded.item_neighbours("c") == []
    assert guarded.item_neighbours("a")[0][0] == "b"
    opened = build_with(5)
    names = [n for n, _ in opened.item_neighbours("c")]
    assert len(names) == 3 and set(names) <= {"a", "b", "d", "e"}
    opened.record([("heavy", "f", "save", t + 20)])
    assert opened.item_neighbours("c") == []
    loaded = craic.Engine.from_snapshot(guarded.to_snapshot())[0]
    assert loaded.config.max_user_items == 4
    assert craic.Config().max_user_items == 100
    for bad in (0, 1, 100_001):
        with pytest.raises(craic.InvalidInputError) as err:
            craic.Config(max_user_items=bad)
        assert err.value.kind == "invalid_config"
