"""A NumPy replica of craic's linear item model (``craic-core/src/linear/``) on a
``real_data.py`` dataset, judged as compare.py judges (each user's latest 20 % held out, seen
events excluded, NDCG@10): which cells the model should weigh, and how much of each history the
fit and a request should read (docs/evaluation.md, "Undecayed cells and whole histories in the
fit").

    python benches/python/linear_cells.py /tmp/ml100k-craic [--items 2000] [--l2 250] [--days 30]
    python benches/python/linear_cells.py /tmp/ml100k-craic --focus-grid   # the recency focus

Cells are craic's (save 1, click 0.25, hide -0.25): *decayed* sums each interaction's weight
times 2^(-age / half-life); *undecayed* sums the weights of the kinds a user gave an event, each
kind once. Either way a row keeps its positive modelled cells, at most ``cap`` of them, the
largest decayed ones (ties by the earlier event), scaled so the largest is 1. The model covers
the ``--items`` events with most users; B = I - P diag(P)^-1, P = (X^T X + λI)^-1.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import scipy.sparse as sp

from bench_data import K, ndcg_recall_at_k
from bench_measure import not_recommendable, real_data_context, top_k_masked

WEIGHTS = {"save": 1.0, "click": 0.25, "hide": -0.25}
DAY = 86_400.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--l2", type=float, default=250.0)
    ap.add_argument("--days", type=float, default=30.0, help="half-life of the decayed cells")
    ap.add_argument("--focus-grid", action="store_true",
                    help="the recency focus over a grid of τ and floors instead")
    a = ap.parse_args()
    ctx = real_data_context(a.data)
    d = ctx.data
    m = d.train
    w = np.array([WEIGHTS.get(n, 0.0) for n in d.kind_names])[d.kind[m]]
    age = d.timestamp[m].max() + 1 - d.timestamp[m]
    shape = (d.n_users, d.n_items)
    decayed = sp.coo_matrix((w * np.exp2(-age / (a.days * DAY)), (d.user[m], d.item[m])),
                            shape=shape).tocsr()
    once = np.unique(np.stack([d.user[m], d.item[m], d.kind[m]]), axis=1)
    undecayed = sp.coo_matrix((np.array([WEIGHTS.get(n, 0.0) for n in d.kind_names])[once[2]],
                               (once[0], once[1])), shape=shape).tocsr()
    users_of = np.diff((decayed > 0).tocsc().indptr)
    items = np.flatnonzero(users_of > 0)
    items = np.sort(items[np.lexsort((items, -users_of[items]))[: a.items]])
    modelled = np.zeros(d.n_items, dtype=bool)
    modelled[items] = True

    def rows(values: sp.csr_matrix, cap: int) -> sp.csr_matrix:
        r, c, v = [], [], []
        for u in range(d.n_users):
            s, e = decayed.indptr[u], decayed.indptr[u + 1]
            idx, dv = decayed.indices[s:e], decayed.data[s:e]
            keep = (dv > 0) & modelled[idx]
            idx, dv = idx[keep], dv[keep]
            if cap and idx.size > cap:
                order = np.lexsort((idx, -dv))[:cap]
                idx = idx[order]
            vv = np.asarray(values[u, idx].todense()).ravel() if idx.size else idx.astype(float)
            idx, vv = idx[vv > 0], vv[vv > 0]
            if idx.size:
                r += [u] * idx.size
                c += idx.tolist()
                v += (vv / vv.max()).tolist()
        return sp.csr_matrix((v, (r, c)), shape=shape)[:, items]

    users = np.asarray(ctx.eval_users)
    banned = not_recommendable(ctx, users)

    # Each cell's latest interaction (a CSR sum would add the times of repeated ones).
    cell = d.user[m].astype(np.int64) * d.n_items + d.item[m]
    stamp = d.timestamp[m].astype(float) - d.timestamp[m].min() + 1.0
    last = np.zeros(d.n_users * d.n_items)
    np.maximum.at(last, cell, stamp)
    seen = np.unique(cell)
    latest = sp.csr_matrix((last[seen], (seen // d.n_items, seen % d.n_items)), shape=shape)

    def focused(score: sp.csr_matrix, tau: float, floor: float) -> sp.csr_matrix:
        out = score.tolil(copy=True)
        full = latest[:, items]
        for u in range(d.n_users):
            cols = np.asarray(out.rows[u])
            if cols.size < 2:
                continue
            key = np.asarray(full[u, cols].todense()).ravel()
            newer = (key[None, :] > key[:, None]).sum(axis=1)
            out.data[u] = (np.asarray(out.data[u]) * (floor + (1 - floor) * np.exp(-newer / tau))).tolist()
        return out.tocsr()

    def ndcg(fit: sp.csr_matrix, score: sp.csr_matrix) -> float:
        g = (fit.T @ fit).toarray()
        g[np.diag_indices_from(g)] += a.l2
        p = np.linalg.inv(g)
        bw = -p / np.diag(p)
        bw[np.diag_indices_from(bw)] = 0.0
        s = np.full((users.size, d.n_items), -np.inf)
        s[:, items] = score[users] @ bw
        s[banned] = -np.inf
        return float(np.mean([ndcg_recall_at_k(top_k_masked(s[i], K), ctx.relevant[u], K)[0]
                              for i, u in enumerate(users.tolist())]))

    print(f"{a.data}: {items.size} events modelled, λ {a.l2:g}, decay half-life {a.days:g} days")
    if a.focus_grid:
        fit, score = rows(undecayed, 1000), rows(undecayed, 100)
        print("| τ (events) | floor | NDCG@10 |\n|---|---|---:|")
        print(f"| off | | {ndcg(fit, score):.4f} |", flush=True)
        for tau in (5.0, 10.0, 20.0):
            for floor in (0.2, 0.3, 0.5):
                print(f"| {tau:g} | {floor:g} | {ndcg(fit, focused(score, tau, floor)):.4f} |",
                      flush=True)
        return 0
    print("| cells | fit reads | request reads | NDCG@10 |\n|---|---|---|---:|")
    for name, values in (("decayed", decayed), ("undecayed", undecayed)):
        for fit_cap, score_cap in ((100, 100), (1000, 100), (1000, 200), (0, 0)):
            got = ndcg(rows(values, fit_cap), rows(values, score_cap))
            say = lambda c: f"{c} strongest" if c else "whole history"  # noqa: E731
            print(f"| {name} | {say(fit_cap)} | {say(score_cap)} | {got:.4f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
