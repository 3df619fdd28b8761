"""The GIL is released while the engine works: other Python threads keep running."""

from __future__ import annotations

import threading

import craic
from gil_probe import runs_inside

T0 = 1_700_000_000
FUTURE = T0 + 30 * 86_400
KINDS = ("save", "click", "click", "hide")


def generated(users: int = 2_500, items: int = 600, per_user: int = 20) -> tuple[
    list[craic.Item], list[tuple[str, str, str, int]]
]:
    """~50k interactions from a small linear congruential generator (plain Python loops)."""
    catalogue = [
        craic.Item(f"i{n}", FUTURE, city=("dublin", "cork")[n % 2], genres=[f"g{n % 17}"])
        for n in range(items)
    ]
    rows = []
    state = 12345
    for u in range(users):
        for j in range(per_user):
            state = (state * 1103515245 + 12345) % 2**31
            # Each user sticks to a neighbourhood of the catalogue, so neighbours overlap.
            item = (u * 7 + state % 40) % items
            rows.append((f"u{u}", f"i{item}", KINDS[state % 4], T0 + u * per_user + j))
    return catalogue, rows


def test_recommend_runs_while_another_thread_builds(engine: craic.Engine) -> None:
    items, rows = generated()
    assert len(rows) == 50_000
    recs: list[list[craic.Recommendation]] = []
    big, inside = runs_inside(
        lambda: craic.Engine.build(items, rows),
        lambda: recs.append(engine.recommend("ana", k=3, now=T0 + 86_400)),
    )
    # A whole recommend call ran on another thread while the build was in progress: the build
    # released the GIL (see gil_probe.py for why this cannot happen by chance).
    assert inside
    assert recs and recs[0]
    assert big.stats().interactions == 50_000
    big.verify_neighbours()  # raises PoisonedError on a difference


def test_threads_share_one_engine(engine: craic.Engine) -> None:
    errors: list[BaseException] = []
    results: list[list[str]] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                if n == 0:
                    engine.record_one("ana", "jazzcork", "click", T0 + 1000 + i)
                recs = engine.recommend_many(["ben", "newbie"], k=2, now=T0 + 86_400)
                results.append([r.item_id for r in recs[1]])
        except BaseException as e:  # noqa: BLE001 - any failure fails the test below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 800
    assert engine.stats().interactions == 14 + 200
    engine.verify_neighbours()  # raises PoisonedError on a difference


def test_evaluate_releases_the_gil() -> None:
    from craic import evaluation, synthetic

    data = synthetic.generate("small")
    split = evaluation.time_split(data.interactions, 0.2)
    engine = craic.Engine.build(data.items, split.train, preferences=data.preferences)
    # The test period ten times over (the same relevant items): long enough (≈ 0.1 s) that the
    # other thread, waiting for the GIL, is scheduled while the evaluation runs.
    test = list(split.test) * 10
    ticks: list[int] = []
    metrics, inside = runs_inside(
        lambda: evaluation.evaluate(engine, test, k=10),
        lambda: ticks.append(sum(range(1000))),  # pure Python: runs only with the GIL free
    )
    assert inside
    assert ticks == [499_500]
    assert metrics.users > 1_000


def test_the_probe_tells_a_call_that_keeps_the_gil_from_one_that_releases_it() -> None:
    # sum() over a range is C code that never releases the GIL: the other thread cannot run.
    total, inside = runs_inside(lambda: sum(range(3_000_000)), lambda: None)
    assert total == 3_000_000 * 2_999_999 // 2
    assert not inside
    # time.sleep releases it: the other thread runs inside.
    import time

    _, inside = runs_inside(lambda: time.sleep(0.05), lambda: None)
    assert inside
