"""Stronger peers for compare.py, each over a small grid of its main setting; the best setting
(by NDCG@10 on the test period, which favours the peer) is the one reported.

* ``ease``: EASE (Steck 2019), the closed-form item-item model ``B = I - P / diag(P)`` with
  ``P = (XᵀX + λI)⁻¹``, computed densely on the items with train interactions (an item without
  any has a zero column in ``B``, so this is exact) as long as they are at most
  ``--ease-max-items``; above that, on the most interacted ones. λ ∈ ``EASE_LAMBDAS``.
* ``rp3beta``: RP3beta (Paudel et al. 2017): item-item weights ``W = P_iu^α · P_ui^α``, each
  column divided by the item's popularity^β, the top ``RP3_NEIGHBOURS`` per row kept.
  (α, β) ∈ ``RP3_GRID``.
* ``als-grid``: implicit's ``AlternatingLeastSquares`` (64 factors, 15 iterations, reg 0.01) with
  alpha ∈ ``ALS_ALPHAS``.
* ``cosine-grid``: implicit's item-item ``CosineRecommender`` with K ∈ ``COSINE_KS``.

Every model scores a user as ``x_u · W`` (or the factor product for ALS) from the same weighted
train matrix ``X`` as the other peers, and ties (e.g. every score of a user without history) are
broken by train popularity, so a cold user gets popular events rather than arbitrary ones.
Eligibility and metrics are compare.py's (``bench_measure.finish_row``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

if TYPE_CHECKING:
    from bench_measure import Context, Row

# The worlds of craic.synthetic.world_config (craic_core::synthetic::SyntheticConfig::WORLDS).
WORLDS = (
    "default",
    "content-uninformative",
    "purely-collaborative",
    "popularity-dominant",
    "short-histories",
    "long-histories",
)

STRONG_PEERS = ("ease", "rp3beta", "als-grid", "cosine-grid")

EASE_LAMBDAS = (10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0)
RP3_GRID = tuple((a, b) for a in (0.5, 1.0) for b in (0.0, 0.3, 0.6, 0.9))
RP3_NEIGHBOURS = 200
ALS_ALPHAS = (1.0, 10.0, 40.0)
COSINE_KS = (50, 200)

Scores = npt.NDArray[np.float64]
# users -> (len(users), n_items) scores
Scorer = Callable[[npt.NDArray[np.int64]], Scores]


@dataclass
class Fitted:
    setting: str
    fit_s: float
    score: Scorer


def _item_item(x: sp.csr_matrix, w: Any) -> Scorer:
    def score(users: npt.NDArray[np.int64]) -> Scores:
        s = x[users] @ w
        return np.asarray(s.todense() if sp.issparse(s) else s, dtype=np.float64)

    return score


def fit_ease(x: sp.csr_matrix, lam: float, max_items: int) -> tuple[Scorer, str]:
    counts = np.diff(x.tocsc().indptr)
    items = np.flatnonzero(counts > 0)
    note = ""
    if items.size > max_items:
        items = np.sort(items[np.argsort(-counts[items], kind="stable")[:max_items]])
        note = f", restricted to the {max_items:,} most interacted items"
    xs = x[:, items].astype(np.float64)
    g = (xs.T @ xs).toarray()
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    b[np.diag_indices_from(b)] = 0.0
    n_items = x.shape[1]

    def score(users: npt.NDArray[np.int64]) -> Scores:
        out = np.zeros((len(users), n_items), dtype=np.float64)
        out[:, items] = xs[users] @ b
        return out

    return score, f"dense on {items.size:,} items with train interactions{note}"


def _row_normalised(m: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(m.sum(axis=1)).ravel()
    inv = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_matrix(sp.diags(inv) @ m)


def _top_per_row(w: sp.csr_matrix, k: int) -> sp.csr_matrix:
    w = sp.csr_matrix(w)
    rows, cols, vals = [], [], []
    for r in range(w.shape[0]):
        lo, hi = w.indptr[r], w.indptr[r + 1]
        if hi - lo > k:
            keep = lo + np.argpartition(-w.data[lo:hi], k - 1)[:k]
        else:
            keep = np.arange(lo, hi)
        rows.append(np.full(keep.size, r))
        cols.append(w.indices[keep])
        vals.append(w.data[keep])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=w.shape
    )


def fit_rp3beta(x: sp.csr_matrix, alpha: float, beta: float) -> Scorer:
    b = x.astype(np.float64)
    p_ui = _row_normalised(b).power(alpha)
    p_iu = _row_normalised(sp.csr_matrix(b.T)).power(alpha)
    w = sp.csr_matrix(p_iu @ p_ui)
    w.setdiag(0.0)
    w.eliminate_zeros()
    pop = np.asarray((b > 0).sum(axis=0)).ravel().astype(np.float64)
    scale = np.divide(1.0, pop**beta, out=np.zeros_like(pop), where=pop > 0)
    w = sp.csr_matrix(w @ sp.diags(scale))
    return _item_item(b, _top_per_row(w, RP3_NEIGHBOURS))


def fit_als(x: sp.csr_matrix, alpha: float, iterations: int, seed: int) -> Scorer:
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=64, iterations=iterations, regularization=0.01, alpha=alpha, random_state=seed
    )
    model.fit(x, show_progress=False)
    uf = np.asarray(model.user_factors, dtype=np.float64)
    itf = np.asarray(model.item_factors, dtype=np.float64)
    return lambda users: uf[users] @ itf.T


def fit_cosine(x: sp.csr_matrix, k: int) -> Scorer:
    from implicit.nearest_neighbours import CosineRecommender

    model = CosineRecommender(K=k)
    model.fit(x, show_progress=False)
    return _item_item(x.astype(np.float64), model.similarity.astype(np.float64))


def grid(args: argparse.Namespace, ctx: Context, which: str) -> list[Fitted]:
    """Every setting of the peer, fitted on the train matrix."""
    x = ctx.x
    out: list[Fitted] = []

    def add(setting: str, fit: Callable[[], Scorer]) -> None:
        t0 = time.perf_counter()
        scorer = fit()
        out.append(Fitted(setting, time.perf_counter() - t0, scorer))

    if which == "ease":
        for lam in EASE_LAMBDAS:
            t0 = time.perf_counter()
            scorer, note = fit_ease(x, lam, args.ease_max_items)
            out.append(Fitted(f"λ={lam:g} ({note})", time.perf_counter() - t0, scorer))
    elif which == "rp3beta":
        for a, b in RP3_GRID:
            add(f"α={a:g}, β={b:g}, top {RP3_NEIGHBOURS}", lambda a=a, b=b: fit_rp3beta(x, a, b))
    elif which == "als-grid":
        for alpha in ALS_ALPHAS:
            add(
                f"alpha={alpha:g}, 64 factors, {args.als_iterations} iterations, reg 0.01",
                lambda alpha=alpha: fit_als(x, alpha, args.als_iterations, args.seed),
            )
    elif which == "cosine-grid":
        for k in COSINE_KS:
            add(f"K={k}", lambda k=k: fit_cosine(x, k))
    else:
        raise SystemExit(f"unknown peer {which}")
    return out


def _ranked(ctx: Context, scorer: Scorer, users: Sequence[int]) -> dict[int, list[int]]:
    """Top-k eligible items per user, ties broken by train popularity."""
    from bench_data import K
    from bench_measure import top_k_masked

    pop = np.asarray(ctx.x.getnnz(axis=0), dtype=np.float64)
    tie = 1e-9 * pop / max(pop.max(), 1.0)
    ineligible = ~ctx.eligible
    banned = ctx.banned
    out: dict[int, list[int]] = {}
    arr = np.asarray(users, dtype=np.int64)
    chunk = max(1, 2**24 // max(ctx.x.shape[1], 1))
    for start in range(0, len(arr), chunk):
        us = arr[start : start + chunk]
        s = scorer(us) + tie
        s[:, ineligible] = -np.inf
        b = banned[us].tocoo()
        s[b.row, b.col] = -np.inf
        for r, u in enumerate(us.tolist()):
            out[u] = top_k_masked(s[r], K)
    return out


def worker_grid(args: argparse.Namespace, ctx: Context, which: str) -> list[Row]:
    """Fits every setting, scores all evaluated users with each, keeps the best by NDCG@10 and
    times that one (one call per user, as compare.py times every method)."""
    from bench_data import mean_metrics
    from bench_measure import finish_row, latencies_us, peak_rss_mb

    tried: list[tuple[float, float, Fitted, dict[int, list[int]], float]] = []
    for f in grid(args, ctx, which):
        t0 = time.perf_counter()
        lists = _ranked(ctx, f.score, ctx.eval_users)
        batch_s = time.perf_counter() - t0
        ndcg, recall = mean_metrics(lists, ctx.relevant, ctx.eval_users)
        tried.append((ndcg, recall, f, lists, batch_s))
    ndcg, _, best, lists, batch_s = max(tried, key=lambda t: t[0])
    lat = latencies_us(lambda u: _ranked(ctx, best.score, [u]), ctx.sample)
    peak = peak_rss_mb()
    others = "; ".join(f"{t[2].setting.split(' (')[0]}: {t[0]:.4f}" for t in tried)
    return [
        finish_row(
            ctx, f"{which} (best: {best.setting.split(' (')[0]})", best.fit_s, lat, batch_s,
            lists, peak, notes=f"best of the grid by NDCG@10 — {others}; {best.setting}",
            threads="numpy/scipy (BLAS single-threaded)"
            + (", implicit's fit: OpenMP, all cores" if which in ("als-grid", "cosine-grid") else ""),
            grid={t[2].setting: t[0] for t in tried},
        )
    ]


def world_summary(per_world: dict[str, list[dict[str, Any]]]) -> str:
    """One table: NDCG@10 of every method (rows) on every world (columns), best per world bold."""
    worlds = list(per_world)
    methods: list[str] = []
    by: dict[tuple[str, str], float] = {}
    for w, rows in per_world.items():
        for r in rows:
            name = r["method"].split(" (best")[0]
            if name not in methods:
                methods.append(name)
            by[(name, w)] = r["ndcg"]
    lines = [
        "| method | " + " | ".join(worlds) + " |",
        "|---|" + "---:|" * len(worlds),
    ]
    best = {w: max(by.get((m, w), 0.0) for m in methods) for w in worlds}
    for m in methods:
        cells = []
        for w in worlds:
            v = by.get((m, w))
            cell = "" if v is None else f"{v:.4f}"
            cells.append(f"**{cell}**" if v is not None and v == best[w] else cell)
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
