"""The linear item model (EASE) behind the item_based strategy, on the shared fixture
testdata/linear_items.json (the same lists, scores and reasons as the Rust and Node tests,
computed from the formula by testdata/make_linear_items.py): a live history between retrains,
rebuild() fitting an engine fed by records, snapshots, the learned blend, typed errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import craic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "linear_items.json"
TOLERANCE = 1e-6  # the weights are kept as 32-bit floats


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


def config(data: dict[str, Any]) -> craic.Config:
    return craic.Config(**data["config"], blend="fixed")


def items(data: dict[str, Any]) -> list[craic.Item]:
    return [craic.Item(**i) for i in data["items"]]


def check(engine: craic.Engine, case: dict[str, Any], now: int) -> None:
    recs = engine.recommend(case["user"], k=case["k"], strategy="item_based", now=now, explain=True)
    assert [r.item_id for r in recs] == case["expect"], case
    assert all(abs(r.score - s) < TOLERANCE for r, s in zip(recs, case["scores"]))
    parts = [r.explanation for r in recs if r.explanation]
    assert [p[0].component for p in parts] == ["item_based"] * len(recs)
    assert [p[0].reason for p in parts] == case["reasons"], case


def test_fixture_scores_with_a_recency_focus(data: dict[str, Any]) -> None:
    focus = data["focus"]
    c = craic.Config(**{**data["config"], **focus["config"]}, blend="fixed")
    assert (c.half_life_secs, c.linear_focus) == (focus["config"]["half_life_secs"], 1.0)
    e = craic.Engine.build(items(data), data["interactions"], config=c)
    for case in focus["recommend"]:
        check(e, case, data["now"])


def test_config_linear_items(data: dict[str, Any]) -> None:
    default = craic.Config()
    assert (default.linear_items, default.linear_l2) == (0, 250.0)
    c = config(data)
    assert (c.linear_items, c.linear_l2) == (5, 0.5)
    assert "linear_items=5, linear_l2=0.5" in repr(c)
    with pytest.raises(craic.InvalidInputError) as err:
        craic.Config(linear_items=4001)
    assert err.value.kind == "invalid_config"
    for l2 in (0.0, -1.0, math.nan):
        with pytest.raises(craic.InvalidInputError) as err:
            craic.Config(linear_items=10, linear_l2=l2)
        assert err.value.kind == "invalid_weight"
    assert default.linear_focus == 10.0
    assert "linear_focus=2.0" in repr(craic.Config(linear_focus=2.0))
    for focus in (-1.0, math.nan, math.inf):
        with pytest.raises(craic.InvalidInputError) as err:
            craic.Config(linear_focus=focus)
        assert err.value.kind == "invalid_weight"


def test_fixture_is_the_closed_form(data: dict[str, Any]) -> None:
    engine = craic.Engine.build(items(data), data["interactions"], config=config(data))
    for case in data["recommend"]:
        check(engine, case, data["now"])
    loaded, _ = craic.Engine.from_snapshot(engine.to_snapshot())
    for case in data["recommend"]:
        check(loaded, case, data["now"])


def test_a_record_moves_the_scores(data: dict[str, Any]) -> None:
    engine = craic.Engine.build(items(data), data["interactions"], config=config(data))
    after = data["after_record"]
    engine.record([after["interaction"]])
    check(engine, after, data["now"])


def test_rebuild_fits_an_engine_fed_by_records(data: dict[str, Any]) -> None:
    engine = craic.Engine(config(data))
    engine.upsert_items(items(data))
    engine.record(data["interactions"])
    case = data["recommend"][0]
    before = engine.recommend(case["user"], k=case["k"], strategy="item_based", now=data["now"], explain=True)
    assert [r.explanation[0].component for r in before if r.explanation] == ["popularity"] * case["k"]
    engine.rebuild()
    for case in data["recommend"]:
        check(engine, case, data["now"])


def test_the_learned_blend_weighs_it() -> None:
    t0 = 1_700_000_000
    events = [craic.Item(f"e{n}", t0 + 10_000_000) for n in range(12)]
    log = [
        (f"u{u}", f"e{(u + s * (1 + u % 3)) % 12}", "save", t0 + 1_000 * s + u)
        for u in range(600)
        for s in range(4)
    ]
    on = craic.Engine.build(events, log, config=craic.Config(linear_items=12, linear_l2=10.0))
    report = on.blend_report()
    assert report is not None
    assert report.components[-1] == "item_based"
