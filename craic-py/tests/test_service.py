"""craic.Service: serving through the cache, writes, gated retrains (blocking and as jobs), the
schedule, snapshot files, metrics (checked with the real Prometheus parser), experiments,
drift, alerts with Python callbacks, and the GIL released while the service works."""

from __future__ import annotations

import errno
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import craic
from craic import synthetic
from craic.experiments import Experiment
from gil_probe import runs_inside
from craic.service import (
    Alert,
    ConversionFloorRule,
    DriftReport,
    DriftRule,
    ModelInfo,
    RetrainJob,
    RetrainOutcome,
    ScheduleHandle,
)

DAY = 86_400


@pytest.fixture(scope="module")
def tiny() -> synthetic.Dataset:
    return synthetic.generate("tiny")


@pytest.fixture(scope="module")
def small() -> synthetic.Dataset:
    return synthetic.generate("small")


def end_of(data: synthetic.Dataset) -> int:
    """The dataset's last day (events after it are still eligible)."""
    return int(data.config["start"]) + int(data.config["days"]) * DAY


def service_of(data: synthetic.Dataset, **options: Any) -> craic.Service:
    return craic.Service(
        items=data.items,
        interactions=data.interactions,
        preferences=data.preferences,
        **options,
    )


@pytest.fixture()
def svc(tiny: synthetic.Dataset) -> craic.Service:
    return service_of(tiny)


def user_of(data: synthetic.Dataset, n: int = 0) -> str:
    return data.interactions[n].user_id


# ---------------------------------------------------------------------------------------------
# Construction and serving.


