"""wasmtime's trivial C functions, called without giving up the GIL; one guest call without type look-ups.

wasmtime-py loads its library through ``ctypes.CDLL``: every call releases the GIL and
takes it back. For a call into a guest that is what we want (other threads run Python
meanwhile); for a call that reads a memory's size or sets a store's fuel (well under a
microsecond, never blocking, never calling back into Python) it is a hand-off point.
With eight server threads busy, each hand-off lets another thread take the GIL, and the
thread that gave it up waits for it again: the reactor's request path made a dozen such
calls, and throughput at 8 clients fell well below that at 1 (``docs/performance.md``).

This module declares those few functions a second time, with the same signatures as
wasmtime-py's bindings, through a ``ctypes.PyDLL`` handle on the *same* library (the
dynamic loader returns the already loaded one): a ``PyDLL`` function keeps the GIL.
Only functions that cannot block and cannot re-enter Python belong here; the call into
the guest (:func:`call_i32`) still goes through wasmtime-py's ``CDLL`` binding, which
releases the GIL, so a running guest never holds up another thread.
"""

from __future__ import annotations

import ctypes
from typing import Any, NoReturn

import wasmtime
from wasmtime import _bindings
from wasmtime import _ffi as ffi
from wasmtime import _func as wasmtime_func

#: The wasmtime library, opened a second time: calls through it keep the GIL.
LIBRARY = ctypes.PyDLL(ffi.dll._name)


def _declare(name: str) -> Any:
    """``name`` from :data:`LIBRARY`, typed exactly as wasmtime-py types it."""
    model = getattr(_bindings, "_" + name)
    function = getattr(LIBRARY, name)
    function.restype = model.restype
    function.argtypes = model.argtypes
    return function


caller_context = _declare("wasmtime_caller_context")
memory_data = _declare("wasmtime_memory_data")
memory_data_size = _declare("wasmtime_memory_data_size")
#: ``wasmtime_memory_data`` typed to give the base address as an ``int`` (wasmtime-py's
#: gives a pointer, to cast again at every use); a function object of its own, so
#: :data:`memory_data` keeps wasmtime-py's typing.
memory_base = LIBRARY["wasmtime_memory_data"]
memory_base.argtypes, memory_base.restype = memory_data.argtypes, ctypes.c_size_t
context_get_fuel = _declare("wasmtime_context_get_fuel")
context_set_fuel = _declare("wasmtime_context_set_fuel")
context_set_epoch_deadline = _declare("wasmtime_context_set_epoch_deadline")

#: The functions of this module that keep the GIL, typed as wasmtime-py types them (tests
#: check each is a PyDLL function with wasmtime-py's signature; :data:`memory_base` too,
#: with its own result type).
GIL_KEEPING = (caller_context, memory_data, memory_data_size, context_get_fuel, context_set_fuel, context_set_epoch_deadline)


def memory_address(store: wasmtime.Store, memory: wasmtime.Memory) -> tuple[int, int]:
    """``memory``'s base address and length in bytes now (the base moves when it grows)."""
    context = store._context()
    raw = ctypes.byref(memory._memory)
    return memory_base(context, raw) or 0, memory_data_size(context, raw)


def memory_len(store: wasmtime.Store, memory: wasmtime.Memory) -> int:
    """``memory.data_len(store)``, keeping the GIL."""
    return int(memory_data_size(store._context(), ctypes.byref(memory._memory)))


def set_fuel(store: wasmtime.Store, fuel: int) -> None:
    """``store.set_fuel(fuel)``, keeping the GIL."""
    error = context_set_fuel(store._context(), fuel)
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)


def set_epoch_deadline(store: wasmtime.Store, ticks: int) -> None:
    """``store.set_epoch_deadline(ticks)``, keeping the GIL."""
    context_set_epoch_deadline(store._context(), ticks)


def call_i32(store: wasmtime.Store, func: wasmtime.Func, results: int) -> int | None:
    """Call ``func``, which takes no parameters and returns nothing (``results == 0``) or
    one i32, as ``func(store)`` would, without looking its type up on every call.

    The caller knows the type (from the module's exports); the call itself releases the
    GIL while the guest runs. Traps and errors raise as wasmtime-py raises them.
    """
    values = (ffi.wasmtime_val_t * results)()
    trap = ctypes.POINTER(ffi.wasm_trap_t)()
    error = ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), None, 0, values, results,
                                   ctypes.byref(trap))
    if error or trap:
        raise_failure(error, trap)
    return int(values[0].of.i32) if results else None


def raise_failure(error: Any, trap: Any) -> NoReturn:
    """Raise what a failed wasmtime call gave back, as wasmtime-py's ``Func.__call__`` does:
    the Python exception a host function left in wasmtime-py's slot if there is one, else
    the ``WasmtimeError`` (``error`` set) or the ``Trap``."""
    failure = wasmtime.WasmtimeError._from_ptr(error) if error else wasmtime.Trap._from_ptr(trap)
    wasmtime_func.maybe_raise_last_exn()
    raise failure


__all__ = [
    "GIL_KEEPING", "LIBRARY", "call_i32", "memory_address", "memory_len", "raise_failure", "set_epoch_deadline",
    "set_fuel",
]
