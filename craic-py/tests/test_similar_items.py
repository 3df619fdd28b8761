"""Similar events and the item-based strategy on the shared fixture testdata/similar.json (the
same lists, components and reasons as the Rust and Node tests), the Service's similar_items,
and typed errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import craic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "similar.json"


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


@pytest.fixture(scope="module")
def engine(data: dict[str, Any]) -> craic.Engine:
    return craic.Engine.build([craic.Item(**i) for i in data["items"]], data["interactions"])


def test_fixture_similar_items(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["similar"]:
        recs = engine.similar_items(
            case["item"], k=case["k"], now=case.get("now", data["now"]), city=case.get("city")
        )
        assert [r.item_id for r in recs] == case["expect"], case
        firsts = [r.explanation[0] for r in recs if r.explanation]
        assert [c.component for c in firsts] == case["components"], case
        assert [c.reason for c in firsts] == case["reasons"], case


def test_fixture_item_based_strategy(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["item_based"]:
        recs = engine.recommend(
            case["user"], k=case["k"], strategy=craic.Strategy.ITEM_BASED, now=data["now"], explain=True
        )
        assert [r.item_id for r in recs] == case["expect"], case
        assert recs[0].explanation
        first = recs[0].explanation[0]
        assert (first.component, first.reason) == (case["component"], case["reason"])
    assert craic.Strategy.ITEM_BASED.value == "item_based"


def test_fixture_errors_are_typed(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["errors"]:
        with pytest.raises(craic.CraicError) as err:
            engine.similar_items(case["item"], k=case["k"], now=data["now"])
        assert err.value.kind == case["kind"], case
    with pytest.raises(craic.NotFoundError):
        engine.similar_items("nope", now=data["now"])
    with pytest.raises(craic.InvalidInputError):
        engine.similar_items("a", k=-1, now=data["now"])


def test_item_neighbours_and_config(engine: craic.Engine) -> None:
    assert [i for i, _ in engine.item_neighbours("a")] == ["b", "c"]
    assert engine.item_neighbours("nope") == []
    assert craic.Config().item_neighbours == 50
    assert craic.Config(item_neighbours=5).item_neighbours == 5
    with pytest.raises(craic.InvalidInputError):
        craic.Config(item_neighbours=0)


def test_service_similar_items(data: dict[str, Any]) -> None:
    svc = craic.Service(items=[craic.Item(**i) for i in data["items"]], interactions=data["interactions"])
    case = data["similar"][0]
    recs = svc.similar_items(case["item"], k=case["k"], now=data["now"])
    assert [r.item_id for r in recs] == case["expect"]
    with pytest.raises(craic.NotFoundError):
        svc.similar_items("nope", now=data["now"])
