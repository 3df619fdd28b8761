"""Fuzz test of the whole Python API: random bad arguments to every public function, constructor
and method (NaN, ±inf, huge and negative ints, lone surrogates, 10 kB strings, wrong types,
None). Only craic's own errors (``CraicError`` subclasses) or ``TypeError`` may come out — never
a ``PanicException``, ``OverflowError``, ``UnicodeEncodeError``, ``AttributeError``, ... — and the
engine and the service still answer afterwards.

Seeded and short by default (a few thousand calls). The long run (see ``docs/limits.md``)::

    CRAIC_FUZZ_CALLS=1000000 CRAIC_FUZZ_SEED=7 python -m pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import inspect
import math
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import craic
from craic import _craic, synthetic
from craic.experiments import Experiment, ExperimentTracker

CALLS = int(os.environ.get("CRAIC_FUZZ_CALLS", "3000"))
SEED = int(os.environ.get("CRAIC_FUZZ_SEED", "20261203"))
NOW = 1_700_086_400

BAD: list[Any] = [
    None,
    True,
    -1,
    0,
    2**31,
    2**63,
    -(2**63) - 1,
    2**64,
    10**12,
    1_700_000_000_000,
    2**200,
    -(2**200),
    math.nan,
    math.inf,
    -math.inf,
    -0.0,
    1e308,
    "",
    "\ud800",
    "a\udfffb",
    "x" * 10_000,
    "🎸",
    "\x00",
    b"bytes",
    [],
    [None],
    ["\ud800"],
    ["x" * 10_000],
    [math.nan],
    {},
    {"\ud800": 1.0},
    {"save": math.nan},
    (1, 2),
    ("ana", "trad", "save", 2**64),
    object(),
]
#: Plausible values, so that calls get past the first argument and reach deeper checks.
GOOD: list[Any] = ["ana", "trad", "save", "feed", "control", NOW, 3, 0.5, 1.0, [], ["ana"]]

#: Methods that would block or start work outside the test's control; their callers are tested
#: elsewhere (test_service.py).
SKIP = {
    "RetrainJob.wait",  # no instance here
    "Service.on_alert",  # stores a callable; a bad one is a TypeError, tested elsewhere
}


def value(rng: random.Random) -> Any:
    return rng.choice(GOOD) if rng.random() < 0.3 else rng.choice(BAD)


def public_callables(obj: Any) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in sorted(dir(obj)):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(obj, name)
        if isinstance(attr, property) or type(attr).__name__ == "getset_descriptor":
            continue
        member = getattr(obj, name)
        if callable(member):
            yield name, member


def arguments(rng: random.Random, fn: Callable[..., Any]) -> tuple[list[Any], dict[str, Any]]:
    """Random arguments shaped by the signature when there is one, else 0-4 positionals."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [value(rng) for _ in range(rng.randrange(5))], {}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in params:
        if p.name in ("self", "cls"):
            continue
        # An omitted preset is "small": valid, and slow to generate in a debug build.
        optional = p.default is not inspect.Parameter.empty and p.name != "preset"
        if p.kind is p.VAR_POSITIONAL:
            args.extend(value(rng) for _ in range(rng.randrange(3)))
        elif p.kind is p.VAR_KEYWORD:
            for _ in range(rng.randrange(3)):
                kwargs[rng.choice(["k", "\ud800", "x" * 100, "days"])] = value(rng)
        elif optional and rng.random() < 0.5:
            continue
        elif p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value(rng)
        else:
            args.append(value(rng))
    return args, kwargs


@pytest.fixture()
def world(engine: craic.Engine, data: dict[str, Any]) -> dict[str, Any]:
    """One live instance of every class with methods, plus the module-level functions."""
    items = [craic.Item(**i) for i in data["items"]]
    svc = craic.Service(items=items, interactions=data["interactions"])
    exp = Experiment("feed", [("control", 0.5, "popularity"), ("hybrid", 0.5, "hybrid")])
    svc.register_experiment(exp)
    tracker = ExperimentTracker()
    tracker.register(exp)
    return {
        "Engine": engine,
        "Service": svc,
        "Experiment": exp,
        "ExperimentTracker": tracker,
        "Dataset": synthetic.generate("tiny", users=20, items=10, interactions=50),
        "Config": craic.Config(),
        "Item": items[0],
        "Interaction": craic.Interaction("ana", "trad", "save", NOW),
        "Preferences": craic.Preferences(genres=["folk"]),
    }


def targets(world: dict[str, Any]) -> list[tuple[str, Callable[..., Any]]]:
    """Every public function and class of the compiled module (constructors and static
    methods), and every public method of the live instances."""
    out: list[tuple[str, Callable[..., Any]]] = [("to_scipy", craic.to_scipy)]
    for name, member in public_callables(_craic):
        out.append((name, member))
        if inspect.isclass(member):
            for meth, fn in public_callables(member):
                if isinstance(inspect.getattr_static(member, meth), staticmethod):
                    out.append((f"{name}.{meth}", fn))
    for cls, instance in world.items():
        for meth, fn in public_callables(instance):
            out.append((f"{cls}.{meth}", fn))
    return [(n, f) for n, f in out if n not in SKIP]


def cleanup(result: Any) -> None:
    """Stops what a successful call started (a schedule thread, a background retrain)."""
    if isinstance(result, craic.service.ScheduleHandle):
        result.stop()
    elif isinstance(result, craic.service.RetrainJob):
        try:
            result.wait()
        except craic.CraicError:
            pass


def test_bad_arguments_raise_only_craic_errors_or_type_errors(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # snapshot and CSV writers get relative paths
    rng = random.Random(SEED)
    calls = targets(world)
    assert len(calls) > 100, "introspection found too little of the API"
    seen: set[str] = set()
    failures: dict[tuple[str, str], str] = {}  # (callable, exception class) -> first example
    for n in range(CALLS):
        name, fn = calls[n % len(calls)] if n < len(calls) else rng.choice(calls)
        args, kwargs = arguments(rng, fn)
        try:
            cleanup(fn(*args, **kwargs))
        except (craic.CraicError, TypeError):
            pass
        except BaseException as e:  # PanicException is a BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            cls = f"{type(e).__module__}.{type(e).__qualname__}"
            failures.setdefault(
                (name, cls),
                f"call {n}: {name}(*{args!r:.200}, **{kwargs!r:.200}) raised {cls}: {e!s:.200}",
            )
        seen.add(name)
    report = "\n".join(sorted(failures.values()))
    assert not failures, f"seed {SEED}, {len(failures)} kinds of failure:\n{report}"
    assert seen == {name for name, _ in calls}, "every target was called"

    # Everything still answers.
    engine, svc = world["Engine"], world["Service"]
    assert engine.recommend("ana", k=3, now=NOW) == engine.recommend("ana", k=3, now=NOW)
    assert isinstance(svc.recommend("ana", k=3, now=NOW), list)
    engine.verify_neighbours()  # raises PoisonedError on a difference
