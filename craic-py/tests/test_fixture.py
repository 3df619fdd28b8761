"""testdata/fixture.json, asserted from Python (craic-core/tests/fixture.rs asserts it from Rust)."""

from __future__ import annotations

from typing import Any

import craic

from conftest import items_of, prefs_of


def engines(data: dict[str, Any]) -> list[tuple[str, craic.Engine]]:
    built = craic.Engine.build(items_of(data), data["interactions"], preferences=prefs_of(data))
    incremental = craic.Engine()
    incremental.upsert_items(items_of(data))
    for user, p in prefs_of(data).items():
        incremental.set_preferences(user, p)
    for row in data["interactions"]:
        incremental.record_one(row["user_id"], row["item_id"], row["kind"], row["timestamp"])
    return [("build", built), ("incremental", incremental)]


def test_neighbours(data: dict[str, Any]) -> None:
    for how, e in engines(data):
        e.verify_neighbours()  # raises PoisonedError on a difference
        for case in data["neighbours"]:
            n = e.neighbours(case["user"])
            assert n[0][0] == case["first"], (how, n)
            assert n[0][1] >= case["min_similarity"], (how, n)


def test_recommendations(data: dict[str, Any]) -> None:
    assert len(data["recommend"]) >= 10
    checked = 0
    for how, e in engines(data):
        for case in data["recommend"]:
            for strategy in case["strategies"]:
                recs = e.recommend(
                    case["user"],
                    k=case["k"],
                    strategy=strategy,
                    now=case.get("now", data["now"]),
                    city=case.get("city"),
                    exclude=case.get("exclude", []),
                    explain=case.get("explain", False),
                )
                got = [r.item_id for r in recs]
                ctx = (how, case["user"], strategy, got)
                top, top_set = case.get("top", []), case.get("top_set", [])
                assert got[: len(top)] == top, ctx
                assert sorted(got[: len(top_set)]) == sorted(top_set), ctx
                assert not set(case.get("never", [])) & set(got), ctx
                if "len" in case:
                    assert len(got) == case["len"], ctx
                if "first_reason" in case or "first_component" in case:
                    explanation = recs[0].explanation
                    assert explanation is not None, ctx
                    first = explanation[0]
                    assert first.reason == case.get("first_reason", first.reason), ctx
                    assert first.component == case.get("first_component", first.component), ctx
                checked += 1
    assert checked >= 2 * 20
