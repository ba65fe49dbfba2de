"""Benchmark of the runtime layer: ``PYTHONPATH=. python benchmarks/runtime.py [--quick]``.

Prints medians of several rounds (per request, and requests per second):

* the WAGI floor: bare wasmtime-py doing the least a WAGI request needs (new Store,
  ``instantiate_pre`` instance, ``_start``, stdout in memory), against ``Runtime.run`` of
  the same module (the ratio is the runtime's overhead);
* the reactor ABI with and without instance reuse, against fresh-instance WAGI;
* compiling a module, against an in-memory cache hit and a load from the disk cache.

Runs in well under a minute on two shared cores.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import wasmtime
from wasmtime import _ffi

from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode

WORKERS = Path(__file__).resolve().parent.parent / "tests" / "workers"
QUICK = "--quick" in sys.argv
ROUNDS = 5 if QUICK else 7
REQUEST = GuestRequest("GET", "https://customer.example.com/hello?x=1", [("accept", "*/*")], b"")


def median_seconds(fn: Callable[[], object], per_round: int, rounds: int = ROUNDS) -> float:
    """Median over ``rounds`` of the mean time of one call (after one warm-up round)."""
    samples = []
    for r in range(rounds + 1):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        if r:  # the first round warms caches and pools
            samples.append((time.perf_counter() - start) / per_round)
    return statistics.median(samples)


def interleaved(fns: dict[str, tuple[Callable[[], object], int]], rounds: int = ROUNDS) -> dict[str, float]:
    """Like :func:`median_seconds` for several functions, alternating them round by round
    so that load from other processes on a shared machine hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for r in range(rounds + 1):
        for name, (fn, per_round) in fns.items():
            start = time.perf_counter()
            for _ in range(per_round):
                fn()
            if r:
                samples[name].append((time.perf_counter() - start) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}


def bare_wagi(wasm: bytes) -> Callable[[], bytes]:
    """The floor: what any wasmtime-py host must do for one WAGI request."""
    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    engine = wasmtime.Engine(config)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    pre = linker.instantiate_pre(wasmtime.Module(engine, wasm))

    def one() -> bytes:
        store = wasmtime.Store(engine)
        store.set_fuel(10**9)
        store.set_epoch_deadline(1000)
        out: list[bytes] = []
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["/hello"]
        wasi.env = [("REQUEST_METHOD", "GET"), ("PATH_INFO", "/hello")]
        wasi.stdout_custom = out.append
        vec = _ffi.wasm_byte_vec_t()
        _ffi.wasm_byte_vec_new(ctypes.byref(vec), 0, None)
        _ffi.wasi_config_set_stdin_bytes(wasi.ptr(), ctypes.byref(vec))
        store.set_wasi(wasi)
        try:
            pre.instantiate(store).exports(store)["_start"](store)
        except wasmtime.ExitTrap as exit_:
            assert exit_.code == 0
        store.close()
        return b"".join(out)

    assert one().endswith(b"Hello from WAGI!\n")
    return one


def report(label: str, seconds: float, reference: float | None = None, ref_label: str = "") -> None:
    ratio = f"   {reference / seconds:5.2f}x {ref_label}" if reference else ""
    print(f"  {label:<44} {seconds * 1e6:9.1f} µs  {1 / seconds:9.0f}/s{ratio}")


def main() -> None:
    n = 100 if QUICK else 300
    wagi_hello = (WORKERS / "wagi" / "hello.wasm").read_bytes()
    reactor_hello = (WORKERS / "reactor" / "hello.wasm").read_bytes()
    print(f"wasmtime-py {importlib.metadata.version('wasmtime')}, medians of {ROUNDS} rounds")

    with Runtime() as runtime, Runtime(RuntimeSettings(reuse_instances=False)) as fresh_runtime:
        wagi = WorkerCode.from_bytes("wagi-hello", wagi_hello)
        reactor = WorkerCode.from_bytes("reactor-hello", reactor_hello)
        assert runtime.run(wagi, REQUEST).status == 200
        assert runtime.run(reactor, REQUEST).status == 200
        t = interleaved(
            {
                "floor": (bare_wagi(wagi_hello), n),
                "wagi": (lambda: runtime.run(wagi, REQUEST), n),
                "reuse": (lambda: runtime.run(reactor, REQUEST), n * 4),
                "fresh": (lambda: fresh_runtime.run(reactor, REQUEST), n * 2),
            }
        )
    print("WAGI (hello.c, fresh instance per request)")
    report("bare wasmtime-py floor", t["floor"])
    report("Runtime.run", t["wagi"], t["floor"], "of the floor's rate")
    print("Reactor ABI (hello.wat)")
    report("Runtime.run, instance reused", t["reuse"], t["wagi"], "WAGI Runtime.run")
    report("Runtime.run, fresh instance per request", t["fresh"], t["wagi"], "WAGI Runtime.run")

    print("Compile cache (wagi/echo.wasm)")
    echo = (WORKERS / "wagi" / "echo.wasm").read_bytes()
    with tempfile.TemporaryDirectory() as cache_dir, Runtime(RuntimeSettings(cache_dir=cache_dir)) as runtime:
        modules = runtime.host.modules

        def unique() -> bytes:
            name = uuid.uuid4().hex.encode()
            return echo + bytes([0, len(name) + 1, len(name)]) + name

        variants = [unique() for _ in range(ROUNDS * 2 + 2)]
        it = iter(variants)
        compile_s = median_seconds(lambda: runtime.compile(next(it)), 1, rounds=ROUNDS)
        report("compile (miss, also writes the disk cache)", compile_s)
        hit = median_seconds(lambda: runtime.compile(variants[0]), 2000)
        report("in-memory cache hit", hit, compile_s, "faster than compiling")

        def disk_load() -> None:
            modules.clear_memory()
            runtime.compile(variants[0])

        disk = median_seconds(disk_load, 50)
        report("load from the disk cache (verified .cwasm)", disk, compile_s, "faster than compiling")
        print(f"  stats: {modules.stats.as_dict()}")


if __name__ == "__main__":
    main()
