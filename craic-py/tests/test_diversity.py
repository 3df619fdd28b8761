"""Re-ranking for variety on the shared fixture testdata/diversity.json (the same lists as the
Rust and Node tests), caps for every strategy, and typed errors for bad options."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import craic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "diversity.json"


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


@pytest.fixture(scope="module")
def engine(data: dict[str, Any]) -> craic.Engine:
    return craic.Engine.build([craic.Item(**i) for i in data["items"]], data["interactions"])


def test_fixture_lists(data: dict[str, Any], engine: craic.Engine) -> None:
    for case in data["cases"]:
        recs = engine.recommend(
            data["user"],
            k=case["k"],
            strategy=data["strategy"],
            now=data["now"],
            diversity=case.get("diversity", 0.0),
            max_per_artist=case.get("max_per_artist"),
            max_per_venue=case.get("max_per_venue"),
        )
        assert [r.item_id for r in recs] == case["expect"], case


def test_caps_hold_for_every_strategy(data: dict[str, Any], engine: craic.Engine) -> None:
    caps = data["caps"]
    items = {i["id"]: i for i in data["items"]}
    for strategy in ("popularity", "collaborative", "content", "hybrid", "item_based"):
        for user in caps["users"]:
            recs = engine.recommend(
                user,
                k=caps["k"],
                strategy=strategy,
                now=data["now"],
                max_per_artist=caps["max_per_artist"],
                max_per_venue=caps["max_per_venue"],
            )
            assert len(recs) == caps["k"]
            artists = Counter(a for r in recs for a in items[r.item_id]["artists"])
            venues = Counter(items[r.item_id]["venue"] for r in recs)
            assert max(artists.values()) <= caps["max_per_artist"]
            assert max(venues.values()) <= caps["max_per_venue"]


def test_diversity_zero_is_the_plain_ranking(data: dict[str, Any], engine: craic.Engine) -> None:
    now = data["now"]
    assert engine.recommend("u0", k=4, now=now, diversity=0.0) == engine.recommend("u0", k=4, now=now)


@pytest.mark.parametrize(
    ("options", "kind"),
    [
        ({"diversity": math.nan}, "invalid_weight"),
        ({"diversity": 1.5}, "invalid_weight"),
        ({"diversity": -0.5}, "invalid_weight"),
        ({"max_per_artist": 0}, "out_of_range"),
        ({"max_per_venue": 0}, "out_of_range"),
        ({"max_per_artist": -1}, "out_of_range"),
    ],
)
def test_bad_options_are_typed(
    data: dict[str, Any], engine: craic.Engine, options: dict[str, Any], kind: str
) -> None:
    with pytest.raises(craic.CraicError) as err:
        engine.recommend("u0", k=3, now=data["now"], **options)
    assert err.value.kind == kind


def test_fixture_metrics(data: dict[str, Any], engine: craic.Engine) -> None:
    ev = data["evaluate"]
    for case in ev["cases"]:
        m = craic.evaluation.evaluate(
            engine, ev["test"], k=ev["k"], strategy=data["strategy"], diversity=case["diversity"]
        )
        for name, want in case["expect"].items():
            assert abs(getattr(m, name) - want) < 1e-12, (name, case)
        assert {"intra_list_diversity", "novelty", "gini"} <= set(m.as_dict())
