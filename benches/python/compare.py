#!/usr/bin/env python3
"""Benchmark of the craic Python binding against peer recommenders on one synthetic dataset.

Not a test: it measures. One run

1. generates the synthetic dataset with craic's own generator and writes it to CSV,
2. runs every method in its **own subprocess** (so peak RSS is per library), each reading the
   same CSVs back with the stdlib and numpy, applying the same time split, the same eligibility
   rule and the same relevance rule, and scoring with the same metric function,
3. prints one Markdown table and saves it as ``benches/python/results-<preset>.md``.

Methods: craic (popularity, collaborative, content, hybrid), implicit (CosineRecommender,
AlternatingLeastSquares), scikit-learn user-user kNN (cosine_similarity, top-50 neighbours), and
the stronger peers of peers.py, each over a small grid (EASE, RP3beta, ALS over alpha, item-item
cosine over K).

    python benches/python/compare.py --preset small --seed 42 --users-sample 5000
    python benches/python/compare.py --preset small --world all   # every craic.synthetic world
    python benches/python/compare.py --preset tiny --smoke     # seconds; for CI

See benches/python/README.md for what exactly is measured and how. This file is the driver;
the data and the metric are in bench_data.py, the measurements in bench_measure.py, the
per-method workers in workers.py and peers.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bench_measure
import peers
from bench_data import TEST_FRACTION, encode_csv
from bench_measure import peak_rss_mb
from workers import CRAIC_BATCH_CHUNK, CRAIC_INPUTS, run_worker

HERE = Path(__file__).resolve().parent

# Thread settings every worker runs with (implicit asks for single-threaded BLAS; its own loops
# use OpenMP with num_threads=0 = all cores; craic uses rayon = all cores).
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

PEERS = ("implicit-cosine", "implicit-als", "sklearn-useruser", *peers.STRONG_PEERS)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def write_dataset(preset: str, seed: int, directory: Path, world: str) -> dict[str, Any]:
    """Generates with craic's generator, writes the CSVs, and computes the crate's own split
    cutoff and relevance counts for the workers to be checked against."""
    import craic

    t0 = time.perf_counter()
    data = craic.synthetic.generate(preset, seed=seed, world=world)
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


def describe_dataset(directory: Path) -> dict[str, Any]:
    """A real dataset real_data.py wrote: its codes, its own split, and craic's relevance counts
    over that split's test rows for the workers to be checked against."""
    import craic
    from bench_data import load_data, split_rule

    t0 = time.perf_counter()
    encode_csv(directory)
    data = load_data(directory)
    test = ~data.train
    rows = [(data.user_ids[u], data.item_ids[i], data.kind_names[k], t)
            for u, i, k, t in zip(data.user[test].tolist(), data.item[test].tolist(),
                                  data.kind[test].tolist(), data.timestamp[test].tolist())]
    rel = craic.evaluation.relevant_items(rows)
    rule = split_rule(directory) or {}
    return {
        "config": {k: rule.get(k) for k in ("name", "slug", "users", "items", "interactions")},
        "cutoff": data.cutoff,
        "train": int(data.train.sum()),
        "eval_users": len(rel),
        "relevant_pairs": sum(len(v) for v in rel.values()),
        "generate_s": time.perf_counter() - t0,
    }


