#!/usr/bin/env python3
"""Benchmark of the craic Python binding against peer recommenders on one synthetic dataset.

Not a test: it measures. One run

1. generates the synthetic dataset with craic's own generator and writes it to CSV,
2. runs every method in its **own subprocess** (so peak RSS is per library), each reading the
   same CSVs back with the stdlib and numpy, applying the same time split, the same eligibility
   rule and the same relevance rule, and scoring with the same metric function,
3. prints one Markdown table and saves it as ``benches/python/results-<preset>.md``.

Methods: craic (popularity, collaborative, content, hybrid), implicit (CosineRecommender,
AlternatingLeastSquares), scikit-learn user-user kNN (cosine_similarity, top-50 neighbours).

    python benches/python/compare.py --preset small --seed 42 --users-sample 5000
    python benches/python/compare.py --preset tiny --smoke     # seconds; for CI

See benches/python/README.md for what exactly is measured and how.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent

K = 10
TEST_FRACTION = 0.2
# The peers' matrix: the same kind weights as craic's default Config (save 1.0, click 0.25,
# hide 1.0 negative), summed per (user, item) without time decay; cells <= 0 are dropped.
KIND_WEIGHTS: dict[str, float] = {"save": 1.0, "click": 0.25, "hide": -1.0}
POSITIVE_KINDS = ("save", "click")
NEGATIVE_KINDS = ("hide",)
# Thread settings every worker runs with (implicit asks for single-threaded BLAS; its own loops
# use OpenMP with num_threads=0 = all cores; craic uses rayon = all cores).
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

CRAIC_STRATEGIES = ("popularity", "collaborative", "content", "hybrid", "item_based")
PEERS = ("implicit-cosine", "implicit-als", "sklearn-useruser")

IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------------------------
# Data: read the generator's CSVs back, split by time, relevance and eligibility
# --------------------------------------------------------------------------------------------


@dataclass
class Data:
    """The dataset as integer codes; every method sees exactly this."""

    directory: Path
    item_ids: list[str]
    starts_at: IntArray  # per item index
    user_ids: list[str]  # every user that has an interaction (train or test)
    kind_names: list[str]
    user: IntArray  # per interaction
    item: IntArray
    kind: IntArray
    timestamp: IntArray
    cutoff: int
    train: npt.NDArray[np.bool_]  # per interaction: timestamp < cutoff

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)


def time_split_cutoff(timestamps: IntArray, test_fraction: float) -> int:
    """The cutoff of craic.evaluation.time_split: the timestamp at index n - round(n * f) of the
    sorted timestamps; test = timestamp >= cutoff (ties go to test)."""
    n = len(timestamps)
    test_len = math.floor(n * min(max(test_fraction, 0.0), 1.0) + 0.5)  # Rust's f64::round
    if n == 0 or test_len == 0:
        return 2**63 - 1
    idx = n - min(test_len, n)
    return int(np.partition(timestamps, idx)[idx])


CODES_FILE = "codes.npz"


def encode_csv(directory: Path) -> None:
    """Reads interactions.csv and items.csv (written by ``Dataset.write_csv``) once, with the
    stdlib's csv module, into integer codes saved as ``codes.npz`` next to them. Every worker
    loads that file, so all methods see identical data and no worker's peak RSS carries the cost
    of parsing 2M CSV rows into Python objects."""
    item_ids: list[str] = []
    starts = array("q")
    with open(directory / "items.csv", newline="") as f:
        for row in csv.DictReader(f):
            item_ids.append(row["item_id"])
            starts.append(int(row["starts_at"]))
    item_index = {s: i for i, s in enumerate(item_ids)}
    user_index: dict[str, int] = {}
    kind_index: dict[str, int] = {}
    users, items, kinds, stamps = array("q"), array("q"), array("q"), array("q")
    with open(directory / "interactions.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == ["user_id", "item_id", "kind", "timestamp"], header
        for u, i, k, t in reader:
            users.append(user_index.setdefault(u, len(user_index)))
            items.append(item_index[i])
            kinds.append(kind_index.setdefault(k, len(kind_index)))
            stamps.append(int(t))
    np.savez(
        directory / CODES_FILE,
        item_ids=np.asarray(item_ids),
        starts_at=np.frombuffer(starts, dtype=np.int64),
        user_ids=np.asarray(list(user_index)),
        kind_names=np.asarray(list(kind_index)),
        user=np.frombuffer(users, dtype=np.int64),
        item=np.frombuffer(items, dtype=np.int64),
        kind=np.frombuffer(kinds, dtype=np.int64),
        timestamp=np.frombuffer(stamps, dtype=np.int64),
    )


def load_data(directory: Path) -> Data:
    """Loads the codes :func:`encode_csv` wrote and applies the time split."""
    with np.load(directory / CODES_FILE) as z:
        ts = z["timestamp"]
        cutoff = time_split_cutoff(ts, TEST_FRACTION)
        return Data(
            directory=directory,
            item_ids=z["item_ids"].tolist(),
            starts_at=z["starts_at"],
            user_ids=z["user_ids"].tolist(),
            kind_names=z["kind_names"].tolist(),
            user=z["user"],
            item=z["item"],
            kind=z["kind"],
            timestamp=ts,
            cutoff=cutoff,
            train=ts < cutoff,
        )


def _kind_codes(data: Data, names: Sequence[str]) -> list[int]:
    return [c for c, n in enumerate(data.kind_names) if n in names]


def train_matrix(data: Data) -> sp.csr_matrix:
    """users x items, float32: Σ kind weight per cell over train (no decay), cells <= 0 dropped."""
    weights = np.array([KIND_WEIGHTS.get(n, 0.0) for n in data.kind_names], dtype=np.float64)
    m = data.train
    x = sp.coo_matrix(
        (weights[data.kind[m]], (data.user[m], data.item[m])),
        shape=(data.n_users, data.n_items),
    ).tocsr()  # duplicates are summed
    x.data[x.data < 0] = 0.0
    x.eliminate_zeros()
    return x.astype(np.float32)


def banned_matrix(data: Data, exclude_seen: bool) -> sp.csr_matrix:
    """users x items, 1 where the item may not be recommended to the user because of the train
    history: hidden or saved (craic's default), or anything interacted with (``exclude_seen``)."""
    m = data.train
    if not exclude_seen:
        m = m & np.isin(data.kind, _kind_codes(data, ("hide", "save")))
    b = sp.coo_matrix(
        (np.ones(int(m.sum()), dtype=np.float32), (data.user[m], data.item[m])),
        shape=(data.n_users, data.n_items),
    ).tocsr()
    b.data[:] = 1.0
    return b


def upcoming_items(data: Data) -> IntArray:
    """Eligible for everybody: events starting strictly after the cutoff."""
    return np.flatnonzero(data.starts_at > data.cutoff).astype(np.int64)


def relevant_items(data: Data) -> dict[int, set[int]]:
    """Per test user: items saved or clicked in the test period and not hidden there (craic's
    ``evaluation.relevant_items`` rule). Users with none are left out."""
    test = ~data.train
    pos = test & np.isin(data.kind, _kind_codes(data, POSITIVE_KINDS))
    neg = test & np.isin(data.kind, _kind_codes(data, NEGATIVE_KINDS))
    hidden = set(zip(data.user[neg].tolist(), data.item[neg].tolist()))
    out: dict[int, set[int]] = {}
    for u, i in zip(data.user[pos].tolist(), data.item[pos].tolist()):
        if (u, i) not in hidden:
            out.setdefault(u, set()).add(i)
    return out


# --------------------------------------------------------------------------------------------
# The one metric function every method is scored with
# --------------------------------------------------------------------------------------------


def ndcg_recall_at_k(recommended: Sequence[int], relevant: set[int], k: int) -> tuple[float, float]:
    """NDCG@k (binary gains, 1/log2(rank+1), IDCG over min(|relevant|, k)) and recall@k
    (hits / |relevant|); a repeated item counts once. Same definition as
    ``craic.evaluation.score_user``."""
    if k == 0 or not relevant:
        return 0.0, 0.0
    seen: set[int] = set()
    hits = 0
    dcg = 0.0
    for rank, item in enumerate(recommended[:k]):
        if item not in seen and item in relevant:
            hits += 1
            dcg += 1.0 / math.log2(rank + 2)
        seen.add(item)
    idcg = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), k)))
    return dcg / idcg, hits / len(relevant)


