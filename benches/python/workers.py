"""The workers of compare.py: one subprocess per method (craic, implicit, scikit-learn, the
stronger peers of peers.py), each measuring on the same data and printing one ``RESULT`` line."""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import sys
import time
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

import peers
from bench_data import K, Data, ndcg_recall_at_k
from bench_measure import (
    Context, Row, finish_row, latencies_us, make_context, peak_rss_mb, rss_step, top_k_masked,
)

CRAIC_STRATEGIES = ("popularity", "collaborative", "content", "hybrid")


# What the craic worker builds its engine from (--craic-input).
CRAIC_INPUTS = {
    "codes": "a dict of numpy arrays ((codes, categories) id and kind columns)",
    "pandas": "a pandas DataFrame (categorical id and kind columns)",
    "rows": "(user, item, kind, timestamp) tuples",
}


def craic_train_input(data: Data, how: str) -> Any:
    """The train interactions as ``Engine.build`` takes them: a dict of numpy arrays whose id and
    kind columns are ``(codes, categories)`` pairs (no pandas, no Python object per row), a
    pandas DataFrame whose id and kind columns are categoricals over the same codes (read
    through Arrow), or a list of row tuples (the row path)."""
    m = np.flatnonzero(data.train)
    if how == "codes":
        # int32 codes: half the int64 ones; each int64 temporary is freed before the next.
        return {
            "user_id": (data.user[m].astype(np.int32), data.user_ids),
            "item_id": (data.item[m].astype(np.int32), data.item_ids),
            "kind": (data.kind[m].astype(np.int32), data.kind_names),
            "timestamp": data.timestamp[m],
        }
    if how == "rows":
        return [
            (data.user_ids[u], data.item_ids[i], data.kind_names[k], t)
            for u, i, k, t in zip(
                data.user[m].tolist(), data.item[m].tolist(), data.kind[m].tolist(),
                data.timestamp[m].tolist(),
            )
        ]
    import pandas as pd

    return pd.DataFrame({
        "user_id": pd.Categorical.from_codes(data.user[m], categories=data.user_ids),
        "item_id": pd.Categorical.from_codes(data.item[m], categories=data.item_ids),
        "kind": pd.Categorical.from_codes(data.kind[m], categories=data.kind_names),
        "timestamp": data.timestamp[m],
    })


# Evaluated users per recommend_many call in the batch phase: results are turned into item
# index lists chunk by chunk, so at most one chunk's Recommendation objects are alive at once.
CRAIC_BATCH_CHUNK = 4096

# Users whose lists are kept for the cross-check against craic.evaluation.score_user.
CRAIC_CHECK_USERS = 300


def craic_strategies(args: argparse.Namespace) -> tuple[str, ...]:
    """The strategies the craic worker runs: ``item_based`` too when item lists or a linear item
    model are kept."""
    item_side = args.craic_item_lists > 0 or args.craic_linear_items > 0
    return CRAIC_STRATEGIES + (("item_based",) if item_side else ())


def craic_config_note(args: argparse.Namespace) -> str:
    """The worker's ``Config`` in words, for the notes column."""
    lists = f"{args.craic_item_lists} item neighbours" if args.craic_item_lists else "no item lists"
    when = "; asked as of each user's first held-out interaction" if args.craic_now == "own" else ""
    hide = "" if args.craic_hide_weight is None else f", hide weight {args.craic_hide_weight:g}"
    linear = (f", a linear item model of {args.craic_linear_items} items (λ {args.craic_linear_l2:g})"
              if args.craic_linear_items else "")
    if args.craic_max_user_items is not None:
        linear += f", max_user_items {args.craic_max_user_items}"
    if args.exclude_seen and args.craic_exclude == "touched":
        when += "; seen events excluded with exclude_touched=True"
    blend = args.craic_blend
    if args.craic_fit_touched and blend == "learned":
        blend += " (holdout excluding touched events)"
    return f"{blend} blend, {lists}{linear}{hide}{when}"


def craic_items_and_preferences(data: Data) -> tuple[list[Any], dict[str, Any]]:
    """The catalogue and the stated preferences, read with the stdlib ``csv`` module."""
    import craic

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
    return items, prefs


