"""A NumPy replica of the learned blend's returning-user holdout (craic-core's
``model/learned_returning.rs``) on a ``real_data.py`` dataset, scoring EASE and user-user kNN
on it, per light and heavy half of the users: do the fit's holdout and the outer test rank the
two the same way? (docs/evaluation.md, "With the linear item model".)

    python benches/python/nested_holdout.py /tmp/ml100k-craic [slice]
    python benches/python/nested_holdout.py /tmp/ml100k-craic mix [λ]

``slice`` is the share of the training log held out by time before the returning users are
picked (default 0.2, the fit's ``holdout_fraction``; 0 keeps the whole log). Each returning user
(≥ 5 positive events before that cut, none in the slice) has the latest 20 % of their rows held
out (ties in time included) and is scored on the rest of the log, everything they touched
excluded; relevant = their held-out saves and clicks.

``mix`` asks the other question on the outer test itself (compare.py's split, seen events
excluded): NDCG@10 of EASE (λ, default 250), user-user kNN (k = 50) and their mixes, each
user's scores divided by their best eligible one — the most any blend of the two could reach
there, chosen with the test period in view.
"""

from __future__ import annotations

import sys
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity

from bench_data import K, KIND_WEIGHTS, ndcg_recall_at_k
from bench_measure import not_recommendable, real_data_context, top_k_masked
from peers import fit_ease


def outer_mix(data: str, lam: float) -> None:
    ctx = real_data_context(data)
    x = ctx.x.astype(np.float64)
    users = np.asarray(ctx.eval_users)
    ease, _ = fit_ease(x, lam, 5000)
    sim = np.asarray(cosine_similarity(x, x, dense_output=True))
    np.fill_diagonal(sim, 0.0)
    top = np.argpartition(-sim, 49, axis=1)[:, :50]
    nb = np.zeros_like(sim)
    np.put_along_axis(nb, top, np.take_along_axis(sim, top, 1), 1)
    banned = not_recommendable(ctx, users)

    def scaled(s: np.ndarray) -> np.ndarray:
        s = np.where(banned, -np.inf, s)
        best = np.max(s, axis=1, keepdims=True)
        return s / np.where(best > 0, best, 1.0)

    e, c = scaled(ease(users)), scaled((sp.csr_matrix(nb[users]) @ x).toarray())
    for share in (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0):
        s = np.where(banned, -np.inf, share * np.where(banned, 0, e) + (1 - share) * np.where(banned, 0, c))
        nd = [ndcg_recall_at_k(top_k_masked(s[r], K), ctx.relevant[u], K)[0]
              for r, u in enumerate(users.tolist())]
        print(f"EASE λ {lam:g} share {share:.1f}, kNN k=50 the rest: {np.mean(nd):.4f}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[2] == "mix":
        outer_mix(sys.argv[1], float(sys.argv[3]) if len(sys.argv) > 3 else 250.0)
        return
    share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    ctx = real_data_context(sys.argv[1])
    d = ctx.data
    w = np.array([KIND_WEIGHTS.get(n, 0.0) for n in d.kind_names])
    train = np.flatnonzero(d.train)
    t = d.timestamp[train]
    if share > 0:
        cut = np.quantile(t, 1.0 - share)
        base, held_slice = train[t < cut], train[t >= cut]
    else:
        base, held_slice = train, train[:0]
    positive = w[d.kind] > 0
    slice_users = set(d.user[held_slice[positive[held_slice]]].tolist())
    rows: dict[int, list[int]] = defaultdict(list)
    for r in base.tolist():
        rows[int(d.user[r])].append(r)
    held: set[int] = set()
    relevant: dict[int, set[int]] = {}
    for u, rs in rows.items():
        if u in slice_users or len({int(d.item[r]) for r in rs if positive[r]}) < 5:
            continue
        rs.sort(key=lambda r: d.timestamp[r])
        first = int(round(len(rs) * 0.8))
        if first >= len(rs):
            continue
        since = d.timestamp[rs[first]]
        out = [r for r in rs if d.timestamp[r] >= since]
        rel = {int(d.item[r]) for r in out if positive[r]}
        if rel and len(out) < len(rs):
            relevant[u] = rel
            held.update(out)
    keep = np.array([r for r in base.tolist() if r not in held])
    x = sp.coo_matrix((w[d.kind[keep]], (d.user[keep], d.item[keep])),
                      shape=(d.n_users, d.n_items)).tocsr()
    x.data[x.data < 0] = 0.0
    x.eliminate_zeros()
    x = x.astype(np.float32)
    seen = sp.coo_matrix((np.ones(len(keep)), (d.user[keep], d.item[keep])), shape=x.shape).tocsr()
    users = np.array(sorted(relevant))
    hist = np.diff(x.indptr)[users]
    heavy = hist > np.median(hist)
    print(f"{len(users)} returning users held out (slice {share:g})")

    def report(name: str, scores: np.ndarray) -> None:
        b = seen[users].tocoo()
        scores[b.row, b.col] = -np.inf
        nd = np.array([ndcg_recall_at_k(top_k_masked(scores[r], K), relevant[u], K)[0]
                       for r, u in enumerate(users)])
        print(f"{name}: all {nd.mean():.4f}, light half {nd[~heavy].mean():.4f}, "
              f"heavy half {nd[heavy].mean():.4f}")

    ease, _ = fit_ease(x, 250.0, 5000)
    report("EASE λ 250", ease(users))
    sim = np.asarray(cosine_similarity(x, x, dense_output=True), dtype=np.float64)
    np.fill_diagonal(sim, 0.0)
    for k in (25, 50):
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        nb = np.zeros_like(sim)
        np.put_along_axis(nb, top, np.take_along_axis(sim, top, 1), 1)
        report(f"user-user kNN k={k}", (sp.csr_matrix(nb[users]) @ x).toarray())


if __name__ == "__main__":
    main()
