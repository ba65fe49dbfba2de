"""The quickjs-rs adapter: importing it, and the internals this package relies on.

Everything that reaches below quickjs-rs's public API is here, so an upgrade has one
place to check (hence the ``<0.3`` pin in setup.cfg). quickjs-rs 0.2 drives its QuickJS
guest (``quickjs_rs/_guest.wasm``) through wasmtime-py with fine-grained exports
(``new_string``, ``call_function``, ``free_value``...), and each crossing through
wasmtime-py's ``Func.__call__`` looks the function's type up again (~25 µs). This module
adds what makes a JavaScript request cheap:

- :func:`install_fast_calls`: the instance's export calls with the function types
  resolved once, through ``wasmtime_func_call_unchecked`` (a few µs a crossing);
- :class:`QuickJsVm`: the request path in a dozen crossings (the request's JSON as one
  string, the body as one ``Uint8Array``, the outcome back as one ``Uint8Array``), and
  the prelude's handles kept as raw guest handles;
- :class:`VmImage`: a copy of an instance's linear memory and stack pointer once the
  prelude has run, restored into a new instance instead of evaluating the prelude again;
- :func:`compiled_engine`: the QuickJS guest compiled once and kept in the
  :class:`~dispatch_emu.runtime._cache.ModuleCache` on disk, so a new process
  deserializes it (milliseconds) instead of compiling it (most of a second).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dispatch_emu.errors import WorkerException
from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime.js._hostwire import wired

#: The package a JavaScript worker needs.
QUICKJS_PACKAGE = "quickjs-rs"

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


# -- the engine module, compiled once per machine


def default_engine_cache() -> str:
    """Where the compiled QuickJS engine is kept when no cache directory is configured:
    ``$XDG_CACHE_HOME/dispatch_emu``, by default ``~/.cache/dispatch_emu``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "dispatch_emu")


#: ``DISPATCH_EMU_ENGINE_CACHE=0`` keeps the compiled engine in memory only.
ENGINE_CACHE_ENV = "DISPATCH_EMU_ENGINE_CACHE"

_ENGINE_LOCK = threading.Lock()
_ENGINE_CACHES: dict[int, Any] = {}


