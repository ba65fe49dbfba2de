"""The quickjs-rs adapter: importing it, and the internals this package relies on.

What reaches below quickjs-rs's public API is here and in the two modules that build on
this one, :mod:`._quickjs_engine` (the compiled engine, its linker) and :mod:`._vm` (the
request path), so an upgrade has three modules to check (hence the ``<0.3`` pin in
setup.cfg). quickjs-rs 0.2 drives its QuickJS guest (``quickjs_rs/_guest.wasm``) through
wasmtime-py with fine-grained exports (``new_string``, ``call_function``,
``free_value``...), and each crossing through wasmtime-py's ``Func.__call__`` looks the
function's type up again (~25 µs). This module adds:

- :func:`install_fast_calls`: the instance's export calls with the function types
  resolved once, through ``wasmtime_func_call_unchecked`` (a few µs a crossing);
- new instances whose exports are looked up on first use, and recycled instances;
- QuickJS's own stack check, armed in the guest (:func:`arm_stack_check`);
- the guest's result buffer found in memory (:func:`result_field`), read without calls.

The engine's names (:func:`compiled_engine`, :func:`engine_stack`...) are re-exported
from :mod:`._quickjs_engine`.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Callable
from typing import Any

from dispatch_emu.errors import WorkerException
from dispatch_emu.runtime.js._quickjs_engine import (
    ENGINE_CACHE_ENV,
    QUICKJS_PACKAGE,
    compiled_engine,
    default_engine_cache,
    engine_cache_dir,
    engine_cache_stats,
    engine_stack,
    shared_engine,
)

#: Name of the one host function the prelude captures (see prelude/begin.js).
HOST_FUNCTION = "__dispatch_emu_host"


def import_quickjs() -> Any:
    try:
        import quickjs_rs
    except ImportError as error:
        raise WorkerException(
            f"JavaScript workers need the {QUICKJS_PACKAGE} package: pip install {QUICKJS_PACKAGE}",
            cause=f"{QUICKJS_PACKAGE} is not installed",
        ) from error
    return quickjs_rs


def quickjs_available() -> bool:
    try:
        import quickjs_rs  # noqa: F401
    except ImportError:
        return False
    return True


class QuickJsInternals:
    """The quickjs-rs internals this package needs, in one place."""

    @staticmethod
    def set_interrupt_handler(runtime: Any, handler: Callable[[], bool]) -> None:
        engine_rt = getattr(runtime, "_engine_rt", None)
        if engine_rt is None or not hasattr(engine_rt, "set_interrupt_handler"):
            raise WorkerException(
                f"this {QUICKJS_PACKAGE} version has no interrupt handler hook; dispatch_emu needs {QUICKJS_PACKAGE} 0.2.x",
                cause="incompatible quickjs-rs",
            )
        engine_rt.set_interrupt_handler(handler)

    @staticmethod
    def run_pending_jobs(context: Any) -> None:
        context._engine_ctx.run_pending_jobs()

    @staticmethod
    def limit_memory(context: Any, limit: int) -> None:
        """Cap the context's linear memory: ``memory.grow`` past it fails, so QuickJS's
        allocator fails and QuickJS throws its out-of-memory error. (quickjs-rs 0.2.6's
        own ``memory_limit`` is not enforced: a hog grows to 4 GiB.)"""
        inst = context._engine_ctx._inst
        inst.store.set_limits(memory_size=limit)
        inst._dispatch_emu_memory_limit = limit  # what a recycled instance's restore checks

    @staticmethod
    def detach(context: Any) -> Any:
        """Close a quickjs-rs ``Context`` but keep its wasm instance open: the instance,
        for :func:`adopting` into a new context once its memory is reset (a recycled
        instance, see ``QuickJsVm.restore``). ``None`` if the context cannot be detached."""
        engine_ctx = context._engine_ctx
        inst = engine_ctx._inst
        if context._closed or context._globals is not None or inst is None or inst._closed:
            return None
        context._closed = True
        context._runtime._unregister_context(context)
        engine_ctx._closed = True
        engine_ctx._inst = None
        return inst

    @staticmethod
    def adopting(inst: Any) -> Any:
        """A context manager: the next new context of this thread (``Runtime.new_context()``,
        whose runtime has :func:`lean_instances`) gets ``inst`` instead of a new instance."""
        return _Adopting(inst)

    @staticmethod
    def memory_size(context: Any) -> int:
        inst = context._engine_ctx._inst
        try:
            if _memory_size is not None:
                return int(_memory_size(inst.store._context(), ctypes.byref(inst.mem._memory)))
            return int(inst.mem.data_len(inst.store))
        except Exception:
            return 0



# -- export calls with their types resolved once


#: Export name → (arity, result kind, parameter kinds, ctypes array type): the same in
#: every instance of the guest, so resolved once per process.
_SIGNATURES: dict[str, tuple[int, str, tuple[str, ...], Any]] = {}


def _signature(name: str, ty: Any) -> tuple[int, str, tuple[str, ...], Any]:
    from wasmtime import _ffi as ffi

    params = tuple(str(p) for p in ty.params)
    results = tuple(str(r) for r in ty.results)
    if len(results) > 1 or any(kind not in ("i32", "i64", "f32", "f64") for kind in params + results):
        raise TypeError(f"quickjs-rs export {name} has a signature the fast path does not handle")
    width = max(len(params), len(results), 1)
    signature = _SIGNATURES[name] = (len(params), results[0] if results else "", params, ffi.wasmtime_val_raw_t * width)
    return signature


def install_fast_calls(inst: Any) -> None:
    """Replace a quickjs-rs instance's export call (``_Instance.c``) by one that resolves
    each export's function type once and calls it through ``wasmtime_func_call_unchecked``.

    It keeps what ``_Instance.c`` does besides: it publishes the instance in the
    thread-local quickjs-rs's host imports route through (host calls re-enter it), and
    raises what wasmtime-py raises for a trap or an error, with a host callback's own
    exception first.
    """
    from quickjs_rs import _engine
    from wasmtime import WasmtimeError
    from wasmtime import _ffi as ffi

    from dispatch_emu.runtime._fastcalls import raise_failure

    if getattr(inst, "_dispatch_emu_fast", False):
        return
    _load_raw_functions()
    store = inst.store
    context = store._context()
    exports = inst._exports
    current = _engine._CUR
    call_unchecked = _func_call_unchecked
    trap_ptr = ctypes.POINTER(ffi.wasm_trap_t)
    byref = ctypes.byref
    funcs: dict[str, tuple[Any, tuple[int, str, tuple[str, ...], Any]]] = {}

    def lookup(name: str) -> tuple[Any, tuple[int, str, tuple[str, ...], Any]]:
        signature = _SIGNATURES.get(name)
        if signature is not None and isinstance(exports, _ExportsByName):
            raw = exports.raw_func(name)  # the type is known: no wasmtime-py wrapper needed
        else:
            func = exports[name]
            signature = signature or _signature(name, func.type(store))
            raw = func._func
        entry = funcs[name] = (byref(raw), signature)
        return entry

    def c(name: str, *args: Any) -> Any:
        func_ref, (arity, result, kinds, array) = funcs.get(name) or lookup(name)
        if len(args) != arity:
            raise WasmtimeError(f"{name}: given {len(args)} parameters, expected {arity}")
        if inst._closed:
            raise ValueError("already closed")
        values = array()
        for i, value in enumerate(args):
            setattr(values[i], kinds[i], value)
        trap = trap_ptr()
        previous = getattr(current, "inst", None)
        if previous is inst:  # (the usual case: the request path's calls one after another)
            error = call_unchecked(context, func_ref, values, len(values), byref(trap))
        else:
            current.inst = inst
            try:
                error = call_unchecked(context, func_ref, values, len(values), byref(trap))
            finally:
                current.inst = previous
        if error or trap:
            raise_failure(error, trap)
        if not result:
            return None
        return getattr(values[0], result)

    def leaf(name: str) -> Callable[..., Any]:
        """A caller of one export that runs no JavaScript and calls no import back (the
        guest's accessors and constructors), for use inside a host call of this instance
        (the thread's current instance already): its parameter array is made once."""
        func_ref, (arity, result, kinds, array) = funcs.get(name) or lookup(name)
        values = array()
        width = len(values)

        def call(*args: Any) -> Any:
            for i, value in enumerate(args):
                setattr(values[i], kinds[i], value)
            trap = trap_ptr()
            error = call_unchecked(context, func_ref, values, width, byref(trap))
            if error or trap:
                raise_failure(error, trap)
            return getattr(values[0], result) if result else None

        if arity > len(kinds):
            raise TypeError(name)
        return call

    inst.c = c
    inst._dispatch_emu_leaf = leaf
    inst._dispatch_emu_fast = True


# -- new instances without wrapping every export


class _ExportsByName:
    """An instance's exports looked up by name when first used (wasmtime-py's
    ``Instance.exports`` wraps all 55 of the guest's at once, ~0.3 ms an instance)."""

    def __init__(self, instance: Any, store: Any) -> None:
        self._instance = instance
        self._store = store
        self._found: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        found = self._found.get(name)
        if found is None:
            from wasmtime._extern import wrap_extern

            found = self._found[name] = wrap_extern(self._extern(name))
        return found

    def raw_func(self, name: str) -> Any:
        """The export's raw ``wasmtime_func_t`` (for calls through ``wasmtime_func_call_unchecked``)."""
        from wasmtime import _ffi as ffi

        item = self._extern(name)
        if item.kind != ffi.WASMTIME_EXTERN_FUNC.value:
            raise KeyError(f"{name} is not a function")
        return item.of.func

    def _extern(self, name: str) -> Any:
        from wasmtime import _ffi as ffi

        item = ffi.wasmtime_extern_t()
        raw = name.encode()
        if not ffi.wasmtime_instance_export_get(
            self._store._context(), ctypes.byref(self._instance._instance), raw, len(raw), ctypes.byref(item)
        ):
            raise KeyError(name)
        return item


def _lean_instance(engine_rt: Any) -> Any:
    """What ``QjsRuntime._new_instance`` makes, with exports looked up on first use and
    :func:`install_fast_calls` in place before the first call. Every attribute
    ``_Instance.__init__`` sets is set (a test compares the two)."""
    import wasmtime
    from quickjs_rs import _engine, _wasmtime

    artifact = _engine._quickjs_artifact()
    inst = _engine._Instance.__new__(_engine._Instance)
    inst.build_id = artifact.build_id
    inst.store = wasmtime.Store(_wasmtime.shared_wasmtime_engine())
    wasi = wasmtime.WasiConfig()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    inst.store.set_wasi(wasi)
    inst.interrupt_handler = None
    inst.inst = _wasmtime.instantiate_wasm_artifact(artifact, inst.store)
    exports = _ExportsByName(inst.inst, inst.store)
    inst.mem = exports["memory"]
    inst.sp = exports["__stack_pointer"]
    inst._exports = exports  # type: ignore[assignment]
    _fresh_state(inst, engine_rt)
    inst._closed = False
    install_fast_calls(inst)
    inst.interrupt_handler = engine_rt._interrupt_handler
    if engine_rt._memory_limit is not None:
        inst.c("set_memory_limit", engine_rt._memory_limit)
    if engine_rt._stack_limit is not None:
        inst.c("set_max_stack_size", engine_rt._stack_limit)
    engine_rt._instances.add(inst)
    return inst


def _fresh_state(inst: Any, engine_rt: Any) -> None:
    """The Python-side state of a quickjs-rs instance as ``_Instance.__init__`` sets it."""
    from quickjs_rs._transform import SourceTransformer

    inst.module_touched = False
    inst.sync_dispatch = None
    inst.async_dispatch = None
    inst.name_to_fn_id = {}
    inst.async_names = set()
    inst.in_sync_eval = False
    inst.sync_eval_hit_async = False
    inst.module_normalize = engine_rt._module_normalize
    inst.module_load = engine_rt._module_load
    inst.runtime_transform_flags = engine_rt._transform_flags
    inst.module_transform_flags = engine_rt._module_transform_flags
    inst.source_transformer = SourceTransformer()
    inst.interrupt_handler = engine_rt._interrupt_handler


class _Adopting:
    """See :meth:`QuickJsInternals.adopting`."""

    def __init__(self, inst: Any) -> None:
        self.inst = inst

    def __enter__(self) -> None:
        _OFFERED.inst = self.inst

    def __exit__(self, *exc: object) -> None:
        _OFFERED.inst = None


_OFFERED = threading.local()


def _offered_instance(engine_rt: Any) -> Any:
    """The instance offered to this thread's next new context (see ``adopting``), made
    fresh on the Python side and marked recycled: its memory is reset at restore."""
    inst = getattr(_OFFERED, "inst", None)
    if inst is None:
        return None
    _OFFERED.inst = None
    transformer = inst.source_transformer  # (stateless between sources: kept)
    _fresh_state(inst, engine_rt)
    inst.__dict__.pop("_host_call", None)  # the previous context's (QuickJsVm installs its own)
    inst.source_transformer = transformer
    inst._dispatch_emu_recycled = True
    return inst


# -- QuickJS's own stack check, made to work in the guest
#
# QuickJS throws its catchable RangeError when the C stack passes ``JSRuntime.stack_limit``.
# The guest's C stack is the "shadow stack" in linear memory (``__stack_pointer``, from
# 1 MiB down to 0); but quickjs-ng built for WASI always sets ``stack_limit`` to 0 (no
# limit), so a runaway recursion ran until wasmtime's own limit on the *native* stack
# trapped ("call stack exhausted", about 600 frames with wasmtime's default 512 KiB),
# which JavaScript cannot catch. ``stack_limit`` is only ever written when the runtime is
# made and by ``set_max_stack_size``; :func:`arm_stack_check` writes it after those.
#
# Per JavaScript frame, the guest uses 4 to 6 times more native stack than shadow stack
# (measured: 865 native / 176 shadow bytes for plain recursion, 2,084 / 337 through an
# async function, 3,331 / 625 through toString(); see benchmarks/js_stack.py), so a
# shadow budget of 1/8 of the native ``max_wasm_stack`` makes QuickJS's check fire first.
# Deep nesting in the parser and in JSON.parse uses 11 to 20 times more and still ends
# in the native trap (a clean, uncatchable 500).

#: Native stack bytes allowed per shadow stack byte of QuickJS's limit.
NATIVE_PER_SHADOW = 8
#: Shadow stack kept below QuickJS's limit (for the throw itself and host calls).
SHADOW_FLOOR = 64 * 1024
#: ``set_max_stack_size`` values that mark ``JSRuntime.stack_size`` while it is looked for
#: (the size itself is unused in a WASI build).
_MARK, _PROBE = 0x00D5_E1C4, 0x00D5_E2E8  # (the guest ignores sizes of 256 MiB and more)
#: Offset of ``JSRuntime.stack_size`` in a new instance's memory, by guest build (the
#: runtime is allocated first, at the same place in every instance of a build).
_STACK_FIELDS: dict[bytes, int] = {}
_WORDS = struct.Struct("<3I")  # stack_size, stack_top, stack_limit (wasm32 uintptr_t)


def stack_budget() -> int:
    """Shadow stack bytes QuickJS may use before it throws ``RangeError``."""
    return engine_stack() // NATIVE_PER_SHADOW


def arm_stack_check(inst: Any) -> bool:
    """Set the QuickJS runtime's ``stack_limit`` of a quickjs-rs instance to
    :func:`stack_budget` below its stack top (not below :data:`SHADOW_FLOOR`). Returns
    whether it did; if the runtime's fields cannot be found (another guest build),
    recursion still ends in the native trap.

    The guest makes its runtime on the first evaluation: call this after one."""
    store = inst.store
    top_of_stack = int(inst.sp.value(store))
    inst.c("set_max_stack_size", _MARK)  # stack_size = _MARK, stack_limit = 0

    def fields(offset: int) -> tuple[int, int, int] | None:
        if offset < 0 or offset + 12 > inst.mem.data_len(store):
            return None
        size, top, limit = _WORDS.unpack(bytes(inst.mem.read(store, offset, offset + 12)))
        return (size, top, limit) if SHADOW_FLOOR < top <= top_of_stack and limit == 0 else None

    build = bytes(inst.build_id)
    offset = _STACK_FIELDS.get(build, -1)
    found = fields(offset)
    if found is None or found[0] != _MARK:
        offset = _find_stack_field(inst, fields)
        if offset < 0:
            return False
        _STACK_FIELDS[build] = offset
        found = fields(offset)
        assert found is not None
    limit = max(found[1] - stack_budget(), SHADOW_FLOOR)
    inst.mem.write(store, struct.pack("<I", limit), offset + 8)
    return True


def _find_stack_field(inst: Any, fields: Callable[[int], tuple[int, int, int] | None]) -> int:
    """The one word that follows ``set_max_stack_size`` and is followed by a plausible
    stack top and a zero limit, or -1."""
    store = inst.store
    memory = bytes(inst.mem.read(store, 0, inst.mem.data_len(store)))
    mark = struct.pack("<I", _MARK)
    candidates = []
    at = memory.find(mark)
    while at >= 0:
        if at % 4 == 0 and fields(at) is not None:
            candidates.append(at)
        at = memory.find(mark, at + 1)
    inst.c("set_max_stack_size", _PROBE)
    moved = [at for at in candidates if (found := fields(at)) is not None and found[0] == _PROBE]
    inst.c("set_max_stack_size", _MARK)
    return moved[0] if len(moved) == 1 else -1


# -- the guest's result buffer, read without calls
#
# The guest's accessors (``get_string``, ``get_typed_array_buffer``...) leave their answer
# in a result buffer whose address and length ``qjs_last_ptr``/``qjs_last_len`` answer and
# ``qjs_result_free`` frees: three crossings per value read. The buffer's pointer and length
# are a static of the guest (the same place in every instance of a build), found once by
# reading strings of known lengths; a host call then reads them from memory, and leaves the
# buffer to the next accessor, which replaces (and frees) it.

#: Offset of the result buffer's (pointer, length) words, by guest build; -1: not found.
_RESULT_FIELDS: dict[bytes, int] = {}
_PAIR = struct.Struct("<II")


def result_field(inst: Any) -> int:
    """The offset of the guest's result buffer's (pointer, length), or -1 (after an evaluation)."""
    build = bytes(inst.build_id)
    found = _RESULT_FIELDS.get(build)
    if found is None:
        found = _RESULT_FIELDS[build] = _find_result_field(inst)
    return found


def _find_result_field(inst: Any) -> int:
    store = inst.store
    floor = int(inst.sp.value(store))  # the shadow stack is below: its stale frames hold copies
    candidates: set[int] | None = None
    for text in ("dispatch_emu", "x" * 5003, "\u00e9" * 77):
        handle = inst._new_string(text)
        try:
            if inst.c("get_string", handle) != _STATUS_OK:
                return -1
            pair = _PAIR.pack(int(inst.c("qjs_last_ptr")), int(inst.c("qjs_last_len")))
            memory = bytes(inst.mem.read(store, 0, inst.mem.data_len(store)))
            inst.c("qjs_result_free")
        finally:
            inst.c("free_value", handle)
        found = set()
        at = memory.find(pair, floor)
        while at >= 0:
            if at % 4 == 0:
                found.add(at)
            at = memory.find(pair, at + 1)
        candidates = found if candidates is None else candidates & found
    return min(candidates) if candidates is not None and len(candidates) == 1 else -1


def lean_instances(runtime: Any) -> None:
    """Make a quickjs-rs ``Runtime``'s new contexts use :func:`_lean_instance`."""
    engine_rt = runtime._engine_rt
    engine_rt._new_instance = lambda: _offered_instance(engine_rt) or _lean_instance(engine_rt)



#: Status codes of the guest's exports (quickjs-rs's engine).
_STATUS_OK = 0
_STATUS_JS_ERROR = 1
_I32 = struct.Struct("<i")
_ARGV_SLOTS = 4
_SCRATCH_MIN = 4096


def _raw_functions() -> tuple[Any, Any, Any]:
    """wasmtime's C functions for the request path without wasmtime-py's Python wrappers:
    the memory's address as an ``int`` and its size (the GIL-keeping ones of
    :mod:`~dispatch_emu.runtime._fastcalls`: they never block), and
    ``wasmtime_func_call_unchecked`` (it releases the GIL while the guest runs)."""
    from wasmtime import _bindings
    from wasmtime import _ffi as ffi

    from dispatch_emu.runtime import _fastcalls

    call = getattr(_bindings, "_wasmtime_func_call_unchecked", None) or ffi.wasmtime_func_call_unchecked
    return _fastcalls.memory_base, _fastcalls.memory_data_size, call


_memory_data: Any = None
_memory_size: Any = None
_func_call_unchecked: Any = None


def _load_raw_functions() -> None:
    """Bind the module's raw functions (once, on the first instance: importing this module
    does not load wasmtime)."""
    global _memory_data, _memory_size, _func_call_unchecked
    if _func_call_unchecked is None:
        _memory_data, _memory_size, _func_call_unchecked = _raw_functions()



__all__ = [
    "ENGINE_CACHE_ENV",
    "HOST_FUNCTION",
    "QUICKJS_PACKAGE",
    "QuickJsInternals",
    "arm_stack_check",
    "compiled_engine",
    "default_engine_cache",
    "engine_cache_dir",
    "engine_cache_stats",
    "engine_stack",
    "import_quickjs",
    "install_fast_calls",
    "lean_instances",
    "quickjs_available",
    "result_field",
    "shared_engine",
    "stack_budget",
]
