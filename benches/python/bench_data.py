"""The data every method of compare.py sees: the generator's CSVs as integer codes, craic's time
split, the train matrix, eligibility and relevance, and the one metric function every method is
scored with."""

from __future__ import annotations

import csv
import json
import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

K = 10
TEST_FRACTION = 0.2
# The peers' matrix: the same kind weights as craic's default Config (save 1.0, click 0.25,
# hide 1.0 negative), summed per (user, item) without time decay; cells <= 0 are dropped.
KIND_WEIGHTS: dict[str, float] = {"save": 1.0, "click": 0.25, "hide": -1.0}
POSITIVE_KINDS = ("save", "click")
NEGATIVE_KINDS = ("hide",)

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


def per_user_latest(user: IntArray, order_key: IntArray, test_fraction: float) -> npt.NDArray[np.bool_]:
    """Train mask of the per-user split: each user's latest ``round(f * n_u)`` interactions (in
    ``order_key`` order, ties by position) are test, the rest train."""
    order = np.lexsort((np.arange(len(user)), order_key, user))
    counts = np.bincount(user)
    test_len = np.floor(counts * test_fraction + 0.5).astype(np.int64)  # Rust's f64::round
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(len(user)) - np.repeat(starts, counts)  # position within the user, by time
    train = np.empty(len(user), dtype=bool)
    train[order] = rank < np.repeat(counts - test_len, counts)
    return train


def split_rule(directory: Path) -> dict[str, Any] | None:
    """The dataset's own split (``split.json``, written by real_data.py), or None for craic's
    global time split."""
    path = directory / "split.json"
    return json.loads(path.read_text()) if path.exists() else None


def load_data(directory: Path) -> Data:
    """Loads the codes :func:`encode_csv` wrote and applies the split: craic's global time split,
    or the per-user one a real dataset's ``split.json`` names (then the cutoff is its "now", after
    every interaction)."""
    rule = split_rule(directory)
    with np.load(directory / CODES_FILE) as z:
        ts = z["timestamp"]
        if rule is None:
            cutoff = time_split_cutoff(ts, TEST_FRACTION)
            train = ts < cutoff
        elif rule["split"] == "per-user-latest":
            cutoff = int(rule["now"])
            train = per_user_latest(z["user"], ts, TEST_FRACTION)
        else:
            raise SystemExit(f"{directory}/split.json: unknown split {rule['split']!r}")
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
            train=train,
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
