"""A caller's number never sizes an allocation: every count is bounded in the core, and a value
outside its range raises ``InvalidInputError`` with a stable ``.kind`` (see ``docs/limits.md``).

Before the limits, each call below aborted the whole Python process ("memory allocation of ...
bytes failed"), so these tests fail by crashing pytest on the old code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import craic
from craic.experiments import get_bucket_ranges, get_equal_weights

NOW = 1_700_086_400


def kind_of(call: Callable[[], Any]) -> str:
    with pytest.raises(craic.InvalidInputError) as e:
        call()
    return e.value.kind


def test_variation_counts_are_bounded() -> None:
    assert kind_of(lambda: get_equal_weights(10**12)) == "invalid_experiment"
    assert kind_of(lambda: get_bucket_ranges(10**9)) == "invalid_experiment"
    # A millisecond timestamp passed as the number of variations by mistake.
    ms = 1_700_000_000_000
    assert kind_of(lambda: get_bucket_ranges(ms, 1.0, [0.5, 0.5])) == "invalid_experiment"
    # Beyond the machine types: still craic's error, not pyo3's OverflowError.
    assert kind_of(lambda: get_equal_weights(2**80)) == "out_of_range"
    assert kind_of(lambda: get_bucket_ranges(-1)) == "out_of_range"
    assert kind_of(lambda: get_bucket_ranges(2**70)) == "out_of_range"
    # The limit itself is accepted.
    assert len(get_equal_weights(1000)) == 1000
    assert len(get_bucket_ranges(1000)) == 1000


def test_max_k_is_bounded(engine: craic.Engine) -> None:
    assert kind_of(lambda: craic.Config(max_k=2**40)) == "invalid_config"
    assert kind_of(lambda: craic.Config(max_k=10_001)) == "invalid_config"
    assert kind_of(lambda: craic.Config(max_k=-1)) == "out_of_range"
    assert craic.Config(max_k=10_000).max_k == 10_000
    assert kind_of(lambda: engine.recommend("ana", k=2**40, now=NOW)) == "invalid_k"


@pytest.mark.parametrize(
    "field", ["neighbours", "neighbour_buffer", "max_item_users", "min_overlap"]
)
def test_config_counts_are_bounded(field: str) -> None:
    for bad in (-1, 2**64, 2**100):
        args: dict[str, Any] = {field: bad}
        assert kind_of(lambda: craic.Config(**args)) == "out_of_range"
    if field in ("neighbours", "neighbour_buffer"):
        big: dict[str, Any] = {field: 10**9}
        assert kind_of(lambda: craic.Config(**big)) == "invalid_config"


def test_recommend_many_is_bounded(engine: craic.Engine) -> None:
    users = ["ana"] * 10_001
    assert kind_of(lambda: engine.recommend_many(users, k=1000, now=NOW)) == "out_of_range"
    assert len(engine.recommend_many(users[:10], k=3, now=NOW)) == 10


def test_timestamps_beyond_int64_are_invalid_timestamps(engine: craic.Engine) -> None:
    for t in (2**63, -(2**63) - 1, 2**200):
        assert kind_of(lambda: engine.record_one("ana", "trad", "save", t)) == "invalid_timestamp"
        assert kind_of(lambda: craic.Interaction("a", "b", "save", t)) == "invalid_timestamp"
        assert kind_of(lambda: engine.recommend("ana", now=t)) == "invalid_timestamp"


def test_service_counts_are_bounded() -> None:
    for field in ("cache_capacity", "retrain_k", "history_len", "drift_window_secs"):
        huge: dict[str, Any] = {field: 2**64}
        assert kind_of(lambda: craic.Service(**huge)) == "out_of_range"
    svc = craic.Service()
    for bad in (-1, 2**40):
        assert kind_of(lambda: svc.start_schedule(bad, 0)) in ("out_of_range", "invalid_config")


def test_a_lying_len_does_not_size_an_allocation(engine: craic.Engine) -> None:
    class Liar:
        def __len__(self) -> int:
            return 2**62

        def __iter__(self) -> Any:
            return iter([("ana", "trad", "save", NOW)])

    assert engine.record(Liar()).interactions == 1
