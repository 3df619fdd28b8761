"""Experiment variants with an engine configuration of their own (`Variant(..., config=)`):
the same scenario as Rust's tests/service_arms.rs and Node's test/experiments.test.js — two
variants with different `neighbours`, and the users of each arm get that arm's engine's
recommendations."""

from __future__ import annotations

import pytest

import craic
from craic import synthetic
from craic.experiments import Experiment, Variant

TINY = synthetic.generate("tiny")
NOW = int(TINY.config["start"]) + int(TINY.config["days"]) * 86_400


def experiment() -> Experiment:
    return Experiment(
        "neighbours",
        [
            # The fixed blend: a learned one would tune the neighbourhood size.
            Variant("few", 0.5, "hybrid", config=craic.Config(neighbours=2, blend="fixed")),
            Variant("many", 0.5, "hybrid", config=craic.Config(neighbours=200, blend="fixed")),
        ],
    )


def reference(data: synthetic.Dataset, config: craic.Config) -> craic.Engine:
    # The service keeps its catalogue and preferences ordered by id, and the order of
    # floating-point sums follows them: build the reference from the same order.
    items = sorted(data.items, key=lambda i: i.id)
    preferences = dict(sorted(data.preferences.items()))
    return craic.Engine.build(items, data.interactions, preferences=preferences, config=config)


def test_variant_carries_a_config() -> None:
    exp = experiment()
    few, many = exp.variants
    assert few.config == craic.Config(neighbours=2, blend="fixed")
    assert many.config is not None and many.config.neighbours == 200
    assert few.strategy == craic.Strategy.HYBRID
    plain = Experiment("plain", [("a", 0.5, "popularity"), Variant("b", 0.5, "hybrid")])
    assert [v.config for v in plain.variants] == [None, None]
    assert "config=" in repr(few)
    with pytest.raises(craic.InvalidInputError) as e:
        Variant("bad", 0.5, "nope")
    assert e.value.kind == "invalid_experiment"


def test_each_arm_is_served_from_its_own_engine() -> None:
    tiny = TINY
    svc = craic.Service(
        items=tiny.items,
        interactions=tiny.interactions,
        preferences=tiny.preferences,
        cache_capacity=0,
    )
    exp = experiment()
    svc.register_experiment(exp)
    refs = [reference(tiny, v.config) for v in exp.variants if v.config is not None]
    now = NOW
    users = sorted({i.user_id for i in tiny.interactions})
    per_arm = [0, 0]
    differ = 0
    for u in users:
        got = svc.recommend_in_experiment("neighbours", u, k=10, now=now)
        assert got.assignment is not None
        arm = got.assignment.index
        per_arm[arm] += 1
        want = refs[arm].recommend(u, k=10, now=now)
        other = refs[1 - arm].recommend(u, k=10, now=now)
        differ += want != other
        assert got.recommendations == want, u
    assert min(per_arm) > 10, per_arm
    assert differ > 0, "the two configurations give different lists"


def test_arm_configs_are_bounded() -> None:
    tiny = TINY
    svc = craic.Service(items=tiny.items, interactions=tiny.interactions, max_arm_configs=1)
    with pytest.raises(craic.InvalidInputError) as e:
        svc.register_experiment(experiment())
    assert e.value.kind == "out_of_range"
    with pytest.raises(craic.NotFoundError):
        svc.recommend_in_experiment("neighbours", tiny.interactions[0].user_id)
