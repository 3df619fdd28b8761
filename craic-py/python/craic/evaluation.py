"""Offline evaluation: a time split, then top-k ranking metrics.

1. :func:`time_split` puts everything at or after a time quantile into the test set.
2. Build an :class:`~craic.Engine` from ``split.train`` only.
3. :func:`evaluate` asks the engine for every test user with a relevant item (the loop runs in
   Rust, in parallel, with the GIL released) and averages precision@k, recall@k, NDCG@k and
   hit-rate@k; coverage is over the whole run::

    from craic import Engine, evaluation, synthetic

    data = synthetic.generate("tiny")
    split = evaluation.time_split(data.interactions, 0.2)
    engine = Engine.build(data.items, split.train, preferences=data.preferences)
    print(evaluation.evaluate(engine, split.test, k=10, strategy="hybrid"))

Everything is implemented in the Rust core; this module only re-exports it.
"""

from ._craic import (
    Metrics,
    Split,
    UserScore,
    evaluate,
    relevant_items,
    score_user,
    time_split,
)

__all__ = [
    "Metrics",
    "Split",
    "UserScore",
    "evaluate",
    "relevant_items",
    "score_user",
    "time_split",
]
