"""The reactor ABI: a module that exports ``fetch`` and calls a few host functions.

Designed for speed (each Python↔wasm crossing costs microseconds): a request is one call
into the guest, and a small worker makes two calls back. The full specification, with a
worked example in WAT, is ``docs/abi.md``; in short, the module

* exports ``memory`` and ``fetch`` (no parameters; no result, or an ``i32`` where
  non-zero means failure);
* imports, from the module ``"dispatch_emu"``, any of::

    read(field, ptr, cap) -> len          copy a value of the request into memory
    header(name_ptr, name_len, ptr, cap) -> len      one request header, by name
    binding(name_ptr, name_len, ptr, cap) -> len     one binding, as text
    response_head(status, headers_ptr, headers_len)  status + "name: value\\n" lines
    response_write(ptr, len)                          append to the body
    log(ptr, len)                                     one or more log lines
    subrequest(ptr, len) -> status | negative error   "METHOD URL\\nheaders\\n\\nbody"

  The ``-> len`` functions return the value's full length (copying at most ``cap``
  bytes), or -1 when there is no such value.
* may export anything named ``dispatch_emu_reuse`` to say one instance may serve many
  requests; the instance (memory, globals, tables) then persists between requests of
  the same worker version and limits, with fresh fuel and deadline for each.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from dispatch_emu.errors import OutputLimitExceeded, WorkerError, WorkerException
from dispatch_emu.runtime import _fastcalls as fast
from dispatch_emu.runtime import _hostcall as hostcall
from dispatch_emu.runtime._abi import Invocation
from dispatch_emu.runtime._budget import MemoryBudget
from dispatch_emu.runtime._cgi import binding_text
from dispatch_emu.runtime._execution import Execution
from dispatch_emu.runtime._failures import instantiation_failure, translate
from dispatch_emu.runtime._messages import GuestRequest, GuestResponse
from dispatch_emu.runtime._pool import PooledInstance, PoolKey

HOST_MODULE = "dispatch_emu"
REUSE_EXPORT = "dispatch_emu_reuse"

# read() fields
FIELD_METHOD, FIELD_URL, FIELD_HEADERS, FIELD_BODY, FIELD_CF = 0, 1, 2, 3, 4
FIELD_SUB_HEADERS, FIELD_SUB_BODY, FIELD_SUB_ERROR = 5, 6, 7
FIELD_WORKER = 8

# subrequest() errors
SUB_NO_HANDLER, SUB_FAILED, SUB_MALFORMED = -1, -2, -3

_I32 = wasmtime.ValType.i32()


#: The host functions: name → (parameter count, result count); all i32.
HOST_FUNCTIONS: dict[str, tuple[int, int]] = {
    "read": (3, 1),
    "header": (4, 1),
    "binding": (4, 1),
    "response_head": (3, 0),
    "response_write": (2, 0),
    "log": (2, 0),
    "subrequest": (2, 1),
}


@dataclass
class _Call:
    """The reactor's own state of one request (``execution.state`` while the guest runs)."""

    execution: Execution
    store: wasmtime.Store
    memory: wasmtime.Memory | None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    body_size: int = 0
    sub_headers: bytes | None = None
    sub_body: bytes | None = None
    sub_error: bytes | None = None

    # -- guest memory (pointers are unsigned i32; the base moves when memory grows)

    def _address(self, ptr: int, size: int, what: str) -> int:
        if self.memory is None:
            raise WorkerException(
                f"Worker called dispatch_emu.{what} before it was instantiated.", cause="host call in start function"
            )
        ptr &= 0xFFFFFFFF
        base, length = fast.memory_address(self.store, self.memory)  # keeps the GIL
        if size < 0 or ptr + size > length:
            raise WorkerException(
                f"Worker passed an out-of-bounds buffer to dispatch_emu.{what}.",
                cause=f"ptr={ptr} len={size}",
            )
        return base + ptr

    def load(self, ptr: int, size: int, what: str) -> bytes:
        return ctypes.string_at(self._address(ptr, size, what), size) if size else b""

    def give(self, value: bytes | None, ptr: int, cap: int, what: str) -> int:
        if value is None:
            return -1
        n = min(len(value), max(cap, 0))
        if n:
            ctypes.memmove(self._address(ptr, n, what), value, n)
        return len(value)


def _headers_text(headers: list[tuple[str, str]]) -> bytes:
    return "".join(f"{name.lower()}: {value}\n" for name, value in headers).encode("latin-1", "replace")


def _parse_header_lines(text: bytes, what: str) -> list[tuple[str, str]]:
    headers = []
    for raw in text.replace(b"\r\n", b"\n").split(b"\n"):
        if not raw.strip():
            continue
        name, colon, value = raw.decode("latin-1").partition(":")
        if not colon or not name.strip():
            raise WorkerException(
                f"Worker passed a malformed header line to dispatch_emu.{what}.", cause=repr(raw[:80])
            )
        headers.append((name.strip(), value.strip()))
    return headers


# ---------------------------------------------------------------------- host functions


