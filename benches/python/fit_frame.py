"""Times ``craic.Engine.build`` from compare.py's columnar train input alone: wall and CPU seconds.

    python benches/python/compare.py --preset medium --seed 42 --generate-into /tmp/medium
    python benches/python/fit_frame.py /tmp/medium [codes|pandas] [columns|objects]   # then:
    SPLIT=0.2 ONLY=popularity ./target/release/examples/profile medium 100   # the `build:` line

The input (``codes``, the default: a dict of numpy ``(codes, categories)`` columns; or
``pandas``: a DataFrame of categoricals), items and preferences (``columns``, the default, or
``objects``) are made exactly as compare.py's craic worker makes them (``--craic-input``,
``--craic-catalogue``); only the build is timed. CPU is user + system seconds of every thread of this process, which other
processes on a shared machine disturb less than wall time.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path


def cpu_secs() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    import craic
    from bench_data import load_data
    from workers import craic_catalogue_columns, craic_items_and_preferences, craic_train_input

    data = load_data(Path(sys.argv[1]))
    objects = len(sys.argv) > 3 and sys.argv[3] == "objects"
    items, prefs = craic_items_and_preferences(data) if objects else craic_catalogue_columns(data)
    frame = craic_train_input(data, sys.argv[2] if len(sys.argv) > 2 else "codes")
    cpu, wall = cpu_secs(), time.perf_counter()
    engine = craic.Engine.build(items, frame, preferences=prefs)
    print(f"fit: {time.perf_counter() - wall:.2f} s ({cpu_secs() - cpu:.2f} s CPU), "
          f"{engine.stats().interactions} interactions")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
