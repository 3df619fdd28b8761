"""Impressions from Python: exposure-aware demotion, impressions never counting as engagement,
typed errors for bad impressions, `exclude_touched`, and `Service.recommend(log_impressions=True)`.
The same scenario, with the same expected lists, runs in Rust (craic-core/tests/impressions.rs)
and Node (craic-node/test/impressions.test.js)."""

from __future__ import annotations

from pathlib import Path

import pytest

import craic


def shown(user: str, item: str, n: int, at: int) -> list[tuple[str, str, int, int]]:
    return [(user, item, at + 60 * x, 0) for x in range(n)]


def ids(recs: list[craic.Recommendation]) -> list[str]:
    return [r.item_id for r in recs]


def test_demotion_grows_with_showings_and_recovers(engine: craic.Engine, now: int) -> None:
    before = engine.recommend("dan", k=3, strategy="popularity", now=now)
    assert ids(before) == ["rave", "techcork", "trad"]
    engine.record_impressions(shown("dan", "rave", 6, now - 3600))
    after = engine.recommend("dan", k=3, strategy="popularity", now=now)
    assert ids(after) == ["techcork", "trad", "warehouse"]
    demoted = engine.recommend("dan", k=7, strategy="popularity", now=now)
    assert [r.score for r in demoted if r.item_id == "rave"][0] < before[0].score
    [(item, count)] = engine.exposure("dan", now)
    assert item == "rave" and 5.9 < count < 6.0
    later = engine.recommend("dan", k=3, strategy="popularity", now=now + 10 * 86_400)
    assert later[0].item_id == "rave" and later[0].score == before[0].score
    # Engagement ends it.
    engine.record_one("dan", "rave", "click", now - 60)
    assert engine.exposure("dan", now) == []


def test_disabled_demotion_and_no_engagement(data: dict[str, object], now: int) -> None:
    from conftest import items_of, prefs_of

    rows = data["interactions"]
    off = craic.Config(exposure_demotion=0.0)
    assert off.exposure_demotion == 0.0 and craic.Config().exposure_demotion == 0.5
    plain = craic.Engine.build(items_of(data), rows, preferences=prefs_of(data), config=off)  # type: ignore[arg-type]
    seen = craic.Engine.build(items_of(data), rows, preferences=prefs_of(data), config=off)  # type: ignore[arg-type]
    for user in ["ana", "ben", "cat", "dan", "eve"]:
        for item in ["rave", "trad", "standup", "jazzcork"]:
            seen.record_impressions(shown(user, item, 3, now - 3600))
    for user in ["ana", "ben", "cat", "dan", "eve", "newbie"]:
        assert seen.neighbours(user) == plain.neighbours(user)
        for s in ["popularity", "collaborative", "content", "hybrid"]:
            a = seen.recommend(user, k=5, strategy=s, now=now, explain=True)
            assert a == plain.recommend(user, k=5, strategy=s, now=now, explain=True)
    assert seen.stats().cells == plain.stats().cells
    with pytest.raises(craic.InvalidInputError) as bad:
        craic.Config(exposure_demotion=float("nan"))
    assert bad.value.kind == "invalid_weight"


def test_bad_impressions_are_typed_and_change_nothing(engine: craic.Engine, now: int) -> None:
    before = engine.stats()
    with pytest.raises(craic.InvalidInputError) as neg:
        engine.record_impressions([("ana", "rave", now, 0), ("ana", "rave", now, -1)])
    assert (neg.value.kind, neg.value.row) == ("out_of_range", 1)
    with pytest.raises(craic.NotFoundError) as unknown:
        engine.record_impressions([("ana", "nope", now, 0)])
    assert unknown.value.kind == "unknown_item"
    with pytest.raises(TypeError):
        engine.record_impressions([("ana", "rave", now, float("nan"))])  # type: ignore[list-item]
    with pytest.raises(craic.InvalidInputError) as ranked:
        engine.record([("ana", "rave", "impression", now, 2), ("ana", "rave", "click", now, 2)])
    assert (ranked.value.kind, ranked.value.row) == ("invalid_rank", 1)
    assert engine.stats() == before
    assert engine.exposure("ana", now) == []


def test_exclude_touched_equals_passing_the_ids(engine: craic.Engine, now: int) -> None:
    engine.record_impressions(shown("eve", "trad", 2, now - 3600))
    cases: list[tuple[bool | list[str], list[str]]] = [
        (True, ["rave", "techcork", "standup"]),
        (["click"], ["rave"]),
        (["impression"], ["trad"]),
        (["impression", "save"], ["trad", "techcork"]),
    ]
    for s in ["popularity", "collaborative", "content", "hybrid"]:
        for touched, excluded in cases:
            a = engine.recommend("eve", k=7, strategy=s, now=now, exclude_touched=touched)
            b = engine.recommend("eve", k=7, strategy=s, now=now, exclude=excluded)
            assert a == b, (s, touched)
    assert ids(engine.recommend("eve", k=7, now=now, exclude_touched=["impression"])).count("trad") == 0
    with pytest.raises(craic.InvalidInputError) as bad:
        engine.recommend("eve", k=3, now=now, exclude_touched=["purr"])
    assert bad.value.kind == "unknown_kind"
    with pytest.raises(TypeError):
        engine.recommend("eve", k=3, now=now, exclude_touched="save")


def test_service_logs_what_it_recommends(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'craic.db'}"
    svc = craic.Service.open(url)
    svc.upsert_items([craic.Item(f"e{n}", 1_900_000_000, city="dublin") for n in range(6)])
    svc.record([(f"u{n}", f"e{n}", "save", 1_700_000_000 + n) for n in range(6)])
    svc.record([("ben", "e1", "save", 1_700_000_010)])
    first = svc.recommend("cat", k=3, now=1_800_000_000)
    assert ids(first) == ["e1", "e5", "e4"]
    for dt in range(4):
        logged = svc.recommend("cat", k=3, now=1_800_000_000 + dt, log_impressions=True)
    assert ids(logged) == ["e1", "e3", "e2"]
    assert logged[0].score < first[0].score
    # The store's log holds them: an engine loaded from it has the same exposure.
    counts = dict(craic.Store(url).load_engine().engine.exposure("cat", 1_800_000_004))
    assert counts[first[0].item_id] > 3.9
    # With the rank each was shown at, 0 at the top of each list.
    log = craic.Store(url).read_log(0, 100).records
    ranks = [r.interaction.rank for r in log if r.interaction.kind == "impression"]
    assert ranks == [0, 1, 2] * 4
    restarted = craic.Service.open(url)
    at = 1_800_000_004
    assert restarted.recommend("cat", k=3, now=at) == svc.recommend("cat", k=3, now=at)
    with pytest.raises(craic.InvalidInputError):
        svc.record_impressions([("cat", "e0", 1_800_000_000, -2)])
