"""The WAGI ABI: any wasm32-wasi command module is a worker, through CGI 1.1.

A module is WAGI when it exports ``_start`` and imports only from
``wasi_snapshot_preview1``: a plain ``main()`` in C, Zig, Rust or AssemblyScript
compiled for WASI, with no SDK. Per request the runtime

* makes a fresh ``Store`` and instantiates the module from a pre-linked ``InstancePre``
  (linked once per module), so nothing survives between requests;
* passes the request as CGI variables (:func:`~dispatch_emu.runtime._cgi.cgi_environ`),
  argv ``[path]`` and the body on stdin; no preopened directories, nothing inherited
  from the host process (environment, arguments, files);
* runs ``_start`` and reads the response from stdout
  (:func:`~dispatch_emu.runtime._cgi.parse_cgi_response`); stderr becomes the log lines.

Exit code 0 (or returning from ``main``) is success; another code raises
:class:`~dispatch_emu.errors.WorkerException` ("Worker exited with code 3.").

The response cap (``output_bytes``) applies to the body, as for every ABI. Stdout may
carry :data:`HEAD_ALLOWANCE` more bytes for the header lines; the write that passes
that ends the guest at once. Stderr is kept up to :data:`LOG_LIMIT` bytes; more is
dropped with a note, it is not an error. Stdout, stderr, the clock and sleeps go through
dispatch_emu's own ``fd_write``, ``clock_time_get`` and ``poll_oneoff``
(:mod:`~.wasi`); the request's budgets are kept by its execution's
:class:`~.meter.Meter`, and its memories and tables share one memory limit
(:mod:`~.budget`).
"""

from __future__ import annotations

import ctypes
import os
import tempfile
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import wasmtime
from wasmtime import _ffi
from wasmtime._extern import wrap_extern

from dispatch_emu.errors import InvalidModule, OutputLimitExceeded, WorkerError
from dispatch_emu.runtime._abi import Invocation
from dispatch_emu.runtime._budget import MemoryBudget
from dispatch_emu.runtime._cgi import cgi_environ, parse_cgi_response
from dispatch_emu.runtime._execution import Execution
from dispatch_emu.runtime._failures import instantiation_failure, translate
from dispatch_emu.runtime._messages import GuestResponse
from dispatch_emu.runtime._settings import LOG_TRUNCATED
from dispatch_emu.runtime._wasi import HEAD_ALLOWANCE, WASI_MODULE, WagiIo, wasi_linker

# ----------------------------------------------------------------------------- stdin