def craic_catalogue_columns(data: Data) -> tuple[dict[str, Any], dict[str, Any]]:
    """The catalogue and the stated preferences as dicts of columns (``--craic-catalogue
    columns``): ids and the item ids' order are the codes' (``data.item_ids``), cities and venues
    ``(codes, categories)`` pairs, each list a tuple of interned strings (an empty one ``None``,
    which the binding reads as empty), so no object is made per row beyond the lists."""
    words: dict[str, str] = {}

    def split(field: str) -> tuple[str, ...] | None:
        return tuple(words.setdefault(w, w) for w in field.split("|") if w) or None

    def coded(values: list[str]) -> tuple[npt.NDArray[np.int32], list[str]]:
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int32, len(values))
        return codes, list(index)

    cols: dict[str, list[Any]] = {k: [] for k in ("city", "venue", "genres", "artists", "ends_at", "tags")}
    with open(data.directory / "items.csv", newline="") as f:
        for n, r in enumerate(csv.DictReader(f)):
            assert r["item_id"] == data.item_ids[n], "items.csv is in the codes' order"
            for k in ("city", "venue"):
                cols[k].append(r[k])
            for k in ("genres", "artists", "tags"):
                cols[k].append(split(r[k]))
            cols["ends_at"].append(int(r["ends_at"]) if r["ends_at"] else -1)
    ends = np.asarray(cols.pop("ends_at"), dtype=np.int64)
    items = {
        **cols, "id": data.item_ids, "starts_at": data.starts_at,
        "city": coded(cols["city"]), "venue": coded(cols["venue"]),
        "ends_at": np.where(ends < 0, np.datetime64("NaT"), ends.astype("datetime64[s]")),
    }
    prefs: dict[str, list[Any]] = {k: [] for k in ("user_id", "genres", "artists", "cities")}
    with open(data.directory / "preferences.csv", newline="") as f:
        for r in csv.DictReader(f):
            prefs["user_id"].append(r["user_id"])
            for k in ("genres", "artists", "cities"):
                prefs[k].append(split(r[k]))
    return items, prefs


def craic_batch(
    engine: Any, ctx: Context, strategy: str, extra_excl: dict[int, list[str]] | None,
    now_of: dict[int, int] | None = None, touched: bool = False,
) -> tuple[dict[int, list[int]], float]:
    """Every evaluated user's top-K as item index lists (the form the peers' lists take), and
    the seconds spent in craic's calls: ``recommend_many`` over chunks of
    ``CRAIC_BATCH_CHUNK`` users, or one ``recommend`` per user with ``--exclude-seen`` (its
    exclusions are per user; ``recommend_many`` takes one list for all), or with ``touched``
    (``exclude_touched=True`` on every call instead of per-user lists)."""
    data = ctx.data
    item_index = {s: i for i, s in enumerate(data.item_ids)}
    lists: dict[int, list[int]] = {}
    spent = 0.0
    users = ctx.eval_users
    for start in range(0, len(users), CRAIC_BATCH_CHUNK):
        chunk = users[start : start + CRAIC_BATCH_CHUNK]
        names = [data.user_ids[u] for u in chunk]
        t0 = time.perf_counter()
        if extra_excl is not None or now_of is not None or touched:
            recs = [engine.recommend(n, k=K, strategy=strategy, now=(now_of or {}).get(u, data.cutoff),
                                     exclude=(extra_excl or {}).get(u, ()), exclude_touched=touched)
                    for n, u in zip(names, chunk)]
        else:
            recs = engine.recommend_many(names, k=K, strategy=strategy, now=data.cutoff)
        spent += time.perf_counter() - t0
        for u, rl in zip(chunk, recs):
            lists[u] = [item_index[r.item_id] for r in rl]
        del recs
    return lists, spent


