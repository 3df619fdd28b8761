"""The keyword arguments of the recommend-style calls: one parser, the core's defaults."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest

import craic
from craic import _craic

RECOMMEND = [
    craic.Engine.recommend,
    craic.Engine.recommend_many,
    craic.Service.recommend,
    craic.Service.recommend_in_experiment,
]
EVALUATE_OPTIONS = {"k", "strategy", "now", "diversity", "max_per_artist", "max_per_venue"}


def documented(fn: Callable[..., Any]) -> dict[str, Any]:
    """The keyword-only parameters and defaults of `fn`'s documented signature."""
    params = inspect.signature(fn).parameters.values()
    return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY}


@pytest.mark.parametrize("fn", RECOMMEND, ids=lambda f: f.__qualname__)
def test_documented_defaults_are_the_cores(fn: Callable[..., Any]) -> None:
    defaults = _craic._request_defaults()
    shown = documented(fn)
    assert {name: shown[name] for name in defaults} == defaults


def test_evaluate_documents_its_subset_with_the_cores_defaults() -> None:
    defaults = _craic._request_defaults()
    shown = documented(craic.evaluation.evaluate)
    assert EVALUATE_OPTIONS <= set(defaults)
    assert {n: shown[n] for n in EVALUATE_OPTIONS} == {n: defaults[n] for n in EVALUATE_OPTIONS}
    assert not (set(defaults) - EVALUATE_OPTIONS) & set(shown)


def test_core_defaults() -> None:
    defaults = _craic._request_defaults()
    assert defaults["k"] == 10
    assert defaults["strategy"] == "hybrid"
    assert defaults["diversity"] == 0.0


def test_omitted_keywords_take_the_defaults(engine: craic.Engine, now: int) -> None:
    options: dict[str, Any] = {**_craic._request_defaults(), "now": now}
    explicit = engine.recommend("ana", **options)
    assert explicit
    assert engine.recommend("ana", now=now) == explicit


def test_unknown_keyword_is_a_type_error(engine: craic.Engine) -> None:
    with pytest.raises(TypeError):
        engine.recommend("ana", kk=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        engine.recommend_many(["ana"], log_impressions=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        craic.evaluation.evaluate(engine, [], city="dublin")  # type: ignore[call-arg]
    svc = craic.Service()
    with pytest.raises(TypeError):
        svc.recommend("ana", exposure_id="x")  # type: ignore[call-arg]


def test_bad_values_keep_their_classes(engine: craic.Engine) -> None:
    with pytest.raises(TypeError):
        engine.recommend("ana", k="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.recommend("ana", explain="yes")  # type: ignore[arg-type]
    with pytest.raises(craic.InvalidInputError) as e:
        engine.recommend("ana", k=-1)
    assert e.value.kind == "invalid_k"
    with pytest.raises(craic.InvalidInputError) as e:
        engine.recommend("ana", max_per_artist=-2)
    assert e.value.kind == "out_of_range"
    with pytest.raises(craic.InvalidInputError) as e:
        engine.recommend("ana", strategy="best")
    assert e.value.kind == "invalid_config"
    with pytest.raises(craic.InvalidInputError) as e:
        engine.recommend("ana", now=2**70)
    assert e.value.kind == "invalid_timestamp"
