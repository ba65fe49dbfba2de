"""Guests in parallel against the old process-wide lock: ``PYTHONPATH=. python benchmarks/concurrency.py [--quick]``.

Two measurements, each side by side with ``RuntimeSettings(serialize_guests=True)`` (the
lock every guest took before guests ran in parallel):

* **throughput** of hello workers (reactor with instance reuse, WAGI) from 1, 2 and 8
  client threads: requests per second (median of rounds) and the ratio to the lock;
* **a healthy tenant's latency** (a reactor hello, median and worst of several) while 8
  other threads keep misbehaving guests in flight: sleeping in ``poll_oneoff``,
  spinning until the CPU limit, flooding stdout, or uploads of JavaScript that loops at
  start-up being checked. The target is under 100 ms.

The machine has two cores shared with other work, so parallel throughput is bounded by
them; what the lock costs shows most in the latency of a healthy tenant.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from dispatch_emu.errors import InvalidModule, WorkerError
from dispatch_emu.runtime import ExecutionLimits, GuestRequest, Runtime, RuntimeSettings, WorkerCode

WORKERS = Path(__file__).resolve().parent.parent / "tests" / "workers"
QUICK = "--quick" in sys.argv
ROUNDS = 5 if QUICK else 9
PER_THREAD = 50 if QUICK else 100  # × 8 requests a round, shared by the threads
REQUEST = GuestRequest("GET", "https://tenant.example.com/", [], b"")


def fixture(name: str) -> WorkerCode:
    return WorkerCode.from_bytes(name.replace("/", "-"), (WORKERS / f"{name}.wasm").read_bytes(), "v1")


def throughput(runtimes: tuple[Runtime, Runtime], code: WorkerCode, threads: int) -> tuple[float, float]:
    """Requests per second of each runtime with ``threads`` clients sharing :data:`PER_THREAD`
    × 8 requests, rounds of the two runtimes interleaved (load drifts hit both alike)."""
    per_thread = PER_THREAD * 8 // threads

    def round_of(runtime: Runtime) -> float:
        def client() -> None:
            for _ in range(per_thread):
                runtime.run(code, REQUEST)

        pool = [threading.Thread(target=client) for _ in range(threads)]
        start = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return threads * per_thread / (time.perf_counter() - start)

    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(ROUNDS):
        for runtime, into in zip(runtimes, samples, strict=True):
            into.append(round_of(runtime))
    return statistics.median(samples[0]), statistics.median(samples[1])


def misbehaviour(kind: str, runtime: Runtime) -> Callable[[], None]:
    if kind == "js-uploads":
        source = b"for (;;) {}\nexport default { fetch() { return new Response('x'); } };"

        def upload() -> None:
            try:
                runtime.validate_js("looper", "worker.js", {"worker.js": ("application/javascript+module", source)})
            except InvalidModule:
                pass

        return upload
    code = fixture(kind)
    limits = ExecutionLimits(cpu_ms=500, wall_ms=1000, output_bytes=16 << 20)

    def run() -> None:
        try:
            runtime.run(code, REQUEST, limits=limits)
        except WorkerError:
            pass

    return run


def healthy_latency(serialize: bool, kind: str, samples: int) -> list[float]:
    runtime = Runtime(RuntimeSettings(serialize_guests=serialize))
    hello = fixture("reactor/hello")
    runtime.run(hello, REQUEST)
    stop = threading.Event()
    act = misbehaviour(kind, runtime)
    act()  # compile, warm up

    def loop() -> None:
        while not stop.is_set():
            act()

    pool = [threading.Thread(target=loop) for _ in range(8)]
    for thread in pool:
        thread.start()
    time.sleep(0.3)
    times = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            runtime.run(hello, REQUEST)
            times.append(time.perf_counter() - start)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in pool:
            thread.join()
        runtime.close()
    return times


def main() -> None:
    print(f"# throughput, requests/s (median of {ROUNDS} interleaved rounds), parallel vs the process-wide lock")
    print(f"{'worker':<16}{'threads':>8}{'parallel':>12}{'lock':>12}{'ratio':>8}")
    for name in ("reactor/hello", "wagi/hello"):
        code = fixture(name)
        with Runtime() as parallel, Runtime(RuntimeSettings(serialize_guests=True)) as locked:
            for runtime in (parallel, locked):
                runtime.run(code, REQUEST)
            for threads in (1, 2, 8):
                free, serial = throughput((parallel, locked), code, threads)
                print(f"{name:<16}{threads:>8}{free:>12.0f}{serial:>12.0f}{free / serial:>8.2f}", flush=True)
    print()
    print("# a healthy tenant's hello while 8 threads misbehave: median / worst, ms")
    print(f"{'8 threads of':<24}{'parallel':>20}{'lock':>20}")
    for kind in ("hostile/sleep_forever", "reactor/spin", "wagi/flood", "js-uploads"):
        free = healthy_latency(False, kind, 20 if not QUICK else 10)
        serial = healthy_latency(True, kind, 3)
        row = [f"{statistics.median(t) * 1000:7.1f} / {max(t) * 1000:7.1f}" for t in (free, serial)]
        print(f"{kind:<24}{row[0]:>20}{row[1]:>20}", flush=True)


if __name__ == "__main__":
    main()
