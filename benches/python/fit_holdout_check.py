"""The learned blend's returning-user holdout (craic-core's ``model/learned_returning.rs``)
reproduced through the binding on a ``real_data.py`` dataset: is the fit's ordering of the
item-based and collaborative components on its own holdout the outer test's? (docs/evaluation.md,
"What a blend could reach there".)

    python benches/python/fit_holdout_check.py /tmp/ml100k-craic [--users-share 0.33] [--seed 7]

As the fit does: the latest 20 % of the training log by time is cut off; among the users with at
least 5 positive events before the cut and none in the slice, a seeded ``--users-share`` of
them have the latest 20 % of their rows held out; one engine (fixed blend, the linear item
model of 2 000 events, λ 250, 30-day decay, the fit's chosen neighbourhood 25) is built on the
log before the cut less those rows, and each held-out user is asked at the start of their own
held-out rows for their top 10 by ``item_based`` and by ``collaborative``, with and without
their seen events excluded. Relevant: their held-out saves and clicks. Heavy: at least
``--heavy-from`` positive events left (45, the fit's median on MovieLens 100K; 37 on
latest-small). ``--whole-log`` skips the time cut: the returning users' latest rows are held
out of the whole training log (the outer test's own split, one level down). The engine reads
with the library's default recency focus (``Config.linear_focus``).
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import craic
import numpy as np

import workers
from bench_data import K, ndcg_recall_at_k
from bench_measure import real_data_context

WEIGHTS = {"save": 1.0, "click": 0.25, "hide": -0.25}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("--users-share", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--heavy-from", type=int, default=45)
    ap.add_argument("--whole-log", action="store_true",
                    help="no time cut: hold out the latest rows of users over the whole log")
    a = ap.parse_args()
    ctx = real_data_context(a.data)
    d = ctx.data
    positive = np.array([WEIGHTS.get(n, 0.0) for n in d.kind_names])[d.kind] > 0
    train = np.flatnonzero(d.train)
    cut = d.timestamp[train].max() + 1 if a.whole_log else np.quantile(d.timestamp[train], 0.8)
    base, later = train[d.timestamp[train] < cut], train[d.timestamp[train] >= cut]
    active_later = set(d.user[later[positive[later]]].tolist())
    rows: dict[int, list[int]] = defaultdict(list)
    for r in base.tolist():
        rows[int(d.user[r])].append(r)
    rng = np.random.default_rng(a.seed)
    held: set[int] = set()
    relevant: dict[int, set[str]] = {}
    since_of: dict[int, int] = {}
    for u, rs in rows.items():
        if rng.random() > a.users_share or u in active_later:
            continue
        if len({int(d.item[r]) for r in rs if positive[r]}) < 5:
            continue
        rs.sort(key=lambda r: d.timestamp[r])
        first = int(round(len(rs) * 0.8))
        if first >= len(rs):
            continue
        since = int(d.timestamp[rs[first]])
        out = [r for r in rs if d.timestamp[r] >= since]
        rel = {d.item_ids[int(d.item[r])] for r in out if positive[r]}
        if rel and len(out) < len(rs):
            relevant[u], since_of[u] = rel, since
            held.update(out)
    keep = np.array([r for r in base.tolist() if r not in held])
    items, prefs = workers.craic_catalogue_columns(d)
    everything = d.train
    d.train = np.zeros(len(d.user), dtype=bool)
    d.train[keep] = True
    log = workers.craic_train_input(d, "codes")
    d.train = everything
    engine = craic.Engine.build(items, log, preferences=prefs, config=craic.Config(
        blend="fixed", neighbours=25, linear_items=2000, linear_l2=250.0))
    seen: dict[int, list[str]] = defaultdict(list)
    for r in keep.tolist():
        seen[int(d.user[r])].append(d.item_ids[int(d.item[r])])
    users = sorted(relevant)
    left = np.array([sum(1 for r in rows[u] if positive[r] and r not in held) for u in users])
    heavy = left >= a.heavy_from
    print(f"{len(users)} returning users held out ({int(heavy.sum())} heavy), "
          f"share {a.users_share:g}, seed {a.seed}")
    for excluded in (False, True):
        for strategy in ("collaborative", "item_based"):
            nd = np.array([ndcg_recall_at_k(
                [r.item_id for r in engine.recommend(
                    d.user_ids[u], k=K, strategy=strategy, now=since_of[u],
                    exclude=seen[u] if excluded else ())],
                relevant[u], K)[0] for u in users])
            print(f"{strategy}, seen {'excluded' if excluded else 'kept'}: all {nd.mean():.4f}, "
                  f"light {nd[~heavy].mean():.4f}, heavy {nd[heavy].mean():.4f}", flush=True)


if __name__ == "__main__":
    main()
