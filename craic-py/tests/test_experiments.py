"""craic.experiments: GrowthBook conformance, Experiment validation and assignment, tracking
and reports."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

import craic
from craic.experiments import (
    Experiment,
    ExperimentEvent,
    ExperimentTracker,
    choose_variation,
    get_bucket_ranges,
    get_equal_weights,
    hash,
    in_namespace,
)

CASES = Path(__file__).resolve().parents[2] / "testdata" / "growthbook-cases.json"
T0 = 1_800_000_000
AB = [("control", 0.5, "popularity"), ("hybrid", 0.5, "hybrid")]


def cases(section: str) -> list[Any]:
    loaded: list[Any] = json.loads(CASES.read_text())[section]
    assert loaded, section
    return loaded


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9


# GrowthBook's conformance cases, every one of them -------------------------------------------


@pytest.mark.parametrize("case", cases("hash"), ids=lambda c: f"{c[0]!r}-{c[1]!r}-v{c[2]}")
def test_conformance_hash(case: list[Any]) -> None:
    seed, value, version, expected = case
    got = hash(seed, value, version)
    if expected is None:
        assert got is None
    else:
        assert got is not None and close(got, expected)


@pytest.mark.parametrize("case", cases("getBucketRange"), ids=lambda c: str(c[0]))
def test_conformance_get_bucket_range(case: list[Any]) -> None:
    _, (n, coverage, weights), expected = case
    got = get_bucket_ranges(n, coverage, weights)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert close(g[0], e[0]) and close(g[1], e[1]), (got, expected)


@pytest.mark.parametrize("case", cases("chooseVariation"), ids=lambda c: str(c[0]))
def test_conformance_choose_variation(case: list[Any]) -> None:
    _, n, ranges, expected = case
    assert choose_variation(n, [tuple(r) for r in ranges]) == expected


@pytest.mark.parametrize("case", cases("inNamespace"), ids=lambda c: str(c[0]))
def test_conformance_in_namespace(case: list[Any]) -> None:
    _, user_id, (ns, start, end), expected = case
    assert in_namespace(user_id, (ns, start, end)) is expected


@pytest.mark.parametrize("case", cases("getEqualWeights"), ids=lambda c: str(c[0]))
def test_conformance_get_equal_weights(case: list[Any]) -> None:
    n, expected = case
    got = get_equal_weights(n)
    assert [round(w, 8) for w in got] == [round(w, 8) for w in expected]


def test_all_conformance_cases_are_present() -> None:
    counts = {s: len(cases(s)) for s in ("hash", "getBucketRange", "chooseVariation",
                                         "inNamespace", "getEqualWeights")}
    assert counts == {"hash": 15, "getBucketRange": 13, "chooseVariation": 13,
                      "inNamespace": 16, "getEqualWeights": 6}


def test_low_level_edge_cases() -> None:
    assert hash("s", "v", -1) is None and hash("s", "v", 2**40) is None
    assert get_bucket_ranges(0) == []
    assert get_bucket_ranges(2) == [(0.0, 0.5), (0.5, 1.0)]
    assert choose_variation(float("nan"), [(0.0, 1.0)]) == -1
    assert get_equal_weights(-5) == []
    # Strings hash as UTF-16 code units, like the JavaScript SDK.
    assert close(hash("exp", "🎉", 2) or -1, 0.1547)


# Experiment ----------------------------------------------------------------------------------


def test_experiment_assigns_like_growthbook() -> None:
    exp = Experiment("feed", AB, seed="s1")
    assert exp.key == "feed" and exp.seed == "s1" and exp.hash_version == 2
    assert exp.ranges == [(0.0, 0.5), (0.5, 1.0)]
    assert [v.name for v in exp.variants] == ["control", "hybrid"]
    assert exp.variants[1].strategy == craic.Strategy.HYBRID
    for n in range(200):
        user = f"user-{n}"
        a = exp.assign(user)
        assert a is not None
        bucket = hash("s1", user, 2)
        assert bucket is not None and close(a.bucket, bucket)
        assert a.index == choose_variation(bucket, exp.ranges)
        assert a.variant == exp.variants[a.index].name
        assert a.strategy == exp.variants[a.index].strategy
        assert exp.assign(user) == a  # deterministic
    assert exp.assign("") is None
    assert exp.assign_many(["user-1", "", "user-2"]) == [
        exp.assign("user-1"), None, exp.assign("user-2")]
    a = exp.assign("user-1")
    assert a is not None and repr(a).startswith('Assignment(variant="')
    assert repr(exp).startswith('Experiment(key="feed", variants=[("control", 0.5, "popularity")')


def test_experiment_coverage_and_namespace() -> None:
    half = Experiment("c", AB, coverage=0.5, hash_version=1)
    users = [f"u{n}" for n in range(400)]
    assigned = [u for u in users if half.assign(u) is not None]
    assert 120 < len(assigned) < 280
    ns = Experiment("n", AB, namespace=("pricing", 0.0, 0.4))
    assert ns.namespace == ("pricing", 0.0, 0.4)
    for u in users:
        if ns.assign(u) is not None:
            assert in_namespace(u, ("pricing", 0.0, 0.4))
    other = Experiment("m", AB, namespace=("pricing", 0.4, 1.0))
    assert not any(ns.assign(u) and other.assign(u) for u in users)
    assert Experiment("feed", AB) == Experiment("feed", list(AB))
    assert Experiment("feed", AB) != Experiment("feed", AB, coverage=0.9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "", "variants": AB},
        {"key": "x" * 300, "variants": AB},
        {"key": "e", "variants": AB[:1]},
        {"key": "e", "variants": []},
        {"key": "e", "variants": [("a", 0.5, "hybrid"), ("a", 0.5, "hybrid")]},
        {"key": "e", "variants": [("", 0.5, "hybrid"), ("b", 0.5, "hybrid")]},
        {"key": "e", "variants": [("a", 0.5, "hybrid"), ("b", 0.6, "hybrid")]},
        {"key": "e", "variants": [("a", float("nan"), "hybrid"), ("b", 0.5, "hybrid")]},
        {"key": "e", "variants": [("a", -0.5, "hybrid"), ("b", 1.5, "hybrid")]},
        {"key": "e", "variants": [("a", 0.5, "nope"), ("b", 0.5, "hybrid")]},
        {"key": "e", "variants": AB, "coverage": 1.5},
        {"key": "e", "variants": AB, "coverage": float("nan")},
        {"key": "e", "variants": AB, "hash_version": 3},
        {"key": "e", "variants": AB, "hash_version": -1},
        {"key": "e", "variants": AB, "seed": ""},
        {"key": "e", "variants": AB, "namespace": ("", 0.0, 0.5)},
        {"key": "e", "variants": AB, "namespace": ("ns", 0.6, 0.5)},
        {"key": "e", "variants": AB, "namespace": ("ns", 0.0, 1.5)},
    ],
)
def test_invalid_experiments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        Experiment(**kwargs)
    assert e.value.kind == "invalid_experiment"
    assert isinstance(e.value, ValueError)


def test_malformed_variants_are_type_errors() -> None:
    with pytest.raises(TypeError):
        Experiment("e", [("a", 0.5)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        Experiment("e", [("a", 0.5, 3), ("b", 0.5, "hybrid")])  # type: ignore[list-item]


# Tracking and reports -----------------------------------------------------------------------


def tracker() -> ExperimentTracker:
    t = ExperimentTracker()
    t.register(Experiment("feed", AB))
    return t


def test_tracking_counts() -> None:
    t = tracker()
    t.register(Experiment("feed", AB))  # same definition again: a no-op
    assert t.experiment("feed") == Experiment("feed", AB)
    assert t.experiment("nope") is None
    assert t.record_conversion("c0", "feed", "ann", T0 - 10)  # before exposure: unattributed
    assert t.record_exposure("e1", "feed", "ann", "hybrid", T0)
    assert t.record_conversion("c1", "feed", "ann", T0)
    assert not t.record_conversion("c1", "feed", "ann", T0)  # duplicate id: ignored
    assert t.record(ExperimentEvent.exposure("e2", "feed", "bob", "control", T0))
    events = [
        ExperimentEvent.exposure("e3", "feed", "cy", "control", T0),
        ExperimentEvent.conversion("c2", "feed", "cy", T0 + 5),
        ExperimentEvent.conversion("c3", "feed", "cy", T0 + 6),
        ExperimentEvent.exposure("e1", "feed", "ann", "hybrid", T0),  # duplicate
    ]
    assert t.record_all(events) == 3
    # Dicts in the core's serialised form (as replayed from storage) work too.
    replay = [
        {"type": "exposure", "id": "e4", "experiment": "feed", "user_id": "dee",
         "variant": "hybrid", "timestamp": T0},
        {"type": "conversion", "id": "c4", "experiment": "feed", "user_id": "dee",
         "timestamp": T0 + 1},
        {"type": "conversion", "id": "c3", "experiment": "feed", "user_id": "cy",
         "timestamp": T0 + 6},  # duplicate id
    ]
    assert t.record_all(replay) == 2
    c = t.counts("feed")
    assert c.experiment == "feed"
    assert [(v.variant, v.exposed_users, v.converting_users, v.conversions)
            for v in c.variants] == [("control", 2, 1, 2), ("hybrid", 2, 2, 2)]
    assert (c.unattributed_conversions, c.unattributed_users) == (1, 1)
    assert c.users_in_multiple_variants == 0
    assert repr(c).startswith('ExperimentCounts(experiment="feed", variants=[VariantCounts(')
    ev = events[1]
    assert (ev.type, ev.id, ev.experiment, ev.user_id, ev.variant, ev.timestamp) == (
        "conversion", "c2", "feed", "cy", None, T0 + 5)
    assert events[0].type == "exposure" and events[0].variant == "control"
    assert repr(events[0]).startswith("ExperimentEvent.exposure(")


def error_of(cls: type[craic.CraicError], call: Callable[[], object]) -> craic.CraicError:
    """Runs `call`, checks that it raises `cls`, returns the exception."""
    with pytest.raises(cls) as e:
        call()
    return e.value


def test_tracking_errors() -> None:
    t = tracker()
    nf, bad = craic.NotFoundError, craic.InvalidInputError
    assert error_of(nf, lambda: t.record_exposure("e1", "nope", "ann", "hybrid", T0)).kind == (
        "unknown_experiment")
    assert error_of(nf, lambda: t.record_exposure("e1", "feed", "ann", "nope", T0)).kind == (
        "unknown_variant")
    assert error_of(bad, lambda: t.record_conversion("", "feed", "ann", T0)).kind == "invalid_id"
    assert error_of(bad, lambda: t.record_conversion("c", "feed", "ann", T0 * 1000)).kind == (
        "invalid_timestamp")
    assert error_of(nf, lambda: t.counts("nope")).kind == "unknown_experiment"
    assert error_of(bad, lambda: t.register(Experiment("feed", AB, coverage=0.5))).kind == (
        "invalid_experiment")
    # A batch with a bad row is rejected whole.
    batch = [
        ExperimentEvent.exposure("e1", "feed", "ann", "hybrid", T0),
        ExperimentEvent.exposure("e2", "feed", "bob", "nope", T0),
    ]
    e = error_of(nf, lambda: t.record_all(batch))
    assert (e.kind, e.row) == ("unknown_variant", 1)
    assert t.counts("feed").variants[1].exposed_users == 0
    with pytest.raises(TypeError, match="event row 0"):
        t.record_all([("e1", "feed")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="missing key"):
        t.record_all([{"type": "exposure", "id": "x", "experiment": "feed", "user_id": "u",
                       "timestamp": T0}])
    with pytest.raises(TypeError, match="unknown event type"):
        t.record_all([{"type": "click", "id": "x", "experiment": "feed", "user_id": "u",
                       "timestamp": T0}])
    for alpha in (0.0, 1.0, float("nan")):
        assert error_of(bad, lambda: t.report("feed", alpha=alpha)).kind == "invalid_config"
    assert error_of(bad, lambda: t.report("feed", mixing_variance=-1.0)).kind == "invalid_config"
    assert error_of(nf, lambda: t.report("nope")).kind == "unknown_experiment"


def simulate(t: ExperimentTracker, rates: dict[str, float], users: int) -> None:
    """Assigns `users` users and converts them deterministically at the variant's rate."""
    exp = t.experiment("feed")
    assert exp is not None
    events = []
    for n in range(users):
        user = f"user-{n}"
        a = exp.assign(user)
        assert a is not None
        events.append(ExperimentEvent.exposure(f"x{n}", "feed", user, a.variant, T0))
        # Stratified conversions: every 1/rate-th user of the variant converts.
        if (n * 7919) % 1000 < rates[a.variant] * 1000:
            events.append(ExperimentEvent.conversion(f"c{n}", "feed", user, T0 + 60))
    assert t.record_all(events) == len(events)


