"""Every Engine method on the shared fixture."""

from __future__ import annotations

from typing import Any

import pytest

import craic

from conftest import items_of, prefs_of

FUTURE = 1_700_000_000 + 30 * 86_400


def test_new_and_build(data: dict[str, Any], engine: craic.Engine) -> None:
    empty = craic.Engine()
    assert empty.stats() == craic.Engine(craic.Config()).stats()
    assert empty.stats().users == 0 and empty.stats().watermark is None
    assert craic.Engine(config=craic.Config(max_k=3)).config.max_k == 3
    s = engine.stats()
    assert (s.items, s.live_items, s.interactions) == (8, 8, 14)
    assert s.users == 7  # five with interactions, two with preferences only
    assert s.watermark == max(i["timestamp"] for i in data["interactions"])
    assert s.cells > 0
    assert repr(s).startswith("Stats(users=7")
    assert "interactions=14" in repr(engine)
    # The three row shapes are interchangeable.
    rows = data["interactions"]
    as_objects = [craic.Interaction(**r) for r in rows]
    as_tuples = [(r["user_id"], r["item_id"], r["kind"], r["timestamp"]) for r in rows]
    for shape in (as_objects, as_tuples, iter(as_tuples)):
        e = craic.Engine.build(
            items_of(data), shape, preferences=prefs_of(data), config=craic.Config()
        )
        assert e.stats() == s
        assert e.neighbours("ben") == engine.neighbours("ben")


def test_items(engine: craic.Engine) -> None:
    rave = engine.item("rave")
    assert rave is not None and rave.city == "dublin" and rave.artists == ["ellen allien"]
    assert engine.item("nope") is None
    engine.upsert_items([craic.Item("new-gig", FUTURE, city="cork", genres=["jazz"])])
    assert engine.item("new-gig") == craic.Item("new-gig", FUTURE, city="cork", genres=["jazz"])
    assert engine.stats().live_items == 9
    assert engine.remove_items(["new-gig", "standup"]) == 2
    assert engine.remove_items(["standup"]) == 0
    assert engine.item("standup") is not None  # removed items stay in the catalogue
    assert engine.stats().live_items == 7
    recs = engine.recommend("stranger", k=10, now=1_700_086_400)
    assert "standup" not in [r.item_id for r in recs]


def test_preferences(engine: craic.Engine) -> None:
    assert engine.preferences("newbie") == craic.Preferences(genres=["folk"], cities=["dublin"])
    assert engine.preferences("ana") is None
    engine.set_preferences("ana", craic.Preferences(genres=["jazz"]))
    assert engine.preferences("ana") == craic.Preferences(genres=["jazz"])
    engine.set_preferences("ana", craic.Preferences())
    assert engine.preferences("ana") is None


def test_record(engine: craic.Engine) -> None:
    applied = engine.record(
        [
            craic.Interaction("zoe", "jazzcork", "save", 1_700_001_000),
            ("zoe", "trad", "click", 1_700_001_001),
            {"user_id": "zoe", "item_id": "ballad", "kind": "save", "timestamp": 1_700_001_002},
        ]
    )
    assert applied.interactions == 3 and applied.users_changed == 1
    assert isinstance(applied.full_rebuild, bool) and applied.lists_recomputed >= 1
    assert applied.entries_touched > 0  # other users' lists are checked against zoe's new row
    assert repr(applied).startswith("Applied(interactions=3")
    one = engine.record_one("zoe", "rave", "hide", 1_700_001_003)
    assert one.interactions == 1
    assert engine.record([]).interactions == 0
    assert engine.stats().interactions == 18
    engine.verify_neighbours()  # raises PoisonedError on a difference
    engine.verify_neighbours(tolerance=0.0)  # raises PoisonedError on a difference
    with pytest.raises(craic.InvalidInputError) as e:
        engine.verify_neighbours(tolerance=-1.0)
    assert e.value.kind == "invalid_config"
    engine.rebuild()
    engine.verify_neighbours()  # raises PoisonedError on a difference
    assert "rave" not in [r.item_id for r in engine.recommend("zoe", k=7, now=1_700_086_400)]


