"""The WAGI ABI: any wasm32-wasi command module is a worker, through CGI 1.1.

A module is WAGI when it exports ``_start`` and imports only from
``wasi_snapshot_preview1``: a plain ``main()`` in C, Zig, Rust or AssemblyScript
compiled for WASI, with no SDK. Per request the runtime

* makes a fresh ``Store`` and instantiates the module from a pre-linked ``InstancePre``
  (linked once per module), so nothing survives between requests;
* passes the request as CGI variables (:func:`~dispatch_emu.runtime.cgi.cgi_environ`),
  argv ``[path]`` and the body on stdin; no preopened directories, nothing inherited
  from the host process (environment, arguments, files);
* runs ``_start`` and reads the response from stdout
  (:func:`~dispatch_emu.runtime.cgi.parse_cgi_response`); stderr becomes the log lines.

Exit code 0 (or returning from ``main``) is success; another code raises
:class:`~dispatch_emu.errors.WorkerException` ("Worker exited with code 3.").

The response cap (``output_bytes``) applies to the body, as for every ABI. Stdout may
carry :data:`HEAD_ALLOWANCE` more bytes for the header lines; past that the runtime
stops collecting and moves the store's epoch deadline to *now*, so the guest is
interrupted at its next loop or call even if it ignores write errors. Stderr is kept up
to :data:`LOG_LIMIT` bytes; more is dropped with a note, it is not an error.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import os
import tempfile
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import wasmtime
from wasmtime import _ffi
from wasmtime._extern import wrap_extern

from dispatch_emu.errors import OutputLimitExceeded
from dispatch_emu.runtime.abi import Invocation
from dispatch_emu.runtime.cgi import cgi_environ, parse_cgi_response
from dispatch_emu.runtime.execution import Execution
from dispatch_emu.runtime.failures import instantiation_failure, memory_full, translate
from dispatch_emu.runtime.messages import GuestResponse
from dispatch_emu.runtime.settings import LOG_LIMIT, LOG_TRUNCATED

WASI_MODULE = "wasi_snapshot_preview1"

#: Stdout bytes allowed beyond ``output_bytes`` for the CGI header lines (Cloudflare's
#: cap on response headers is 128 KB).
HEAD_ALLOWANCE = 128 * 1024



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


# ---------------------------------------------------------------------------- output


class _Output:
    """Collects one stream; callbacks may arrive on a wasmtime I/O thread.

    ``finish()`` is called before the store closes: callbacks after it are ignored, and
    the lock makes sure none is touching the store while it closes.
    """

    def __init__(self, store: wasmtime.Store, cap: int, *, interrupt: bool) -> None:
        self.store = store
        self.cap = cap
        self.interrupt = interrupt
        self.chunks: list[bytes] = []
        self.size = 0
        self.exceeded = False
        self.closed = False
        self.lock = threading.Lock()

    def __call__(self, data: bytes) -> int:
        with self.lock:
            if self.closed:
                return len(data)
            _note_output()
            if self.exceeded or self.size + len(data) > self.cap:
                if not self.exceeded:
                    self.exceeded = True
                    if self.interrupt:
                        self.store.set_epoch_deadline(0)  # trap at the next epoch check
                return -errno.EIO
            self.size += len(data)
            self.chunks.append(data)
            return len(data)

    def finish(self) -> bytes:
        with self.lock:
            self.closed = True
        return b"".join(self.chunks)


# wasmtime delivers output, and drops the output callbacks, on its own I/O thread a little
# after a store closes; if the interpreter is exiting at that moment, the callback into
# Python panics in Rust (measured: about one exit in eight right after WAGI requests).
# So at exit, once any WAGI request ran, wait until that thread has been quiet a moment.
_last_activity: float | None = None
QUIET_AT_EXIT = 0.05


def _note_output() -> None:
    global _last_activity
    _last_activity = time.monotonic()


@atexit.register
def _quiesce() -> None:
    if _last_activity is None:
        return
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline and time.monotonic() - (_last_activity or 0.0) < QUIET_AT_EXIT:
        time.sleep(0.01)


def _take_logs(execution: Execution, stderr: _Output) -> list[str]:
    """The guest's stderr, as the request's log lines (capped as all logs are)."""
    text = stderr.finish().decode("utf-8", "replace")
    if text:
        execution.add_logs(text)
    if stderr.exceeded and not execution.logs_full:
        execution.logs.append(LOG_TRUNCATED)
    return execution.logs


# ------------------------------------------------------------------------------- ABI


class WagiAbi:
    """CGI over WASI preview 1 (see the module documentation)."""

    name = "wagi"
    priority = 10

    def matches(self, module: wasmtime.Module) -> bool:
        has_start = any(e.name == "_start" and isinstance(e.type, wasmtime.FuncType) for e in module.exports)
        imports = list(module.imports)
        return has_start and bool(imports) and all(i.module == WASI_MODULE for i in imports)

    def run(self, invocation: Invocation) -> GuestResponse:
        inv = invocation
        execution = inv.execution
        host, limits, request = inv.host, execution.limits, inv.request
        assert limits.memory_bytes is not None and limits.output_bytes is not None
        linker = host.memo(("wagi-linker",), lambda: _wasi_linker(host.engine))
        pre = host.memo(("wagi-pre", inv.code.digest), lambda: linker.instantiate_pre(inv.module))

        store = execution.new_store(host.engine)
        stdout = _Output(store, limits.output_bytes + HEAD_ALLOWANCE, interrupt=True)
        stderr = _Output(store, LOG_LIMIT, interrupt=False)
        cleanup = _nothing
        instance: wasmtime.Instance | None = None
        try:
            wasi = wasmtime.WasiConfig()
            parts = urlsplit(request.url)
            wasi.argv = [parts.path or "/"]
            wasi.env = cgi_environ(request, execution.env, parts)
            wasi.stdout_custom = stdout
            wasi.stderr_custom = stderr
            cleanup = set_stdin(wasi, request.body)
            store.set_wasi(wasi)
            failure: BaseException | None = None
            try:
                instance = pre.instantiate(store)
            except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
                logs = _take_logs(execution, stderr)
                raise instantiation_failure(
                    error, inv.module, worker=inv.code.name, memory_limit=limits.memory_bytes, logs=logs
                ) from error
            try:
                _export_func(instance, store, b"_start")(store)
            except wasmtime.ExitTrap as error:
                if error.code != 0:
                    failure = error
            except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
                failure = error
            output = stdout.finish()
            logs = _take_logs(execution, stderr)
            if failure is not None or stdout.exceeded:
                memory = _memory_of(instance, store)
                raise translate(
                    failure or RuntimeError("output cap"),
                    worker=inv.code.name,
                    logs=logs,
                    memory_was_full=memory_full(memory, store, limits.memory_bytes),
                    output_exceeded=stdout.exceeded,
                    output_limit=limits.output_bytes,
                ) from failure
            status, headers, body = parse_cgi_response(output, worker=inv.code.name, logs=logs)
            if len(body) > limits.output_bytes:
                raise OutputLimitExceeded(
                    worker=inv.code.name, cause=f"response passed {limits.output_bytes} bytes", logs=logs
                )
            return GuestResponse(status=status, headers=headers, body=body, logs=logs)
        finally:
            stdout.finish()
            stderr.finish()
            store.close()
            _note_output()
            cleanup()


def _wasi_linker(engine: wasmtime.Engine) -> wasmtime.Linker:
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    return linker


def _memory_of(instance: wasmtime.Instance | None, store: wasmtime.Store) -> wasmtime.Memory | None:
    if instance is None:
        return None
    try:
        memory = instance.exports(store)["memory"]
    except (KeyError, wasmtime.WasmtimeError):
        return None
    return memory if isinstance(memory, wasmtime.Memory) else None


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


__all__ = ["HEAD_ALLOWANCE", "WASI_MODULE", "WagiAbi", "set_stdin"]
