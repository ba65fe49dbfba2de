"""Shared helpers for the benchmarks: interleaved rounds, medians, RSS, raw WSGI calls, old trees."""

from __future__ import annotations

import gc
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def per_op(fn: Callable[[], object], n: int) -> float:
    """Seconds per call of ``fn`` over ``n`` calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def interleaved(cases: dict[str, Callable[[], object]], n: int, rounds: int = 7) -> dict[str, float]:
    """Median seconds per call of each case, measured round-robin so drift hits all alike."""
    for fn in cases.values():  # warm up: caches, instance pools, branch predictors
        per_op(fn, max(1, n // 10))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    gc.collect()
    for _ in range(rounds):
        for name, fn in cases.items():
            samples[name].append(per_op(fn, n))
    return {name: statistics.median(values) for name, values in samples.items()}


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} µs"


def environ(host: str, path: str = "/hello") -> dict:
    """A WSGI environ for ``GET http://<host>.example.com<path>``."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, base_url=f"http://{host}.example.com")
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call_wsgi(app, env: dict) -> bytes:
    """One raw WSGI call, as a server makes it (minus the socket); the body."""
    return b"".join(app(dict(env), lambda status, headers, exc_info=None: None))


def export_revision(rev: str, into: Path | str) -> None:
    """A git revision of this repository, as files in ``into`` (``git archive``): the
    baseline tree the ``--baseline`` options and ``compare.py`` run beside this one."""
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as tmp:
        tmp.write(archive)
        tmp.seek(0)
        with tarfile.open(fileobj=tmp) as tar:
            tar.extractall(into, filter="data")