def mean_metrics(
    lists: Mapping[int, Sequence[int]], relevant: dict[int, set[int]], users: Sequence[int]
) -> tuple[float, float]:
    if not users:
        return 0.0, 0.0
    scores = [ndcg_recall_at_k(lists[u], relevant[u], K) for u in users]
    return (
        float(np.mean([s[0] for s in scores])),
        float(np.mean([s[1] for s in scores])),
    )


# --------------------------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


PASSES = 3  # overridden by --passes


def latencies_us(call: Callable[[int], object], users: Sequence[int], warmup: int = 50) -> list[float]:
    """Wall time of one call per user, in µs, after a warm-up; the cyclic garbage collector is
    off while timing (as ``timeit`` does) so its pauses land on no one method by chance.

    Each user's time is the best of ``PASSES`` passes over all the users: every other user runs
    in between, so caches are as cold as in a single pass, but a call that another process on
    the machine preempted does not count. Every method is timed the same way."""
    for u in users[:warmup]:
        call(u)
    out: list[float] = [math.inf] * len(users)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(max(1, PASSES)):
            for n, u in enumerate(users):
                t0 = time.perf_counter_ns()
                call(u)
                out[n] = min(out[n], (time.perf_counter_ns() - t0) / 1000.0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return out


@dataclass
class Row:
    method: str
    fit_s: float
    p50_us: float
    p95_us: float
    p99_us: float
    batch_users_per_s: float
    peak_rss_mb: float
    data_rss_mb: float  # peak RSS right after loading the CSVs (the common baseline)
    ndcg: float
    recall: float
    ndcg_warm: float  # over evaluated users with train history only
    recall_warm: float
    eval_users: int
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What every worker derives from the data in the same way."""

    data: Data
    x: sp.csr_matrix  # weighted train matrix
    banned: sp.csr_matrix
    upcoming: IntArray
    eligible: npt.NDArray[np.bool_]  # per item: starts after the cutoff
    relevant: dict[int, set[int]]
    eval_users: list[int]  # test users with >= 1 relevant item, sorted
    warm_users: list[int]  # of those, the ones with a train row
    sample: list[int]  # random eval users for the latency loop
    data_rss_mb: float


def make_context(args: argparse.Namespace) -> Context:
    data = load_data(Path(args.data))
    if args.expect_cutoff is not None and data.cutoff != args.expect_cutoff:
        raise SystemExit(f"cutoff {data.cutoff} != craic.evaluation.time_split's {args.expect_cutoff}")
    x = train_matrix(data)
    relevant = relevant_items(data)
    eval_users = sorted(relevant)
    has_train = np.diff(x.indptr) > 0
    rng = np.random.default_rng(args.seed)
    n = min(args.users_sample, len(eval_users))
    sample = rng.choice(np.asarray(eval_users), size=n, replace=False).tolist() if n else []
    eligible = data.starts_at > data.cutoff
    return Context(
        data=data,
        x=x,
        banned=banned_matrix(data, args.exclude_seen),
        upcoming=upcoming_items(data),
        eligible=eligible,
        relevant=relevant,
        eval_users=eval_users,
        warm_users=[u for u in eval_users if has_train[u]],
        sample=sample,
        data_rss_mb=peak_rss_mb(),
    )


def finish_row(
    ctx: Context,
    method: str,
    fit_s: float,
    lat: list[float],
    batch_s: float,
    lists: Mapping[int, Sequence[int]],
    peak: float,
    notes: str = "",
    **extra: Any,
) -> Row:
    p50, p95, p99 = (float(np.percentile(lat, q)) for q in (50, 95, 99)) if lat else (0.0, 0.0, 0.0)
    for u, rec in lists.items():  # every method must respect the same eligibility rule
        banned = set(ctx.banned.indices[ctx.banned.indptr[u] : ctx.banned.indptr[u + 1]].tolist())
        bad = [i for i in rec[:K] if not ctx.eligible[i] or i in banned]
        if bad:
            raise AssertionError(f"{method}: ineligible items {bad[:3]} recommended to user {u}")
    ndcg, recall = mean_metrics(lists, ctx.relevant, ctx.eval_users)
    ndcg_w, recall_w = mean_metrics(lists, ctx.relevant, ctx.warm_users)
    return Row(
        method=method,
        fit_s=fit_s,
        p50_us=p50,
        p95_us=p95,
        p99_us=p99,
        batch_users_per_s=len(ctx.eval_users) / batch_s if batch_s > 0 else 0.0,
        peak_rss_mb=peak,
        data_rss_mb=ctx.data_rss_mb,
        ndcg=ndcg,
        recall=recall,
        ndcg_warm=ndcg_w,
        recall_warm=recall_w,
        eval_users=len(ctx.eval_users),
        notes=notes,
        extra=dict(extra),
    )


def top_k_masked(scores: npt.NDArray[np.floating[Any]], k: int) -> list[int]:
    """Indices of the k best finite scores, best first (ties: lower index first)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size <= k:
        cand = finite
    else:
        cand = finite[np.argpartition(-scores[finite], k - 1)[:k]]
    order = np.lexsort((cand, -scores[cand]))
    return [int(i) for i in cand[order][:k]]


# --------------------------------------------------------------------------------------------
# Workers (one subprocess each)
# --------------------------------------------------------------------------------------------


def worker_craic(args: argparse.Namespace, ctx: Context) -> list[Row]:
    import craic

    data = ctx.data
    items: list[craic.Item] = []
    with open(data.directory / "items.csv", newline="") as f:
        for r in csv.DictReader(f):
            items.append(
                craic.Item(
                    r["item_id"],
                    int(r["starts_at"]),
                    city=r["city"],
                    venue=r["venue"],
                    genres=[g for g in r["genres"].split("|") if g],
                    artists=[a for a in r["artists"].split("|") if a],
                    ends_at=int(r["ends_at"]) if r["ends_at"] else None,
                    tags=[t for t in r["tags"].split("|") if t],
                )
            )
    prefs: dict[str, craic.Preferences] = {}
    with open(data.directory / "preferences.csv", newline="") as f:
        for r in csv.DictReader(f):
            prefs[r["user_id"]] = craic.Preferences(
                genres=[g for g in r["genres"].split("|") if g],
                artists=[a for a in r["artists"].split("|") if a],
                cities=[c for c in r["cities"].split("|") if c],
            )
    m = np.flatnonzero(data.train)
    rows = [
        (data.user_ids[u], data.item_ids[i], data.kind_names[k], t)
        for u, i, k, t in zip(
            data.user[m].tolist(), data.item[m].tolist(), data.kind[m].tolist(), data.timestamp[m].tolist()
        )
    ]
    t0 = time.perf_counter()
    engine = craic.Engine.build(items, rows, preferences=prefs)
    fit_s = time.perf_counter() - t0
    del rows
    item_index = {s: i for i, s in enumerate(data.item_ids)}
    cutoff = data.cutoff

    # --exclude-seen: also exclude train clicks (craic already excludes hidden and saved items).
    extra_excl: dict[int, list[str]] = {}
    if args.exclude_seen:
        b = ctx.banned
        for u in ctx.eval_users:
            extra_excl[u] = [data.item_ids[i] for i in b.indices[b.indptr[u] : b.indptr[u + 1]]]

    out: list[Row] = []
    results: dict[str, dict[int, list[int]]] = {}
    timings: dict[str, tuple[list[float], float]] = {}
    for strategy in CRAIC_STRATEGIES:

        def one(u: int, s: str = strategy) -> object:
            return engine.recommend(
                data.user_ids[u], k=K, strategy=s, now=cutoff, exclude=extra_excl.get(u, ())
            )

        lat = latencies_us(one, ctx.sample)
        names = [data.user_ids[u] for u in ctx.eval_users]
        t0 = time.perf_counter()
        if args.exclude_seen:  # per-user exclusions: recommend_many takes one list for all
            recs = [engine.recommend(n, k=K, strategy=strategy, now=cutoff, exclude=extra_excl[u])
                    for n, u in zip(names, ctx.eval_users)]
        else:
            recs = engine.recommend_many(names, k=K, strategy=strategy, now=cutoff)
        batch_s = time.perf_counter() - t0
        results[strategy] = {
            u: [item_index[r.item_id] for r in rl] for u, rl in zip(ctx.eval_users, recs)
        }
        timings[strategy] = (lat, batch_s)
    peak = peak_rss_mb()  # before the cross-checks below allocate anything

    # Cross-checks against the crate's own evaluation (same relevance rule, same metric).
    test_m = np.flatnonzero(~data.train)
    test_rows = [
        (data.user_ids[u], data.item_ids[i], data.kind_names[k], t)
        for u, i, k, t in zip(
            data.user[test_m].tolist(), data.item[test_m].tolist(), data.kind[test_m].tolist(),
            data.timestamp[test_m].tolist(),
        )
    ]
    rel_craic = craic.evaluation.relevant_items(test_rows)
    assert len(rel_craic) == len(ctx.relevant), (len(rel_craic), len(ctx.relevant))
    for strategy in CRAIC_STRATEGIES:
        lists = results[strategy]
        for u in ctx.eval_users[:300]:
            rec_ids = [data.item_ids[i] for i in lists[u]]
            rel_ids = [data.item_ids[i] for i in ctx.relevant[u]]
            s = craic.evaluation.score_user(rec_ids, rel_ids, K)
            ours = ndcg_recall_at_k(lists[u], ctx.relevant[u], K)
            assert abs(s.ndcg - ours[0]) < 1e-9 and abs(s.recall - ours[1]) < 1e-9, (u, s, ours)
        crate_ndcg: float | None = None
        if not args.exclude_seen:
            crate_ndcg = craic.evaluation.evaluate(
                engine, test_rows, k=K, strategy=strategy, now=cutoff
            ).ndcg
        lat, batch_s = timings[strategy]
        row = finish_row(
            ctx, f"craic {strategy}", fit_s, lat, batch_s, lists, peak,
            notes="one Engine.build serves all five strategies",
            crate_evaluate_ndcg=crate_ndcg,
            threads=f"rayon: {os.environ.get('RAYON_NUM_THREADS', 'all')} of {os.cpu_count()} cores",
        )
        if crate_ndcg is not None:
            assert abs(crate_ndcg - row.ndcg) < 1e-9, (strategy, crate_ndcg, row.ndcg)
        out.append(row)
    return out


def worker_implicit(args: argparse.Namespace, ctx: Context, which: str) -> list[Row]:
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import CosineRecommender

    x = ctx.x
    banned = ctx.banned
    upcoming = ctx.upcoming
    k_items = K
    model: Any
    if which == "implicit-als":
        model = AlternatingLeastSquares(
            factors=64, iterations=args.als_iterations, regularization=0.01, alpha=args.als_alpha,
            random_state=args.seed,
        )
    else:
        model = CosineRecommender(K=args.item_neighbours)
    t0 = time.perf_counter()
    model.fit(x, show_progress=False)
    fit_s = time.perf_counter() - t0

    if which == "implicit-als":
        # ALS scores from its factors; user_items is only used by filter_already_liked_items, so
        # handing it the banned matrix makes implicit itself apply the per-user exclusions, and
        # items= restricts the ranking to events that start after the cutoff.
        rows_b = {u: banned[u] for u in ctx.sample}
        lat = latencies_us(lambda u: model.recommend(u, rows_b[u], N=k_items,
                                                     filter_already_liked_items=True,
                                                     items=upcoming), ctx.sample)
        users = np.asarray(ctx.eval_users, dtype=np.int32)
        t0 = time.perf_counter()
        ids, _ = model.recommend(users, banned[users], N=k_items, filter_already_liked_items=True,
                                 items=upcoming)
        batch_s = time.perf_counter() - t0
        lists = {u: [i for i in r.tolist() if i >= 0] for u, r in zip(ctx.eval_users, ids)}
        notes = f"factors 64, {args.als_iterations} iterations, reg 0.01, alpha {args.als_alpha}"
    else:
        # Item-item scores from the user's row (the weighted train row), so the per-user exclusions
        # (saved/hidden) are a post-filter; items= returns every upcoming item ranked, so the
        # first K not banned are exact.
        def top(u: int, row: sp.csr_matrix) -> list[int]:
            ids, _ = model.recommend(u, row, N=k_items, filter_already_liked_items=args.exclude_seen,
                                     items=upcoming)
            b = banned.indices[banned.indptr[u] : banned.indptr[u + 1]]
            keep = ids[~np.isin(ids, b)] if b.size else ids
            return [int(i) for i in keep[:k_items]]

        rows_x = {u: x[u] for u in ctx.sample}

        def timed(u: int) -> list[int]:
            return top(u, rows_x[u])

        lat = latencies_us(timed, ctx.sample)
        t0 = time.perf_counter()
        lists = {u: top(u, x[u]) for u in ctx.eval_users}
        batch_s = time.perf_counter() - t0
        notes = f"K={args.item_neighbours} item neighbours; loop of single calls"
    peak = peak_rss_mb()
    threads = (
        f"OPENBLAS/MKL_NUM_THREADS=1, implicit num_threads=0 (all {os.cpu_count()} cores)"
    )
    return [finish_row(ctx, which, fit_s, lat, batch_s, lists, peak, notes=notes,
                       implicit_version=implicit.__version__, threads=threads)]


def worker_sklearn(args: argparse.Namespace, ctx: Context) -> list[Row]:
    import sklearn
    from sklearn.metrics.pairwise import cosine_similarity

    x = ctx.x
    n = x.shape[0]
    full_bytes = n * n * 4
    limit = int(args.sklearn_dense_limit_gib * 2**30)
    if full_bytes <= limit:
        chunk = n
        mode = f"full users x users similarity ({full_bytes / 2**20:.0f} MiB float32)"
    else:
        chunk = max(1, int(args.sklearn_chunk_mib * 2**20) // (n * 4))
        mode = (f"chunked top-k: users^2 x 4 B = {full_bytes / 2**30:.1f} GiB > "
                f"{args.sklearn_dense_limit_gib} GiB, {chunk} rows per chunk")
    print(f"[sklearn-useruser] {mode}", file=sys.stderr)
    nb = args.user_neighbours

    # "fit": every user's top-nb neighbours by cosine (self excluded), as a sparse users x users W.
    t0 = time.perf_counter()
    indptr = [0]
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[npt.NDArray[np.float32]] = []
    next_report = 0.1
    for start in range(0, n, chunk):
        if start / n >= next_report:
            print(f"[sklearn-useruser] neighbours: {start / n:.0%} after "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
            next_report += 0.1
        stop = min(start + chunk, n)
        s = np.asarray(cosine_similarity(x[start:stop], x, dense_output=True), dtype=np.float32)
        s[np.arange(stop - start), np.arange(start, stop)] = 0.0
        kk = min(nb, n - 1)
        top = np.argpartition(-s, kk - 1, axis=1)[:, :kk] if kk > 0 else np.empty((stop - start, 0), np.int64)
        topv = np.take_along_axis(s, top, axis=1)
        for r in range(stop - start):
            keep = topv[r] > 0
            cols.append(top[r][keep].astype(np.int64))
            vals.append(topv[r][keep])
            indptr.append(indptr[-1] + int(keep.sum()))
        del s
    w = sp.csr_matrix(
        (np.concatenate(vals) if vals else np.empty(0, np.float32),
         np.concatenate(cols) if cols else np.empty(0, np.int64),
         np.asarray(indptr)),
        shape=(n, n),
    )
    fit_s = time.perf_counter() - t0

    ineligible = ~ctx.eligible
    banned = ctx.banned

    def one(u: int) -> list[int]:
        scores = np.asarray((w[u] @ x).todense(), dtype=np.float64).ravel()
        scores[ineligible] = -np.inf
        scores[banned.indices[banned.indptr[u] : banned.indptr[u + 1]]] = -np.inf
        return top_k_masked(scores, K)

    lat = latencies_us(one, ctx.sample)
    t0 = time.perf_counter()
    lists: dict[int, list[int]] = {}
    users = np.asarray(ctx.eval_users, dtype=np.int64)
    batch = max(1, int(args.sklearn_chunk_mib * 2**20) // (x.shape[1] * 8))
    for start in range(0, len(users), batch):
        us = users[start : start + batch]
        scores = np.asarray((w[us] @ x).todense(), dtype=np.float64)
        scores[:, ineligible] = -np.inf
        b = banned[us].tocoo()
        scores[b.row, b.col] = -np.inf
        for r, u in enumerate(us.tolist()):
            lists[u] = top_k_masked(scores[r], K)
    batch_s = time.perf_counter() - t0
    peak = peak_rss_mb()
    return [finish_row(ctx, "sklearn user-user", fit_s, lat, batch_s, lists, peak,
                       notes=f"top-{nb} neighbours; {mode}", sklearn_version=sklearn.__version__,
                       threads="numpy/scipy sparse products, single thread")]


def run_worker(args: argparse.Namespace) -> None:
    ctx = make_context(args)
    if args.worker == "craic":
        rows = worker_craic(args, ctx)
    elif args.worker in ("implicit-cosine", "implicit-als"):
        rows = worker_implicit(args, ctx, args.worker)
    elif args.worker == "sklearn-useruser":
        rows = worker_sklearn(args, ctx)
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    summary = {
        "cutoff": ctx.data.cutoff,
        "users": ctx.data.n_users,
        "items": ctx.data.n_items,
        "interactions": len(ctx.data.timestamp),
        "train": int(ctx.data.train.sum()),
        "upcoming_items": len(ctx.upcoming),
        "eval_users": len(ctx.eval_users),
        "warm_eval_users": len(ctx.warm_users),
        "relevant_pairs": sum(len(v) for v in ctx.relevant.values()),
        "latency_users": len(ctx.sample),
    }
    print("RESULT " + json.dumps({"summary": summary, "rows": [asdict(r) for r in rows]}))


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def write_dataset(preset: str, seed: int, directory: Path) -> dict[str, Any]:
    """Generates with craic's generator, writes the CSVs, and computes the crate's own split
    cutoff and relevance counts for the workers to be checked against."""
    import craic

    t0 = time.perf_counter()
    data = craic.synthetic.generate(preset, seed=seed)
    data.write_csv(directory)
    encode_csv(directory)
    split = craic.evaluation.time_split(data.interactions, TEST_FRACTION)
    rel = craic.evaluation.relevant_items(split.test)
    info = {
        "config": data.config,
        "cutoff": split.cutoff,
        "train": len(split.train),
        "eval_users": len(rel),
        "relevant_pairs": sum(len(v) for v in rel.values()),
        "generate_s": time.perf_counter() - t0,
    }
    return info


def generate_in_subprocess(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    """Runs :func:`write_dataset` in a child process. On Linux a process's ``ru_maxrss`` starts
    from its parent's RSS at fork/exec time, so the driver must stay small for the workers'
    peak RSS to be their own: the dataset never lives in the driver."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--generate-into", str(directory),
           "--preset", args.preset, "--seed", str(args.seed)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"generating the dataset failed with exit code {proc.returncode}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    info: dict[str, Any] = json.loads(line[len("RESULT "):])
    return info


def spawn(args: argparse.Namespace, worker: str, directory: Path, cutoff: int) -> dict[str, Any]:
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--worker", worker, "--data", str(directory),
        "--seed", str(args.seed), "--users-sample", str(args.users_sample),
        "--passes", str(args.passes), "--expect-cutoff", str(cutoff), "--als-iterations", str(args.als_iterations),
        "--als-alpha", str(args.als_alpha), "--item-neighbours", str(args.item_neighbours),
        "--user-neighbours", str(args.user_neighbours),
        "--sklearn-dense-limit-gib", str(args.sklearn_dense_limit_gib),
        "--sklearn-chunk-mib", str(args.sklearn_chunk_mib),
    ]
    if args.exclude_seen:
        cmd.append("--exclude-seen")
    env = {**os.environ, **THREAD_ENV}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"worker {worker} failed with exit code {proc.returncode}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    print(f"  {worker}: done in {took:.1f} s", file=sys.stderr)
    return result


def fmt(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}"


def render(args: argparse.Namespace, info: dict[str, Any], results: list[dict[str, Any]],
           skipped: list[str]) -> str:
    rows = [r for res in results for r in res["rows"]]
    s = results[0]["summary"] if results else {}
    cfg = info["config"]
    lines = [
        f"# craic vs peers — preset `{args.preset}`, seed {args.seed}",
        "",
        f"Command: `python benches/python/compare.py {args.command_line}`  ",
        f"Machine: {os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}; load average at start {args.load_at_start}  ",
        f"Data: {cfg['users']:,} users, {cfg['items']:,} events, {cfg['interactions']:,} interactions "
        f"(craic.synthetic `{args.preset}`); time split at {TEST_FRACTION:.0%}: cutoff {s.get('cutoff')}, "
        f"{s.get('train', 0):,} train interactions, {s.get('upcoming_items', 0):,} events start after "
        f"the cutoff  ",
        f"Evaluated: {s.get('eval_users', 0):,} test users with a relevant item "
        f"({s.get('warm_eval_users', 0):,} with train history), {s.get('relevant_pairs', 0):,} "
        f"relevant (user, event) pairs; latency over {s.get('latency_users', 0):,} random of them  ",
        f"Eligible: events starting after the cutoff, minus the user's train "
        f"{'interactions (--exclude-seen)' if args.exclude_seen else 'saves and hides'}",
        "",
        "| method | fit s | p50 µs | p95 µs | p99 µs | batch users/s | peak RSS MB | NDCG@10 | recall@10 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {fmt(r['fit_s'], 2)} | {fmt(r['p50_us'], 0)} | {fmt(r['p95_us'], 0)} | "
            f"{fmt(r['p99_us'], 0)} | {fmt(r['batch_users_per_s'], 0)} | {fmt(r['peak_rss_mb'], 0)} | "
            f"{r['ndcg']:.4f} | {r['recall']:.4f} |"
        )
    for name in skipped:
        lines.append(f"| {name} | skipped | | | | | | | |")
    lines += [
        "",
        "Warm users only (evaluated users with train history) and notes:",
        "",
        "| method | NDCG@10 warm | recall@10 warm | RSS after loading MB | threads | notes |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['ndcg_warm']:.4f} | {r['recall_warm']:.4f} | "
            f"{fmt(r['data_rss_mb'], 0)} | {r['extra'].get('threads', '')} | {r['notes']} |"
        )
    lines += [
        "",
        "- fit: `Engine.build` (incl. converting the Python rows) / `model.fit` / all users' top-k "
        "neighbours; one craic build serves all five strategies.",
        "- latency: one `recommend` call per user from Python (`time.perf_counter_ns`), incl. the "
        "eligibility post-filter where a peer needs one; batch: all evaluated users "
        "(`recommend_many` for craic, implicit's batch `recommend` for ALS, a loop for item-item, "
        "chunked sparse products for sklearn).",
        "- peak RSS: `ru_maxrss` of each method's own subprocess; includes the common part (Python, "
        "numpy/scipy, the loaded codes, the split) shown above as \"RSS after loading\"; the "
        f"driver that starts the workers had {args.driver_rss:.0f} MB (a floor of every worker's "
        "`ru_maxrss` on Linux).",
        f"- latency is each user's best of {PASSES} passes over the sample; latency, throughput and "
        "fit times depend on the machine's load (see the load average above).",
    ]
    return "\n".join(lines) + "\n"


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


def run_driver(args: argparse.Namespace) -> int:
    if args.smoke:
        args.users_sample = min(args.users_sample, 100)
        args.als_iterations = min(args.als_iterations, 3)
    args.command_line = " ".join(sys.argv[1:])
    args.load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    methods = list(args.methods) if args.methods else ["craic", *PEERS]
    with tempfile.TemporaryDirectory(prefix="craic-bench-") as tmp:
        directory = Path(args.data_dir) if args.data_dir else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"generating preset {args.preset!r} (seed {args.seed}) into {directory}", file=sys.stderr)
        info = generate_in_subprocess(args, directory)
        driver_rss = peak_rss_mb()
        results: list[dict[str, Any]] = []
        skipped: list[str] = []
        print(f"  generated and split in {info['generate_s']:.1f} s; cutoff {info['cutoff']}",
              file=sys.stderr)
        for m in methods:
            users = int(info["config"]["users"])
            if m == "sklearn-useruser" and users > args.sklearn_max_users:
                reason = (f"{users:,} users > --sklearn-max-users {args.sklearn_max_users:,} "
                          f"(its fit computes users x users similarities, {users:,}^2 dot products)")
                print(f"  skipping {m}: {reason}", file=sys.stderr)
                skipped.append(f"sklearn user-user — skipped: {reason}")
                continue
            results.append(spawn(args, m, directory, info["cutoff"]))
    for res in results:  # every worker saw the crate's split and relevance
        s = res["summary"]
        assert s["cutoff"] == info["cutoff"] and s["train"] == info["train"], (s, info)
        assert s["eval_users"] == info["eval_users"], (s, info)
        assert s["relevant_pairs"] == info["relevant_pairs"], (s, info)
    args.driver_rss = driver_rss
    table = render(args, info, results, skipped)
    print(table)
    if args.smoke:
        rows = [r for res in results for r in res["rows"]]
        assert len(rows) + len(skipped) == 4 + sum(m != "craic" for m in methods), rows
        for r in rows:
            assert 0.0 <= r["ndcg"] <= 1.0 and 0.0 <= r["recall"] <= 1.0, r
        print("smoke OK", file=sys.stderr)
    out = args.out
    if out is None and not args.smoke:
        suffix = "-exclude-seen" if args.exclude_seen else ""
        out = str(HERE / f"results-{args.preset}{suffix}.md")
    if out:
        Path(out).write_text(table)
        print(f"saved {out}", file=sys.stderr)
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="medium", choices=["tiny", "small", "medium", "large"])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--users-sample", type=int, default=5000,
                   help="random evaluated users timed one call at a time (default 5000)")
    p.add_argument("--smoke", action="store_true",
                   help="quick self-check (small sample, 3 ALS iterations, asserts, no results file)")
    p.add_argument("--methods", nargs="*", choices=["craic", *PEERS],
                   help="subset of methods (default: all)")
    p.add_argument("--exclude-seen", action="store_true",
                   help="exclude every train-interacted event (not only saved/hidden) for all methods")
    p.add_argument("--data-dir", help="write the CSVs here and keep them (default: a temp dir)")
    p.add_argument("--out", help="results Markdown path (default benches/python/results-<preset>.md)")
    p.add_argument("--als-iterations", type=int, default=15)
    p.add_argument("--als-alpha", type=float, default=1.0)
    p.add_argument("--item-neighbours", type=int, default=50, help="implicit CosineRecommender K")
    p.add_argument("--user-neighbours", type=int, default=50, help="sklearn user-user top-k")
    p.add_argument("--sklearn-dense-limit-gib", type=float, default=4.0,
                   help="above users^2 x 4 bytes, sklearn similarities are computed in chunks")
    p.add_argument("--sklearn-chunk-mib", type=float, default=256.0)
    p.add_argument("--sklearn-max-users", type=int, default=200_000,
                   help="skip sklearn user-user above this many users (default 200000)")
    # internal: worker mode
    p.add_argument("--passes", type=int, default=3,
                   help="latency: each user's best of this many passes over the sample (default 3)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--expect-cutoff", type=int, help=argparse.SUPPRESS)
    p.add_argument("--generate-into", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    global PASSES
    PASSES = args.passes
    if args.worker:
        run_worker(args)
        return 0
    if args.generate_into:
        info = write_dataset(args.preset, args.seed, Path(args.generate_into))
        print("RESULT " + json.dumps(info))
        return 0
    return run_driver(args)


if __name__ == "__main__":
    sys.exit(main())
