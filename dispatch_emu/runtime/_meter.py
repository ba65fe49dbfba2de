"""The clock and budgets of one wasm request: wall deadline, CPU budget, the reason it stopped.

A :class:`Meter` is made per request and *armed* on the request's store. It enforces

* **CPU** twice over. Fuel counts the guest's instructions (deterministic: a pure-wasm
  loop stops at the same instruction everywhere), and dispatch_emu's host functions
  charge their own time to the same fuel (:mod:`~.hostcall`). Time the guest spends in
  host code that is not ours (wasmtime's WASI functions) has no fuel price, so the
  thread's CPU time is checked as well, at every epoch tick: past
  :data:`CPU_BACKSTOP` times ``cpu_ms`` the guest stops. The factor leaves the decision
  to fuel for ordinary code (a tight loop burns ~0.9 M fuel per ms, so fuel ends it
  near 1.1 × ``cpu_ms``).
* **Wall time**: the store's epoch deadline is one tick ahead and a callback on every
  tick compares the clock with the deadline, so the check runs on the guest's own
  thread; a host function that waits (``poll_oneoff``) waits at most until the deadline.
* **Stops decided in a host function** (a response over its cap): the host function
  records the error with :meth:`Meter.fail` and ends the guest with a trap; the ABI
  raises the recorded error instead of the trap (``Meter.failure``).

Time an outbound handler takes is not the guest's CPU time; the request's
:class:`~dispatch_emu.runtime._execution.Execution` wraps it in :meth:`Meter.paused`.
A meter belongs to one execution (``execution.meter``), made when its first store is set up.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import wasmtime
from wasmtime import _bindings
from wasmtime import _ffi as ffi

from dispatch_emu.errors import CpuLimitExceeded, WallTimeExceeded
from dispatch_emu.runtime import _fastcalls as fast
from dispatch_emu.runtime._cpu import thread_cpu_ns
from dispatch_emu.runtime._settings import FUEL_PER_MS, ExecutionLimits

#: The thread's CPU time may reach this multiple of ``cpu_ms`` before the guest is stopped
#: (the backstop for time in wasmtime's own host functions; see the module documentation).
CPU_BACKSTOP = 2

#: Host-call fuel is applied to the store in batches of at least this much (fewer C calls).
CHARGE_BATCH = 50_000

TRAP_INTERRUPT = 10  # WASMTIME_TRAP_CODE_INTERRUPT
TRAP_OUT_OF_FUEL = 11  # WASMTIME_TRAP_CODE_OUT_OF_FUEL

INTERRUPT_CODE = str(wasmtime.TrapCode.INTERRUPT)

class Meter:
    """One request's budgets (see the module documentation)."""

    def __init__(self, limits: ExecutionLimits) -> None:
        assert limits.cpu_ms is not None and limits.wall_ms is not None
        self.limits = limits
        self.fuel_per_ns = FUEL_PER_MS / 1_000_000
        self.failure: BaseException | None = None
        self.paused_ns = 0
        self.clock_origin_ns = time.monotonic_ns()
        self.wall_deadline = self.clock_origin_ns / 1e9 + limits.wall_ms / 1000
        self.cpu_started = thread_cpu_ns()
        self.cpu_cap_ns = limits.cpu_ms * 1_000_000 * CPU_BACKSTOP
        self._pending_fuel = 0

    # -- the request's thread

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Time inside is not the guest's CPU time (an outbound handler runs)."""
        started = thread_cpu_ns()
        try:
            yield
        finally:
            self.paused_ns += thread_cpu_ns() - started

    def fail(self, error: BaseException) -> None:
        """Record why the guest must stop (the first reason wins)."""
        if self.failure is None:
            self.failure = error

    def remaining_wall(self) -> float:
        return self.wall_deadline - time.monotonic()

    # -- the store

    def arm(self, store: wasmtime.Store) -> None:
        """Give ``store`` this request's fuel and the per-tick check (replacing a previous one)."""
        # both keep the GIL (_fastcalls): a request's set-up is no hand-off point
        fast.set_fuel(store, self.limits.fuel())
        fast.set_epoch_deadline(store, 1)
        key = getattr(store, _KEY_ATTRIBUTE, None)
        if key is not None and key in _METERS:
            _METERS[key] = self  # a reused store: its callback is registered already
            return
        key = _register(self)
        ffi.wasmtime_store_epoch_deadline_callback(store.ptr(), _ON_EPOCH, key, _FORGET)
        setattr(store, _KEY_ATTRIBUTE, key)

    def charge(self, caller: Any, fuel: int) -> bool:
        """Take ``fuel`` from the calling store (in batches); True when the budget is spent."""
        self._pending_fuel += fuel
        if self._pending_fuel < CHARGE_BATCH:
            return False
        amount, self._pending_fuel = self._pending_fuel, 0
        context = fast.caller_context(caller)
        left = ctypes.c_uint64(0)
        if fast.context_get_fuel(context, ctypes.byref(left)):
            return False  # fuel is not on (cannot happen: every engine has it)
        if left.value <= amount:
            fast.context_set_fuel(context, 0)
            self.fail(CpuLimitExceeded(cause="fuel exhausted (host calls)", trap_code=str(wasmtime.TrapCode.OUT_OF_FUEL)))
            return True
        fast.context_set_fuel(context, left.value - amount)
        return False

    def overdue(self) -> BaseException | None:
        """At an epoch tick: the reason to stop now, if any."""
        if self.failure is not None:
            return self.failure
        if time.monotonic() >= self.wall_deadline:
            self.fail(WallTimeExceeded(cause="epoch deadline reached", trap_code=INTERRUPT_CODE))
        elif thread_cpu_ns() - self.cpu_started - self.paused_ns >= self.cpu_cap_ns:
            self.fail(
                CpuLimitExceeded(
                    cause=f"the thread's CPU time passed {CPU_BACKSTOP} x {self.limits.cpu_ms} ms (host calls included)"
                )
            )
        return self.failure