def _read(execution: Execution, caller: Any, field_id: int, ptr: int, cap: int) -> int:
    call: _Call = execution.state
    request = call.execution.request
    assert request is not None
    value: bytes | None
    if field_id == FIELD_METHOD:
        value = request.method.upper().encode()
    elif field_id == FIELD_URL:
        value = request.url.encode()
    elif field_id == FIELD_HEADERS:
        value = _headers_text(request.headers)
    elif field_id == FIELD_BODY:
        value = request.body
    elif field_id == FIELD_CF:
        value = None if request.cf is None else binding_text(request.cf).encode()
    elif field_id == FIELD_SUB_HEADERS:
        value = call.sub_headers
    elif field_id == FIELD_SUB_BODY:
        value = call.sub_body
    elif field_id == FIELD_SUB_ERROR:
        value = call.sub_error
    elif field_id == FIELD_WORKER:
        value = call.execution.code.name.encode()
    else:
        value = None
    return call.give(value, ptr, cap, "read")


def _header(execution: Execution, caller: Any, name_ptr: int, name_len: int, ptr: int, cap: int) -> int:
    call: _Call = execution.state
    wanted = call.load(name_ptr, name_len, "header").decode("latin-1").lower()
    request = call.execution.request
    assert request is not None
    values = [value for name, value in request.headers if name.lower() == wanted]
    return call.give(", ".join(values).encode("latin-1", "replace") if values else None, ptr, cap, "header")


def _binding(execution: Execution, caller: Any, name_ptr: int, name_len: int, ptr: int, cap: int) -> int:
    call: _Call = execution.state
    name = call.load(name_ptr, name_len, "binding").decode("utf-8", "replace")
    env = call.execution.env
    return call.give(binding_text(env[name]).encode() if name in env else None, ptr, cap, "binding")


def _response_head(execution: Execution, caller: Any, status: int, headers_ptr: int, headers_len: int) -> None:
    call: _Call = execution.state
    if not 100 <= status <= 999:
        raise WorkerException(
            f"Worker answered with the invalid status {status}.", cause="status outside 100-999"
        )
    call.status = status
    call.headers = _parse_header_lines(call.load(headers_ptr, headers_len, "response_head"), "response_head")


def _response_write(execution: Execution, caller: Any, ptr: int, size: int) -> None:
    call: _Call = execution.state
    limit = call.execution.limits.output_bytes
    assert limit is not None
    if call.body_size + size > limit:
        raise OutputLimitExceeded(cause=f"response passed {limit} bytes")
    call.body.append(call.load(ptr, size, "response_write"))
    call.body_size += size


def _log(execution: Execution, caller: Any, ptr: int, size: int) -> None:
    call: _Call = execution.state
    call.execution.add_logs(call.load(ptr, size, "log").decode("utf-8", "replace"), "log")


def _subrequest(execution: Execution, caller: Any, ptr: int, size: int) -> int:
    call: _Call = execution.state
    call.sub_headers = call.sub_body = call.sub_error = None
    execution = call.execution
    execution.count_subrequest()  # past the limit, the whole request fails
    if execution.outbound is None:
        call.sub_error = b"subrequests are disabled: this worker has no outbound handler"
        return SUB_NO_HANDLER
    raw = call.load(ptr, size, "subrequest")
    head, _, body = raw.partition(b"\n\n") if b"\n\n" in raw else (raw, b"", b"")
    first, _, header_lines = head.partition(b"\n")
    method, _, url = first.decode("latin-1").strip().partition(" ")
    if not method or not url.strip():
        call.sub_error = b"malformed subrequest: the first line must be 'METHOD URL'"
        return SUB_MALFORMED
    try:
        headers = _parse_header_lines(header_lines, "subrequest")
    except WorkerException as error:
        call.sub_error = f"malformed subrequest: {error.message}".encode()
        return SUB_MALFORMED
    try:
        response = execution.fetch(GuestRequest(method=method.upper(), url=url.strip(), headers=headers, body=body))
    except Exception as error:  # the guest sees a failed fetch, as a Worker's fetch() rejects
        message = error.message if isinstance(error, WorkerError) else f"{type(error).__name__}: {error}"
        call.sub_error = str(message).encode("utf-8", "replace")
        return SUB_FAILED
    call.sub_headers = _headers_text(response.headers)
    call.sub_body = response.body
    return response.status


_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "read": _read,
    "header": _header,
    "binding": _binding,
    "response_head": _response_head,
    "response_write": _response_write,
    "log": _log,
    "subrequest": _subrequest,
}


def _reactor_linker(engine: wasmtime.Engine) -> wasmtime.Linker:
    linker = wasmtime.Linker(engine)
    for name, (params, results) in HOST_FUNCTIONS.items():
        hostcall.define(linker, HOST_MODULE, name, [_I32] * params, [_I32] * results, _IMPLEMENTATIONS[name])
    return linker


# --------------------------------------------------------------------------------- ABI


