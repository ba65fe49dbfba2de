"""A worker's CPU limit never counts Python's garbage collection (dispatch_emu/runtime/_cpu.py).

A collection that starts on the guest's thread while its host calls allocate is the host's
work. The tests make one collection inside the guest's run slow (a ``gc`` callback burns
150 ms of CPU, as a full collection of a large process can) under a 50 ms CPU limit: the
worker must answer. Each test also shows it would fail without the accounting.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import wasmtime

from dispatch_emu.errors import CpuLimitExceeded
from dispatch_emu.runtime import ExecutionLimits, Runtime, WorkerCode, _cpu
from dispatch_emu.runtime._execution import current_or_none
from tests.runtime import js_snippets
from tests.runtime.runtime_helpers import request

LIMITS = ExecutionLimits(cpu_ms=50, wall_ms=5000)
BURN_S = 0.150


def burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


#: the functions through which a guest calls into Python: wasm host calls, JS host ops
HOST_ENTRIES = {("_hostcall.py", "_trampoline"), ("_call.py", "host"), ("_call.py", "random")}


def in_host_call() -> bool:
    """Python runs for a guest of this thread (inside one of its calls into the host)."""
    if current_or_none() is None:
        return False
    frame = sys._getframe(1)
    while frame is not None:
        if (frame.f_code.co_filename.rsplit("/", 1)[-1], frame.f_code.co_name) in HOST_ENTRIES:
            return True
        frame = frame.f_back
    return False


@contextmanager
def slow_collection_in_guest(accounted: bool = True) -> Iterator[list[int]]:
    """The first collection during a guest's run burns :data:`BURN_S` of CPU; frequent
    collections make sure one happens there. ``accounted=False`` takes our accounting out."""
    fired: list[int] = []

    def slow(phase: str, info: dict) -> None:
        if phase == "start" and not fired and in_host_call():
            fired.append(1)
            burn(BURN_S)

    threshold = gc.get_threshold()
    gc.callbacks.append(slow)
    if not accounted:
        gc.callbacks.remove(_cpu._count_collection)
    gc.set_threshold(1, 1, 1)
    try:
        yield fired
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(slow)
        if not accounted:
            gc.callbacks.insert(0, _cpu._count_collection)


@pytest.fixture(scope="module")
def runtime():
    with Runtime() as rt:
        yield rt


def test_the_clock_leaves_out_a_collection() -> None:
    def slow(phase: str, info: dict) -> None:
        if phase == "start":
            burn(0.05)

    gc.callbacks.append(slow)
    try:
        cpu, thread = _cpu.thread_cpu_ns(), time.thread_time_ns()
        gc.collect()
        cpu, thread = _cpu.thread_cpu_ns() - cpu, time.thread_time_ns() - thread
    finally:
        gc.callbacks.remove(slow)
    assert thread >= 50_000_000
    assert cpu < 10_000_000, cpu


# workers that call into Python many times, then answer: wasm (WAGI writing a byte to
# stderr through our fd_write, 300 times) and JavaScript (crypto.getRandomValues, a host op)
# (then some plain JavaScript, during which QuickJS's interrupt handler checks the clock)
JS_BODY = (
    "let n = 0; for (let i = 0; i < 100; i++) { n += crypto.getRandomValues(new Uint8Array(4)).length; }"
    " for (let j = 0; j < 100000; j++) { n += j % 2; } return n;"
)
WAGI_LOGGER = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "Content-Type: text/plain\\n\\nok")
  (data (i32.const 128) ".")
  (func (export "_start") (local $i i32)
    ;; iovec at 0: the dot, 1 byte; then the answer at 64, 28 bytes
    (i32.store (i32.const 0) (i32.const 128)) (i32.store (i32.const 4) (i32.const 1))
    (loop $more
      (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 300))))
    (i32.store (i32.const 8) (i32.const 64)) (i32.store (i32.const 12) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 32)))))
"""


def wagi_logger() -> WorkerCode:
    return WorkerCode.from_bytes("logger", wasmtime.wat2wasm(WAGI_LOGGER), "v1")


@pytest.mark.parametrize("accounted", [True, False], ids=["accounted", "near-miss"])
def test_wasm_worker_is_not_charged_for_a_collection(runtime, accounted: bool) -> None:
    with slow_collection_in_guest(accounted) as fired:
        if accounted:
            response = runtime.run(wagi_logger(), request(), limits=LIMITS)
            assert (response.status, response.body) == (200, b"ok")
        else:
            with pytest.raises(CpuLimitExceeded):
                runtime.run(wagi_logger(), request(), limits=LIMITS)
    assert fired, "no collection ran inside the guest: the test proved nothing"


@pytest.mark.parametrize("accounted", [True, False], ids=["accounted", "near-miss"])
def test_js_worker_is_not_charged_for_a_collection(runtime, accounted: bool) -> None:
    js_snippets.run(runtime, "return 1;")  # the engine and prelude are ready: their set-up is not timed
    with slow_collection_in_guest(accounted) as fired:
        if accounted:
            assert js_snippets.run(runtime, JS_BODY, limits=LIMITS) == 50400
        else:
            with pytest.raises(CpuLimitExceeded):
                js_snippets.run(runtime, JS_BODY, limits=LIMITS)
    assert fired, "no collection ran inside the guest: the test proved nothing"
