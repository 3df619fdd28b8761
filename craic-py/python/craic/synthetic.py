"""A synthetic event-discovery dataset with a known ground truth.

:func:`generate` draws users with hidden tastes (home city, genres, favourite artists), a
catalogue of upcoming events and implicit feedback (``click``, ``save``, ``hide``) from a preset
(``"tiny"``, ``"small"``, ``"medium"``, ``"large"``) with optional field overrides::

    from craic import synthetic

    data = synthetic.generate("tiny", seed=7, users=300)
    data.items, data.preferences, data.interactions   # the binding's own types
    cols = data.interactions_arrays()                 # numpy columns, for speed
    data.affinity("u1", "e3")                         # the hidden truth, in [0, 1]
    data.write_csv("out/")                            # items/preferences/interactions.csv

Named worlds where one signal is missing or dominant (``"content-uninformative"``,
``"purely-collaborative"``, ``"popularity-dominant"``, ``"short-histories"``,
``"long-histories"``; ``"default"`` is the preset unchanged) are built by
``generate("small", world="purely-collaborative")``; :func:`world_config` shows their settings.

Everything is implemented in the Rust core; this module only re-exports it.
"""

from ._craic import Dataset, generate, preset_config, world_config

__all__ = ["Dataset", "generate", "preset_config", "world_config"]
