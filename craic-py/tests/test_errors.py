"""The exception hierarchy, `.kind` / `.row`, and that bad input never panics."""

from __future__ import annotations

import math
import pickle
from typing import Any

import pytest

import craic
from craic import _craic

NOW = 1_700_086_400
MS = 1_700_000_000_000  # a timestamp in milliseconds


def test_hierarchy() -> None:
    assert issubclass(craic.InvalidInputError, craic.CraicError)
    assert issubclass(craic.InvalidInputError, ValueError)
    assert issubclass(craic.NotFoundError, craic.CraicError)
    assert issubclass(craic.NotFoundError, KeyError)
    assert issubclass(craic.SnapshotError, craic.CraicError)
    assert issubclass(craic.SnapshotError, ValueError)
    assert issubclass(craic.StorageError, craic.CraicError)
    assert issubclass(craic.StorageError, OSError)
    assert issubclass(craic.RetrainRunningError, craic.CraicError)
    assert issubclass(craic.RetrainRunningError, RuntimeError)
    assert issubclass(craic.StoppedError, craic.CraicError)
    assert issubclass(craic.StoppedError, RuntimeError)
    assert issubclass(craic.PoisonedError, craic.CraicError)
    assert issubclass(craic.PoisonedError, RuntimeError)
    assert issubclass(craic.CraicError, Exception)
    assert not issubclass(craic.NotFoundError, ValueError)


def test_every_kind_maps_to_a_specific_class() -> None:
    mapping = _craic._error_classes()
    assert len(mapping) == 16 + 3 + 7  # the core's kinds, the service's and the store's
    lookup = {"unknown_item", "unknown_experiment", "unknown_variant", "not_found"}
    for kind, name in mapping.items():
        cls = getattr(craic, name)
        assert cls is not craic.CraicError, kind
        assert issubclass(cls, craic.CraicError)
        assert (cls is craic.NotFoundError) == (kind in lookup), kind
    assert mapping["invalid_snapshot"] == "SnapshotError"
    assert mapping["invalid_weight"] == "InvalidInputError"
    assert mapping["invalid_rank"] == "InvalidInputError"
    assert mapping["io"] == "StorageError"
    assert mapping["retrain_running"] == "RetrainRunningError"
    assert mapping["stopped"] == "StoppedError"
    assert mapping["out_of_range"] == "InvalidInputError"
    assert mapping["poisoned"] == "PoisonedError"
    assert mapping["inconsistent_model"] == "PoisonedError"
    assert mapping["unavailable"] == "StorageError"
    assert mapping["conflict"] == "InvalidInputError"
    assert mapping["invalid_url"] == "InvalidInputError"


def expect(cls: type[craic.CraicError], kind: str, row: int | None = None) -> Any:
    """pytest.raises for `cls` that also checks `.kind` and `.row` on exit."""

    class Check:
        def __enter__(self) -> None:
            self.ctx = pytest.raises(cls)
            self.info = self.ctx.__enter__()

        def __exit__(self, *exc: Any) -> bool:
            handled = self.ctx.__exit__(*exc)
            assert self.info.value.kind == kind, self.info.value
            assert self.info.value.row == row, self.info.value
            return bool(handled)

    return Check()


def test_unknown_item(engine: craic.Engine) -> None:
    with expect(craic.NotFoundError, "unknown_item", row=0):
        engine.record_one("ana", "nope", "save", NOW)
    with pytest.raises(KeyError) as e:
        engine.remove_items(["rave", "nope"])
    assert isinstance(e.value, craic.NotFoundError)
    assert (e.value.kind, e.value.row) == ("unknown_item", 1)
    # Printed as written, not repr()'d as KeyError would.
    assert str(e.value) == 'row 1 of the batch: unknown item "nope"'
    assert engine.stats().live_items == 8  # nothing removed


