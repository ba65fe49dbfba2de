"""Host functions that never raise into wasmtime-py, so guests can run on many threads at once.

wasmtime-py's own host-function trampoline passes a Python exception back to the
caller of the guest through one module-global slot (``wasmtime._func.LAST_EXCEPTION``):
two guests failing at once on two threads could swap their exceptions. dispatch_emu's
host functions therefore go through this module's trampoline instead, written against
the same C API (``wasmtime_linker_define_func``):

* the function's exception is recorded on the request's :class:`~.meter.Meter` (that of
  the calling thread's current :class:`~.execution.Execution`) and the guest is stopped
  with a trap of our own, so nothing is ever left in wasmtime-py's slot; the ABI raises
  the recorded error when the guest returns (:meth:`~.execution.Execution.stopped_by`);
* a :class:`HostStop` is the way for a host function to end the guest on purpose with a
  trap code (``INTERRUPT`` for a deadline, ``OUT_OF_FUEL`` for the CPU budget);
* the time each call takes is charged to the request's CPU budget (fuel), with a fixed
  cost per call for the crossing itself: a guest that loops on a host call pays for it.

Arguments and results are i32 or i64 (all the ABIs need). An implementation receives the
request's execution (its ABI's state is ``execution.state``), the ``Caller`` pointer (for
the caller's memory, :class:`GuestMemory`) and the arguments as Python ints.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

from dispatch_emu.errors import WorkerError
from dispatch_emu.runtime._cpu import thread_cpu_ns
from dispatch_emu.runtime._execution import current_or_none
from dispatch_emu.runtime._fastcalls import caller_context, memory_base, memory_data_size
from dispatch_emu.runtime._meter import TRAP_INTERRUPT, TRAP_OUT_OF_FUEL

#: Fuel charged per host call on top of its measured time: the Python↔wasm crossing
#: (~2 µs measured for this trampoline), which the function's own clock does not see.
HOST_CALL_FUEL = 2_000

_I32 = 0  # wasmtime_valkind_t of i32
_I64 = 1


class HostStop(Exception):
    """Raised by a host function to stop the guest with ``trap_code`` (after recording why)."""

    def __init__(self, error: BaseException, trap_code: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.trap_code = trap_code




class _Entry:
    __slots__ = ("impl", "results", "name")

    def __init__(self, impl: Callable[..., Any], results: list[int], name: str) -> None:
        self.impl = impl
        self.results = results
        self.name = name


# Functions are registered once per linker and live as long as the process (linkers are
# memoized per engine), so a plain dict under the GIL is enough.
_ENTRIES: dict[int, _Entry] = {}
_NEXT = [0]
_REGISTER = threading.Lock()


def _trap(code: int | None, message: str) -> int:
    if code is None:
        raw = message.encode()
        trap = ffi.wasmtime_trap_new(ctypes.create_string_buffer(raw), len(raw))
    else:
        trap = ffi.wasmtime_trap_new_code(code)
    return ctypes.cast(trap, ctypes.c_void_p).value or 0


def _trampoline(env: int, caller: Any, args: Any, nargs: int, results: Any, nresults: int) -> int:
    execution = current_or_none()
    meter = execution.meter if execution is not None else None
    if execution is None or meter is None:
        return _trap(None, "dispatch_emu host function called outside a request")
    started = thread_cpu_ns()
    paused = meter.paused_ns
    stop: tuple[int | None, str] | None = None
    try:
        entry = _ENTRIES[env or 0]
        values = [args[i].of.i64 if args[i].kind == _I64 else args[i].of.i32 for i in range(nargs)]
        out = entry.impl(execution, caller, *values)
        if nresults:
            result = results[0]
            if entry.results[0] == _I64:
                result.kind = _I64
                result.of.i64 = int(out)
            else:
                result.kind = _I32
                result.of.i32 = int(out)
    except HostStop as error:
        # no traceback: it would hold this frame, and the frame the meter (a cycle that
        # kept a request's collected output alive until the next garbage collection)
        meter.fail(error.error.with_traceback(None))
        stop = (error.trap_code, str(error))
    except BaseException as error:  # noqa: BLE001 - nothing may reach wasmtime-py's global slot
        meter.fail(error.with_traceback(None) if isinstance(error, WorkerError) else error)
        stop = (None, f"dispatch_emu host function failed: {type(error).__name__}")
    # the call's own time, less what an outbound handler spent (not the guest's CPU)
    spent = thread_cpu_ns() - started - (meter.paused_ns - paused)
    out_of_fuel = meter.charge(caller, HOST_CALL_FUEL + int(spent * meter.fuel_per_ns))
    if stop is not None:
        return _trap(*stop)
    if out_of_fuel:
        return _trap(TRAP_OUT_OF_FUEL, "dispatch_emu: CPU budget spent in host calls")
    return 0


_CALLBACK = ffi.wasmtime_func_callback_t(_trampoline)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _finalize(env: int) -> None:
    return None  # entries live as long as the process (see _ENTRIES)


def define(
    linker: wasmtime.Linker,
    module: str,
    name: str,
    params: list[wasmtime.ValType],
    results: list[wasmtime.ValType],
    impl: Callable[..., Any],
) -> None:
    """Define ``module.name`` in ``linker`` as ``impl(execution, caller, *args)`` through the
    trampoline of this module (see the module documentation)."""
    kinds = [_I64 if str(t) == "i64" else _I32 for t in results]
    with _REGISTER:
        _NEXT[0] += 1
        key = _NEXT[0]
        _ENTRIES[key] = _Entry(impl, kinds, name)
    ty = wasmtime.FuncType(params, results)
    module_raw, name_raw = module.encode(), name.encode()
    error = ffi.wasmtime_linker_define_func(
        linker.ptr(),
        ctypes.create_string_buffer(module_raw),
        len(module_raw),
        ctypes.create_string_buffer(name_raw),
        len(name_raw),
        ty.ptr(),
        _CALLBACK,
        key,
        _finalize,
    )
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)


class GuestMemory:
    """The calling instance's exported ``memory``, bounds-checked (``None`` if it has none)."""

    __slots__ = ("base", "size")

    def __init__(self, caller: Any, name: bytes = b"memory") -> None:
        item = ffi.wasmtime_extern_t()
        context = caller_context(caller)
        self.base = 0
        self.size = 0
        if ffi.wasmtime_caller_export_get(caller, name, len(name), ctypes.byref(item)):
            if item.kind == ffi.WASMTIME_EXTERN_MEMORY.value:
                memory = ctypes.byref(item.of.memory)
                self.size = memory_data_size(context, memory)
                self.base = memory_base(context, memory) or 0

    def ok(self, ptr: int, size: int) -> bool:
        return self.base != 0 and 0 <= ptr and 0 <= size and ptr + size <= self.size

    def read(self, ptr: int, size: int) -> bytes:
        return ctypes.string_at(self.base + ptr, size) if size else b""

    def write(self, ptr: int, data: bytes) -> None:
        if data:
            ctypes.memmove(self.base + ptr, data, len(data))

    def u32(self, ptr: int) -> int:
        return int.from_bytes(self.read(ptr, 4), "little")

    def u64(self, ptr: int) -> int:
        return int.from_bytes(self.read(ptr, 8), "little")


__all__ = ["HOST_CALL_FUEL", "TRAP_INTERRUPT", "TRAP_OUT_OF_FUEL", "GuestMemory", "HostStop", "define"]