def test_record_rejects_malformed_rows(engine: craic.Engine) -> None:
    before = engine.stats()
    for bad in (
        [("ana", "trad", "save")],
        [{"user_id": "ana", "item_id": "trad", "kind": "save"}],
        [42],
        [("ana", "trad", "save", "yesterday")],
    ):
        with pytest.raises(TypeError, match="interaction row 0"):
            engine.record(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.record(5)  # type: ignore[arg-type]
    assert engine.stats() == before


def test_recommend_options(engine: craic.Engine, now: int) -> None:
    recs = engine.recommend("ana", k=3, now=now)
    assert len(recs) == 3
    assert all(r.explanation is None for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)
    assert repr(recs[0]).startswith(f'Recommendation(item_id="{recs[0].item_id}"')
    # Strategy as string (any case) or as a Strategy constant.
    for name, const in [
        ("popularity", craic.Strategy.POPULARITY),
        ("collaborative", craic.Strategy.COLLABORATIVE),
        ("Content", craic.Strategy.CONTENT),
        ("HYBRID", craic.Strategy.HYBRID),
    ]:
        assert engine.recommend("ana", k=5, now=now, strategy=name) == engine.recommend(
            "ana", k=5, now=now, strategy=const
        )
    explained = engine.recommend("ana", k=2, now=now, explain=True)
    assert explained[0].item_id == recs[0].item_id
    contributions = explained[0].explanation
    assert contributions and all(isinstance(c, craic.Contribution) for c in contributions)
    assert contributions[0].component in {"popularity", "collaborative", "content"}
    assert contributions[0].score > 0 and contributions[0].reason
    assert repr(contributions[0]).startswith("Contribution(component=")
    assert [r.item_id for r in engine.recommend("ana", now=now, city="cork")] != []
    assert all(
        r.item_id in {"jazzcork", "techcork"}
        for r in engine.recommend("ana", now=now, city="cork")
    )
    assert "techcork" not in [
        r.item_id for r in engine.recommend("ana", now=now, exclude=("techcork",))
    ]
    saved = [r.item_id for r in engine.recommend("ana", now=now, exclude_saved=False)]
    assert "rave" in saved
    assert engine.recommend("ana", now=now + 40 * 86_400) == []
    assert len(engine.recommend("stranger")) <= 7  # default now = the clock


def test_recommend_many(engine: craic.Engine, now: int) -> None:
    users = ["ana", "ben", "newbie", "stranger"]
    many = engine.recommend_many(users, k=3, now=now, strategy="content", explain=True)
    assert many == [
        engine.recommend(u, k=3, now=now, strategy="content", explain=True) for u in users
    ]
    assert engine.recommend_many([], now=now) == []


def test_neighbours_similarity_blend(engine: craic.Engine) -> None:
    n = engine.neighbours("ben")
    assert n[0][0] == "ana" and isinstance(n[0][1], float)
    assert engine.neighbours("stranger") == []
    assert engine.similarity("ben", "ana") == pytest.approx(n[0][1])
    assert engine.similarity("ben", "stranger") == 0.0
    cold = engine.blend_weights("newbie")
    assert cold.collaborative == 0.0 and cold.content > 0 and cold.popularity > 0
    warm = engine.blend_weights("ana")
    assert warm.collaborative > 0
    assert warm.collaborative + warm.content + warm.popularity == pytest.approx(1.0)
    assert engine.blend_weights("stranger").popularity == 1.0
    assert repr(cold).startswith("BlendWeights(collaborative=0.0")
    assert cold == engine.blend_weights("newbie")


def test_custom_kind(data: dict[str, Any], now: int) -> None:
    config = craic.Config(kinds={"purchase": 3.0})
    e = craic.Engine.build(items_of(data), data["interactions"], config=config)
    assert e.config.kinds["purchase"] == 3.0
    e.record_one("ben", "jazzcork", "purchase", 1_700_002_000)
    assert e.stats().interactions == 15


def test_personalised_strategies_infer_cities_from_history() -> None:
    # The same world and expectations as the Rust engine test of the same name.
    t0 = 1_700_000_000
    items = [
        craic.Item("cork-past", t0 + 3_600, city="cork", genres=["jazz"]),
        craic.Item("cork-next", FUTURE, city="cork", genres=["jazz"]),
        craic.Item("dublin-next", FUTURE, city="dublin", genres=["jazz"]),
    ]
    log = [("walker", "cork-past", "save", t0), ("local", "cork-next", "save", t0 + 1)]
    log += [(f"fan{n}", "dublin-next", "save", t0 + 2 + n) for n in range(5)]
    engine = craic.Engine.build(
        items, log, config=craic.Config(content_weights={"city": 0.0})
    )
    now = t0 + 86_400

    def top(strategy: str) -> list[str]:
        recs = engine.recommend("walker", k=2, strategy=strategy, now=now)
        return [r.item_id for r in recs]

    assert top("popularity") == ["dublin-next", "cork-next"]
    assert top("content") == ["cork-next", "dublin-next"]
    assert top("hybrid") == ["cork-next", "dublin-next"]
    engine.set_preferences("walker", craic.Preferences(cities=["dublin"]))
    assert top("content") == ["dublin-next", "cork-next"]
