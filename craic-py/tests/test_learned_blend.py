"""The learned Hybrid blend from Python: Config(blend=...), LearnSettings, Engine.blend_report()
reproducing the shared fixture testdata/learned_blend.json (the same report as Rust and Node),
snapshots, and typed errors for bad settings."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

import pytest

import craic
from craic import synthetic

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "learned_blend.json"


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text())
    return loaded


@pytest.fixture(scope="module")
def learned(fixture: dict[str, Any]) -> craic.Engine:
    data = synthetic.generate(fixture["preset"], seed=fixture["seed"])
    return craic.Engine.build(
        data.items,
        data.interactions,
        preferences=data.preferences,
        config=craic.Config(blend="learned"),
    )


def test_the_report_matches_the_shared_fixture(fixture: dict[str, Any], learned: craic.Engine) -> None:
    report = learned.blend_report()
    assert report is not None
    assert_matches(report, fixture["report"])
    assert "BlendReport(" in repr(report) and "BucketReport(" in repr(report.buckets[0])
    assert "GridPoint(" in repr(report.grid[0])


def burst_log(t0: int, users: int, items: int) -> tuple[list[craic.Item], list[tuple[str, str, str, int]]]:
    """The log of bursts of testdata/learned_returning.json's recipe (as in Rust and Node)."""
    catalogue = [craic.Item(f"e{n}", t0 + 100 * 86_400) for n in range(items)]
    log: list[tuple[str, str, str, int]] = []
    half = items // 2
    for u in range(users):
        start, group = t0 + 3_600 * u, u % 2
        for s in range(10):
            log.append((f"u{u}", f"e{2 * ((u * 13 + s * 7) % half) + group}", "save", start + 120 * s))
        log.append((f"u{u}", f"e{2 * (u % half) + 1 - group}", "hide", start + 1_200))
    return catalogue, log


def test_a_log_of_bursts_matches_its_shared_fixture() -> None:
    # Each user's activity is one burst: the warm buckets are learned from returning users.
    fixture = json.loads((FIXTURE.parent / "learned_returning.json").read_text())
    items, log = burst_log(**fixture["recipe"])
    report = craic.Engine.build(items, log).blend_report()
    assert report is not None
    assert_matches(report, fixture["report"])
    assert sum(b.users for b in report.buckets[1:]) >= 100  # MIN_WARM_USERS


def assert_matches(report: craic.BlendReport, want: dict[str, Any]) -> None:
    """`report` is the fixture's `want`, every float to 1e-12."""
    assert report.components == want["components"]
    assert (report.cutoff, report.train_interactions, report.holdout_interactions) == (
        want["cutoff"],
        want["train_interactions"],
        want["holdout_interactions"],
    )
    assert [b.name for b in report.buckets] == ["cold", "light", "heavy"]
    for got, exp in zip(report.buckets, want["buckets"]):
        assert (got.name, got.min_history, got.max_history, got.users) == (
            exp["name"],
            exp["min_history"],
            exp["max_history"],
            exp["users"],
        )
        assert got.weights == pytest.approx(exp["weights"], abs=1e-12)
        assert got.component_ndcg == pytest.approx(exp["component_ndcg"], abs=1e-12)
        assert math.isclose(got.blend_ndcg, exp["blend_ndcg"], abs_tol=1e-12)
        assert math.isclose(sum(got.weights), 1.0, abs_tol=1e-9)
    assert (report.half_life_secs, report.neighbours, report.shrinkage, report.discount) == (
        want["half_life_secs"],
        want["neighbours"],
        want["shrinkage"],
        want["discount"],
    )
    assert len(report.grid) == len(want["grid"])
    for point, exp in zip(report.grid, want["grid"]):
        assert (point.half_life_secs, point.neighbours, point.shrinkage, point.discount) == (
            exp["half_life_secs"],
            exp["neighbours"],
            exp["shrinkage"],
            exp["discount"],
        )
        assert math.isclose(point.ndcg, exp["ndcg"], abs_tol=1e-12)


def test_each_users_weights_are_a_buckets_appeal_included(
    fixture: dict[str, Any], learned: craic.Engine
) -> None:
    buckets = [b["weights"] for b in fixture["report"]["buckets"]]
    assert fixture["report"]["components"] == ["collaborative", "content", "popularity", "appeal"]
    seen = []
    for user in synthetic.generate(fixture["preset"], seed=fixture["seed"]).preferences:
        w = learned.blend_weights(user)
        got = [w.collaborative, w.content, w.popularity, w.appeal]
        # A bucket's weights, but collaborative is 0 for a user without neighbours and content
        # for one without a profile (as the core serves them).
        match = [
            b
            for b in buckets
            if all(
                g == pytest.approx(x, abs=1e-12) or (j < 2 and g == 0.0)
                for j, (g, x) in enumerate(zip(got, b))
            )
        ]
        assert match, (user, got)
        assert w.item_based == 0.0
        seen.append(w.appeal)
    assert max(seen) > 0.0, "some bucket weighs appeal, and its users show it"
    assert "appeal=" in repr(learned.blend_weights("anyone"))


