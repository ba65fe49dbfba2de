"""Every limit holds against hostile workers: sleeps, host-call loops, many memories, huge tables.

The fixtures are in ``tests/workers/hostile/`` (WAT); a few small modules are inline here.
"""

from __future__ import annotations

import time

import pytest
import wasmtime

from dispatch_emu.errors import (
    CpuLimitExceeded,
    MemoryLimitExceeded,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime import ExecutionLimits, Runtime, WorkerCode
from dispatch_emu.runtime._budget import TABLE_ELEMENT_BYTES, MemoryBudget, declared
from dispatch_emu.runtime._meter import CPU_BACKSTOP
from tests.runtime.runtime_helpers import code, request


@pytest.fixture(scope="module")
def runtime():
    with Runtime() as rt:
        yield rt


def timed(runtime: Runtime, worker: WorkerCode, limits: ExecutionLimits) -> tuple[BaseException | int, float]:
    start = time.monotonic()
    try:
        outcome: BaseException | int = runtime.run(worker, request(), limits=limits).status
    except Exception as error:
        outcome = error
    return outcome, time.monotonic() - start


def wat(source: str, name: str = "inline") -> WorkerCode:
    return WorkerCode.from_bytes(name, wasmtime.wat2wasm(source), "v1")


# -- wall time bounds host calls


@pytest.mark.parametrize("fixture", ["hostile/sleep", "hostile/sleep_forever"])
def test_a_sleep_ends_at_the_wall_deadline(runtime, fixture):
    outcome, seconds = timed(runtime, code(fixture), ExecutionLimits(wall_ms=200, cpu_ms=10_000))
    assert isinstance(outcome, WallTimeExceeded), outcome
    assert outcome.trap_code == "TrapCode.INTERRUPT"
    assert "poll_oneoff" in (outcome.cause or "")
    # the whole wait is the wall limit, not the 30 s (or forever) the guest asked for
    assert 0.19 < seconds < 5


def _sleeper(nanoseconds: int, *, absolute_from_now: bool = False, fd_subscription: int | None = None) -> str:
    """A WAGI module that polls once (a clock, maybe an fd too) and prints what it got."""
    flags = 1 if absolute_from_now else 0
    fd_sub = ""
    count = 1
    if fd_subscription is not None:
        count = 2
        fd_sub = f"""
    (i64.store (i32.const 48) (i64.const 77))
    (i32.store8 (i32.const 56) (i32.const 1))
    (i32.store (i32.const 64) (i32.const {fd_subscription}))"""
    clock_now = ""
    timeout = f"(i64.const {nanoseconds})"
    if absolute_from_now:
        clock_now = "(drop (call $now (i32.const 1) (i64.const 1) (i32.const 904)))"
        timeout = f"(i64.add (i64.load (i32.const 904)) (i64.const {nanoseconds}))"
    return f"""
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 400) "Content-Type: text/plain\\n\\n")
  (func (export "_start")
    (local $errno i32)
    {clock_now}
    (i64.store (i32.const 0) (i64.const 5))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) {timeout})
    (i32.store16 (i32.const 40) (i32.const {flags})){fd_sub}
    (local.set $errno (call $poll (i32.const 0) (i32.const 200) (i32.const {count}) (i32.const 500)))
    ;; body: errno, nevents, first event's userdata, its error and type, as bytes
    (i32.store8 (i32.const 426) (i32.add (i32.const 48) (local.get $errno)))
    (i32.store8 (i32.const 427) (i32.add (i32.const 48) (i32.load (i32.const 500))))
    (i32.store8 (i32.const 428) (i32.add (i32.const 48) (i32.load8_u (i32.const 200))))
    (i32.store8 (i32.const 429) (i32.add (i32.const 48) (i32.load16_u (i32.const 208))))
    (i32.store8 (i32.const 430) (i32.add (i32.const 48) (i32.load8_u (i32.const 210))))
    (i32.store (i32.const 600) (i32.const 400))
    (i32.store (i32.const 604) (i32.const 31))
    (drop (call $write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 620)))))
"""


def test_a_short_sleep_within_the_deadline_sleeps_and_answers(runtime):
    start = time.monotonic()
    response = runtime.run(wat(_sleeper(50_000_000)), request(), limits=ExecutionLimits(wall_ms=5000))
    assert time.monotonic() - start >= 0.05
    # errno 0, one event, userdata 5, no error, type clock (0)
    assert response.body == b"01500"


def test_an_absolute_monotonic_deadline_is_read_on_the_guest_clock(runtime):
    start = time.monotonic()
    response = runtime.run(wat(_sleeper(50_000_000, absolute_from_now=True)), request())
    assert 0.05 <= time.monotonic() - start < 5  # not zero (a clock mismatch) nor years
    assert response.body == b"01500"


@pytest.mark.parametrize(("fd", "errno"), [(0, 0), (7, 8)])
def test_fd_subscriptions_are_answered_at_once(runtime, fd, errno):
    # stdin is ready; an fd the guest does not have fails with EBADF; the clock does not fire
    start = time.monotonic()
    response = runtime.run(wat(_sleeper(10_000_000_000, fd_subscription=fd)), request())
    assert time.monotonic() - start < 5
    assert response.body == f"01{chr(48 + 77)}{errno}1".encode()


# -- CPU time includes host calls


@pytest.mark.parametrize(
    ("fixture", "charged_by"),
    [
        ("hostile/log_loop", "fuel"),  # our host function: charged in fuel
        ("hostile/stdin_loop", "thread"),  # wasmtime's WASI: the thread-CPU backstop
        ("hostile/clock_loop", "fuel"),  # clock_time_get is ours too (see runtime/_wasi.py)
        ("hostile/yield_loop", "thread"),
    ],
)
def test_a_loop_on_host_calls_is_stopped_by_the_cpu_limit(runtime, fixture, charged_by):
    outcome, seconds = timed(runtime, code(fixture), ExecutionLimits(cpu_ms=30, wall_ms=60_000))
    assert isinstance(outcome, CpuLimitExceeded), outcome
    if charged_by == "fuel":
        assert outcome.trap_code == "TrapCode.OUT_OF_FUEL"
    else:
        assert f"{CPU_BACKSTOP} x 30 ms" in (outcome.cause or "")
    assert seconds < 30  # before: the wall limit (or never) ended these


def test_outbound_time_is_not_charged_as_cpu(runtime):
    # a subrequest whose handler takes 150 ms of CPU under a 40 ms CPU limit still succeeds
    def slow(request):
        from dispatch_emu.runtime import GuestResponse

        end = time.thread_time() + 0.15
        while time.thread_time() < end:
            pass
        return GuestResponse(200, [], b"ok")

    response = runtime.run(
        code("reactor/subrequest"), request(), limits=ExecutionLimits(cpu_ms=40, wall_ms=60_000), outbound=slow
    )
    assert response.status == 200


# -- one memory limit for all memories and tables


def test_eight_memories_share_one_limit(runtime):
    outcome, _ = timed(runtime, code("hostile/memories"), ExecutionLimits(memory_bytes=32 << 20))
    assert isinstance(outcome, MemoryLimitExceeded), outcome
    assert "memory.grow refused" in (outcome.cause or "")
    budget = MemoryBudget.of(code("hostile/memories").wasm, 128 << 20)
    assert budget.memories == 8 and budget.memory_cap * 8 <= 128 << 20


def test_a_huge_table_grow_is_refused_at_once(runtime):
    outcome, seconds = timed(runtime, code("hostile/table_grow"), ExecutionLimits())
    # the grow returns -1 at once; this guest then traps on its own
    assert isinstance(outcome, WorkerException), outcome
    assert outcome.logs == ["table.grow refused"]
    assert seconds < 2


def test_a_table_grown_to_its_share_is_the_memory_limit(runtime):
    outcome, _ = timed(runtime, code("hostile/table_hog"), ExecutionLimits(memory_bytes=32 << 20))
    assert isinstance(outcome, MemoryLimitExceeded), outcome
    assert "table.grow refused" in (outcome.cause or "")


def test_a_declared_table_over_its_share_fails_at_instantiation(runtime):
    outcome, seconds = timed(runtime, code("hostile/big_table"), ExecutionLimits())
    assert isinstance(outcome, MemoryLimitExceeded), outcome
    assert "100000000 elements" in (outcome.cause or "")
    assert seconds < 2


def test_the_budget_never_passes_the_limit():
    limit = 128 << 20
    for fixture in ("hostile/memories", "hostile/table_hog", "hostile/big_table", "wagi/hello", "reactor/hello"):
        budget = MemoryBudget.of(code(fixture).wasm, limit)
        tables = budget.tables * budget.table_cap * TABLE_ELEMENT_BYTES
        assert budget.memories * budget.memory_cap + tables <= limit, fixture
    # a module with one memory and no table keeps the whole limit (the usual case)
    assert MemoryBudget.of(code("reactor/hello").wasm, limit).memory_cap == limit


def test_declared_items_include_those_neither_imported_nor_exported():
    hidden = wasmtime.wat2wasm('(module (memory 2) (memory 3) (table 7 funcref) (table 9 externref) (func (export "_start")))')
    assert declared(hidden) == ([2, 3], [7, 9])


def test_hidden_memories_count_against_the_limit(runtime):
    # a reactor module whose second memory is not exported still gets half the limit each
    source = """
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (memory $hidden 0)
  (func (export "fetch")
    (if (i32.eq (memory.grow $hidden (i32.const 400)) (i32.const -1)) (then unreachable))))
"""
    # 400 pages = 25 MiB: fine alone under 32 MiB, refused as one of two memories sharing it
    outcome, _ = timed(runtime, wat(source), ExecutionLimits(memory_bytes=32 << 20))
    assert isinstance(outcome, WorkerException), outcome
    assert runtime.run(wat(source), request(), limits=ExecutionLimits(memory_bytes=64 << 20)).status == 200


# -- nothing reaches wasmtime-py's global exception slot


def test_host_function_failures_never_use_wasmtimes_global_slot(runtime):
    from wasmtime import _func

    bad_status = wat(
        '(module (import "dispatch_emu" "response_head" (func $h (param i32 i32 i32)))'
        ' (memory (export "memory") 1) (func (export "fetch") (call $h (i32.const 42) (i32.const 0) (i32.const 0))))'
    )
    workers = [code(f) for f in ("reactor/flood", "wagi/flood", "hostile/sleep")] + [bad_status]
    for worker in workers:
        with pytest.raises(WorkerError):
            runtime.run(worker, request(), limits=ExecutionLimits(output_bytes=1024, wall_ms=50))
        assert _func.LAST_EXCEPTION is None


def test_the_guest_clocks(runtime):
    # each clock's errno and value, as 16 hex digits, one line per clock id 0..3
    source = """
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "Content-Type: text/plain\\n\\n")
  (func $clock (param $id i32)
    (i32.store (i32.const 200) (call $now (local.get $id) (i64.const 1) (i32.const 208)))
    (i32.store (i32.const 100) (i32.const 200))
    (i32.store (i32.const 104) (i32.const 16))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 120))))
  (func (export "_start")
    (i32.store (i32.const 100) (i32.const 0))
    (i32.store (i32.const 104) (i32.const 26))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 120)))
    (call $clock (i32.const 0)) (call $clock (i32.const 1)) (call $clock (i32.const 2)) (call $clock (i32.const 3))))
"""
    before = time.time_ns()
    body = runtime.run(wat(source), request()).body
    after = time.time_ns()
    records = [(int.from_bytes(body[i : i + 4], "little"), int.from_bytes(body[i + 8 : i + 16], "little")) for i in range(0, 64, 16)]
    assert records[0][0] == 0 and before <= records[0][1] <= after  # realtime: the host's
    assert records[1][0] == 0 and 0 <= records[1][1] < 5 * 10**9  # monotonic: from the request's start
    assert [errno for errno, _ in records[2:]] == [8, 8]  # CPU clocks: EBADF, as in wasmtime


def test_a_reused_instance_gets_the_new_requests_deadline(runtime):
    # the first request answers and its instance is pooled; the second spins and must be
    # stopped by its own wall deadline (the pooled store's tick check serves the new request)
    source = """
(module
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (global $calls (mut i32) (i32.const 0))
  (func (export "fetch")
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (i32.gt_u (global.get $calls) (i32.const 1)) (then (loop $forever (br $forever))))))
"""
    worker = wat(source, "spins-second-time")
    limits = ExecutionLimits(cpu_ms=10**6, wall_ms=150)
    assert runtime.run(worker, request(), limits=limits).status == 200
    outcome, seconds = timed(runtime, worker, limits)
    assert isinstance(outcome, WallTimeExceeded), outcome
    assert seconds < 5
