"""A FastAPI app embedding craic: recommendations (with A/B experiment assignment), interaction
ingest, gated retraining and Prometheus metrics, all served from one in-process
:class:`craic.Service`.

Run it from the repository root::

    uvicorn examples.fastapi_app.app:app

``create_app(service)`` builds the app around your own service; without one it serves a demo
service on a store (``$CRAIC_STORE``, default a fresh SQLite file) seeded with a synthetic
dataset ending now, or the snapshot file named by ``$CRAIC_SNAPSHOT``.
Endpoints are plain ``def`` functions: FastAPI runs them on its worker threads, and every craic
call releases the GIL, so requests are served in parallel.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import craic
from craic import synthetic
from craic.experiments import Experiment
from craic.service import PROMETHEUS_CONTENT_TYPE

DAY = 86_400

#: The demo app's experiment: half the users get Popularity, half Hybrid.
DEMO_EXPERIMENT = Experiment("feed", [("control", 0.5, "popularity"), ("hybrid", 0.5, "hybrid")])

#: HTTP status of each craic error class; any other CraicError is a 500.
ERROR_STATUS: dict[type[craic.CraicError], int] = {
    craic.NotFoundError: 404,
    craic.InvalidInputError: 422,
    craic.RetrainRunningError: 409,
}


class InteractionIn(BaseModel):
    """One interaction to ingest: ``user_id`` did ``kind`` to ``item_id`` at ``timestamp``."""

    user_id: str
    item_id: str
    kind: str
    timestamp: int


def demo_service() -> craic.Service:
    """The service the app runs, on a store: the store URL in ``$CRAIC_STORE`` (``sqlite:///...``,
    ``mysql://...``, ``dynamodb://...``), else a fresh SQLite file in a temporary directory. An
    empty store is first seeded with a synthetic city whose history ends now (so its events are
    upcoming). Every interaction the app ingests is written to the store, retrains read the whole
    log from it and publish their model to it, and a restart on the same URL restores the
    current model and the experiments. ``$CRAIC_SNAPSHOT`` names a snapshot file to serve
    instead (no store)."""
    path = os.environ.get("CRAIC_SNAPSHOT")
    if path:
        return craic.Service.from_snapshot_file(path)
    url = os.environ.get("CRAIC_STORE") or (
        f"sqlite://{Path(tempfile.mkdtemp(prefix='craic-fastapi-')) / 'craic.db'}"
    )
    store = craic.Store(url)
    if store.log_head() == 0:
        days = int(synthetic.preset_config("tiny")["days"])
        data = synthetic.generate("tiny", start=int(time.time()) - days * DAY)
        store.upsert_items(data.items)
        store.set_preferences(data.preferences)
        store.append(data.interactions)
    return craic.Service.open(url)


def recommendation_json(r: craic.Recommendation) -> dict[str, Any]:
    """A recommendation as JSON (``explanation`` is null unless asked for)."""
    return {
        "item_id": r.item_id,
        "score": r.score,
        "explanation": None
        if r.explanation is None
        else [{"component": c.component, "score": c.score, "reason": c.reason}
              for c in r.explanation],
    }


def outcome_json(o: craic.service.RetrainOutcome) -> dict[str, Any]:
    """A retrain outcome as JSON."""
    return {
        "accepted": o.accepted,
        "rejection": o.rejection,
        "old_version": o.old_version,
        "new_version": o.new_version,
        "duration_secs": o.duration_secs,
        "candidate": o.candidate.as_dict(),
        "serving": o.serving.as_dict(),
        "popularity": o.popularity.as_dict(),
    }


def create_app(
    service: Optional[craic.Service] = None, *, experiment: Optional[Experiment] = None
) -> FastAPI:
    """The app around ``service`` (default: :func:`demo_service`). With an ``experiment``
    (registered here), recommendations go through ``Service.recommend_in_experiment``: users
    are assigned a variant, served its strategy, and exposures / conversions are tracked."""
    svc = service if service is not None else demo_service()
    if experiment is not None:
        svc.register_experiment(experiment)
    key = experiment.key if experiment is not None else None
    app = FastAPI(title="craic example")
    app.state.service = svc

    @app.exception_handler(craic.CraicError)
    async def craic_error(request: Request, exc: Exception) -> JSONResponse:
        """Every craic error as ``{"kind", "message"}`` with the status its class maps to."""
        assert isinstance(exc, craic.CraicError)
        code = next(
            (c for cls, c in ERROR_STATUS.items() if isinstance(exc, cls)),
            500,
        )
        return JSONResponse({"kind": exc.kind, "message": str(exc)}, status_code=code)

    @app.get("/recommendations/{user_id}")
    def recommendations(
        user_id: str,
        k: int = 10,
        city: Optional[str] = None,
        explain: bool = False,
        now: Optional[int] = None,
    ) -> dict[str, Any]:
        """Up to ``k`` upcoming events for the user (optionally in ``city``), with the
        experiment variant when one is configured."""
        if key is None:
            recs = svc.recommend(user_id, k=k, city=city, explain=explain, now=now)
            variant = None
        else:
            r = svc.recommend_in_experiment(key, user_id, k=k, city=city, explain=explain,
                                            now=now)
            recs, variant = r.recommendations, r.variant
        return {
            "user_id": user_id,
            "experiment": key,
            "variant": variant,
            "recommendations": [recommendation_json(r) for r in recs],
        }

    @app.post("/interactions")
    def interactions(rows: list[InteractionIn]) -> dict[str, int]:
        """Records a batch of interactions (rejected whole if any row is bad)."""
        svc.record([row.model_dump() for row in rows])
        return {"recorded": len(rows)}

    @app.post("/retrain")
    def retrain(response: Response, wait: bool = True) -> dict[str, Any]:
        """Retrains behind the evaluation gate: waits for the outcome, or with ``wait=false``
        starts it in the background (202; 409 if one is already running)."""
        if wait:
            return outcome_json(svc.retrain())
        svc.retrain(wait=False)
        response.status_code = 202
        return {"started": True}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(svc.metrics_text(), media_type=PROMETHEUS_CONTENT_TYPE)

    return app


app = create_app(experiment=DEMO_EXPERIMENT)