def test_invalid_inputs(engine: craic.Engine) -> None:
    with expect(craic.InvalidInputError, "invalid_timestamp", row=0):
        engine.record_one("ana", "trad", "save", MS)
    with expect(craic.InvalidInputError, "invalid_timestamp", row=0):
        engine.upsert_items([craic.Item("gig", MS)])
    with expect(craic.InvalidInputError, "invalid_k"):
        engine.recommend("ana", k=0)
    with expect(craic.InvalidInputError, "invalid_k"):
        engine.recommend_many(["ana"], k=1001)
    # Negative and oversized ints are bad input too, not pyo3's OverflowError.
    for k in (-1, 2**70):
        with expect(craic.InvalidInputError, "invalid_k"):
            engine.recommend("ana", k=k)
        with expect(craic.InvalidInputError, "invalid_k"):
            engine.recommend_many(["ana"], k=k)
        with expect(craic.InvalidInputError, "invalid_k"):
            craic.evaluation.evaluate(engine, [], k=k)
    with pytest.raises(TypeError):
        engine.recommend("ana", k="3")  # type: ignore[arg-type]
    with expect(craic.InvalidInputError, "invalid_id", row=0):
        engine.record_one("", "trad", "save", NOW)
    with expect(craic.InvalidInputError, "invalid_id"):
        engine.set_preferences("", craic.Preferences(genres=["folk"]))
    with expect(craic.InvalidInputError, "unknown_kind", row=0):
        engine.record_one("ana", "trad", "purchase", NOW)
    with expect(craic.InvalidInputError, "invalid_item", row=0):
        engine.upsert_items([craic.Item("gig", NOW, ends_at=NOW - 1)])
    with expect(craic.InvalidInputError, "invalid_config"):
        engine.recommend("ana", strategy="bandit")
    with pytest.raises(TypeError):
        engine.recommend("ana", strategy=3)  # type: ignore[arg-type]
    for w in (math.nan, -1.0):
        with expect(craic.InvalidInputError, "invalid_weight"):
            craic.Config(kinds={"purchase": w})


def test_batch_with_one_bad_row_changes_nothing(data: dict[str, Any]) -> None:
    engine = craic.Engine.build(
        [craic.Item(**i) for i in data["items"]], data["interactions"]
    )
    before = (engine.stats(), engine.neighbours("ben"), engine.recommend("ana", now=NOW))
    good = ("zoe", "trad", "save", NOW)
    for bad, cls, kind in [
        (("zoe", "nope", "save", NOW), craic.NotFoundError, "unknown_item"),
        (("zoe", "trad", "save", MS), craic.InvalidInputError, "invalid_timestamp"),
        (("zoe", "trad", "bogus", NOW), craic.InvalidInputError, "unknown_kind"),
        (("", "trad", "save", NOW), craic.InvalidInputError, "invalid_id"),
    ]:
        with expect(cls, kind, row=2):
            engine.record([good, good, bad, good])
    with expect(craic.InvalidInputError, "invalid_timestamp", row=1):
        engine.upsert_items([craic.Item("a", NOW), craic.Item("b", MS)])
    assert (engine.stats(), engine.neighbours("ben"), engine.recommend("ana", now=NOW)) == before
    assert engine.item("a") is None
    with expect(craic.NotFoundError, "unknown_item", row=1):
        craic.Engine.build([craic.Item("a", NOW)], [good[:1] + ("a",) + good[2:], good])
    with expect(craic.InvalidInputError, "invalid_id", row=1):
        craic.Engine.build(
            [],
            [],
            preferences={"ok": craic.Preferences(), "": craic.Preferences(genres=["x"])},
        )


def test_errors_pickle_and_construct() -> None:
    e = craic.NotFoundError("unknown item \"x\"", kind="unknown_item", row=3)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is craic.NotFoundError
    assert (back.kind, back.row, str(back)) == ("unknown_item", 3, 'unknown item "x"')
    plain = craic.CraicError("boom")
    assert (plain.kind, plain.row) == ("unknown", None)


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.recommend("ana", k=2**40, now=NOW),
        lambda e: e.recommend("x" * 10_000, now=NOW),
        lambda e: e.recommend("ana", now=-(2**62)),
        lambda e: e.recommend("ana", now=2**62, city="", exclude=["", "nope"]),
        lambda e: e.recommend("ana", k=-1),
        lambda e: e.recommend("ana", k=2**70),
        lambda e: e.recommend_many(["", "ana"], now=NOW),
        lambda e: e.record_one("ana", "rave", "save", -(2**63)),
        lambda e: e.record_one("ana", "rave", "save", 2**64),
        lambda e: e.record([("ana", "rave", "unsave", NOW), ("ana", "rave", "unsave", NOW)]),
        lambda e: e.remove_items([""]),
        lambda e: e.neighbours(""),
        lambda e: e.similarity("", "\u0000"),
        lambda e: e.blend_weights("🎸"),
        lambda e: e.verify_neighbours(tolerance=math.nan),
        lambda e: e.upsert_items([craic.Item("x" * 300, NOW)]),
        lambda e: e.upsert_items([craic.Item("gig", NOW, genres=["g" * 300])]),
        lambda e: e.set_preferences("ana", craic.Preferences(cities=["atlantis"] * 1000)),
        lambda e: craic.Config(hybrid_content_share=2.0, max_k=0),
        lambda e: craic.Config(neighbours=10**9),
        lambda e: craic.Config(max_item_users=1),
    ],
)
def test_bad_input_never_panics(engine: craic.Engine, call: Any) -> None:
    try:
        call(engine)
    except (craic.CraicError, TypeError):
        pass  # a typed error is fine; a PanicException (a BaseException) is not