class ReactorAbi:
    """dispatch_emu's own low-overhead ABI (see the module documentation and docs/abi.md)."""

    name = "reactor"
    priority = 20

    def matches(self, module: wasmtime.Module) -> bool:
        exports = {e.name: e.type for e in module.exports}
        fetch, memory = exports.get("fetch"), exports.get("memory")
        if not isinstance(fetch, wasmtime.FuncType) or not isinstance(memory, wasmtime.MemoryType):
            return False
        if list(fetch.params) or len(list(fetch.results)) > 1:
            return False
        for item in module.imports:
            shape = HOST_FUNCTIONS.get(item.name or "") if item.module == HOST_MODULE else None
            if shape is None or not isinstance(item.type, wasmtime.FuncType):
                return False
            if (len(list(item.type.params)), len(list(item.type.results))) != shape:
                return False
        return True

    @staticmethod
    def reusable(module: wasmtime.Module) -> bool:
        return any(e.name == REUSE_EXPORT for e in module.exports)

    def run(self, invocation: Invocation) -> GuestResponse:
        inv = invocation
        execution, instances = inv.execution, inv.instances
        code, limits = execution.code, execution.limits
        assert limits.memory_bytes is not None
        key: PoolKey | None = None
        if instances is not None and inv.host.memo(
            ("reactor-reusable", code.digest), lambda: self.reusable(inv.module)
        ):
            key = PoolKey(self.name, code.identity, code.digest, code.version, limits)
        item = instances.take(key) if key is not None and instances is not None else None
        if item is None:
            item = self._instantiate(inv)
            if key is not None and instances is not None:
                instances.created += 1
        else:
            execution.refuel(item.store)
        fetch, results, memory, budget = item.state
        call = execution.state = _Call(execution, item.store, memory)
        ok = keep = False
        try:
            # one C call, which releases the GIL while the guest runs (no type look-ups)
            result = fast.call_i32(item.store, fetch, results) if results >= 0 else fetch(item.store)
            if result:  # an i32 result: non-zero is the guest's own failure
                raise WorkerException(
                    f"Worker returned error code {result} from fetch.",
                    cause=f"fetch returned {result}",
                )
            ok = True
            if key is not None:
                # an instance that grew to its cap would start the next request near it
                keep = not budget.memory_near_cap(memory, item.store)
                if keep and (budget.memories > 1 or budget.tables):
                    keep = budget.near_cap(item.instance, item.store) is None
                item.bytes = fast.memory_len(item.store, memory)
        except (wasmtime.Trap, wasmtime.WasmtimeError, WorkerError) as error:
            failure = execution.stopped_by(error)
            if not isinstance(failure, Exception):
                raise failure from None  # KeyboardInterrupt in a host function: not the guest's failure
            raise translate(
                failure,
                worker=code.name,
                logs=execution.logs,
                memory_was_full=budget.near_cap(item.instance, item.store),
            ) from error
        finally:
            execution.state = None
            if not ok:  # the raised error's traceback holds this frame: let go of the body
                call.body.clear()
            item.requests += 1
            # a failed instance may hold broken state: it never serves again
            if ok and keep and key is not None and instances is not None:
                instances.give(key, item)
            else:
                item.close()
        return GuestResponse(call.status, call.headers, b"".join(call.body), execution.logs)

    def _instantiate(self, inv: Invocation) -> PooledInstance:
        host, limits, execution = inv.host, inv.limits, inv.execution
        assert limits.memory_bytes is not None
        linker = host.memo(("reactor-linker",), lambda: _reactor_linker(host.engine))
        pre = host.memo(("reactor-pre", inv.code.digest), lambda: linker.instantiate_pre(inv.module))
        memory_bytes = limits.memory_bytes
        budget = host.memo(("budget", inv.code.digest, memory_bytes), lambda: MemoryBudget.of(inv.code.wasm, memory_bytes))
        store = execution.new_store(host.engine, budget)
        # a start function may call the host: it sees the request but no memory yet
        execution.state = _Call(execution=execution, store=store, memory=None)
        try:
            instance = pre.instantiate(store)
        except (wasmtime.Trap, wasmtime.WasmtimeError, WorkerError) as error:
            store.close()
            failure = execution.stopped_by(error)
            if not isinstance(failure, Exception):
                raise failure from None
            raise instantiation_failure(failure, budget, worker=inv.code.name, logs=execution.logs) from error
        exports = instance.exports(store)
        results = host.memo(("reactor-results", inv.code.digest), lambda: self._fetch_results(inv.module))
        return PooledInstance(
            store=store, instance=instance, state=(exports["fetch"], results, exports["memory"], budget)
        )

    @staticmethod
    def _fetch_results(module: wasmtime.Module) -> int:
        """How many results ``fetch`` returns, 0 or 1 (an i32), or -1 for another result type
        (which wasmtime-py's own call converts)."""
        fetch = next(e.type for e in module.exports if e.name == "fetch")
        assert isinstance(fetch, wasmtime.FuncType)
        results = list(fetch.results)
        if not results:
            return 0
        return 1 if str(results[0]) == "i32" else -1


__all__ = ["HOST_FUNCTIONS", "HOST_MODULE", "REUSE_EXPORT", "ReactorAbi"]
