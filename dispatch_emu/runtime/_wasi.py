"""dispatch_emu's own versions of the WASI functions that wait, write or tell the time.

The WAGI linker defines wasmtime's WASI preview 1 and then shadows three of its functions
(``Linker.allow_shadowing``) with host functions of :mod:`~.hostcall`:

``poll_oneoff``
    wasmtime's blocks for the whole timeout (``sleep(30)`` took 30 s under a 2 s wall
    limit; a ``u64::MAX`` timeout never returned). Ours waits at most until the
    request's wall deadline; a wait that would pass it ends the guest there with
    :class:`~dispatch_emu.errors.WallTimeExceeded` (trap code ``INTERRUPT``). Clock
    subscriptions (relative, or absolute on the realtime and monotonic clocks of
    ``clock_time_get`` below) wait;
    read and write subscriptions on stdin, stdout and stderr are ready at once (stdin
    is in memory, output is collected), on any other descriptor they fail with
    ``EBADF``.
``fd_write``
    stdout and stderr are collected here, synchronously, under their caps: stdout past
    ``output_bytes`` plus :data:`HEAD_ALLOWANCE` ends the guest at that write with
    :class:`~dispatch_emu.errors.OutputLimitExceeded` (trap code ``INTERRUPT``); stderr
    past :data:`~.settings.LOG_LIMIT` is dropped (the log says so). wasmtime's own
    custom-output streams deliver on an I/O thread and queue what the guest writes
    faster than Python takes it: a flood left tens of MiB behind per request.
``clock_time_get``
    so that an absolute deadline given to ``poll_oneoff`` is read on the clock the guest
    read it from: realtime is the host's, monotonic counts from the request's start (as
    wasmtime's counts from the WASI context's creation); the CPU-time clocks answer
    ``EBADF``, as wasmtime's do.

Every other WASI function is wasmtime's. Its time counts against the CPU limit through
the thread-time backstop of :mod:`~.meter`; ours charge fuel like every host function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from dispatch_emu.errors import OutputLimitExceeded, WallTimeExceeded
from dispatch_emu.runtime import _hostcall as hostcall
from dispatch_emu.runtime._execution import Execution
from dispatch_emu.runtime._hostcall import GuestMemory, HostStop
from dispatch_emu.runtime._meter import INTERRUPT_CODE, TRAP_INTERRUPT, Meter
from dispatch_emu.runtime._settings import LOG_LIMIT

WASI_MODULE = "wasi_snapshot_preview1"

#: Stdout bytes allowed beyond ``output_bytes`` for the CGI header lines (Cloudflare's
#: cap on response headers is 128 KB).
HEAD_ALLOWANCE = 128 * 1024

# errno values of WASI preview 1
ESUCCESS, EBADF, EFAULT, EINVAL, ENOTSUP = 0, 8, 21, 28, 58

_SUBSCRIPTION = 48
_EVENT = 32
_CLOCK, _FD_READ, _FD_WRITE = 0, 1, 2
_ABSTIME = 1
_MAX_IOVECS = 1024


@dataclass
class WagiIo:
    """The collected output of one WAGI request (its execution's ``state``)."""

    stdout_cap: int
    stdout: list[bytes] = field(default_factory=list)
    stdout_size: int = 0
    stdout_exceeded: bool = False
    stderr: list[bytes] = field(default_factory=list)
    stderr_size: int = 0
    stderr_truncated: bool = False

    def output(self) -> bytes:
        return b"".join(self.stdout)

    def errors(self) -> bytes:
        return b"".join(self.stderr)

    def release(self) -> None:
        self.stdout.clear()
        self.stderr.clear()


def _fd_write(execution: Execution, caller: Any, fd: int, iovs: int, count: int, written_ptr: int) -> int:
    io: WagiIo = execution.state
    if fd not in (1, 2):
        return EBADF
    memory = GuestMemory(caller)
    iovs &= 0xFFFFFFFF
    written_ptr &= 0xFFFFFFFF
    if not 0 <= count <= _MAX_IOVECS or not memory.ok(iovs, count * 8) or not memory.ok(written_ptr, 4):
        return EFAULT if count <= _MAX_IOVECS else EINVAL
    parts = []
    for i in range(count):
        base, length = memory.u32(iovs + 8 * i), memory.u32(iovs + 8 * i + 4)
        if not memory.ok(base, length):
            return EFAULT
        parts.append(memory.read(base, length))
    data = b"".join(parts)
    if fd == 1:
        if io.stdout_size + len(data) > io.stdout_cap:
            io.stdout_exceeded = True
            limit = execution.limits.output_bytes
            raise HostStop(
                OutputLimitExceeded(cause=f"response passed {limit} bytes", trap_code=INTERRUPT_CODE), TRAP_INTERRUPT
            )
        io.stdout.append(data)
        io.stdout_size += len(data)
    elif io.stderr_size + len(data) <= LOG_LIMIT:
        io.stderr.append(data)
        io.stderr_size += len(data)
    else:
        io.stderr_truncated = True  # dropped; the log gets a note
    memory.write(written_ptr, len(data).to_bytes(4, "little"))
    return ESUCCESS


def _clock_now(meter: Meter, clock: int) -> int | None:
    """The guest's clocks: realtime is the host's; monotonic counts from the request's start
    (wasmtime's counts from the WASI context's creation: a guest sees the same kind of value)."""
    if clock == 0:
        return time.time_ns()
    if clock == 1:
        return time.monotonic_ns() - meter.clock_origin_ns
    return None


def _clock_time_get(execution: Execution, caller: Any, clock: int, precision: int, out: int) -> int:
    assert execution.meter is not None
    now = _clock_now(execution.meter, clock)
    if now is None:
        return EBADF  # the process and thread CPU clocks, as in wasmtime
    memory = GuestMemory(caller)
    out &= 0xFFFFFFFF
    if not memory.ok(out, 8):
        return EFAULT
    memory.write(out, now.to_bytes(8, "little"))
    return ESUCCESS


def _poll_oneoff(execution: Execution, caller: Any, subs: int, events: int, count: int, nevents_ptr: int) -> int:
    meter = execution.meter
    assert meter is not None
    memory = GuestMemory(caller)
    subs &= 0xFFFFFFFF
    events &= 0xFFFFFFFF
    nevents_ptr &= 0xFFFFFFFF
    if count <= 0:
        return EINVAL
    if not memory.ok(subs, count * _SUBSCRIPTION) or not memory.ok(events, count * _EVENT):
        return EFAULT
    if not memory.ok(nevents_ptr, 4):
        return EFAULT
    ready: list[bytes] = []
    wake_ns: int | None = None  # the earliest clock, nanoseconds from now
    clocks: list[tuple[int, int]] = []  # (nanoseconds from now, userdata)
    for i in range(count):
        at = subs + i * _SUBSCRIPTION
        userdata = memory.u64(at)
        tag = memory.read(at + 8, 1)[0]
        if tag == _CLOCK:
            clock, timeout = memory.u32(at + 16), memory.u64(at + 24)
            flags = int.from_bytes(memory.read(at + 40, 2), "little")
            now = _clock_now(meter, clock)
            if now is None:
                ready.append(_event(userdata, EINVAL, tag))
                continue
            delay = max(0, timeout - now) if flags & _ABSTIME else timeout
            clocks.append((delay, userdata))
            wake_ns = delay if wake_ns is None else min(wake_ns, delay)
        elif tag in (_FD_READ, _FD_WRITE):
            fd = memory.u32(at + 16)
            usable = fd == 0 if tag == _FD_READ else fd in (1, 2)
            ready.append(_event(userdata, ESUCCESS if usable else EBADF, tag))
        else:
            ready.append(_event(userdata, EINVAL, tag))
    if not ready and wake_ns is not None:
        remaining = meter.remaining_wall()
        if wake_ns / 1e9 >= remaining:
            # the wait would pass the deadline: wait until it, then stop the guest
            if remaining > 0:
                time.sleep(remaining)
            raise HostStop(
                WallTimeExceeded(cause="epoch deadline reached (in poll_oneoff)", trap_code=INTERRUPT_CODE),
                TRAP_INTERRUPT,
            )
        if wake_ns:
            time.sleep(wake_ns / 1e9)
        ready = [_event(userdata, ESUCCESS, _CLOCK) for delay, userdata in clocks if delay <= wake_ns]
    for i, event in enumerate(ready[:count]):
        memory.write(events + i * _EVENT, event)
    memory.write(nevents_ptr, min(len(ready), count).to_bytes(4, "little"))
    return ESUCCESS


def _event(userdata: int, error: int, tag: int) -> bytes:
    return (
        userdata.to_bytes(8, "little") + error.to_bytes(2, "little") + bytes([tag]) + bytes(5) + bytes(16)
    )


def wasi_linker(engine: wasmtime.Engine) -> wasmtime.Linker:
    """wasmtime's WASI preview 1 with ``poll_oneoff``, ``fd_write`` and ``clock_time_get`` replaced by ours."""
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    linker.allow_shadowing = True
    i32 = wasmtime.ValType.i32()
    hostcall.define(linker, WASI_MODULE, "fd_write", [i32] * 4, [i32], _fd_write)
    hostcall.define(linker, WASI_MODULE, "poll_oneoff", [i32] * 4, [i32], _poll_oneoff)
    hostcall.define(linker, WASI_MODULE, "clock_time_get", [i32, wasmtime.ValType.i64(), i32], [i32], _clock_time_get)
    linker.allow_shadowing = False
    return linker


__all__ = ["HEAD_ALLOWANCE", "WASI_MODULE", "WagiIo", "wasi_linker"]