def test_recommend_through_the_cache(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    user, now = user_of(tiny), end_of(tiny)
    first = svc.recommend(user, k=5, now=now)
    assert len(first) == 5
    assert all(isinstance(r, craic.Recommendation) for r in first)
    assert svc.cache_len() == 1
    assert svc.recommend(user, k=5, now=now) == first  # a cache hit
    assert "craic_cache_hits_total 1\n" in svc.metrics_text()
    explained = svc.recommend(user, k=3, now=now, explain=True, strategy=craic.Strategy.HYBRID)
    assert all(r.explanation for r in explained)
    assert svc.recommend(user, k=5, now=now, exclude=[first[0].item_id])[0] != first[0]
    assert svc.stats().interactions == len(tiny.interactions)
    assert repr(svc).startswith('Service(version="v1-')


def test_defaults_and_bad_options() -> None:
    empty = craic.Service()
    assert empty.recommend("anyone") == []
    assert empty.stats().items == 0
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Service(cache_ttl_secs=-1.0)
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e2:
        craic.Service(items=[craic.Item("", 1)])
    assert e2.value.kind == "invalid_id"
    with pytest.raises(TypeError):
        craic.Service(interactions=[("u", "i", "save")])  # type: ignore[list-item]
    # The service options are parsed in one place for every constructor.
    with pytest.raises(TypeError, match="cache_ttl"):
        craic.Service(cache_ttl=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="max_relative_drop"):
        craic.Service.from_snapshot_file("x.snap", max_relative_drop="big")  # type: ignore[arg-type]
    with pytest.raises(craic.InvalidInputError) as e3:
        craic.Service.open("sqlite:///nowhere/x.db", retrain_k=-1)
    assert e3.value.kind == "out_of_range"


def test_memory_bound_options(tiny: synthetic.Dataset) -> None:
    n = len(tiny.interactions)
    svc = service_of(tiny, training_capacity=100, experiment_window_secs=3600)
    assert f"craic_training_interactions_dropped_total {n - 100}\n" in svc.metrics_text()
    with pytest.raises(craic.InvalidInputError) as e:
        craic.Service(experiment_window_secs=0)
    assert e.value.kind == "invalid_config"


def test_recommend_errors(svc: craic.Service) -> None:
    with pytest.raises(craic.InvalidInputError) as e:
        svc.recommend("u", k=0)
    assert e.value.kind == "invalid_k"
    with pytest.raises(craic.InvalidInputError):
        svc.recommend("u", strategy="nope")
    assert 'craic_errors_total{kind="invalid_k",operation="recommend"} 1' in svc.metrics_text()


def test_writes(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    now = end_of(tiny)
    before = svc.stats()
    svc.record([("newcomer", tiny.items[0].id, "save", now - 10)])
    svc.record([{"user_id": "newcomer", "item_id": tiny.items[1].id, "kind": "click",
                 "timestamp": now - 5}])
    svc.record([craic.Interaction("newcomer", tiny.items[2].id, "save", now - 1)])
    assert svc.stats().interactions == before.interactions + 3
    with pytest.raises(craic.InvalidInputError) as e:
        svc.record([("a", tiny.items[0].id, "save", now), ("b", tiny.items[0].id, "buy", now)])
    assert (e.value.kind, e.value.row) == ("unknown_kind", 1)
    assert svc.stats().interactions == before.interactions + 3  # rejected whole
    svc.upsert_items([craic.Item("brand-new", now + 7 * DAY, city="x", genres=["folk"])])
    assert svc.stats().items == before.items + 1
    svc.set_preferences("newcomer", craic.Preferences(genres=["folk"], cities=["x"]))
    recs = svc.recommend("newcomer", k=3, now=now, city="x")
    assert [r.item_id for r in recs] == ["brand-new"]


def test_model_info(svc: craic.Service) -> None:
    info = svc.model_info()
    assert isinstance(info, ModelInfo)
    assert info.version.startswith("v1-")
    assert info.metrics == {}
    assert abs(info.created_at - time.time()) < 60
    assert repr(info).startswith('ModelInfo(version="v1-')


# ---------------------------------------------------------------------------------------------
# Retraining.


def test_retrain_accepted_swaps_the_model(svc: craic.Service) -> None:
    old = svc.model_info().version
    outcome = svc.retrain()
    assert isinstance(outcome, RetrainOutcome)
    assert outcome.accepted, outcome.rejection
    assert outcome.rejection is None and outcome.rejection_kind is None
    assert outcome.recorded_ndcg is None  # the initial model recorded no metrics
    assert isinstance(outcome.candidate, craic.evaluation.Metrics)
    assert outcome.candidate.k == 10 and outcome.candidate.users > 0
    assert outcome.candidate.ndcg > outcome.popularity.ndcg
    assert outcome.old_version == old
    assert outcome.new_version is not None and outcome.new_version.startswith("v2-")
    assert svc.model_info().version == outcome.new_version
    assert svc.model_info().metrics["ndcg@10"] == outcome.candidate.ndcg
    assert outcome.duration_secs > 0
    assert outcome.train_interactions + outcome.holdout_interactions > 0
    assert outcome.started_at <= outcome.finished_at
    assert svc.retrain_history() == [outcome]
    assert repr(outcome).startswith("RetrainOutcome(accepted=True, rejection=None")
    assert 'craic_retrains_total{outcome="accepted"} 1' in svc.metrics_text()
    # The next candidate is also compared with what this version recorded.
    again = svc.retrain()
    assert again.accepted, again.rejection
    assert again.recorded_ndcg == outcome.candidate.ndcg


def test_retrain_rejected_keeps_the_model(tiny: synthetic.Dataset) -> None:
    svc = service_of(tiny, max_relative_drop=-1.0)  # the candidate must double the serving NDCG
    old = svc.model_info().version
    outcome = svc.retrain()
    assert not outcome.accepted
    assert outcome.rejection is not None and outcome.rejection_kind == "below_serving"
    assert outcome.new_version is None
    assert svc.model_info().version == old
    config = craic.Config(neighbours=5)
    other = svc.retrain(config=config)
    assert not other.accepted
    # Another configuration is built and evaluated on its own, while the serving configuration
    # rebuilt on the same split (same log) scores exactly as before.
    assert other.candidate.ndcg != other.serving.ndcg
    assert other.serving.ndcg == outcome.serving.ndcg
    assert len(svc.retrain_history()) == 2


def test_retrain_without_waiting(small: synthetic.Dataset) -> None:
    svc = service_of(small)
    job = svc.retrain(wait=False)
    assert isinstance(job, RetrainJob)
    assert svc.retrain_running()
    with pytest.raises(craic.RetrainRunningError) as e:
        svc.retrain(wait=False)
    assert e.value.kind == "retrain_running"
    assert isinstance(e.value, RuntimeError)
    # Two threads wait for the same job: both get its outcome.
    outcomes: list[RetrainOutcome] = []
    waiter = threading.Thread(target=lambda: outcomes.append(job.wait()))
    waiter.start()
    outcome = job.wait()
    waiter.join()
    assert job.done
    assert outcomes == [outcome]
    assert job.wait() == outcome
    assert repr(job) == "RetrainJob(done=True)"
    assert not svc.retrain_running()
    # wait=True waits its turn instead of raising.
    job2 = svc.retrain(wait=False)
    second = svc.retrain()
    assert job2.wait().new_version != second.new_version
    assert len(svc.retrain_history()) == 3


def test_recommend_runs_while_another_thread_retrains(small: synthetic.Dataset) -> None:
    svc = service_of(small, cache_capacity=0)
    user = sorted({i.user_id for i in small.interactions})[0]
    recs: list[list[craic.Recommendation]] = []
    outcome, inside = runs_inside(
        svc.retrain, lambda: recs.append(svc.recommend(user, k=5, now=end_of(small)))
    )
    # A whole recommend call ran while the retrain was in progress: the GIL was released
    # (gil_probe.py explains why this cannot happen by chance).
    assert inside
    assert len(recs) == 1
    assert outcome.candidate.users > 0


def test_schedule(svc: craic.Service) -> None:
    handle = svc.start_schedule(3, 30, utc_offset_minutes=60)
    assert isinstance(handle, ScheduleHandle)
    assert handle.running
    assert repr(handle) == "ScheduleHandle(running=True)"
    handle.stop()
    assert not handle.running
    handle.stop()  # idempotent
    dropped = svc.start_schedule(0, 0)
    del dropped  # stops it too
    with pytest.raises(craic.InvalidInputError) as e:
        svc.start_schedule(24, 0)
    assert e.value.kind == "invalid_config"


# ---------------------------------------------------------------------------------------------
# Snapshot files.


def test_snapshot_file_round_trip(
    svc: craic.Service, tiny: synthetic.Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "model.snap"
    svc.save_snapshot(path)
    svc.save_snapshot(str(path))  # str works too; replaced atomically
    assert [p.name for p in tmp_path.iterdir()] == ["model.snap"]  # no stray temporary file
    restored = craic.Service.from_snapshot_file(path, cache_capacity=10)
    assert restored.model_info() == svc.model_info()
    user, now = user_of(tiny), end_of(tiny)
    assert restored.recommend(user, k=5, now=now) == svc.recommend(user, k=5, now=now)
    assert restored.stats().users == svc.stats().users


def test_corrupt_snapshot_file(svc: craic.Service, tmp_path: Path) -> None:
    path = tmp_path / "model.snap"
    svc.save_snapshot(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(craic.SnapshotError) as e:
        craic.Service.from_snapshot_file(path)
    assert e.value.kind == "invalid_snapshot"
    path.write_bytes(b"not a snapshot at all")
    with pytest.raises(craic.SnapshotError):
        craic.Service.from_snapshot_file(path)


def test_missing_snapshot_file(svc: craic.Service, tmp_path: Path) -> None:
    missing = tmp_path / "nope.snap"
    with pytest.raises(craic.StorageError) as e:
        craic.Service.from_snapshot_file(missing)
    assert isinstance(e.value, OSError)
    assert e.value.kind == "io"
    assert e.value.errno == errno.ENOENT
    assert e.value.filename == str(missing)
    assert "nope.snap" in str(e.value)
    with pytest.raises(OSError):
        svc.save_snapshot(tmp_path / "no-such-dir" / "model.snap")
    assert 'craic_errors_total{kind="io",operation="save_snapshot"} 1' in svc.metrics_text()


# ---------------------------------------------------------------------------------------------
# Metrics.


def test_prometheus_text_parses(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    now = end_of(tiny)
    outcome = svc.retrain()
    assert outcome.accepted, outcome.rejection
    users = sorted({i.user_id for i in tiny.interactions})[:3]
    for user in users:
        svc.recommend(user, k=5, now=now)
    svc.recommend(users[0], k=5, now=now)  # a hit
    svc.recommend(users[0], k=5, now=now, strategy="popularity")
    svc.record([(users[0], tiny.items[0].id, "click", now)])
    families = {f.name: f for f in text_string_to_metric_families(svc.metrics_text())}
    types = {name: f.type for name, f in families.items()}
    # The parser names a counter family without its `_total` suffix.
    for name in ["craic_requests", "craic_cache_hits", "craic_cache_misses",
                 "craic_recommendations_served", "craic_interactions_recorded", "craic_retrains"]:
        assert types[name] == "counter", name
    for name in ["craic_recommend_duration_seconds", "craic_record_duration_seconds",
                 "craic_retrain_duration_seconds"]:
        assert types[name] == "histogram", name
    for name in ["craic_model_info", "craic_model_age_seconds", "craic_last_retrain_accepted"]:
        assert types[name] == "gauge", name

    def value(family: str, sample: str, **labels: str) -> float:
        for s in families[family].samples:
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
        raise AssertionError(f"no sample {sample}{labels}")

    assert value("craic_requests", "craic_requests_total", strategy="hybrid") == 4
    assert value("craic_requests", "craic_requests_total", strategy="popularity") == 1
    assert value("craic_cache_hits", "craic_cache_hits_total") == 1
    assert value("craic_cache_misses", "craic_cache_misses_total") == 4
    assert value("craic_interactions_recorded", "craic_interactions_recorded_total") == 1
    # Histogram: cumulative buckets ending in +Inf == _count, and a _sum.
    hist = "craic_recommend_duration_seconds"
    buckets = [s for s in families[hist].samples
               if s.name == hist + "_bucket" and s.labels["strategy"] == "hybrid"]
    assert buckets[-1].labels["le"] == "+Inf"
    counts = [s.value for s in buckets]
    assert counts == sorted(counts) and counts[-1] == 4
    assert value(hist, hist + "_count", strategy="hybrid") == 4
    assert value(hist, hist + "_sum", strategy="hybrid") > 0
    info = {s.labels["version"]: s.value for s in families["craic_model_info"].samples}
    assert info == {outcome.old_version: 0, svc.model_info().version: 1}


def test_emf_lines_are_json(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    svc.recommend(user_of(tiny), k=5, now=end_of(tiny))
    lines = [line for line in svc.metrics_emf("Craic/Test").splitlines() if line]
    assert lines
    names: set[str] = set()
    for line in lines:
        doc = json.loads(line)
        meta = doc["_aws"]
        assert isinstance(meta["Timestamp"], int)
        assert abs(meta["Timestamp"] / 1000 - time.time()) < 60
        for directive in meta["CloudWatchMetrics"]:
            assert directive["Namespace"] == "Craic/Test"
            for metric in directive["Metrics"]:
                names.add(metric["Name"])
                assert metric["Name"] in doc
    assert "craic_cache_misses_total" in names


# ---------------------------------------------------------------------------------------------
# Experiments.


def test_recommend_in_experiment(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    now = end_of(tiny)
    exp = Experiment("feed", [("control", 0.5, "popularity"), ("treatment", 0.5, "hybrid")])
    svc.register_experiment(exp)
    svc.register_experiment(exp)  # the same definition again: a no-op
    users = sorted({i.user_id for i in tiny.interactions})[:20]
    served = {u: svc.recommend_in_experiment("feed", u, k=5, now=now) for u in users}
    for u, r in served.items():
        assert r.assignment is not None and r.variant == r.assignment.variant
        assert r.assignment == exp.assign(u)
        assert r.new_exposure
        assert len(r.recommendations) == 5
        strategy = "popularity" if r.variant == "control" else "hybrid"
        assert r.recommendations == svc.recommend(u, k=5, now=now, strategy=strategy)
    assert {r.variant for r in served.values()} == {"control", "treatment"}
    again = svc.recommend_in_experiment("feed", users[0], k=5, now=now)
    assert not again.new_exposure
    # The request options are recommend's, exclude_touched included.
    touched = {i.item_id for i in tiny.interactions if i.user_id == users[1]}
    fresh = svc.recommend_in_experiment("feed", users[1], k=5, now=now, exclude_touched=True)
    assert touched and not touched & {r.item_id for r in fresh.recommendations}
    assert repr(again).startswith("ExperimentRecommendations(assignment=Assignment(")
    # A click after the exposure converts.
    svc.record([(users[0], tiny.items[0].id, "click", int(time.time()) + 5)])
    report = svc.experiment_report("feed", alpha=0.1)
    assert isinstance(report, craic.experiments.Report)
    assert report.total_exposed_users == 20
    assert sum(v.conversions for v in report.variants) == 1
    with pytest.raises(craic.NotFoundError) as e:
        svc.recommend_in_experiment("nope", users[0])
    assert e.value.kind == "unknown_experiment"
    with pytest.raises(craic.NotFoundError):
        svc.experiment_report("nope")
    with pytest.raises(craic.InvalidInputError) as e2:
        svc.register_experiment(Experiment("feed", [("a", 1.0, "hybrid")]))
    assert e2.value.kind == "invalid_experiment"


def test_user_outside_the_experiment(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    svc.register_experiment(Experiment("nobody", [("a", 0.5, "hybrid"), ("b", 0.5, "content")],
                                       coverage=0.0))
    r = svc.recommend_in_experiment("nobody", user_of(tiny), k=4, now=end_of(tiny),
                                    strategy="popularity")
    assert r.assignment is None and r.variant is None and not r.new_exposure
    assert r.recommendations == svc.recommend(user_of(tiny), k=4, now=end_of(tiny),
                                              strategy="popularity")


# ---------------------------------------------------------------------------------------------
# Drift and alerts.


def recent_clicks(data: synthetic.Dataset, at: int, n: int = 30) -> list[tuple[str, str, str, int]]:
    return [(data.interactions[j].user_id, data.items[j % 3].id, "hide", at - j) for j in range(n)]


def test_drift_report(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    now = end_of(tiny)
    report = svc.drift_report(now=now)
    assert isinstance(report, DriftReport)
    assert [f.feature for f in report.features] == ["interaction_kind", "genre", "city", "score"]
    assert report.at == now
    assert report.psi("interaction_kind") is None  # nothing recorded yet
    svc.record(recent_clicks(tiny, now))
    report = svc.drift_report(now=now)
    kinds = report.features[0]
    assert kinds.current_count == 30 and kinds.report is not None
    assert kinds.report.level == "significant"  # only hides: far from the training mix
    assert report.psi("interaction_kind") == kinds.report.psi > 0.25
    assert {b.label for b in kinds.report.bins} >= {"hide", "save"}
    assert abs(sum(b.contribution for b in kinds.report.bins) - kinds.report.psi) < 1e-9
    assert report.psi("no such feature") is None
    assert repr(report).startswith("DriftReport(at=")
    assert 'craic_drift_psi{feature="interaction_kind"}' in svc.metrics_text()
    assert svc.drift_report().at == pytest.approx(time.time(), abs=60)


def test_alert_rules_and_callbacks(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    now = end_of(tiny)
    seen: list[Alert] = []
    svc.on_alert(seen.append)
    svc.set_alert_rules([
        DriftRule("interaction_kind", 0.25),
        {"type": "conversion_floor", "experiment": "feed", "variant": "a", "floor": 0.5,
         "window_secs": 3600},
    ])
    assert svc.check_alerts(now) == []
    svc.record(recent_clicks(tiny, now))
    firing = svc.check_alerts(now)
    assert len(firing) == 1
    alert = firing[0]
    assert alert.rule == DriftRule("interaction_kind", 0.25)
    assert alert.what == "interaction_kind" and alert.threshold == 0.25
    assert alert.value > 0.25 and alert.since == now
    assert seen == [alert]
    assert svc.check_alerts(now + 1) == [alert]  # still firing since `now`...
    assert len(seen) == 1  # ...so the callback is not called again
    assert "craic_alerts_firing 1\n" in svc.metrics_text()
    svc.set_alert_rules([])
    assert svc.check_alerts(now) == []


def test_a_raising_callback_is_reported_not_raised(
    svc: craic.Service, tiny: synthetic.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = end_of(tiny)
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    calls: list[str] = []

    def broken(alert: Alert) -> None:
        calls.append("broken")
        raise ValueError("callback bug")

    svc.on_alert(broken)
    svc.on_alert(lambda a: calls.append("after"))  # later callbacks still run
    svc.set_alert_rules([DriftRule("interaction_kind", 0.0)])
    svc.record(recent_clicks(tiny, now))
    assert len(svc.check_alerts(now)) == 1
    assert calls == ["broken", "after"]
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, ValueError)
    assert reported[0].object is broken


def test_callbacks_run_on_the_retrain_thread(tiny: synthetic.Dataset) -> None:
    svc = service_of(tiny)
    threads: list[int] = []
    svc.on_alert(lambda a: threads.append(threading.get_ident()))
    svc.set_alert_rules([DriftRule("interaction_kind", 0.0)])
    svc.record(recent_clicks(tiny, int(time.time())))
    svc.retrain()  # checks the alerts at the end, on its own thread
    assert len(threads) == 1 and threads[0] != threading.get_ident()


def test_bad_rules_and_callbacks(svc: craic.Service) -> None:
    with pytest.raises(craic.InvalidInputError):
        DriftRule("genre", -1.0)
    with pytest.raises(craic.InvalidInputError):
        ConversionFloorRule("feed", "a", 1.5)
    with pytest.raises(craic.InvalidInputError):
        ConversionFloorRule("feed", "a", 0.1, window_secs=0)
    with pytest.raises(craic.InvalidInputError):
        svc.set_alert_rules([{"type": "drift", "feature": "genre", "threshold": float("nan")}])
    with pytest.raises(TypeError, match="alert rule row 1"):
        svc.set_alert_rules([DriftRule("genre", 0.1), 42])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="unknown rule type"):
        svc.set_alert_rules([{"type": "latency"}])
    with pytest.raises(TypeError):
        svc.on_alert(42)  # type: ignore[arg-type]
    rule = ConversionFloorRule("feed", "a", 0.05, window_secs=600, min_exposures=100)
    assert repr(rule) == ('ConversionFloorRule(experiment="feed", variant="a", floor=0.05, '
                          "window_secs=600, min_exposures=100)")
    svc.set_alert_rules([rule])
