"""Columnar input against the row path: peak RSS and fit time of ``craic.Engine.build``.

    python benches/python/columns.py --preset medium --seed 42
    python benches/python/columns.py --preset tiny --modes rows arrow      # seconds

The dataset is ``craic.synthetic.generate(preset, seed=...)`` written with ``write_csv`` (in a
child process, so no worker inherits its memory). Each mode then runs in its own subprocess
(``ru_maxrss`` is per process), reads the three CSVs and builds one engine from the whole log:

- ``rows``: the stdlib ``csv`` module into ``Item`` objects, a ``{user: Preferences}`` dict and
  ``(user_id, item_id, kind, timestamp)`` tuples (the row path);
- ``arrow``: ``pyarrow.csv.read_csv`` into Tables (lists split with ``pyarrow.compute``);
- ``polars``: ``polars.read_csv`` into DataFrames;
- ``pandas``: ``pandas.read_csv(engine="pyarrow")``, ``kind`` and ``item_id`` as ``category``.

"load s" is reading the CSVs, "fit s" the ``Engine.build`` call alone (best of ``--repeat``
builds, default 3: on a shared machine single runs vary by 2x); "RSS after load" and "peak RSS"
are ``ru_maxrss`` before and after the first build. Every mode must build the same engine
(same ``Stats``). The table is printed as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODES = ("rows", "arrow", "polars", "pandas")
LISTS = {"items": ("genres", "artists", "tags"), "preferences": ("genres", "artists", "cities")}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def split(s: str) -> list[str]:
    return [x for x in s.split("|") if x]


def load_rows(d: Path) -> tuple[Any, Any, Any]:
    import craic

    with open(d / "items.csv", newline="") as f:
        items = [
            craic.Item(
                r["item_id"],
                int(r["starts_at"]),
                city=r["city"],
                venue=r["venue"],
                genres=split(r["genres"]),
                artists=split(r["artists"]),
                ends_at=int(r["ends_at"]) if r["ends_at"] else None,
                tags=split(r["tags"]),
            )
            for r in csv.DictReader(f)
        ]
    with open(d / "preferences.csv", newline="") as f:
        prefs = {
            r["user_id"]: craic.Preferences(
                genres=split(r["genres"]), artists=split(r["artists"]), cities=split(r["cities"])
            )
            for r in csv.DictReader(f)
        }
    with open(d / "interactions.csv", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        interactions = [(u, i, k, int(t)) for u, i, k, t in reader]
    return items, interactions, prefs


def load_arrow(d: Path) -> tuple[Any, Any, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    def read(name: str) -> Any:
        # Empty list fields stay "" (not null) so that they split into empty lists below.
        strings = {c: pa.string() for c in LISTS.get(name, ())}
        opts = pacsv.ConvertOptions(column_types=strings, strings_can_be_null=False)
        table = pacsv.read_csv(d / f"{name}.csv", convert_options=opts)
        for c in LISTS.get(name, ()):
            col = pc.if_else(pc.equal(table[c], ""), pa.scalar(None, pa.string()), table[c])
            table = table.set_column(table.schema.get_field_index(c), c, pc.split_pattern(col, "|"))
        return table

    items = read("items").rename_columns({"item_id": "id"})
    return items, read("interactions"), read("preferences")


def load_polars(d: Path) -> tuple[Any, Any, Any]:
    import polars as pl

    def read(name: str) -> Any:
        frame = pl.read_csv(d / f"{name}.csv", schema_overrides={c: pl.String for c in LISTS.get(name, ())})
        return frame.with_columns(pl.col(c).str.split("|") for c in LISTS.get(name, ()))

    return read("items").rename({"item_id": "id"}), read("interactions"), read("preferences")


def load_pandas(d: Path) -> tuple[Any, Any, Any]:
    import pandas as pd

    def read(name: str, dtype: dict[str, str] | None = None) -> Any:
        frame = pd.read_csv(d / f"{name}.csv", engine="pyarrow", dtype=dtype)
        for c in LISTS.get(name, ()):
            frame[c] = [split(s) if isinstance(s, str) else [] for s in frame[c]]
        return frame

    interactions = read("interactions", {"kind": "category", "item_id": "category"})
    return read("items").rename(columns={"item_id": "id"}), interactions, read("preferences")


def worker(mode: str, d: Path, repeat: int) -> dict[str, Any]:
    import craic

    t = time.perf_counter()
    items, interactions, prefs = {"rows": load_rows, "arrow": load_arrow, "polars": load_polars, "pandas": load_pandas}[
        mode
    ](d)
    load_s = time.perf_counter() - t
    loaded = peak_rss_mb()
    fits: list[float] = []
    peak = 0.0
    for n in range(repeat):
        t = time.perf_counter()
        engine = craic.Engine.build(items, interactions, preferences=prefs)
        fits.append(time.perf_counter() - t)
        if n == 0:
            peak = peak_rss_mb()  # the first build's peak (later builds reuse its memory)
        s = engine.stats()
        stats = [s.users, s.items, s.live_items, s.cells, s.interactions, s.watermark]
        del engine
    return {"mode": mode, "load_s": load_s, "rss_loaded_mb": loaded, "fit_s": min(fits), "fits": fits,
            "peak_rss_mb": peak, "stats": stats}


def write_dataset(preset: str, seed: int, d: Path) -> None:
    from craic import synthetic

    synthetic.generate(preset, seed=seed).write_csv(d)


def run(args: argparse.Namespace, *extra: str) -> str:
    cmd = [sys.executable, __file__, *extra, "--preset", args.preset, "--seed", str(args.seed),
           "--repeat", str(args.repeat)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="medium")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    p.add_argument("--data-dir", type=Path, help="keep the CSVs here (default: a temp dir)")
    p.add_argument("--repeat", type=int, default=3, help="builds per mode; fit s is the best (default 3)")
    p.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    p.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.generate:
        write_dataset(args.preset, args.seed, args.data_dir)
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.data_dir, args.repeat)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        d = args.data_dir or Path(tmp)
        if not (d / "interactions.csv").exists():
            run(args, "--generate", "--data-dir", str(d))
        results = [json.loads(run(args, "--worker", m, "--data-dir", str(d))) for m in args.modes]
    ok = all(r["stats"] == results[0]["stats"] for r in results)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"preset `{args.preset}`, seed {args.seed}; {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
          f"{platform.platform()}, Python {platform.python_version()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"stats (users, items, live, cells, interactions, watermark): {results[0]['stats']}; "
          f"same engine from every mode: {ok}\n")
    print("| input | load s | RSS after load MB | fit s (best) | fit s (all) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        fits = " ".join(f"{f:.2f}" for f in r["fits"])
        print(f"| {r['mode']} | {r['load_s']:.2f} | {r['rss_loaded_mb']:.0f} | {r['fit_s']:.2f} | {fits} | "
              f"{r['peak_rss_mb']:.0f} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