def worker_craic(args: argparse.Namespace, ctx: Context) -> list[Row]:
    import craic

    data = ctx.data
    if args.craic_catalogue == "columns":
        items, prefs = craic_catalogue_columns(data)
    else:
        items, prefs = craic_items_and_preferences(data)
    rss_step("craic", "loading the items and preferences")
    train = craic_train_input(data, args.craic_input)
    before_build = rss_step("craic", "making the train input")
    if hasattr(train, "memory_usage"):
        print(f"[craic] the train DataFrame: {train.memory_usage(deep=True).sum() / 2**20:.0f} MiB",
              file=sys.stderr)
    t0 = time.perf_counter()
    kinds = {} if args.craic_hide_weight is None else {"hide": args.craic_hide_weight}
    guard = {} if args.craic_max_user_items is None else {"max_user_items": args.craic_max_user_items}
    blend: Any = args.craic_blend
    if args.craic_fit_touched and blend == "learned":
        blend = craic.LearnSettings(exclude_touched=True)
    config = craic.Config(blend=blend, item_neighbours=args.craic_item_lists, kinds=kinds,
                          linear_items=args.craic_linear_items, linear_l2=args.craic_linear_l2,
                          **guard)
    engine = craic.Engine.build(items, train, preferences=prefs, config=config)
    fit_s = time.perf_counter() - t0
    # What the build added to the resident set and kept (its inputs are still alive here).
    engine_mb = rss_step("craic", "Engine.build") - before_build
    del train, items, prefs  # the engine keeps its own copy; no peer holds its input either
    gc.collect()
    rss_step("craic", "dropping the build's inputs")

    # --exclude-seen: also exclude train clicks (craic already excludes hidden and saved items).
    extra_excl: dict[int, list[str]] | None = None
    # --craic-exclude touched: the engine's record of each user's events does the same.
    touched = args.exclude_seen and args.craic_exclude == "touched"
    if args.exclude_seen and not touched:
        b = ctx.banned
        extra_excl = {u: [data.item_ids[i] for i in b.indices[b.indptr[u] : b.indptr[u + 1]]]
                      for u in ctx.eval_users}

    # --craic-now own (a per-user split): each user is asked as of their first held-out
    # interaction instead of the end of the log.
    now_of: dict[int, int] | None = None
    if args.craic_now == "own":
        test = ~data.train
        now_of = {}
        for u, t in zip(data.user[test].tolist(), data.timestamp[test].tolist()):
            now_of[u] = min(now_of.get(u, t), t)

    # One strategy at a time, like one peer per process: its lists are scored and dropped before
    # the next strategy runs (only CRAIC_CHECK_USERS users' lists are kept for the cross-check).
    out: list[Row] = []
    checked: dict[str, dict[int, list[int]]] = {}
    peak = peak_rss_mb()
    for strategy in craic_strategies(args):

        def one(u: int, s: str = strategy) -> object:
            return engine.recommend(
                data.user_ids[u], k=K, strategy=s, now=(now_of or {}).get(u, data.cutoff),
                exclude=extra_excl.get(u, ()) if extra_excl else (), exclude_touched=touched,
            )

        lat = latencies_us(one, ctx.sample)
        rss_step("craic", f"{strategy} latency")
        lists, batch_s = craic_batch(engine, ctx, strategy, extra_excl, now_of, touched)
        rss_step("craic", f"{strategy} batch")
        peak = peak_rss_mb()  # ru_maxrss only grows: the last strategy's is the worker's peak
        out.append(finish_row(
            ctx, f"craic {strategy}", fit_s, lat, batch_s, lists, peak,
            notes=f"one Engine.build from {CRAIC_INPUTS[args.craic_input]}, items and preferences "
                  f"as {args.craic_catalogue} ({craic_config_note(args)}) "
                  f"serves every strategy; the built engine adds {engine_mb:.0f} MB to the RSS",
            crate_evaluate_ndcg=None, engine_rss_mb=engine_mb,
            threads=f"rayon: {os.environ.get('RAYON_NUM_THREADS', 'all')} of {os.cpu_count()} cores",
        ))
        checked[strategy] = {u: lists[u] for u in ctx.eval_users[:CRAIC_CHECK_USERS]}
        del lists
    for row in out:  # every row reports the worker's peak, taken before the cross-checks
        row.peak_rss_mb = peak
    craic_cross_checks(engine, ctx, out, checked, args.exclude_seen or now_of is not None)
    return out


def craic_cross_checks(
    engine: Any, ctx: Context, rows: list[Row], checked: dict[str, dict[int, list[int]]],
    per_user: bool,
) -> None:
    """Checks against the crate's own evaluation (same relevance rule, same metric): per-user
    scores of the kept lists, and ``craic.evaluation.evaluate``'s NDCG against each row's
    (unless ``per_user``: exclusions or times per user, which ``evaluate`` does not take)."""
    import craic

    data = ctx.data
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
    for strategy, row in zip(checked, rows):
        for u, rec in checked[strategy].items():
            rec_ids = [data.item_ids[i] for i in rec]
            rel_ids = [data.item_ids[i] for i in ctx.relevant[u]]
            s = craic.evaluation.score_user(rec_ids, rel_ids, K)
            ours = ndcg_recall_at_k(rec, ctx.relevant[u], K)
            assert abs(s.ndcg - ours[0]) < 1e-9 and abs(s.recall - ours[1]) < 1e-9, (u, s, ours)
        if per_user:
            continue
        crate_ndcg = craic.evaluation.evaluate(
            engine, test_rows, k=K, strategy=strategy, now=data.cutoff
        ).ndcg
        row.extra["crate_evaluate_ndcg"] = crate_ndcg
        assert abs(crate_ndcg - row.ndcg) < 1e-9, (strategy, crate_ndcg, row.ndcg)


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
    rss_step(which, "loading")
    t0 = time.perf_counter()
    model.fit(x, show_progress=False)
    fit_s = time.perf_counter() - t0
    rss_step(which, "fit")

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
    rss_step(which, "latency and batch")
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
    elif args.worker in peers.STRONG_PEERS:
        rows = peers.worker_grid(args, ctx, args.worker)
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