def generate_in_subprocess(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    """Runs :func:`write_dataset` in a child process. On Linux a process's ``ru_maxrss`` starts
    from its parent's RSS at fork/exec time, so the driver must stay small for the workers'
    peak RSS to be their own: the dataset never lives in the driver."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--generate-into", str(directory),
           "--preset", args.preset, "--seed", str(args.seed), "--world", args.world]
    if args.dataset:
        cmd.append("--describe")
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
        "--sklearn-chunk-mib", str(args.sklearn_chunk_mib), "--ease-max-items", str(args.ease_max_items),
    ]
    cmd += ["--craic-input", args.craic_input, "--craic-catalogue", args.craic_catalogue,
            "--craic-blend", args.craic_blend,
            "--craic-item-lists", str(args.craic_item_lists), "--craic-now", args.craic_now,
            "--craic-linear-items", str(args.craic_linear_items),
            "--craic-linear-l2", str(args.craic_linear_l2)]
    if args.craic_max_user_items is not None:
        cmd += ["--craic-max-user-items", str(args.craic_max_user_items)]
    if args.craic_hide_weight is not None:
        cmd += ["--craic-hide-weight", str(args.craic_hide_weight)]
    cmd += ["--craic-exclude", args.craic_exclude]
    if args.craic_fit_touched:
        cmd.append("--craic-fit-touched")
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
    if args.dataset:
        title = f"# craic vs peers — {cfg['name']}"
        source = (f"{cfg['name']}, from `{args.dataset}`); per-user split: each user's latest "
                  f"{TEST_FRACTION:.0%} held out, \"now\" {s.get('cutoff')} (after every interaction)")
    else:
        title = f"# craic vs peers — preset `{args.preset}`, world `{args.world}`, seed {args.seed}"
        source = (f"craic.synthetic `{args.preset}`, world `{args.world}`); time split at "
                  f"{TEST_FRACTION:.0%}: cutoff {s.get('cutoff')}")
    lines = [
        title,
        "",
        f"Command: `python benches/python/compare.py {args.command_line}`  ",
        f"Machine: {os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}; load average at start {args.load_at_start}  ",
        f"Data: {cfg['users']:,} users, {cfg['items']:,} events, {cfg['interactions']:,} interactions "
        f"({source}, {s.get('train', 0):,} train interactions, {s.get('upcoming_items', 0):,} "
        f"events start after the cutoff  ",
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
        f"- fit: `Engine.build` from {CRAIC_INPUTS[args.craic_input]} / `model.fit` / all users' top-k "
        "neighbours; one craic build serves all four strategies.",
        "- latency: one `recommend` call per user from Python (`time.perf_counter_ns`), incl. the "
        "eligibility post-filter where a peer needs one; batch: all evaluated users "
        f"(`recommend_many` over chunks of {CRAIC_BATCH_CHUNK:,} users for craic, implicit's batch "
        "`recommend` for ALS, a loop for item-item, "
        "chunked sparse products for sklearn).",
        "- peak RSS: `ru_maxrss` of each method's own subprocess; includes the common part (Python, "
        "numpy/scipy, the loaded codes, the split) shown above as \"RSS after loading\"; the "
        f"driver that starts the workers had {args.driver_rss:.0f} MB (a floor of every worker's "
        "`ru_maxrss` on Linux).",
        f"- latency is each user's best of {bench_measure.PASSES} passes over the sample; latency, throughput and "
        "fit times depend on the machine's load (see the load average above).",
    ]
    return "\n".join(lines) + "\n"


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


def run_worlds(args: argparse.Namespace) -> int:
    """``--world all``: one run per world, then a summary table of NDCG@10 across the worlds."""
    out = args.out or str(HERE / f"results-worlds-{args.preset}.md")
    tables: list[str] = []
    per_world: dict[str, list[dict[str, Any]]] = {}
    for world in peers.WORLDS:
        args.world, args.out = world, ""
        table, rows = run_driver(args)
        tables.append("#" + table)  # each world's table one heading level down
        per_world[world] = rows
    summary = (
        f"# craic vs peers on every world — preset `{args.preset}`, seed {args.seed}\n\n"
        f"Command: `python benches/python/compare.py {args.command_line}`\n\n"
        "NDCG@10 of every method on every world (the peers of peers.py at their best setting "
        "per world; best per world in bold):\n\n" + peers.world_summary(per_world) + "\n\n"
    )
    text = summary + "\n".join(tables)
    print(summary)
    Path(out).write_text(text)
    print(f"saved {out}", file=sys.stderr)
    return 0


def run_driver(args: argparse.Namespace) -> tuple[str, list[dict[str, Any]]]:
    """One dataset, every method; prints and saves the table (unless ``args.out == ""``)."""
    if args.smoke:
        args.users_sample = min(args.users_sample, 100)
        args.als_iterations = min(args.als_iterations, 3)
    args.command_line = " ".join(sys.argv[1:])
    args.load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    methods = list(args.methods) if args.methods else ["craic", *PEERS]
    with tempfile.TemporaryDirectory(prefix="craic-bench-") as tmp:
        directory = Path(args.dataset or args.data_dir or tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"reading {directory}" if args.dataset else
              f"generating preset {args.preset!r} (seed {args.seed}) into {directory}", file=sys.stderr)
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
        expected = 4 * ("craic" in methods) + sum(m != "craic" for m in methods)
        assert len(rows) + len(skipped) == expected, rows
        for r in rows:
            assert 0.0 <= r["ndcg"] <= 1.0 and 0.0 <= r["recall"] <= 1.0, r
        print("smoke OK", file=sys.stderr)
    out = args.out
    if out is None and not args.smoke:
        suffix = "-exclude-seen" if args.exclude_seen else ""
        suffix += "" if args.world == "default" else f"-{args.world}"
        suffix += "-own-time" if args.craic_now == "own" else ""
        name = info["config"]["slug"] if args.dataset else args.preset
        out = str(HERE / f"results-{name}{suffix}.md")
    if out:
        Path(out).write_text(table)
        print(f"saved {out}", file=sys.stderr)
    return table, [r for res in results for r in res["rows"]]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="medium", choices=["tiny", "small", "medium", "large"])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--world", default="default", choices=[*peers.WORLDS, "all"],
                   help="a craic.synthetic world (default: default); all = one run per world and "
                        "a summary, saved as results-worlds-<preset>.md")
    p.add_argument("--users-sample", type=int, default=5000,
                   help="random evaluated users timed one call at a time (default 5000)")
    p.add_argument("--smoke", action="store_true",
                   help="quick self-check (small sample, 3 ALS iterations, asserts, no results file)")
    p.add_argument("--methods", nargs="*", choices=["craic", *PEERS],
                   help="subset of methods (default: all)")
    p.add_argument("--craic-input", default="codes", choices=list(CRAIC_INPUTS),
                   help="what craic's Engine.build gets: a dict of numpy codes and categories "
                        "(default), a pandas DataFrame of categoricals, or row tuples")
    p.add_argument("--craic-catalogue", default="columns", choices=["columns", "objects"],
                   help="craic's items and preferences: dicts of columns (default) or Item / Preferences "
                        "objects")
    p.add_argument("--craic-blend", default="learned", choices=["fixed", "learned"],
                   help="craic's Config(blend=...): the learned Hybrid blend (default, the library's "
                        "default) or the fixed one (what the figures before 2026-12-05 without this "
                        "flag used)")
    p.add_argument("--craic-item-lists", type=int, default=0,
                   help="craic's Config(item_neighbours=...): 0 (default) keeps no item lists; "
                        "N > 0 keeps N per event and adds the item_based strategy")
    p.add_argument("--craic-linear-items", type=int, default=0,
                   help="craic's Config(linear_items=...): 0 (default) keeps no linear item model; "
                        "N > 0 fits one (EASE) on the N most engaged items, which the item_based "
                        "strategy and the learned blend's item-based component then read")
    p.add_argument("--craic-linear-l2", type=float, default=250.0,
                   help="craic's Config(linear_l2=...), the linear item model's ridge λ (default 250)")
    p.add_argument("--craic-max-user-items", type=int,
                   help="craic's Config(max_user_items=...), the item side's cost guard (default: "
                        "the library's, 100): with a linear item model, the strongest cells of a "
                        "history it reads")
    p.add_argument("--craic-hide-weight", type=float,
                   help="craic's Config(kinds={'hide': w}): the weight of a hide (default: the "
                        "library's, 0.25; 1.0 before 2026-12-05)")
    p.add_argument("--craic-now", default="cutoff", choices=["cutoff", "own"],
                   help="when craic is asked: at the cutoff (default; with --dataset, after every "
                        "interaction), or, with a --dataset's per-user split, as of each user's "
                        "first held-out interaction (own); the peers are time-agnostic")
    p.add_argument("--craic-exclude", default="ids", choices=["ids", "touched"],
                   help="with --exclude-seen, how craic is told a user's seen events: their ids "
                        "in each request's exclude list (default), or exclude_touched=True (the "
                        "engine's own record of what the user touched: the same events, no ids "
                        "crossing the binding)")
    p.add_argument("--craic-fit-touched", action="store_true",
                   help="craic's learned blend scores its holdout as requests with "
                        "exclude_touched=True serve (LearnSettings(exclude_touched=True)): what a "
                        "service that asks that way (--craic-exclude touched) should set")
    p.add_argument("--exclude-seen", action="store_true",
                   help="exclude every train-interacted event (not only saved/hidden) for all methods")
    p.add_argument("--data-dir", help="write the CSVs here and keep them (default: a temp dir)")
    p.add_argument("--dataset", help="a real dataset real_data.py wrote (its folder) instead of "
                                     "the generator's; judged with the split its split.json names")
    p.add_argument("--out", help="results Markdown path (default benches/python/results-<preset>.md)")
    p.add_argument("--als-iterations", type=int, default=15)
    p.add_argument("--als-alpha", type=float, default=1.0)
    p.add_argument("--item-neighbours", type=int, default=50, help="implicit CosineRecommender K")
    p.add_argument("--user-neighbours", type=int, default=50, help="sklearn user-user top-k")
    p.add_argument("--sklearn-dense-limit-gib", type=float, default=4.0,
                   help="above users^2 x 4 bytes, sklearn similarities are computed in chunks")
    p.add_argument("--sklearn-chunk-mib", type=float, default=256.0)
    p.add_argument("--ease-max-items", type=int, default=20_000,
                   help="EASE inverts a dense matrix over at most this many items (default 20000)")
    p.add_argument("--sklearn-max-users", type=int, default=200_000,
                   help="skip sklearn user-user above this many users (default 200000)")
    # internal: worker mode
    p.add_argument("--passes", type=int, default=3,
                   help="latency: each user's best of this many passes over the sample (default 3)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--expect-cutoff", type=int, help=argparse.SUPPRESS)
    p.add_argument("--generate-into", help=argparse.SUPPRESS)
    p.add_argument("--describe", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    bench_measure.PASSES = args.passes
    if args.worker:
        run_worker(args)
        return 0
    if args.generate_into:
        info = (describe_dataset(Path(args.generate_into)) if args.describe else
                write_dataset(args.preset, args.seed, Path(args.generate_into), args.world))
        print("RESULT " + json.dumps(info))
        return 0
    if args.craic_now == "own" and not args.dataset:
        raise SystemExit("--craic-now own needs a --dataset with a per-user split")
    if args.world == "all":
        if args.dataset:
            raise SystemExit("--world all runs the generator's worlds; a --dataset is one world")
        return run_worlds(args)
    run_driver(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