def set_stdin(wasi: wasmtime.WasiConfig, data: bytes) -> Callable[[], None]:
    """Give ``data`` to the guest as stdin; returns the cleanup to call after the run.

    wasmtime-py has no public in-memory stdin; its bindings carry the C API's
    ``wasi_config_set_stdin_bytes``, which we use when present. Otherwise (a future
    wasmtime-py without it) the bytes go through a temporary file.
    """
    if not data:
        return _nothing  # a WasiConfig's stdin is empty until one is set: skip the copy
    setter = getattr(_ffi, "wasi_config_set_stdin_bytes", None)
    if setter is not None:
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        vec = _ffi.wasm_byte_vec_t()
        # wasm_byte_vec_new copies; the config takes ownership of the copy
        _ffi.wasm_byte_vec_new(ctypes.byref(vec), len(data), ctypes.cast(buffer, ctypes.POINTER(_ffi.wasm_byte_t)))
        setter(wasi.ptr(), ctypes.byref(vec))
        return _nothing
    fd, path = tempfile.mkstemp(prefix="dispatch-emu-stdin-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    wasi.stdin_file = path
    return lambda: os.unlink(path)


def _nothing() -> None:
    return None


def _take_logs(execution: Execution, io: WagiIo) -> list[str]:
    """The guest's stderr, as the request's log lines at level ``error`` (capped as all logs are)."""
    text = io.errors().decode("utf-8", "replace")
    io.stderr.clear()
    if text:
        execution.add_logs(text, "error")  # stderr: level "error", as workerd gives console.error
    if io.stderr_truncated and not execution.logs_full:
        execution.logs.append(LOG_TRUNCATED)
    io.stderr_truncated = False
    return execution.logs


# ------------------------------------------------------------------------------- ABI


class WagiAbi:
    """CGI over WASI preview 1 (see the module documentation)."""

    name = "wagi"
    priority = 10

    def matches(self, module: wasmtime.Module) -> bool:
        has_start = any(e.name == "_start" and isinstance(e.type, wasmtime.FuncType) for e in module.exports)
        imports = list(module.imports)
        if not (has_start and bool(imports) and all(i.module == WASI_MODULE for i in imports)):
            return False
        unknown = unknown_wasi_imports(module)
        if unknown:  # a WASI command in every other respect: say exactly what is wrong
            raise InvalidModule(
                f"The module imports {', '.join(unknown)}, which WASI preview 1 does not provide"
                " (or not with that signature); every request would fail to instantiate."
            )
        return True

    def run(self, invocation: Invocation) -> GuestResponse:
        inv = invocation
        execution = inv.execution
        host, limits, request = inv.host, execution.limits, inv.request
        assert limits.memory_bytes is not None and limits.output_bytes is not None
        linker = host.memo(("wagi-linker",), lambda: wasi_linker(host.engine))
        pre = host.memo(("wagi-pre", inv.code.digest), lambda: linker.instantiate_pre(inv.module))
        memory_bytes = limits.memory_bytes
        budget = host.memo(("budget", inv.code.digest, memory_bytes), lambda: MemoryBudget.of(inv.code.wasm, memory_bytes))
        io = execution.state = WagiIo(stdout_cap=limits.output_bytes + HEAD_ALLOWANCE)
        store = execution.new_store(host.engine, budget)
        cleanup = _nothing
        instance: wasmtime.Instance | None = None
        failure: BaseException | None = None
        try:
            wasi = wasmtime.WasiConfig()
            parts = urlsplit(request.url)
            wasi.argv = [parts.path or "/"]
            wasi.env = cgi_environ(request, execution.env, parts)
            cleanup = set_stdin(wasi, request.body)
            store.set_wasi(wasi)
            try:
                instance = pre.instantiate(store)
            except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
                logs = _take_logs(execution, io)
                raise instantiation_failure(
                    execution.stopped_by(error), budget, worker=inv.code.name, logs=logs
                ) from error
            try:
                _export_func(instance, store, b"_start")(store)
            except wasmtime.ExitTrap as error:
                if error.code != 0:
                    failure = error
            except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
                failure = execution.stopped_by(error)
            logs = _take_logs(execution, io)
            if failure is not None:
                if not isinstance(failure, (Exception, WorkerError)):
                    raise failure  # KeyboardInterrupt in a host function: not the guest's failure
                raise translate(
                    failure,
                    worker=inv.code.name,
                    logs=logs,
                    memory_was_full=budget.near_cap(instance, store),
                ) from failure
            status, headers, body = parse_cgi_response(io.output(), worker=inv.code.name, logs=logs)
            if len(body) > limits.output_bytes:
                raise OutputLimitExceeded(
                    worker=inv.code.name, cause=f"response passed {limits.output_bytes} bytes", logs=logs
                )
            return GuestResponse(status=status, headers=headers, body=body, logs=logs)
        finally:
            # the error raised from here holds this frame in its traceback: let go of the
            # output and the failure, or they live until the next garbage collection
            io.release()
            execution.state = None
            failure = None
            store.close()
            cleanup()


_WASI_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]] | None] = {}
_WASI_PROBE: list[tuple[wasmtime.Linker, wasmtime.Store]] = []
_WASI_PROBE_LOCK = threading.Lock()


def _wasi_signature(name: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(params, results) of WASI preview 1's function ``name``, ``None`` if it has none."""
    with _WASI_PROBE_LOCK:
        if name in _WASI_SIGNATURES:
            return _WASI_SIGNATURES[name]
        if not _WASI_PROBE:
            engine = wasmtime.Engine()
            _WASI_PROBE.append((wasi_linker(engine), wasmtime.Store(engine)))
        linker, store = _WASI_PROBE[0]
        try:
            item = linker.get(store, WASI_MODULE, name)
        except wasmtime.WasmtimeError:
            signature = None
        else:
            kind = item.type(store) if isinstance(item, wasmtime.Func) else None
            signature = (tuple(map(str, kind.params)), tuple(map(str, kind.results))) if kind else None
        _WASI_SIGNATURES[name] = signature
        return signature


def unknown_wasi_imports(module: wasmtime.Module) -> list[str]:
    """The module's WASI imports that the WASI linker would not satisfy, as ``module.name``."""
    unknown = []
    for item in module.imports:
        if item.module != WASI_MODULE or item.name is None:
            continue
        wanted = item.type
        signature = _wasi_signature(item.name)
        if (
            signature is None
            or not isinstance(wanted, wasmtime.FuncType)
            or (tuple(map(str, wanted.params)), tuple(map(str, wanted.results))) != signature
        ):
            unknown.append(f"{item.module}.{item.name}")
    return unknown


def _export_func(instance: wasmtime.Instance, store: wasmtime.Store, name: bytes) -> wasmtime.Func:
    """``instance.exports(store)[name]`` without building the whole export map.

    wasmtime-py's public route wraps every export of the instance (~7 µs a request for a
    C program); the C API looks one up by name. Private names, hence the fallback.
    """
    getter = getattr(_ffi, "wasmtime_instance_export_get", None)
    if getter is not None:
        item = _ffi.wasmtime_extern_t()
        found = getter(store._context(), ctypes.byref(instance._instance), name, len(name), ctypes.byref(item))
        if found:
            func = wrap_extern(item)
            if isinstance(func, wasmtime.Func):
                return func
    func = instance.exports(store)[name.decode()]
    assert isinstance(func, wasmtime.Func)  # matches() checked the export's type
    return func


__all__ = ["HEAD_ALLOWANCE", "WASI_MODULE", "WagiAbi", "set_stdin", "unknown_wasi_imports"]
