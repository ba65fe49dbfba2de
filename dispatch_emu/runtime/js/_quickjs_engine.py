"""The QuickJS engine module: compiled once per machine and kept on disk, in quickjs-rs's
process-wide wasmtime engine (with the native stack JavaScript needs), linked with a raw
callback for the guest's host calls.

Part of the quickjs-rs adapter (:mod:`dispatch_emu.runtime.js._quickjs`): like it, this
module reaches below quickjs-rs's public API (its shared engine, artefact table and
linker), which is why the ``<0.3`` pin covers both.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from typing import Any

from dispatch_emu.runtime import _native_stack as native_stack

#: The package a JavaScript worker needs.
QUICKJS_PACKAGE = "quickjs-rs"

#: What a host import answers to make the guest throw its ``HostError`` (quickjs-rs's protocol).
_HOST_CALL_ERROR = -1

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



__all__ = [
    "ENGINE_CACHE_ENV",
    "QUICKJS_PACKAGE",
    "compiled_engine",
    "default_engine_cache",
    "engine_cache_dir",
    "engine_cache_stats",
    "engine_stack",
    "shared_engine",
]
