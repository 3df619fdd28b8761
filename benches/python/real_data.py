"""A public real-world dataset in the CSV layout compare.py reads, and the per-user split it is
judged with.

MovieLens 100K (943 users, 1,682 films, 100,000 explicit ratings, about 106 per user; GroupLens,
https://grouplens.org/datasets/movielens/100k/) is the dataset issue #14's table was measured on.
Its licence forbids redistribution, so it stays outside the repository: point ``--source`` at an
unpacked ``ml-100k`` folder (``u.data``, ``u.item``, ``u.genre``).

    python benches/python/real_data.py --source ~/data/ml-100k --into /tmp/ml-100k-craic
    python benches/python/compare.py --dataset /tmp/ml-100k-craic --exclude-seen \
        --methods craic ease rp3beta als-grid cosine-grid sklearn-useruser

MovieLens latest-small (610 users, 9,742 films, 100,836 half-star ratings over 22 years) is the
second: point ``--source`` at an unpacked ``ml-latest-small`` folder (``ratings.csv``,
``movies.csv``); the folder's files say which it is.

The mapping is the issue's: ratings 4-5 are saves, 3 (and 3.5) clicks, lower ones hides; a film
carries its genres only (no city, venue or artist). Films are not events that end: every film starts a year
after the last rating, so none is ever past, and "now" for the split and for every method is one
second after the last rating. The split holds out each user's latest 20 % of ratings (rounded,
ties in time broken by the film's id), which is what ``split.json`` tells ``bench_data``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

KINDS = {1: "hide", 2: "hide", 3: "click", 4: "save", 5: "save"}
YEAR_S = 365 * 86_400
SPLIT_FILE = "split.json"
PER_USER = "per-user-latest"


def read_movielens_100k(source: Path) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, list[str]]]]:
    """The ratings as (user, film, kind, timestamp) rows and the films with their genres. Rows of
    user 0 (a course's made-up user some copies carry; MovieLens numbers users from 1) are
    dropped, and the result must be the dataset's 100,000 ratings."""
    genres = {}
    for line in (source / "u.genre").read_text(encoding="latin-1").splitlines():
        if line.strip():
            name, index = line.rsplit("|", 1)
            genres[int(index)] = name
    films: list[tuple[str, list[str]]] = []
    for line in (source / "u.item").read_text(encoding="latin-1").splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        flags = fields[5:]
        if len(flags) != len(genres):
            raise SystemExit(f"u.item: {fields[0]} has {len(flags)} genre flags, u.genre names {len(genres)}")
        films.append((f"m{fields[0]}", [genres[i] for i, f in enumerate(flags) if f == "1"]))
    rows = []
    for line in (source / "u.data").read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        user, film, rating, stamp = (int(p) for p in parts)
        if user == 0:
            continue
        rows.append((f"u{user}", f"m{film}", KINDS[rating], stamp))
    if len(rows) != 100_000:
        raise SystemExit(f"{source}/u.data: {len(rows):,} ratings, MovieLens 100K has 100,000")
    return rows, films


def kind_of_stars(stars: float) -> str:
    """The issue's mapping on a half-star scale: 4 and up save, 3 and 3.5 click, below hide."""
    return "save" if stars >= 4.0 else "click" if stars >= 3.0 else "hide"


def read_movielens_latest_small(source: Path) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, list[str]]]]:
    """MovieLens latest-small (``ratings.csv``, ``movies.csv``: 610 users, 9,742 films, 100,836
    half-star ratings from 1996 to 2018); "(no genres listed)" is no genre."""
    films = []
    with open(source / "movies.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            genres = [g for g in r["genres"].split("|") if g and g != "(no genres listed)"]
            films.append((f"m{r['movieId']}", genres))
    with open(source / "ratings.csv", newline="") as f:
        rows = [(f"u{r['userId']}", f"m{r['movieId']}", kind_of_stars(float(r["rating"])), int(r["timestamp"]))
                for r in csv.DictReader(f)]
    if len(rows) != 100_836:
        raise SystemExit(f"{source}/ratings.csv: {len(rows):,} ratings, latest-small has 100,836")
    return rows, films


DATASETS = {
    # name: (reader, display name, files that tell it apart)
    "movielens-100k": (read_movielens_100k, "MovieLens 100K", ("u.data", "u.item", "u.genre")),
    "movielens-latest-small": (read_movielens_latest_small, "MovieLens latest-small", ("ratings.csv", "movies.csv")),
}


def detect(source: Path) -> str:
    """Which dataset ``source`` holds, by its files."""
    for slug, (_, _, files) in DATASETS.items():
        if all((source / f).exists() for f in files):
            return slug
    raise SystemExit(f"{source}: neither an ml-100k folder (u.data, u.item, u.genre) nor an "
                     "ml-latest-small one (ratings.csv, movies.csv)")


def write_dataset(source: Path, into: Path) -> dict[str, object]:
    """Writes items.csv, preferences.csv (nobody stated any), interactions.csv and split.json."""
    slug = detect(source)
    read, name, _ = DATASETS[slug]
    rows, films = read(source)
    now = max(t for *_, t in rows) + 1
    into.mkdir(parents=True, exist_ok=True)
    with open(into / "items.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["item_id", "city", "venue", "genres", "artists", "starts_at", "ends_at", "tags"])
        for film, gs in films:
            w.writerow([film, "", "", "|".join(gs), "", now + YEAR_S, "", ""])
    with open(into / "preferences.csv", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(["user_id", "genres", "artists", "cities"])
    rows.sort(key=lambda r: (r[3], int(r[0][1:]), int(r[1][1:])))
    with open(into / "interactions.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user_id", "item_id", "kind", "timestamp"])
        w.writerows(rows)
    info = {
        "name": name,
        "slug": slug,
        "split": PER_USER,
        "now": now,
        "users": len({r[0] for r in rows}),
        "items": len(films),
        "interactions": len(rows),
    }
    (into / SPLIT_FILE).write_text(json.dumps(info, indent=1) + "\n")
    return info


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, help="an unpacked ml-100k folder (u.data, u.item, u.genre) "
                                                   "or ml-latest-small folder (ratings.csv, movies.csv)")
    p.add_argument("--into", required=True, help="where compare.py's CSVs and split.json go")
    args = p.parse_args()
    info = write_dataset(Path(args.source), Path(args.into))
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
