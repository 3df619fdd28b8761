"""A deterministic probe that a call releases the GIL while it works.

`runs_inside(call, action)` runs `action` on another thread and reports whether it ran *entirely
inside* `call`: started after `call` began and finished before it returned. With the
interpreter's switch interval raised to 1000 s, a thread that holds the GIL keeps it until it
blocks or native code releases it, so the other thread (woken just before `call`) can only run
while `call` is in progress if `call` released the GIL. Were the GIL held throughout, the other
thread would run only when the main thread blocks in `join()`, after `call` returned, and the
probe would report False — no clocks, no counting in a time window.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def runs_inside(call: Callable[[], T], action: Callable[[], object]) -> tuple[T, bool]:
    """`(call's result, whether action ran from start to end while call was in progress)`."""
    in_call = False
    seen: list[bool] = []
    errors: list[BaseException] = []
    go = threading.Event()

    def other() -> None:
        go.wait()
        try:
            seen.append(in_call)
            action()
            seen.append(in_call)
        except BaseException as e:  # noqa: BLE001 - re-raised on the main thread
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    thread = threading.Thread(target=other)
    try:
        # start() returns once `other` has blocked in go.wait() (it holds the GIL until then).
        thread.start()
        in_call = True
        go.set()  # wakes `other`, which now waits for the GIL
        result = call()
        in_call = False
    finally:
        go.set()
        sys.setswitchinterval(old)
        thread.join()
    if errors:
        raise errors[0]
    return result, seen == [True, True]
