"""A guest's CPU clock: the thread's CPU time, less what Python's garbage collector spent on it.

Every CPU limit (wasm's backstop and host-call charges, JavaScript's interrupt check) reads
the CPU time of the thread the guest runs on, so that guests on other threads never make a
request's limit trip early. One host cost does land on that thread, though: a collection
Python starts while the guest's host calls allocate. A full collection in a large process
(a pytest session holds a lot) takes tens of milliseconds, enough to end a worker with a
50 ms limit for work it never did. Cloudflare does not bill a worker for its host's
housekeeping, so neither do we: a ``gc`` callback adds each collection's CPU time to a
per-thread total, and :func:`thread_cpu_ns` subtracts it.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_local = threading.local()


def _count_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _local.started = time.thread_time_ns()
        return
    started = getattr(_local, "started", 0)
    if started:
        _local.collected = getattr(_local, "collected", 0) + time.thread_time_ns() - started
        _local.started = 0


def thread_cpu_ns() -> int:
    """This thread's CPU time in nanoseconds, garbage collection excluded."""
    return time.thread_time_ns() - getattr(_local, "collected", 0)


def thread_cpu() -> float:
    """:func:`thread_cpu_ns` in seconds."""
    return thread_cpu_ns() / 1e9


# first in the list: other callbacks' work at a collection's start counts as collection
if _count_collection not in gc.callbacks:
    gc.callbacks.insert(0, _count_collection)