def engine_cache_dir(cache_dir: str | None) -> str | None:
    """The directory for the compiled engine: ``cache_dir`` if configured, else
    :func:`default_engine_cache`; ``None`` when ``DISPATCH_EMU_ENGINE_CACHE=0``."""
    if os.environ.get(ENGINE_CACHE_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return None
    return cache_dir or default_engine_cache()


def compiled_engine(cache_dir: str | None) -> bool:
    """Make quickjs-rs use a compiled guest from the module cache (memory, then disk,
    else compiled now and written there). Returns whether quickjs-rs had not compiled
    its guest yet, i.e. whether this call provided it.

    quickjs-rs keeps one compiled guest per process in ``quickjs_rs._wasmtime``'s
    artifact table, built on first use by compiling ``_guest.wasm``; an entry put there
    first is used as is. The cache key is the sha256 of the guest's bytes and a
    fingerprint of the wasmtime and quickjs-rs versions, so an upgrade of either compiles
    again (and wasmtime refuses an artefact built for another engine configuration).
    """
    from quickjs_rs import _engine, _wasmtime

    from dispatch_emu.runtime._cache import ModuleCache
    from dispatch_emu.runtime._engine import WASMTIME_VERSION

    with _ENGINE_LOCK:
        if "quickjs" in _wasmtime._SHARED_ARTIFACTS:
            return False
        engine = shared_engine()
        cache = _ENGINE_CACHES.get(id(engine))
        if cache is None:
            # the configuration is wasmtime's default but for the stack (see shared_engine)
            identity = (WASMTIME_VERSION, QUICKJS_PACKAGE, _quickjs_version(), f"max_wasm_stack={engine_stack()}")
            fingerprint = hashlib.sha256(repr(identity).encode()).hexdigest()
            cache = _ENGINE_CACHES[id(engine)] = ModuleCache(engine, fingerprint)
        wasm = _engine._read_guest_wasm()
        digest = hashlib.sha256(wasm).hexdigest()
        module = cache.get(wasm, digest=digest, cache_dir=engine_cache_dir(cache_dir))
        with _wasmtime._SHARED_ARTIFACTS_LOCK:
            if "quickjs" in _wasmtime._SHARED_ARTIFACTS:
                return False
            _wasmtime._SHARED_ARTIFACTS["quickjs"] = _wasmtime.SharedWasmArtifact(
                module=module, linker=_shared_linker(engine), build_id=bytes.fromhex(digest)
            )
        return True


#: The raw import callbacks of :func:`_shared_linker` (ctypes callbacks live while referenced).
_RAW_IMPORTS: list[Any] = []


def _shared_linker(engine: Any) -> Any:
    """quickjs-rs's linker, with its ``env.host_call`` import served by a raw callback.

    wasmtime-py's import trampoline wraps every parameter and the result in ``Val``
    objects and checks their types (about 10 µs a call here); the raw callback
    (``wasmtime_linker_define_func_unchecked``) reads the five ``i32`` and writes the result
    in place, then calls what quickjs-rs's own trampoline calls (the instance of the thread's
    current guest call, ``_Instance._host_call``). Like quickjs-rs's ``_host_call``, a
    failure is answered with the error handle (the guest throws its ``HostError``), never a trap.
    """
    import wasmtime
    from quickjs_rs import _engine
    from wasmtime import _ffi as ffi

    linker = _engine._build_shared_linker(engine)
    current = _engine._CUR

    def host_call(env: Any, caller: Any, values: Any, count: int) -> int:
        try:
            values[0].i32 = current.inst._host_call(
                values[0].i32, values[1].i32, values[2].i32, values[3].i32, values[4].i32
            )
        except BaseException:
            values[0].i32 = _HOST_CALL_ERROR
        return 0

    callback = ffi.wasmtime_func_unchecked_callback_t(host_call)
    finalizer = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda env: None)
    i32 = wasmtime.ValType.i32()
    ty = wasmtime.FuncType([i32] * 5, [i32])
    linker.allow_shadowing = True
    error = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(), b"env", 3, b"host_call", len(b"host_call"), ty.ptr(), callback, None, finalizer
    )
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    linker.allow_shadowing = False
    _RAW_IMPORTS.extend((callback, finalizer, ty))
    return linker


#: ``max_wasm_stack`` of quickjs-rs's shared engine, by ``id`` of the engine.
_ENGINE_STACKS: dict[int, int] = {}


def shared_engine() -> Any:
    """quickjs-rs's process-wide engine, made here first when it does not exist yet: with
    ``max_wasm_stack`` raised to :func:`~dispatch_emu.runtime._native_stack.js_wasm_stack`
    (wasmtime's default of 512 KiB holds about 600 JavaScript frames). An engine quickjs-rs
    made already (someone used it first) keeps wasmtime's defaults."""
    import wasmtime
    from quickjs_rs import _wasmtime

    with _wasmtime._SHARED_ENGINE_LOCK:
        if _wasmtime._SHARED_ENGINE is None:
            size = native_stack.js_wasm_stack()
            config = wasmtime.Config()
            config.max_wasm_stack = size
            native_stack.fit_async_stack(config, size)
            _wasmtime._SHARED_ENGINE = wasmtime.Engine(config)
            _ENGINE_STACKS[id(_wasmtime._SHARED_ENGINE)] = size
        engine = _wasmtime._SHARED_ENGINE
    native_stack.register_engine_stack(engine_stack())
    return engine


def engine_stack() -> int:
    """``max_wasm_stack`` of quickjs-rs's shared engine (wasmtime's default if not ours)."""
    from quickjs_rs import _wasmtime

    engine = _wasmtime._SHARED_ENGINE
    return _ENGINE_STACKS.get(id(engine), native_stack.WASMTIME_DEFAULT_STACK)


def _quickjs_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(QUICKJS_PACKAGE)
    except PackageNotFoundError:
        return "unknown"


