"""The native stack of the thread a guest runs on.

wasmtime runs a guest on the calling thread's own stack. It stops a runaway recursion
with a trap ("call stack exhausted") once the guest has used the engine's
``max_wasm_stack`` bytes below the point where it was entered; it cannot stop it any
earlier, so on a thread with less stack than that left the recursion reaches the
thread's guard page first and the process dies of SIGSEGV. (A wasmtime ``Config`` whose
``max_wasm_stack`` exceeds its ``async_stack_size`` is worse still: building the engine
panics and aborts the process; :func:`fit_async_stack` prevents that.)

So every guest run first calls :func:`ensure_room`: the thread must have its engine's
``max_wasm_stack`` left (where the caller does not know the engine, the largest of the
engines in use, :func:`register_engine_stack`), plus
:data:`HOST_MARGIN` for the host functions a guest calls at its deepest point; if it
has not, the run is refused with a :class:`~dispatch_emu.errors.WorkerException` (a
clean 500) instead. A nested run (a worker calling another through a binding, on the
same thread) is checked again where it starts.

Measuring needs the thread's stack bounds (``pthread_getattr_np``) and the current stack
pointer; where either is unavailable (not glibc or musl), :func:`measurable` is false,
nothing is refused, and the JavaScript engine keeps wasmtime's default stack
(:func:`js_wasm_stack`).

Threads dispatch_emu makes to run guests (the live server's workers) are created with
:data:`GUEST_THREAD_STACK` bytes of stack (:func:`guest_thread_stack`).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dispatch_emu.errors import WorkerException

KIB = 1024
MIB = 1024 * KIB

#: wasmtime's own ``max_wasm_stack`` (and what an engine without the setting uses).
WASMTIME_DEFAULT_STACK = 512 * KIB
#: wasmtime's default ``async_stack_size``; a ``max_wasm_stack`` above it must raise it.
WASMTIME_DEFAULT_ASYNC_STACK = 2 * MIB
#: Stack kept free below a guest's limit for the host functions it calls at its deepest.
HOST_MARGIN = 512 * KIB
#: ``max_wasm_stack`` of the QuickJS engine where the room can be checked.
JS_WASM_STACK = 5 * MIB
#: Stack a typical thread keeps besides the QuickJS engine's ``max_wasm_stack`` (for
#: Python below the guest, :data:`HOST_MARGIN`, and a worker called through a binding).
TYPICAL_SPARE = 3 * MIB
#: Stack size of the threads dispatch_emu creates to run guests (address space; only
#: the pages a guest touches are ever committed).
GUEST_THREAD_STACK = 16 * MIB

_engine_stacks: set[int] = {WASMTIME_DEFAULT_STACK}
_local = threading.local()
_size_lock = threading.Lock()


class _Libc:
    """``pthread_getattr_np``, ``pthread_attr_getstack`` and ``dl_iterate_phdr`` by ctypes."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None)
        self.pthread_self = libc.pthread_self
        self.pthread_self.restype = ctypes.c_void_p
        self.getattr_np = libc.pthread_getattr_np
        self.getattr_np.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.getstack = libc.pthread_attr_getstack
        self.getstack.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
        self.destroy = libc.pthread_attr_destroy
        self.destroy.argtypes = [ctypes.c_void_p]
        self.getattr_default = getattr(libc, "pthread_getattr_default_np", None)  # glibc 2.18
        self.getstacksize = libc.pthread_attr_getstacksize
        self.getstacksize.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
        self.iterate = libc.dl_iterate_phdr
        callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
        self.iterate.argtypes = [callback, ctypes.c_void_p]

        def first(info: int | None, size: int, data: int | None) -> int:
            if data:
                ctypes.c_void_p.from_address(data).value = info
            return 1  # stop at the first object

        self._first = callback(first)  # kept alive as long as this object

    def bounds(self) -> tuple[int, int] | None:
        attr = ctypes.create_string_buffer(256)  # pthread_attr_t is 56 or 64 bytes
        if self.getattr_np(self.pthread_self(), attr) != 0:
            return None
        try:
            address, size = ctypes.c_void_p(), ctypes.c_size_t()
            if self.getstack(attr, ctypes.byref(address), ctypes.byref(size)) != 0 or not address.value:
                return None
            return address.value, address.value + size.value
        finally:
            self.destroy(attr)

    def default_size(self) -> int | None:
        """The stack size of new threads (``pthread_getattr_default_np``), if known."""
        if self.getattr_default is None:
            return None
        attr = ctypes.create_string_buffer(256)
        if self.getattr_default(attr) != 0:
            return None
        try:
            size = ctypes.c_size_t()
            return size.value if self.getstacksize(attr, ctypes.byref(size)) == 0 and size.value else None
        finally:
            self.destroy(attr)

    def stack_pointer(self) -> int:
        """An address on the current stack: ``dl_iterate_phdr`` hands its callback a
        pointer to its own local ``struct dl_phdr_info``, a few frames below the caller."""
        out = ctypes.c_void_p(0)  # per call: threads measure at once
        self.iterate(self._first, ctypes.byref(out))
        return out.value or 0


