"""The GIL is released while the engine works: other Python threads keep running."""

from __future__ import annotations

import threading
import time

import craic

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


def test_recommend_progresses_while_another_thread_builds(engine: craic.Engine) -> None:
    items, rows = generated()
    assert len(rows) == 50_000
    done = threading.Event()
    stamps: list[float] = []

    def reader() -> None:
        while not done.is_set():
            engine.recommend("ana", k=3, now=T0 + 86_400)
            stamps.append(time.perf_counter())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        while not stamps:
            time.sleep(0.001)
        started = time.perf_counter()
        big = craic.Engine.build(items, rows)
        ended = time.perf_counter()
    finally:
        done.set()
        thread.join()
    assert big.stats().interactions == 50_000
    big.verify_neighbours()  # raises PoisonedError on a difference
    # Count the reader's calls in the middle half of the build: past the start (where the reader
    # may still hold the GIL, and where the rows are converted with it held) and before the end.
    # Were the GIL held during the engine's work, the reader could not finish a single call there:
    # a thread only gives the GIL up between bytecodes, never inside a Rust call.
    quarter = (ended - started) / 4
    during = sum(1 for t in stamps if started + quarter < t < ended - quarter)
    assert during >= 5, f"reader made {during} calls in the middle of a {ended - started:.3f}s build"


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
    # The test period ten times over (the same relevant items): long enough (≈ 0.1 s) for the
    # ticker to be scheduled many times while both cores evaluate.
    test = list(split.test) * 10
    done = threading.Event()
    stamps: list[float] = []

    def ticker() -> None:  # pure Python: runs only while nobody holds the GIL
        while not done.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        while not stamps:
            time.sleep(0.001)
        started = time.perf_counter()
        metrics = evaluation.evaluate(engine, test, k=10)
        ended = time.perf_counter()
    finally:
        done.set()
        thread.join()
    assert metrics.users > 1_000
    quarter = (ended - started) / 4
    during = sum(1 for t in stamps if started + quarter < t < ended - quarter)
    assert during >= 5, f"ticker ran {during} times in the middle of a {ended - started:.3f}s run"