def engine_cache_stats() -> dict[str, int]:
    """The counters of the engine's module cache (tests, benchmarks)."""
    total: dict[str, int] = {}
    for cache in _ENGINE_CACHES.values():
        for key, value in cache.stats.as_dict().items():
            total[key] = total.get(key, 0) + value
    return total


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
    from wasmtime import Trap, WasmtimeError
    from wasmtime import _ffi as ffi
    from wasmtime._func import maybe_raise_last_exn

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
        if error:
            maybe_raise_last_exn()
            raise WasmtimeError._from_ptr(error)
        if trap:
            trapped = Trap._from_ptr(trap)
            maybe_raise_last_exn()
            raise trapped
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
            if error:
                maybe_raise_last_exn()
                raise WasmtimeError._from_ptr(error)
            if trap:
                trapped = Trap._from_ptr(trap)
                maybe_raise_last_exn()
                raise trapped
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


# -- the request path


def vm_source() -> str:
    """``vm.js``: the entry points :class:`QuickJsVm` calls, over the prelude's."""
    global _VM_SOURCE
    if _VM_SOURCE is None:
        from importlib import resources

        _VM_SOURCE = resources.files("dispatch_emu.runtime.js").joinpath("vm.js").read_text("utf-8")
    return _VM_SOURCE


_VM_SOURCE: str | None = None

#: Status codes of the guest's exports (quickjs-rs's engine).
_STATUS_OK = 0
_STATUS_JS_ERROR = 1
_HOST_CALL_ERROR = -1  # a host import's answer that makes the guest throw its HostError
_I32 = struct.Struct("<i")
_ARGV_SLOTS = 4
_SCRATCH_MIN = 4096


def _raw_functions() -> tuple[Any, Any, Any]:
    """wasmtime's C functions for the request path, as ctypes functions of our own: the
    memory's address as an ``int`` (wasmtime-py's returns a pointer, cast again at every
    use), its size, and ``wasmtime_func_call_unchecked`` without wasmtime-py's Python wrapper."""
    from wasmtime import _bindings
    from wasmtime import _ffi as ffi

    def own(name: str, restype: Any) -> Any:
        original = getattr(_bindings, f"_{name}")
        function = type(original)((name, ffi.dll))  # a new function object: wasmtime-py's is left as it is
        function.argtypes, function.restype = original.argtypes, restype
        return function

    call = getattr(_bindings, "_wasmtime_func_call_unchecked", None) or ffi.wasmtime_func_call_unchecked
    return own("wasmtime_memory_data", ctypes.c_size_t), own("wasmtime_memory_data_size", ctypes.c_size_t), call


_memory_data: Any = None
_memory_size: Any = None
_func_call_unchecked: Any = None


def _load_raw_functions() -> None:
    """Bind the module's raw functions (once, on the first instance: importing this module
    does not load wasmtime)."""
    global _memory_data, _memory_size, _func_call_unchecked
    if _func_call_unchecked is None:
        _memory_data, _memory_size, _func_call_unchecked = _raw_functions()

#: Granularity of an image's difference from a new instance's memory.
_PAGE = 4096


@dataclass(frozen=True)
class VmImage:
    """An instance's state once the prelude ran: its linear memory, its stack pointer,
    and the raw handles :class:`QuickJsVm` keeps (valid in any instance restored from it).

    The memory is kept as the runs of pages that differ from a new instance's memory
    (about a third of it for the prelude), so a restore into a new instance writes only
    those; and whole, which a recycled instance (any page of it may have been written) is
    reset to.
    """

    size: int  # bytes of linear memory
    runs: tuple[tuple[int, bytes], ...]  # (offset, bytes) where it differs from a new instance
    stack_pointer: int
    build_id: bytes
    handles: tuple[int, ...]  # api, load, start, poll, text, bytes, slots, scratch, scratch size
    whole: bytes = field(default=b"", compare=False, repr=False)  # the whole memory

    def memory(self, baseline: bytes) -> bytes:
        """The whole memory, given a new instance's (tests)."""
        memory = bytearray(baseline[: self.size].ljust(self.size, b"\0"))
        for offset, data in self.runs:
            memory[offset : offset + len(data)] = data
        return bytes(memory)


def _differing_runs(memory: bytes, baseline: bytes) -> tuple[tuple[int, bytes], ...]:
    runs: list[tuple[int, bytes]] = []
    start = -1
    for offset in range(0, len(memory), _PAGE):
        page = memory[offset : offset + _PAGE]
        before = baseline[offset : offset + _PAGE]
        same = page == before if len(before) == len(page) else not page.strip(b"\0") and not before.strip(b"\0")
        if not same and start < 0:
            start = offset
        elif same and start >= 0:
            runs.append((start, memory[start:offset]))
            start = -1
    if start >= 0:
        runs.append((start, memory[start:]))
    return tuple(runs)