# The epoch callback finds its meter through a key: ctypes passes the callback's data as
# an integer, and a store may outlive one request (reused reactor instances): the store
# remembers its key, and each request puts its meter under it.
_KEY_ATTRIBUTE = "_dispatch_emu_meter_key"
_METERS: dict[int, Meter] = {}
_KEYS = iter(range(1, 1 << 62))
_KEYS_LOCK = threading.Lock()


def _register(meter: Meter) -> int:
    with _KEYS_LOCK:
        key = next(_KEYS)
    _METERS[key] = meter
    return key


# the C API's own callback types, so ctypes accepts our functions for them
_CALLBACK_TYPE, _FINALIZER_TYPE = (_bindings._wasmtime_store_epoch_deadline_callback.argtypes[i] for i in (1, 3))


def _on_epoch(context: int, key: int, delta: Any, kind: Any) -> int:
    meter = _METERS.get(key or 0)
    reason = None
    try:
        reason = meter.overdue() if meter is not None else None
    except BaseException as error:  # noqa: BLE001 - never raise into wasmtime
        if meter is not None:
            meter.fail(error)
        reason = error
    if reason is None:
        delta[0] = 1
        kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
        return 0
    message = b"dispatch_emu: " + type(reason).__name__.encode()
    wasm_error = ffi.wasmtime_error_new(ctypes.create_string_buffer(message))
    return ctypes.cast(wasm_error, ctypes.c_void_p).value or 0


_ON_EPOCH = _CALLBACK_TYPE(_on_epoch)


def _forget(key: int) -> None:
    _METERS.pop(key or 0, None)


_FORGET = _FINALIZER_TYPE(_forget)


__all__ = ["CPU_BACKSTOP", "INTERRUPT_CODE", "TRAP_INTERRUPT", "TRAP_OUT_OF_FUEL", "Meter"]
