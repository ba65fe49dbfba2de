"""The catalogue of hostile workers: what each does, the limit that must stop it, the error.

Shared by the soak test (``test_reliability_soak.py``), the figures benchmark
(``benchmarks/hostile.py``, which regenerates the table in ``docs/reliability.md``) and
the test that keeps that table in step with this list. The fixtures live in
``tests/workers/`` (``hostile/*.wat`` are built by ``tests/workers/build.py``).

Each kind names the :class:`~dispatch_emu.runtime.ExecutionLimits` field that stops it
(``limit``), or for runaway recursion the stack limit that does (``max_wasm_stack``,
wasmtime's; ``stack_limit``, QuickJS's, see ``dispatch_emu/runtime/_native_stack.py``),
and the error a dispatch must raise. ``soak`` holds the limits the
soak test runs it under (small, so several hundred runs stay quick); the benchmark
measures the time to stop each kind under the runtime's default limits as well.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from dispatch_emu.errors import (
    CpuLimitExceeded,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime import ExecutionLimits, WorkerCode

JS_MODULE = "application/javascript+module"
WORKERS = Path(__file__).resolve().parent.parent / "workers"

#: Limits of the soak runs: memory and response small, CPU and wall time loose; each
#: kind tightens the limit that must stop it (:func:`soak_limits`), so a run is short
#: and only that limit can end it.
SOAK_BASE = ExecutionLimits(cpu_ms=1000, wall_ms=10_000, memory_bytes=32 << 20, output_bytes=64 << 10, subrequests=5)
TIGHT = {"cpu_ms": 5, "wall_ms": 30}


def soak_limits(limit: str) -> ExecutionLimits:
    return replace(SOAK_BASE, **{limit: TIGHT[limit]}) if limit in TIGHT else SOAK_BASE


@dataclass(frozen=True)
class HostileKind:
    name: str  # the row in docs/reliability.md
    fixture: str  # under tests/workers/, without the suffix
    does: str
    limit: str  # the ExecutionLimits field (or the stack limit) that stops it
    error: type[WorkerError]
    soak_memory: int | None = None  # a smaller memory limit for the soak (a slow hog)

    @property
    def soak(self) -> ExecutionLimits:
        limits = soak_limits(self.limit)
        return limits if self.soak_memory is None else replace(limits, memory_bytes=self.soak_memory)

    def code(self, worker: str = "hostile", version: str = "v1") -> WorkerCode:
        """The worker's code as the runtime takes it."""
        if self.fixture.endswith(".js"):
            source = (WORKERS / self.fixture).read_bytes()
            return WorkerCode.javascript(worker, {"worker.js": (JS_MODULE, source)}, "worker.js", version)
        return WorkerCode.from_bytes(worker, (WORKERS / f"{self.fixture}.wasm").read_bytes(), version)


KINDS: list[HostileKind] = [
    HostileKind("spin (reactor)", "reactor/spin", "`loop br 0` forever", "cpu_ms", CpuLimitExceeded),
    HostileKind("spin (WAGI, C)", "wagi/spin", "`for (;;) n++;`", "cpu_ms", CpuLimitExceeded),
    HostileKind("log loop", "hostile/log_loop", "calls `dispatch_emu.log` forever", "cpu_ms", CpuLimitExceeded),
    HostileKind("stdin loop", "hostile/stdin_loop", "reads stdin at its end forever", "cpu_ms", CpuLimitExceeded),
    HostileKind("clock loop", "hostile/clock_loop", "calls `clock_time_get` forever", "cpu_ms", CpuLimitExceeded),
    HostileKind("yield loop", "hostile/yield_loop", "calls `sched_yield` forever", "cpu_ms", CpuLimitExceeded),
    HostileKind("sleep 30 s", "hostile/sleep", "`poll_oneoff` on a 30 s clock", "wall_ms", WallTimeExceeded),
    HostileKind(
        "sleep forever", "hostile/sleep_forever", "`poll_oneoff` on a u64::MAX clock", "wall_ms", WallTimeExceeded
    ),
    HostileKind("memory hog", "reactor/memhog", "grows memory 1 MiB at a time", "memory_bytes", MemoryLimitExceeded),
    HostileKind("malloc hog (C)", "wagi/memhog", "`malloc` until it fails", "memory_bytes", MemoryLimitExceeded),
    HostileKind(
        "eight memories", "hostile/memories", "grows 8 memories to 119 MiB each", "memory_bytes", MemoryLimitExceeded
    ),
    HostileKind("table hog", "hostile/table_hog", "grows a table 16 K elements at a time", "memory_bytes", MemoryLimitExceeded),
    HostileKind(
        "table.grow 500 M", "hostile/table_grow", "one `table.grow` of 500 M elements (4 GB)", "memory_bytes",
        WorkerException,
    ),
    HostileKind("huge table", "hostile/big_table", "declares a 100 M-element table", "memory_bytes", MemoryLimitExceeded),
    HostileKind(
        "recursion (WAGI)", "hostile/recursion", "calls itself forever", "max_wasm_stack", WorkerException,
    ),
    HostileKind("flood (reactor)", "reactor/flood", "writes its body forever", "output_bytes", OutputLimitExceeded),
    HostileKind("flood (WAGI)", "wagi/flood", "`fwrite` to stdout forever, ignoring errors", "output_bytes", OutputLimitExceeded),
    HostileKind("spin (JavaScript)", "js/spin.js", "`for (;;) {}` in the fetch handler", "cpu_ms", CpuLimitExceeded),
    HostileKind(
        "memory hog (JavaScript)", "js/memhog.js", "fills an array forever", "memory_bytes", MemoryLimitExceeded,
        soak_memory=8 << 20,
    ),
    HostileKind(
        "recursion (JavaScript)", "js/recursion.js", "calls itself until the stack runs out, uncaught", "stack_limit",
        WorkerException,
    ),
]


__all__ = ["KINDS", "SOAK_BASE", "TIGHT", "WORKERS", "HostileKind", "soak_limits"]