def test_report_detects_a_real_lift() -> None:
    t = tracker()
    simulate(t, {"control": 0.10, "hybrid": 0.20}, 4_000)
    r = t.report("feed", alpha=0.05)
    assert (r.experiment, r.alpha, r.srm_alpha) == ("feed", 0.05, 0.001)
    assert r.total_exposed_users == 4_000
    assert r.unattributed_conversions == 0 and r.users_in_multiple_variants == 0
    assert not r.sample_ratio_mismatch.mismatch and r.sample_ratio_mismatch.degrees_of_freedom == 1
    control, hybrid = r.variants
    assert control.variant == "control" and control.strategy == craic.Strategy.POPULARITY
    assert control.comparison is None
    for v, rate in ((control, 0.10), (hybrid, 0.20)):
        assert v.conversion_rate is not None
        est = v.conversion_rate
        assert est.lower < est.value < est.upper
        assert abs(est.value - rate) < 0.02
        assert est.value == v.converting_users / v.exposed_users
    cmp = hybrid.comparison
    assert cmp is not None and cmp.absolute_lift is not None and cmp.relative_lift is not None
    assert cmp.absolute_lift.lower > 0 and abs(cmp.absolute_lift.value - 0.10) < 0.03
    assert cmp.relative_lift.value > 0.5
    assert cmp.p_value is not None and cmp.p_value < 1e-6 and cmp.significant
    assert cmp.z is not None and cmp.z > 0
    assert cmp.sequential.reject and cmp.sequential.p_value < 0.05
    assert cmp.sequential.log_likelihood_ratio > 0
    text = repr(r)
    assert text.startswith('Report(experiment="feed", alpha=0.05')
    assert "SampleRatioMismatch(" in text and "Comparison(absolute_lift=Estimate(" in text
    assert "SequentialResult(" in text


