"""craic.synthetic and craic.evaluation."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import craic
from craic import evaluation, synthetic


@pytest.fixture(scope="module")
def tiny() -> synthetic.Dataset:
    return synthetic.generate("tiny")


def test_generate_presets_and_overrides(tiny: synthetic.Dataset) -> None:
    assert repr(tiny) == "Dataset(users=200, items=80, interactions=2000, preferences=145, seed=42)"
    assert tiny.user_count == 200 and len(tiny.items) == 80 and len(tiny.interactions) == 2000
    assert tiny.config["seed"] == 42 and tiny.config["users"] == 200
    assert synthetic.preset_config("tiny") == tiny.config
    assert set(synthetic.preset_config()) == set(tiny.config)
    assert synthetic.preset_config("small")["users"] == 2_000
    assert tiny.cities and tiny.genres
    assert all(isinstance(i, craic.Item) for i in tiny.items)
    assert [i.id for i in tiny.items[:3]] == ["e0", "e1", "e2"]
    assert all(isinstance(p, craic.Preferences) for p in tiny.preferences.values())
    assert list(tiny.preferences)[:2] == ["u0", "u1"] or list(tiny.preferences)[0].startswith("u")
    ts = [i.timestamp for i in tiny.interactions]
    assert ts == sorted(ts)
    assert {i.kind for i in tiny.interactions} <= {"click", "save", "hide"}
    # Deterministic for a seed, different for another.
    again = synthetic.generate("tiny")
    assert again.interactions == tiny.interactions and again.items == tiny.items
    other = synthetic.generate("tiny", seed=7, users=50, days=10, explore_share=0.3)
    assert other.config["seed"] == 7 and other.user_count == 50 and other.config["days"] == 10
    assert other.interactions != tiny.interactions
    # Out-of-range values are clamped, not errors.
    assert synthetic.generate("tiny", cities=0, users=20).config["cities"] == 1


def test_worlds() -> None:
    assert synthetic.world_config() == synthetic.preset_config()
    assert synthetic.world_config("default", "tiny") == synthetic.preset_config("tiny")
    collab = synthetic.world_config("purely-collaborative", "tiny")
    assert collab["content_signal"] == 0.0 and collab["collaborative_signal"] == 1.0
    assert synthetic.world_config("popularity-dominant")["popularity_share"] == 0.7
    data = synthetic.generate("tiny", world="short-histories", seed=3)
    assert data.config == {**synthetic.world_config("short-histories", "tiny"), "seed": 3}
    assert len(data.interactions) == 3 * data.user_count
    # Overrides apply after the world; the knobs are clamped like the others.
    mixed = synthetic.generate("tiny", world="content-uninformative", content_signal=0.5)
    assert mixed.config["content_signal"] == 0.5 and mixed.config["collaborative_signal"] == 0.5
    assert synthetic.generate("tiny", popularity_share=7.0).config["popularity_share"] < 1.0
    for bad in (lambda: synthetic.world_config("flat-earth"), lambda: synthetic.generate("tiny", world="x")):
        with pytest.raises(craic.InvalidInputError) as e:
            bad()
        assert e.value.kind == "invalid_config"


def test_generate_bad_input() -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        synthetic.generate("huge")
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e:
        synthetic.generate("tiny", colour=3)
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e:
        synthetic.preset_config("huge")
    assert e.value.kind == "invalid_config"
    with pytest.raises(TypeError):
        synthetic.generate("tiny", users="many")  # type: ignore[arg-type]
    with pytest.raises(craic.InvalidInputError) as e:
        synthetic.generate("tiny", seed=-1)
    assert e.value.kind == "out_of_range"


def test_affinity(tiny: synthetic.Dataset) -> None:
    values = [tiny.affinity(f"u{u}", f"e{i}") for u in range(20) for i in range(80)]
    assert all(0.0 <= v <= 1.0 for v in values) and max(values) > 0
    assert tiny.affinity("nobody", "e1") == 0.0 and tiny.affinity("u1", "nope") == 0.0


def test_interactions_arrays(tiny: synthetic.Dataset) -> None:
    cols = tiny.interactions_arrays()
    assert set(cols) == {"user_index", "item_index", "kind", "timestamp"}
    assert cols["user_index"].dtype == np.int64 and cols["timestamp"].dtype == np.int64
    assert cols["kind"].dtype == object
    assert all(len(c) == len(tiny.interactions) for c in cols.values())
    for n, i in enumerate(tiny.interactions):
        assert f"u{cols['user_index'][n]}" == i.user_id
        assert tiny.items[cols["item_index"][n]].id == i.item_id
        assert cols["kind"][n] == i.kind and cols["timestamp"][n] == i.timestamp


def test_write_csv(tiny: synthetic.Dataset, tmp_path: Path) -> None:
    paths = tiny.write_csv(tmp_path / "out")
    assert [p.name for p in paths] == ["items.csv", "preferences.csv", "interactions.csv"]
    texts = [p.read_text() for p in paths]
    assert tuple(texts) == tiny.to_csv()
    items = list(csv.DictReader(texts[0].splitlines()))
    assert len(items) == 80 and items[0]["item_id"] == "e0"
    assert list(items[0]) == ["item_id", "city", "venue", "genres", "artists", "starts_at",
                              "ends_at", "tags"]
    rows = list(csv.DictReader(texts[2].splitlines()))
    assert len(rows) == 2000
    assert (rows[0]["user_id"], rows[0]["item_id"], rows[0]["kind"], int(rows[0]["timestamp"])) == (
        tiny.interactions[0].user_id, tiny.interactions[0].item_id,
        tiny.interactions[0].kind, tiny.interactions[0].timestamp)
    assert len(list(csv.DictReader(texts[1].splitlines()))) == len(tiny.preferences)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        tiny.write_csv(blocker)  # a file where a directory should be


def test_time_split(tiny: synthetic.Dataset) -> None:
    split = evaluation.time_split(tiny.interactions, 0.2)
    assert len(split.train) + len(split.test) == 2000
    assert 350 <= len(split.test) <= 500
    assert all(i.timestamp < split.cutoff for i in split.train)
    assert all(i.timestamp >= split.cutoff for i in split.test)
    assert repr(split).startswith("Split(train=<")
    rows = [("a", "x", "click", 100), ("a", "y", "save", 200), ("b", "z", "hide", 300)]
    s = evaluation.time_split(rows, 0.5)
    assert s.cutoff == 200 and len(s.train) == 1
    assert evaluation.time_split(rows, 0.0).cutoff == 2**63 - 1
    assert evaluation.time_split([], 0.5).test == []


def test_relevant_items_and_score_user() -> None:
    rows = [("ana", "a", "click", 1), ("ana", "b", "save", 2), ("ana", "b", "hide", 3),
            ("bo", "c", "hide", 4), ("cy", "d", "purchase", 5)]
    assert evaluation.relevant_items(rows) == {"ana": ["a"]}
    assert evaluation.relevant_items(rows, positive=["purchase"]) == {"cy": ["d"]}
    assert evaluation.relevant_items(rows, negative=[]) == {"ana": ["a", "b"]}
    s = evaluation.score_user(["a", "x", "b"], ["a", "b"], 3)
    expected = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert s.hits == 2 and abs(s.ndcg - expected) < 1e-12 and s.hit == 1.0
    assert abs(s.precision - 2 / 3) < 1e-12 and s.recall == 1.0
    assert repr(s).startswith("UserScore(hits=2")
    assert evaluation.score_user(["a"], [], 3) == evaluation.score_user(["a"], ["a"], 0)


def test_evaluate_matches_a_python_loop(tiny: synthetic.Dataset) -> None:
    split = evaluation.time_split(tiny.interactions, 0.2)
    engine = craic.Engine.build(tiny.items, split.train, preferences=tiny.preferences)
    results = {}
    for strategy in ("popularity", "collaborative", "content", "hybrid"):
        m = evaluation.evaluate(engine, split.test, k=10, strategy=strategy)
        results[strategy] = m
        assert m.k == 10 and m.users > 0
        assert 0 <= m.precision <= 1 and 0 <= m.recall <= 1 and 0 <= m.ndcg <= 1
        assert 0 < m.coverage <= 1
    hybrid = results["hybrid"]
    assert hybrid.ndcg > 0 and hybrid.hit_rate > 0
    # The same numbers by hand: recommend at the cutoff for every user with a relevant item.
    relevant = evaluation.relevant_items(split.test)
    assert hybrid.users == len(relevant)
    scores = []
    seen = set()
    for user, rel in relevant.items():
        recs = [r.item_id for r in engine.recommend(user, k=10, now=split.cutoff)]
        seen.update(recs)
        scores.append(evaluation.score_user(recs, rel, 10))
    assert abs(hybrid.ndcg - sum(s.ndcg for s in scores) / len(scores)) < 1e-12
    assert abs(hybrid.precision - sum(s.precision for s in scores) / len(scores)) < 1e-12
    assert abs(hybrid.coverage - len(seen) / engine.stats().live_items) < 1e-12
    assert evaluation.evaluate(engine, split.test, now=split.cutoff) == hybrid
    assert str(hybrid).startswith(f"users={hybrid.users} P@10=")
    assert repr(hybrid).startswith("Metrics(k=10, users=")
    assert set(hybrid.as_dict()) == {"precision@10", "recall@10", "ndcg@10", "hit_rate@10",
                                      "coverage", "intra_list_diversity", "novelty", "gini"}
    # Metrics go into a snapshot's metadata.
    _, meta = craic.Engine.from_snapshot(engine.to_snapshot(metrics=hybrid.as_dict()))
    assert meta.metrics == hybrid.as_dict()


def test_evaluate_errors(tiny: synthetic.Dataset) -> None:
    engine = craic.Engine.build(tiny.items, tiny.interactions[:500])
    test = tiny.interactions[500:]
    with pytest.raises(craic.InvalidInputError) as e:
        evaluation.evaluate(engine, test, k=0)
    assert e.value.kind == "invalid_k"
    with pytest.raises(craic.InvalidInputError) as e:
        evaluation.evaluate(engine, test, strategy="random")
    assert e.value.kind == "invalid_config"
    with pytest.raises(TypeError):
        evaluation.evaluate(engine, [("only", "three", "fields")])  # type: ignore[list-item]
    # No relevant users: zeros, not an error.
    empty = evaluation.evaluate(engine, [])
    assert empty.users == 0 and empty.ndcg == 0.0