class QuickJsVm:
    """One context's guest, driven directly: the prelude's entry points as raw handles.

    ``context`` is a quickjs-rs ``Context``; its instance gets :func:`install_fast_calls`.
    After the prelude has been evaluated, :meth:`bind` takes the handles of
    ``__dispatch_emu`` and its ``start`` and ``poll`` functions and allocates the slots
    and the scratch buffer the request path writes into; :meth:`image` captures that
    state and :meth:`restore` puts it into a new instance.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.inst = context._engine_ctx._inst
        install_fast_calls(self.inst)
        self.c = self.inst.c
        self._bound = False
        self._api = self._load = self._start = self._poll = self._text = self._bytes = 0
        self._slots = 0  # _ARGV_SLOTS i32 for argv, then one out slot
        self._scratch = 0
        self._scratch_size = 0
        self._baseline: bytes | None = None
        self.held: VmImage | None = None  # the image this instance started from (taken or restored)
        self._host_fn: Callable[..., Any] | None = None  # the prelude's host function, wired (_hostwire)

    # -- raw memory

    def _base(self) -> int:
        inst = self.inst
        return _memory_data(inst.store._context(), ctypes.byref(inst.mem._memory)) or 0

    def _size(self) -> int:
        inst = self.inst
        return int(_memory_size(inst.store._context(), ctypes.byref(inst.mem._memory)))

    def _write(self, address: int, data: bytes) -> None:
        inst = self.inst
        context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        if address < 0 or address + len(data) > _memory_size(context, memory):
            raise self._engine_error(f"out-of-range guest write at {address} ({len(data)} bytes)")
        ctypes.memmove(_memory_data(context, memory) + address, data, len(data))

    def _read(self, address: int, length: int) -> bytes:
        inst = self.inst
        context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        if address < 0 or length < 0 or address + length > _memory_size(context, memory):
            raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
        return ctypes.string_at(_memory_data(context, memory) + address, length)

    @staticmethod
    def _engine_error(message: str) -> Exception:
        from quickjs_rs.errors import QuickJSError

        return QuickJSError(message)

    # -- binding the prelude

    def register_host(self, fn: Callable[..., Any], *, for_image: bool = False) -> None:
        """Register the prelude's host function (before the prelude is evaluated); with
        ``for_image``, first keep the new instance's memory, which :meth:`image` diffs against."""
        if for_image:
            self._baseline = self.memory()
        self._host_fn = wired(fn)
        self.context.register(HOST_FUNCTION, self._host_fn, is_async=False)
        self._install_host_call()

    def memory(self) -> bytes:
        """A copy of the instance's linear memory."""
        return ctypes.string_at(self._base(), self._size())

    def bind(self) -> None:
        """Evaluate ``vm.js`` and keep the entry points as raw handles (after the prelude ran)."""
        inst = self.inst
        self.context.eval(vm_source(), filename="dispatch_emu:vm")
        self._api = self._global_property("__dispatch_emu")
        self._load = self._property(self._api, "load")
        self._start = self._property(self._api, "start")
        self._poll = self._property(self._api, "poll")
        self._text = self._property(self._api, "text")
        arm_stack_check(inst)  # the runtime exists now (the prelude ran), and stays
        self._bytes = self._property(self._api, "bytes")
        self._slots = int(self.c("qjs_alloc", 4 * (_ARGV_SLOTS + 1)))
        self._scratch_size = _SCRATCH_MIN
        self._scratch = int(self.c("qjs_alloc", self._scratch_size))
        handles = (self._slots, self._scratch, self._api, self._load, self._start, self._poll, self._text, self._bytes)
        if not all(handles):
            raise self._engine_error("the prelude's entry points are missing")
        del inst
        self._bound = True

    def _global_property(self, name: str) -> int:
        glob = int(self.c("global_object"))
        try:
            return self._property(glob, name)
        finally:
            self.c("free_value", glob)

    def _property(self, obj: int, name: str) -> int:
        return int(self.inst._get_prop(obj, name))

    def api_handle(self) -> Any:
        """A quickjs-rs ``Handle`` of ``__dispatch_emu`` (for the rarely used entry points)."""
        from quickjs_rs import _engine
        from quickjs_rs.handle import Handle

        inner = _engine.QjsHandle._adopt(self.inst, int(self.c("dup_handle", self._api)), context=self.context._engine_ctx)
        return Handle(self.context, inner)

    # -- snapshot

    def image(self) -> VmImage:
        """The instance's memory and stack pointer now (after :meth:`bind`, on an instance
        registered ``for_image``, before it served anything)."""
        assert self._bound and self._baseline is not None
        memory = self.memory()
        image = VmImage(
            size=len(memory),
            runs=_differing_runs(memory, self._baseline),
            stack_pointer=int(self.inst.sp.value(self.inst.store)),
            build_id=bytes(self.inst.build_id),
            handles=(
                self._api, self._load, self._start, self._poll, self._text, self._bytes, self._slots, self._scratch,
                self._scratch_size,
            ),
            whole=memory,
        )
        self.held = image
        return image

    def restore(self, image: VmImage, host: Callable[..., Any]) -> None:
        """Put ``image`` into this (new) instance and route the prelude's host calls to ``host``.

        Raises a quickjs-rs ``QuickJSError`` if the image comes from another guest build,
        and what wasmtime raises if the memory cannot grow to its size (the store's limit).
        """
        inst = self.inst
        if image.build_id != bytes(inst.build_id):
            raise self._engine_error("the snapshot was taken from another QuickJS build")
        current = self._size()
        if getattr(inst, "_dispatch_emu_recycled", False):
            # an instance another context used (see JsRunner): every byte of its memory,
            # and its one global, are set to the image's, so nothing of that context is left
            limit = getattr(inst, "_dispatch_emu_memory_limit", None)
            if current != image.size or len(image.whole) != image.size:
                raise self._engine_error("a recycled instance's memory is not the image's size")
            if limit is not None and image.size > limit:
                raise self._engine_error("the memory limit is below the size of the prelude's image")
            ctypes.memmove(self._base(), image.whole, image.size)
            inst._dispatch_emu_recycled = False
        else:
            if image.size > current:
                page = 65536
                inst.mem.grow(inst.store, (image.size - current + page - 1) // page)
            base = self._base()
            for offset, data in image.runs:
                ctypes.memmove(base + offset, data, len(data))
        inst.sp.set_value(inst.store, image.stack_pointer)
        # (QuickJS's stack limit is in the image: bind() armed it before the image was taken)
        self.held = image
        # the guest dispatches host calls by name; only the Python side needs registering
        context = self.context
        fn_id = context._next_fn_id
        context._next_fn_id += 1
        self._host_fn = wired(host)
        context._host_registry[fn_id] = self._host_fn
        inst.name_to_fn_id[HOST_FUNCTION] = fn_id
        inst.async_names.discard(HOST_FUNCTION)
        (
            self._api, self._load, self._start, self._poll, self._text, self._bytes, self._slots, self._scratch,
            self._scratch_size,
        ) = image.handles
        self._bound = True
        self._install_host_call()

    @property
    def bound(self) -> bool:
        return self._bound

    # -- requests

    def load(self, kind: str, main: str) -> None:
        """Call ``__dispatch_emu.load(kind, main)`` (import the main module; :meth:`poll` says how it went)."""
        assert self._bound
        self._call(self._load, [kind, main], None)

    def start(self, request_json: str, body: bytes | None) -> None:
        """Call ``__dispatch_emu.start(json, body)``: one string, one optional ``Uint8Array``."""
        assert self._bound
        self._call(self._start, [request_json], body)

    def _call(self, function: int, texts: list[str], body: bytes | None) -> None:
        """Call one of the prelude's functions with string arguments and an optional last ``Uint8Array``."""
        c = self.c
        out = self._slots + 4 * _ARGV_SLOTS
        handles: list[int] = []
        try:
            for text in texts:
                data = text.encode()
                self._ensure_scratch(len(data))
                self._write(self._scratch, data)
                handles.append(int(c("new_string", self._scratch, len(data))))
            if body is not None:
                self._ensure_scratch(len(body))
                self._write(self._scratch, body)
                status = c("new_uint8array", self._scratch, len(body), out)
                if status != _STATUS_OK:
                    raise self._engine_error(f"new_uint8array status={status}")
                handles.append(_I32.unpack(self._read(out, 4))[0])
            assert len(handles) <= _ARGV_SLOTS
            self._write(self._slots, struct.pack(f"<{len(handles)}i", *handles))
            status = c("call_function", function, self._api, self._slots, len(handles), out)
            if status == _STATUS_OK:
                handles.append(_I32.unpack(self._read(out, 4))[0])  # undefined, still a handle to free
        finally:
            for handle in handles:
                c("free_value", handle)
        self._check(status)

    def poll(self) -> bytes:
        """Call ``__dispatch_emu.poll()``: its string, UTF-8 encoded (see ``vm.js``)."""
        assert self._bound
        return self._call_reading(self._poll, "get_string", 0)

    def text(self) -> bytes:
        """Call ``__dispatch_emu.text()``: the long string body of an outcome :meth:`poll`
        tagged ``s``, UTF-8 encoded (the prelude made it well-formed)."""
        assert self._bound
        return self._call_reading(self._text, "get_string", 0)

    def body_bytes(self) -> bytes:
        """Call ``__dispatch_emu.bytes()``: the body of an outcome :meth:`poll` tagged ``b``."""
        assert self._bound
        return self._call_reading(self._bytes, "get_typed_array_buffer", 3)

    def _call_reading(self, function: int, reader: str, outs: int) -> bytes:
        """Call a function of no arguments; its result read through the guest's result buffer."""
        c = self.c
        out = self._slots + 4 * _ARGV_SLOTS
        status = c("call_function", function, self._api, 0, 0, out)
        self._check(status)
        result = _I32.unpack(self._read(out, 4))[0]
        try:
            slots = self._slots  # out-parameters the reader writes (a typed array's offset, length, size)
            status = c(reader, result, *(slots + 4 * i for i in range(outs)))
            if status != _STATUS_OK:
                raise self._engine_error(f"{reader} failed on the prelude's answer (status {status})")
            length = int(c("qjs_last_len"))
            data = self._read(int(c("qjs_last_ptr")), length) if length else b""
            c("qjs_result_free")
            return data
        finally:
            c("free_value", result)

    # -- the prelude's host calls (see _hostwire)

    def _install_host_call(self) -> None:
        """Serve the guest's calls of :data:`HOST_FUNCTION` here instead of through
        quickjs-rs's ``_Instance._host_call`` (which marshals value by value): the packed
        string and each byte array read in 4 crossings, the answer made in 1 (a string or
        bytes) or 3 + 3 per byte array (a list). The instance's other host functions, and
        this one before :meth:`bind`, take quickjs-rs's path."""
        inst = self.inst
        generic = type(inst)._host_call
        name = HOST_FUNCTION.encode()
        size = len(name)
        fn_id = inst.name_to_fn_id.get(HOST_FUNCTION)
        leaf = inst._dispatch_emu_leaf
        get_string, get_bytes = leaf("get_string"), leaf("get_typed_array_buffer")
        last_len, last_ptr, result_free = leaf("qjs_last_len"), leaf("qjs_last_ptr"), leaf("qjs_result_free")
        new_string, new_uint8array = leaf("new_string"), leaf("new_uint8array")
        store_context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        memory_data, memory_size, string_at = _memory_data, _memory_size, ctypes.string_at
        unpack_handles = struct.Struct("<i").unpack_from

        def read(address: int, length: int) -> bytes:
            if address < 0 or length < 0 or address + length > memory_size(store_context, memory):
                raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
            return string_at(memory_data(store_context, memory) + address, length)

        field = result_field(inst)
        pair = _PAIR.unpack_from

        def take_result() -> bytes:
            if field >= 0:  # (the buffer stays until the next accessor replaces it)
                size, base = memory_size(store_context, memory), memory_data(store_context, memory)
                address, length = pair(string_at(base + field, 8)) if field + 8 <= size else (-1, 0)
                if address < 0 or address + length > size:
                    raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
                return string_at(base + address, length) if length else b""
            length = last_len()
            data = read(last_ptr(), length) if length else b""
            result_free()
            return data

        def new_value(value: str | bytes) -> int:
            data = value.encode() if type(value) is str else value
            if len(data) > self._scratch_size:
                self._ensure_scratch(len(data))
            scratch = self._scratch
            limit = memory_size(store_context, memory)
            if scratch + len(data) > limit:
                raise self._engine_error("the scratch buffer is out of range")
            base = memory_data(store_context, memory)
            ctypes.memmove(base + scratch, data, len(data))
            if type(value) is str:
                return int(new_string(scratch, len(data)))
            out = self._slots + 4 * _ARGV_SLOTS
            status = new_uint8array(scratch, len(data), out)
            if status != _STATUS_OK:
                raise self._engine_error(f"new_uint8array status={status}")
            if memory_size(store_context, memory) != limit:  # (linear memory moves only when it grows)
                base = memory_data(store_context, memory)
            return unpack_handles(string_at(base + out, 4))[0]

        def host_call(name_ptr: int, name_len: int, this: int, argc: int, argv_ptr: int) -> int:
            if (
                name_len != size
                or argc < 1
                or not self._bound
                or self.inst is not inst
                or inst.name_to_fn_id.get(HOST_FUNCTION) != fn_id
            ):
                return generic(inst, name_ptr, name_len, this, argc, argv_ptr)
            limit, base = memory_size(store_context, memory), memory_data(store_context, memory)
            if name_ptr < 0 or name_ptr + size > limit or string_at(base + name_ptr, size) != name:
                return generic(inst, name_ptr, name_len, this, argc, argv_ptr)
            try:
                if argv_ptr < 0 or argv_ptr + 4 * argc > limit:
                    raise self._engine_error(f"out-of-range guest read at {argv_ptr} ({4 * argc} bytes)")
                handles = struct.unpack(f"<{argc}i", string_at(base + argv_ptr, 4 * argc))
                status = get_string(handles[0])
                if status != _STATUS_OK:
                    raise self._engine_error(f"get_string status={status}")
                head = take_result().decode()
                buffers = []
                out = self._slots + 4 * _ARGV_SLOTS  # (the three out-parameters share one slot)
                for handle in handles[1:]:
                    status = get_bytes(handle, out, out, out)
                    if status != _STATUS_OK:
                        raise self._engine_error(f"a host call's byte array did not read (status {status})")
                    buffers.append(take_result())
                answer = self._host_fn(head, *buffers)
                if type(answer) is str or type(answer) is bytes:
                    return new_value(answer)
                return self._answer_list(answer, new_value)
            except BaseException as error:  # as quickjs-rs does: the guest sees a HostError
                self.context._last_host_exception = error
                return _HOST_CALL_ERROR

        inst._host_call = host_call

    def _answer_list(self, values: list[Any], new_value: Callable[[Any], int]) -> int:
        """A guest array of the packed answer's string and byte arrays."""
        c = self.c
        array = int(c("new_array"))
        try:
            for index, item in enumerate(values):
                handle = new_value(item)
                status = c("set_index", array, index, handle)
                c("free_value", handle)
                if status != _STATUS_OK:
                    raise self._engine_error(f"set_index status={status}")
        except BaseException:
            c("free_value", array)
            raise
        return array

    def run_jobs(self) -> None:
        self.c("execute_pending_jobs")

    def _ensure_scratch(self, size: int) -> None:
        if size <= self._scratch_size:
            return
        new_size = max(size, 2 * self._scratch_size)
        scratch = int(self.c("qjs_alloc", new_size))
        if not scratch:
            raise self._engine_error("qjs_alloc returned null")
        self.c("qjs_free", self._scratch, self._scratch_size)
        self._scratch, self._scratch_size = scratch, new_size

    def _check(self, status: int) -> None:
        """Raise the quickjs-rs error of a failed ``call_function`` (as its ``Handle`` would)."""
        if status == _STATUS_OK:
            return
        if status == _STATUS_JS_ERROR:
            error = self.inst.take_exception()
            name, message, stack = error.args
            raise self.context._classify_jserror(name, message, stack, None) from None
        from quickjs_rs.errors import JSError

        raise JSError("Error", f"call status={status}", None)


__all__ = [
    "ENGINE_CACHE_ENV",
    "HOST_FUNCTION",
    "QUICKJS_PACKAGE",
    "QuickJsInternals",
    "QuickJsVm",
    "VmImage",
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
    "shared_engine",
    "stack_budget",
    "vm_source",
]