def test_report_without_data_and_with_srm() -> None:
    t = tracker()
    r = t.report("feed")
    assert r.total_exposed_users == 0
    assert all(v.conversion_rate is None for v in r.variants)
    cmp = r.variants[1].comparison
    assert cmp is not None and cmp.absolute_lift is None and cmp.p_value is None
    assert not cmp.significant and cmp.sequential.p_value == 1.0
    assert r.sample_ratio_mismatch.p_value == 1.0
    # Everyone exposed to the control: a broken split.
    t.record_all([ExperimentEvent.exposure(f"x{n}", "feed", f"u{n}", "control", T0)
                  for n in range(500)])
    assert t.report("feed").sample_ratio_mismatch.mismatch


def test_tracker_is_shared_between_threads() -> None:
    t = tracker()

    def work(offset: int) -> None:
        for n in range(300):
            t.record_exposure(f"e{offset}-{n}", "feed", f"u{offset}-{n}", "control", T0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert t.counts("feed").variants[0].exposed_users == 1_200
    assert repr(t) == "ExperimentTracker()"


def test_tracker_idempotency_window_and_late_events() -> None:
    # The same case as craic-node/test/experiments.test.js.
    assert ExperimentTracker().idempotency_window_secs() == 7 * 86_400
    t = ExperimentTracker(idempotency_window_secs=60)
    t.register(Experiment("feed", AB))
    assert t.idempotency_window_secs() == 60
    assert t.record_exposure("e1", "feed", "ann", "hybrid", T0)
    assert t.record_conversion("c1", "feed", "ann", T0 + 1_000)
    # 1 000 s behind the newest event, outside the 60 s window: late, ignored, counted.
    assert not t.record_exposure("e2", "feed", "bob", "control", T0)
    assert t.late_events() == 1
    assert t.counts("feed").variants[0].exposed_users == 0
    for bad in (0, -5):
        with pytest.raises(craic.CraicError) as e:
            ExperimentTracker(idempotency_window_secs=bad)
        assert e.value.kind in ("invalid_config", "out_of_range"), e.value.kind
