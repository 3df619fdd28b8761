"""Similar events on the shared fixture testdata/similar.json (the same lists, components and
reasons as the Rust and Node tests), the Service's similar_items, freshness after a record, and
typed errors."""

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


def test_fixture_errors_are_typed(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["errors"]:
        with pytest.raises(craic.CraicError) as err:
            engine.similar_items(case["item"], k=case["k"], now=data["now"])
        assert err.value.kind == case["kind"], case
    with pytest.raises(craic.NotFoundError):
        engine.similar_items("nope", now=data["now"])
    with pytest.raises(craic.InvalidInputError):
        engine.similar_items("a", k=-1, now=data["now"])


def test_service_similar_items(data: dict[str, Any]) -> None:
    svc = craic.Service(items=[craic.Item(**i) for i in data["items"]], interactions=data["interactions"])
    case = data["similar"][0]
    recs = svc.similar_items(case["item"], k=case["k"], now=data["now"])
    assert [r.item_id for r in recs] == case["expect"]
    with pytest.raises(craic.NotFoundError):
        svc.similar_items("nope", now=data["now"])
    # Co-engagement is read from the live model: two people engaging with d and new make new
    # d's first similar event at once.
    t = data["now"]
    svc.record([("p1", "d", "save", t), ("p1", "new", "save", t), ("p2", "d", "save", t), ("p2", "new", "click", t)])
    first = svc.similar_items("d", k=3, now=t)[0]
    assert first.item_id == "new"
    assert first.explanation and first.explanation[0].component == "item_based"
    assert first.explanation[0].reason == "2 people interacted with both"