def test_the_engine_serves_the_chosen_hyperparameters(learned: craic.Engine) -> None:
    report = learned.blend_report()
    assert report is not None
    config = learned.config
    assert (config.half_life_secs, config.neighbours, config.shrinkage) == (
        report.half_life_secs,
        report.neighbours,
        report.shrinkage,
    )
    # The served configuration spells the grid out, so a retrain tries the same values.
    blend = config.blend
    assert isinstance(blend, craic.LearnSettings)
    assert blend.neighbours == [50, 25, 100]
    assert blend.shrinkage == [10.0, 0.0, 30.0]
    assert blend.half_life_secs == [30 * 86400.0, 90 * 86400.0]
    assert blend.discount == [0.0, 0.3, 0.6]


def test_pinned_hyperparameters_are_honoured() -> None:
    data = synthetic.generate("tiny")
    settings = craic.LearnSettings(half_life_secs=[None], neighbours=[7], shrinkage=[0.0], discount=[0.5])
    assert (settings.half_life_secs, settings.neighbours, settings.shrinkage, settings.discount) == (
        [None],
        [7],
        [0.0],
        [0.5],
    )
    assert "discount=[0.5]" in repr(settings)
    engine = craic.Engine.build(data.items, data.interactions, config=craic.Config(blend=settings))
    report = engine.blend_report()
    assert report is not None
    assert [(p.half_life_secs, p.neighbours, p.shrinkage, p.discount) for p in report.grid] == [(None, 7, 0.0, 0.5)]
    assert report.discount == 0.5
    assert (engine.config.half_life_secs, engine.config.neighbours, engine.config.shrinkage) == (None, 7, 0.0)


def test_the_report_survives_a_snapshot_and_pickle(learned: craic.Engine) -> None:
    loaded, _ = craic.Engine.from_snapshot(learned.to_snapshot())
    assert loaded.blend_report() == learned.blend_report()
    assert pickle.loads(pickle.dumps(learned)).blend_report() == learned.blend_report()
    assert loaded.config == learned.config


def test_the_default_blend_is_learned_and_the_fixed_one_reports_nothing() -> None:
    data = synthetic.generate("tiny")
    default = craic.Engine.build(data.items, data.interactions)
    assert default.blend_report() is not None
    assert craic.Config().blend == craic.Config(blend="learned").blend
    # The served configuration spells out the grid it searched.
    assert isinstance(default.config.blend, craic.LearnSettings)
    engine = craic.Engine.build(data.items, data.interactions, config=craic.Config(blend="fixed"))
    assert engine.blend_report() is None
    assert engine.config.blend == "fixed"
    assert craic.Config(blend="learned") == craic.Config() != craic.Config(blend="fixed")


def test_learn_settings_round_trip_and_are_bounded() -> None:
    s = craic.LearnSettings(holdout_fraction=0.3, users_per_bucket=50, candidates=20, grid=5, seed=7,
                            exclude_touched=True)
    assert (s.holdout_fraction, s.users_per_bucket, s.candidates, s.grid, s.seed) == (0.3, 50, 20, 5, 7)
    assert s.exclude_touched
    assert craic.Config(blend=s).blend == s
    assert "LearnSettings(holdout_fraction=0.3" in repr(craic.Config(blend=s))
    assert "exclude_touched=True)" in repr(s)
    defaults = craic.LearnSettings()
    assert not defaults.exclude_touched
    assert (defaults.holdout_fraction, defaults.users_per_bucket, defaults.grid) == (0.2, 1000, 10)
    assert (defaults.half_life_secs, defaults.neighbours, defaults.shrinkage, defaults.discount) == (
        None,
        None,
        None,
        None,
    )
    bad_settings: tuple[dict[str, Any], ...] = (
        {"holdout_fraction": 0.9},
        {"holdout_fraction": float("nan")},
        {"users_per_bucket": 0},
        {"candidates": 5},
        {"grid": 0},
        {"neighbours": []},
        {"neighbours": [0]},
        {"shrinkage": [float("nan")]},
        {"half_life_secs": [0.0]},
        {"shrinkage": [1.0] * 9},
        {"discount": []},
        {"discount": [-0.1]},
        {"discount": [2.5]},
        {"discount": [float("nan")]},
    )
    for bad in bad_settings:
        with pytest.raises(craic.InvalidInputError) as err:
            craic.LearnSettings(**bad)
        assert err.value.kind == "invalid_config", bad
    with pytest.raises(craic.InvalidInputError) as err:
        craic.LearnSettings(seed=-1)
    assert err.value.kind == "out_of_range"
    with pytest.raises(craic.InvalidInputError) as err:
        craic.Config(blend="magic")  # type: ignore[arg-type]
    assert err.value.kind == "invalid_config"
    with pytest.raises(TypeError):
        craic.Config(blend=3)  # type: ignore[arg-type]
