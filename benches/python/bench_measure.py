"""How compare.py measures: peak RSS, per-call latency, and the result row of one method with its
eligibility check and metrics (the same for every method)."""

from __future__ import annotations

import argparse
import gc
import math
import resource
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bench_data import (
    K,
    Data,
    IntArray,
    banned_matrix,
    load_data,
    mean_metrics,
    relevant_items,
    train_matrix,
    upcoming_items,
)

def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_now_mb() -> float:
    """Current resident set size of this process (``VmRSS``; Linux only, else NaN)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return math.nan


def rss_step(method: str, step: str) -> float:
    """Prints the current and peak RSS after one step of a worker to stderr (where the peak
    comes from); returns the current RSS in MB."""
    now = rss_now_mb()
    print(f"[{method}] RSS after {step}: {now:.0f} MB now, {peak_rss_mb():.0f} MB peak",
          file=sys.stderr)
    return now


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


def real_data_context(data: str) -> Context:
    """The context of the analysis scripts beside compare.py on a ``real_data.py`` dataset:
    compare.py's split, seed 42, seen events excluded (``--exclude-seen``)."""
    return make_context(argparse.Namespace(data=data, expect_cutoff=None, seed=42,
                                           users_sample=1000, exclude_seen=True))


def not_recommendable(ctx: Context, users: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """users x items, True where an item may not be recommended to the user: it starts before
    the cutoff, or the user may not be offered it (``ctx.banned``)."""
    out = np.zeros((users.size, ctx.data.n_items), dtype=bool)
    out[:, ~ctx.eligible] = True
    b = ctx.banned[users].tocoo()
    out[b.row, b.col] = True
    return out


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