_libc: _Libc | None = None
_libc_failed = False


def _get_libc() -> _Libc | None:
    global _libc, _libc_failed
    if _libc is None and not _libc_failed:
        try:
            _libc = _Libc()
        except (OSError, AttributeError, TypeError):  # no such C library (TypeError: CDLL(None) on Windows)
            _libc_failed = True
    return _libc


def thread_stack() -> tuple[int, int] | None:
    """The current thread's stack as ``(lowest, highest)`` address, or ``None`` if unknown
    (known once per thread)."""
    bounds: Any = getattr(_local, "bounds", False)
    if bounds is False:
        libc = _get_libc()
        bounds = _local.bounds = libc.bounds() if libc is not None else None
    return bounds  # type: ignore[no-any-return]


def room() -> int | None:
    """Bytes of stack left below the current point on this thread, or ``None`` if unknown."""
    bounds = thread_stack()
    libc = _libc
    if bounds is None or libc is None:
        return None
    pointer = libc.stack_pointer()
    low, high = bounds
    if not low < pointer <= high:
        return None
    return pointer - low


def measurable() -> bool:
    """Whether :func:`room` can measure this platform's threads."""
    return room() is not None


def register_engine_stack(size: int) -> None:
    """Note an engine's ``max_wasm_stack``: :func:`ensure_room` asks for the largest."""
    _engine_stacks.add(int(size))


def needed(stack: int | None = None) -> int:
    """The stack a guest run needs left on its thread: its engine's ``max_wasm_stack``
    (``stack``; by default the largest registered) and :data:`HOST_MARGIN`."""
    return (max(_engine_stacks) if stack is None else stack) + HOST_MARGIN


def ensure_room(stack: int | None = None) -> None:
    """Refuse to start a guest on a thread without :func:`needed` bytes of stack left,
    where a runaway recursion would kill the process instead of trapping."""
    left = room()
    if left is None:
        return
    want = needed(stack)
    if left < want:
        thread = threading.current_thread().name
        raise WorkerException(
            f"Worker could not run: the thread {thread!r} has {left // KIB} KiB of native stack left, "
            f"and a guest needs {want // KIB} KiB (run it on a thread with a larger stack, see threading.stack_size)",
            cause=f"{left} bytes of native stack left on {thread!r}; {want} needed",
        )


def default_thread_stack() -> int | None:
    """The stack size the C library gives a new thread, if known (Python's threads get it
    unless ``threading.stack_size`` says otherwise)."""
    libc = _get_libc()
    return libc.default_size() if libc is not None else None


def main_thread_stack() -> int | None:
    """The main thread's stack limit (``RLIMIT_STACK``), if finite."""
    try:
        import resource
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft if soft != resource.RLIM_INFINITY and soft > 0 else None


def js_wasm_stack() -> int:
    """``max_wasm_stack`` for the QuickJS engine. Where the room of a thread can be
    checked: :data:`JS_WASM_STACK`, or less where the main thread or the C library's
    threads have less than :data:`TYPICAL_SPARE` more stack than that (so that they can
    still run JavaScript); else wasmtime's default. It depends on the process's
    environment only, not on the thread that first runs JavaScript."""
    if room() is None:
        return WASMTIME_DEFAULT_STACK
    sizes = [size for size in (main_thread_stack(), default_thread_stack()) if size]
    typical = min(sizes) if sizes else JS_WASM_STACK + TYPICAL_SPARE
    typical = -(-typical // MIB) * MIB  # whole MiB
    return max(WASMTIME_DEFAULT_STACK, min(JS_WASM_STACK, typical - TYPICAL_SPARE))


def fit_async_stack(config: Any, max_wasm_stack: int) -> None:
    """Raise ``config``'s ``async_stack_size`` to fit ``max_wasm_stack`` (wasmtime refuses
    an engine whose wasm stack is larger, by aborting the process)."""
    if max_wasm_stack <= WASMTIME_DEFAULT_ASYNC_STACK:
        return
    from wasmtime import _ffi as ffi

    ffi.wasmtime_config_async_stack_size_set(config.ptr(), max_wasm_stack + HOST_MARGIN)


@contextmanager
def guest_thread_stack(size: int = GUEST_THREAD_STACK) -> Iterator[None]:
    """Threads created in the block get ``size`` bytes of stack (``threading.stack_size``,
    which is process-wide: set for the block only, under a lock)."""
    with _size_lock:
        previous = threading.stack_size()
        try:
            threading.stack_size(max(size, previous))
        except (RuntimeError, ValueError):  # a platform where it cannot be changed: its default
            yield
            return
        try:
            yield
        finally:
            threading.stack_size(previous)


__all__ = [
    "GUEST_THREAD_STACK",
    "HOST_MARGIN",
    "JS_WASM_STACK",
    "TYPICAL_SPARE",
    "WASMTIME_DEFAULT_STACK",
    "default_thread_stack",
    "ensure_room",
    "fit_async_stack",
    "guest_thread_stack",
    "js_wasm_stack",
    "main_thread_stack",
    "measurable",
    "needed",
    "register_engine_stack",
    "room",
    "thread_stack",
]
