"""Guests run in parallel: no tenant stalls another, and no error reaches the wrong request.

Many threads call one runtime at once with workers that succeed, fail in their own way
(traps, limits, bad host calls) or run until a limit stops them; every answer must be
the one its own worker deserves. A healthy worker is served while sleeping, spinning and
flooding workers are in flight, and while uploads compile. (How fast: the benchmark
``benchmarks/concurrency.py``; here only what happens, not how long it takes.)
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import wasmtime

from dispatch_emu.errors import (
    CpuLimitExceeded,
    InvalidModule,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime import ExecutionLimits, GuestRequest, Runtime, WorkerCode

WORKERS = Path(__file__).resolve().parent.parent / "workers"
REQUEST = GuestRequest("GET", "https://tenant.example.com/", [], b"")
LIMITS = ExecutionLimits(cpu_ms=20, wall_ms=20_000, memory_bytes=32 << 20, output_bytes=64 << 10)


def fixture(name: str, worker: str | None = None) -> WorkerCode:
    return WorkerCode.from_bytes(worker or name, (WORKERS / f"{name}.wasm").read_bytes(), "v1")


def status_worker(status: int) -> WorkerCode:
    """A reactor worker answering ``status`` with its status as the body; or, for status 42,
    calling response_head with it (the host function fails: a WorkerException)."""
    digits = str(status).encode()
    source = f"""
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{digits.decode()}")
  (func (export "fetch")
    (call $head (i32.const {status}) (i32.const 0) (i32.const 0))
    (call $write (i32.const 0) (i32.const {len(digits)}))))
"""
    return WorkerCode.from_bytes(f"status{status}", wasmtime.wat2wasm(source), "v1")


def outcome(runtime: Runtime, code: WorkerCode, limits: ExecutionLimits = LIMITS) -> str:
    try:
        response = runtime.run(code, REQUEST, limits=limits)
    except WorkerError as error:
        return f"{type(error).__name__}:{error.worker}"
    return f"{response.status}:{response.body.decode()}"


def test_many_threads_never_swap_answers_or_errors():
    cases: list[tuple[WorkerCode, str]] = []
    for status in (200, 201, 404, 503):
        cases.append((status_worker(status), f"{status}:{status}"))
    cases.append((status_worker(42), "WorkerException:status42"))
    for name, error in [
        ("reactor/spin", CpuLimitExceeded),
        ("wagi/spin", CpuLimitExceeded),
        ("reactor/trap", WorkerException),
        ("wagi/trap", WorkerException),
        ("reactor/flood", OutputLimitExceeded),
        ("wagi/flood", OutputLimitExceeded),
        ("reactor/memhog", MemoryLimitExceeded),
        ("hostile/log_loop", CpuLimitExceeded),
        ("hostile/table_hog", MemoryLimitExceeded),
    ]:
        cases.append((fixture(name, name.replace("/", "-")), f"{error.__name__}:{name.replace('/', '-')}"))
    cases.append((fixture("reactor/hello"), "200:Hello from the reactor ABI!\n"))
    seen: Counter[str] = Counter()
    wrong: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(25):
            code, expected = rng.choice(cases)
            got = outcome(runtime, code)
            with lock:
                seen[expected] += 1
                if got != expected:
                    wrong.append(f"{code.name}: expected {expected!r}, got {got!r}")

    with Runtime() as runtime:
        for code, expected in cases:  # compile first, so the threads race on running only
            assert outcome(runtime, code) == expected
        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not wrong, wrong[:5]
    assert sum(seen.values()) == 12 * 25 and len(seen) > len(cases) // 2
    assert wasmtime._func.LAST_EXCEPTION is None


def test_the_process_wide_lock_is_gone_but_can_be_asked_for():
    # two sleeping guests overlap in time unless serialize_guests is set
    from dispatch_emu.runtime import RuntimeSettings

    sleep = fixture("hostile/sleep")
    limits = ExecutionLimits(wall_ms=300, cpu_ms=1000)
    for serialize in (False, True):
        spans: list[tuple[float, float]] = []
        with Runtime(RuntimeSettings(serialize_guests=serialize)) as runtime:

            def run(runtime: Runtime, spans: list[tuple[float, float]]) -> None:
                start = time.monotonic()
                with pytest.raises(WallTimeExceeded):
                    runtime.run(sleep, REQUEST, limits=limits)
                spans.append((start, time.monotonic()))

            threads = [threading.Thread(target=run, args=(runtime, spans)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        shorter, longer = sorted(end - start for start, end in spans)
        # serialized, the second waits for the first: its span is about twice the first's
        if serialize:
            assert longer > 1.8 * shorter, spans
        else:
            assert longer < 1.5 * shorter, spans


@pytest.mark.parametrize("kind", ["hostile/sleep_forever", "reactor/spin", "wagi/flood", "uploads", "js-uploads"])
def test_a_healthy_worker_is_served_while_others_misbehave(kind):
    # eight threads keep misbehaving guests in flight (or compile uploads); a hello from
    # another thread is answered while all of them are still at it
    hello = fixture("reactor/hello")
    busy = threading.Event()
    stop = threading.Event()
    finished: list[float] = []
    hello_done: list[float] = []
    lock = threading.Lock()
    runtime = Runtime()

    def misbehave() -> None:
        busy.set()
        while not stop.is_set():
            if kind == "uploads":
                module = (WORKERS / "wagi" / "hello.wasm").read_bytes()
                name = uuid.uuid4().hex.encode()
                runtime.validate(module + bytes([0, len(name) + 1, len(name)]) + name)  # a new module
            elif kind == "js-uploads":
                # JavaScript that loops at start-up: its check runs until the 1 s start-up budget
                source = b"for (;;) {}\nexport default { fetch() { return new Response('x'); } };"
                with pytest.raises(InvalidModule):
                    runtime.validate_js("looper", "worker.js", {"worker.js": ("application/javascript+module", source)})
            else:
                limits = ExecutionLimits(cpu_ms=10_000, wall_ms=3000, output_bytes=1 << 30)
                outcome(runtime, fixture(kind), limits)
            with lock:
                finished.append(time.monotonic())

    try:
        outcome(runtime, hello)
        threads = [threading.Thread(target=misbehave) for _ in range(8)]
        for thread in threads:
            thread.start()
        busy.wait()
        time.sleep(0.3)  # every misbehaving thread is in a guest (or a compile) by now
        started = time.monotonic()
        for _ in range(5):
            assert outcome(runtime, hello) == "200:Hello from the reactor ABI!\n"
        hello_done.append(time.monotonic())
        with lock:
            ended_meanwhile = [t for t in finished if started <= t <= hello_done[0]]
        if kind != "uploads":
            # five hellos were served while not one of the 1- to 3-second guests ended
            assert ended_meanwhile == []
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        runtime.close()


def test_the_free_gate_marks_threads_and_steps_out_like_the_serial_one():
    from dispatch_emu.runtime._execution import GATE, SERIAL_GATE, FreeGate

    assert not GATE.serialize and SERIAL_GATE.serialize
    gate = FreeGate()
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with gate.held():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with gate.held():  # admitted while another thread is inside
        with gate.held():
            assert gate.held_here
            with gate.released():
                assert not gate.held_here
            assert gate.held_here
    assert not gate.held_here
    leave.set()
    thread.join()
    with pytest.raises(RuntimeError):
        gate.leave()
