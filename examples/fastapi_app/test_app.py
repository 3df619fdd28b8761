"""Tests of the FastAPI example through FastAPI's TestClient: every endpoint, the error
mapping, and concurrent requests from several threads."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import craic
from craic import synthetic
from craic.experiments import Experiment

from .app import DEMO_EXPERIMENT, app as demo_app, create_app, demo_service

DAY = 86_400


@pytest.fixture(scope="module")
def tiny() -> synthetic.Dataset:
    return synthetic.generate("tiny")


def end_of(data: synthetic.Dataset) -> int:
    return int(data.config["start"]) + int(data.config["days"]) * DAY


def service_of(data: synthetic.Dataset) -> craic.Service:
    return craic.Service(
        items=data.items, interactions=data.interactions, preferences=data.preferences
    )


@pytest.fixture()
def svc(tiny: synthetic.Dataset) -> craic.Service:
    return service_of(tiny)


@pytest.fixture()
def client(svc: craic.Service) -> TestClient:
    exp = Experiment("feed", [("control", 0.5, "popularity"), ("treatment", 0.5, "hybrid")])
    return TestClient(create_app(svc, experiment=exp))


def users_of(data: synthetic.Dataset, n: int) -> list[str]:
    return sorted({i.user_id for i in data.interactions})[:n]


def test_recommendations_in_the_experiment(
    client: TestClient, svc: craic.Service, tiny: synthetic.Dataset
) -> None:
    now = end_of(tiny)
    variants = set()
    for user in users_of(tiny, 10):
        r = client.get(f"/recommendations/{user}", params={"k": 5, "now": now})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["user_id"] == user and body["experiment"] == "feed"
        assert body["variant"] in {"control", "treatment"}
        variants.add(body["variant"])
        strategy = "popularity" if body["variant"] == "control" else "hybrid"
        expected = svc.recommend(user, k=5, now=now, strategy=strategy)
        assert [x["item_id"] for x in body["recommendations"]] == [x.item_id for x in expected]
        assert all(x["explanation"] is None for x in body["recommendations"])
    assert variants == {"control", "treatment"}
    assert svc.experiment_report("feed").total_exposed_users == 10


def test_recommendation_options(client: TestClient, tiny: synthetic.Dataset) -> None:
    user, now = users_of(tiny, 1)[0], end_of(tiny)
    city = tiny.cities[0]
    r = client.get(f"/recommendations/{user}",
                   params={"k": 3, "now": now, "city": city, "explain": "true"})
    assert r.status_code == 200
    recs = r.json()["recommendations"]
    assert len(recs) == 3
    cities = {i.id: i.city for i in tiny.items}
    assert all(cities[x["item_id"]] == city for x in recs)
    assert all(x["explanation"] and {"component", "score", "reason"} <= x["explanation"][0].keys()
               for x in recs)


def test_without_an_experiment(svc: craic.Service, tiny: synthetic.Dataset) -> None:
    client = TestClient(create_app(svc))
    user, now = users_of(tiny, 1)[0], end_of(tiny)
    body = client.get(f"/recommendations/{user}", params={"now": now}).json()
    assert body["experiment"] is None and body["variant"] is None
    assert [x["item_id"] for x in body["recommendations"]] == [
        x.item_id for x in svc.recommend(user, now=now)
    ]


def test_demo_app() -> None:
    client = TestClient(demo_app)
    body = client.get("/recommendations/someone", params={"k": 4}).json()
    assert body["experiment"] == DEMO_EXPERIMENT.key
    assert len(body["recommendations"]) == 4  # a cold-start user gets popular upcoming events


def test_the_demo_keeps_its_state_in_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite://{tmp_path / 'craic.db'}"
    monkeypatch.setenv("CRAIC_STORE", url)
    monkeypatch.delenv("CRAIC_SNAPSHOT", raising=False)
    client = TestClient(create_app(demo_service(), experiment=DEMO_EXPERIMENT))
    seeded = craic.Store(url).log_head()
    assert seeded > 0  # the empty store was seeded with the synthetic city
    item = craic.Store(url).items()[0].id
    r = client.post("/interactions", json=[
        {"user_id": "newcomer", "item_id": item, "kind": "save", "timestamp": int(time.time())}
    ])
    assert r.status_code == 200, r.text
    assert craic.Store(url).log_head() > seeded  # written through to the store
    # A restart on the same store restores the model, the experiment and the interaction.
    restarted = demo_service()
    assert restarted.model_info().version == craic.Service.open(url).model_info().version
    assert item not in [x.item_id for x in restarted.recommend("newcomer", k=50)]
    assert restarted.experiment_report("feed").experiment == "feed"


def test_ingest(client: TestClient, svc: craic.Service, tiny: synthetic.Dataset) -> None:
    before = svc.stats().interactions
    now = end_of(tiny)
    rows = [
        {"user_id": "new-user", "item_id": tiny.items[0].id, "kind": "save", "timestamp": now},
        {"user_id": "new-user", "item_id": tiny.items[1].id, "kind": "click", "timestamp": now},
    ]
    r = client.post("/interactions", json=rows)
    assert r.status_code == 200 and r.json() == {"recorded": 2}
    assert svc.stats().interactions == before + 2


def test_errors(client: TestClient, svc: craic.Service, tiny: synthetic.Dataset) -> None:
    before = svc.stats().interactions
    r = client.get("/recommendations/ana", params={"k": 0})
    assert r.status_code == 422
    assert r.json()["kind"] == "invalid_k" and r.json()["message"]
    bad_kind = [{"user_id": "u", "item_id": tiny.items[0].id, "kind": "buy", "timestamp": 1}]
    r = client.post("/interactions", json=bad_kind)
    assert r.status_code == 422 and r.json()["kind"] == "unknown_kind"
    unknown_item = [{"user_id": "u", "item_id": "no-such-item", "kind": "save", "timestamp": 1}]
    r = client.post("/interactions", json=unknown_item)
    assert r.status_code == 404
    assert r.json() == {"kind": "unknown_item", "message": r.json()["message"]}
    assert "no-such-item" in r.json()["message"]
    assert svc.stats().interactions == before  # nothing recorded
    # Malformed requests are FastAPI's own 422s, before craic is called.
    assert client.post("/interactions", json=[{"user_id": "u"}]).status_code == 422
    assert client.get("/recommendations/ana", params={"k": "many"}).status_code == 422


def test_retrain(client: TestClient, svc: craic.Service) -> None:
    old = svc.model_info().version
    r = client.post("/retrain")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] is True and body["rejection"] is None
    assert body["old_version"] == old and body["new_version"] == svc.model_info().version
    assert body["candidate"]["ndcg@10"] > body["popularity"]["ndcg@10"]


def test_background_retrain_and_conflict() -> None:
    svc = service_of(synthetic.generate("small"))  # a retrain long enough to collide with
    client = TestClient(create_app(svc))
    r = client.post("/retrain", params={"wait": "false"})
    assert r.status_code == 202 and r.json() == {"started": True}
    r = client.post("/retrain", params={"wait": "false"})
    assert r.status_code == 409
    assert r.json()["kind"] == "retrain_running"
    outcome = svc.retrain()  # waits for the background one first
    assert len(svc.retrain_history()) == 2 and outcome == svc.retrain_history()[-1]


def test_metrics(client: TestClient, tiny: synthetic.Dataset) -> None:
    for user in users_of(tiny, 3):
        client.get(f"/recommendations/{user}", params={"now": end_of(tiny)})
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert families["craic_requests"].type == "counter"
    assert families["craic_recommend_duration_seconds"].type == "histogram"
    served = sum(s.value for s in families["craic_requests"].samples
                 if s.name == "craic_requests_total")
    assert served == 3
    exposures = [s for s in families["craic_experiment_exposures"].samples
                 if s.name == "craic_experiment_exposures_total"]
    assert sum(s.value for s in exposures) == 3


def test_threaded_smoke(client: TestClient, svc: craic.Service, tiny: synthetic.Dataset) -> None:
    users, now = users_of(tiny, 40), end_of(tiny)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for j in range(15):
                user = users[(n * 15 + j) % len(users)]
                r = client.get(f"/recommendations/{user}", params={"k": 5, "now": now})
                statuses.append(r.status_code)
                row: dict[str, Any] = {"user_id": user, "item_id": tiny.items[j].id,
                                       "kind": "click", "timestamp": now - j}
                statuses.append(client.post("/interactions", json=[row]).status_code)
            if n == 0:
                statuses.append(client.post("/retrain").status_code)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert statuses == [200] * (6 * 15 * 2 + 1)
    assert svc.stats().interactions >= len(tiny.interactions) + 6 * 15
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    requests = sum(s.value for s in families["craic_requests"].samples
                   if s.name == "craic_requests_total")
    assert requests == 6 * 15
