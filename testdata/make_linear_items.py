"""Writes testdata/linear_items.json: the expected lists of the item-based strategy reading the
linear item model (EASE), computed from the formula in plain Python (exact fractions, a
Gauss-Jordan inverse), never from the engine. Run from the repository root:

    python3 testdata/make_linear_items.py
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
base = json.loads((HERE / "item_based.json").read_text())
LINEAR_ITEMS = 5
L2 = Fraction(1, 2)
WEIGHT = {"save": Fraction(1), "click": Fraction(1, 4), "hide": Fraction(-1)}
NOW = base["now"]

items = [i["id"] for i in base["items"]]  # engine index = catalogue order
starts = {i["id"]: i["starts_at"] for i in base["items"]}
cells: dict[str, dict[str, Fraction]] = {}
kinds: dict[str, dict[str, set[str]]] = {}
for x in base["interactions"]:
    row = cells.setdefault(x["user_id"], {})
    row[x["item_id"]] = row.get(x["item_id"], Fraction(0)) + WEIGHT[x["kind"]]
    kinds.setdefault(x["user_id"], {}).setdefault(x["item_id"], set()).add(x["kind"])

users_of = {i: sum(1 for r in cells.values() if r.get(i, 0) > 0) for i in items}
engaged = [i for i in items if users_of[i] > 0]
model = sorted(sorted(engaged, key=lambda i: (-users_of[i], items.index(i)))[:LINEAR_ITEMS],
               key=items.index)
n = len(model)


def presence(u: str, i: str) -> Fraction:
    """The undecayed value the model weighs: each kind the user gave the event, once."""
    return sum((WEIGHT[k] for k in kinds[u][i]), Fraction(0))


def scaled(u: str) -> dict[str, Fraction]:
    x = {i: presence(u, i) for i, v in cells[u].items() if v > 0 and i in model}
    x = {i: v for i, v in x.items() if v > 0}
    top = max(x.values(), default=Fraction(1))
    return {i: v / top for i, v in x.items()}


gram = [[Fraction(0)] * n for _ in range(n)]
for u in cells:
    x = scaled(u)
    for a, i in enumerate(model):
        for b, j in enumerate(model):
            gram[a][b] += x.get(i, 0) * x.get(j, 0)
for a in range(n):
    gram[a][a] += L2

# Gauss-Jordan on [G | I] (exact).
aug = [row[:] + [Fraction(int(r == c)) for c in range(n)] for r, row in enumerate(gram)]
for c in range(n):
    p = next(r for r in range(c, n) if aug[r][c] != 0)
    aug[c], aug[p] = aug[p], aug[c]
    d = aug[c][c]
    aug[c] = [v / d for v in aug[c]]
    for r in range(n):
        if r != c and aug[r][c] != 0:
            f = aug[r][c]
            aug[r] = [v - f * w for v, w in zip(aug[r], aug[c])]
P = [row[n:] for row in aug]
B = [[Fraction(0) if a == b else -P[a][b] / P[b][b] for b in range(n)] for a in range(n)]


HALF_LIFE = 30 * 86_400
FOCUS = 1.0
FLOOR = 0.2


def focused(u: str) -> dict[str, float]:
    """A request's read with the recency focus: each scaled cell times 0.2 + 0.8 e^(-r/FOCUS),
    r the number of read cells more recent. A cell's recency is its largest per-kind sum of
    2^(t / HALF_LIFE) (the engine's decayed parts; one interaction per kind here, so the latest
    interaction's time orders the cells)."""
    x = scaled(u)
    times: dict[str, dict[str, float]] = {}
    for e in base["interactions"]:
        if e["user_id"] == u and e["item_id"] in x:
            per_kind = times.setdefault(e["item_id"], {})
            per_kind[e["kind"]] = per_kind.get(e["kind"], 0.0) + 2.0 ** (
                (e["timestamp"] - NOW) / HALF_LIFE)
    key = {i: max(per_kind.values()) for i, per_kind in times.items()}
    return {i: float(v) * (FLOOR + (1 - FLOOR) * math.exp(
        -sum(1 for j in x if key[j] > key[i]) / FOCUS)) for i, v in x.items()}


def case(user: str, k: int, focus: bool = False) -> dict[str, object]:
    x: dict[str, Fraction] | dict[str, float] = focused(user) if focus else scaled(user)
    saved_or_hidden = {i for i, ks in kinds[user].items() if ks & {"save", "hide"}}
    scores, upcoming = {}, []
    for b, j in enumerate(model):
        s = sum(v * B[model.index(i)][b] for i, v in x.items())
        if starts[j] > NOW:
            upcoming.append(s)
            if j not in saved_or_hidden and s > 0:
                scores[j] = s
    ranked = sorted(scores, key=lambda j: (-scores[j], items.index(j)))[:k]
    best = max(upcoming)  # saved and hidden events included
    reasons = []
    for j in ranked:
        contrib = {i: x[i] * B[model.index(i)][model.index(j)] for i in x}
        why = max(sorted(contrib, key=items.index), key=lambda i: contrib[i])
        how = "saved" if "save" in kinds[user][why] else "liked"
        reasons.append(f"similar to {why}, which you {how}")
    return {"user": user, "k": k, "expect": ranked,
            "scores": [float(scores[j] / best) for j in ranked], "reasons": reasons}


before = case("fan", 3)
# Between retrains the weights stay and the history is live: fan saves e; B is not refitted.
AFTER = {"user_id": "fan", "item_id": "e", "kind": "save", "timestamp": NOW - 10}
cells["fan"]["e"] = Fraction(1)
kinds["fan"]["e"] = {"save"}
after = case("fan", 2)

out = {
    "description": (
        "The item-based strategy reading the linear item model (EASE): the catalogue and "
        "interactions of item_based.json, no decay, a hide weighing 1.0. The model covers the "
        f"{LINEAR_ITEMS} items engaged with (positively) by most users, ties by catalogue order; "
        "each user's positive cells at their undecayed value (the weights of the kinds given, "
        "each kind once), scaled to a largest cell of 1, form X; "
        f"B = I - P diag(P)^-1 with P = (X^T X + {L2} I)^-1, diag(B) = 0; a user's score of j is "
        "the sum over their scaled modelled history of x_i B[i][j], divided by the best "
        "upcoming score (saved and hidden events included); started, saved and hidden events are never returned. `f` and `old` "
        "are outside the model. Written by testdata/make_linear_items.py from the formula "
        "(exact fractions), not from the engine."
    ),
    "config": {"linear_items": LINEAR_ITEMS, "linear_l2": float(L2), "half_life_secs": None,
               "kinds": {"hide": 1.0}},
    "now": NOW,
    "items": base["items"],
    "interactions": base["interactions"],
    "modelled": model,
    "recommend": [before, case("mixed", 3), case("u4", 2), case("u6", 3)],
    "focus": {
        "description": (
            f"The same engine with a {HALF_LIFE // 86_400}-day decay and a recency focus of "
            f"{FOCUS:g} event: a request weighs each scaled history cell by "
            f"{FLOOR} + {1 - FLOOR} e^(-r / {FOCUS:g}), r the number of the user's read cells "
            "more recent (each cell's latest interaction here); the fit is unchanged."
        ),
        "config": {"half_life_secs": float(HALF_LIFE), "linear_focus": FOCUS},
        "recommend": [case("mixed", 3, True), case("u4", 2, True), case("u6", 3, True)],
    },
    "after_record": {"interaction": AFTER, **after},
}
(HERE / "linear_items.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out["recommend"] + [out["after_record"]], indent=1))
