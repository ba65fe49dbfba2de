"""JavaScript user workers, on QuickJS compiled to WebAssembly (the ``quickjs-rs`` package).

A worker wrangler deploys is an ES module (``export default { async fetch(request, env,
ctx) {...} }``), often one esbuild bundle, sometimes several modules that import each
other. :class:`JsRunner` runs one request of such a worker:

1. a fresh QuickJS context (its own wasm instance and heap: nothing is shared between
   requests, let alone between workers);
2. the prelude (``js_prelude.js``) adds the Workers fetch API QuickJS lacks: ``Request``,
   ``Response``, ``Headers``, ``URL``, ``URLSearchParams``, ``TextEncoder``/``TextDecoder``,
   ``console``, ``fetch``, timers, ``crypto.getRandomValues``/``randomUUID``;
3. the main module is imported (its imports resolve by name among the script's modules)
   and its default export's ``fetch(request, env, ctx)`` is called; the returned
   ``Response`` (or a promise of one) becomes the :class:`GuestResponse`.

Service-worker scripts (``addEventListener("fetch", e => e.respondWith(...))``, uploaded
with ``body_part``) run too; their bindings are globals.

Limits (see ``docs/abi.md``, "JavaScript workers"): QuickJS calls an interrupt handler
from its interpreter loop (every few thousand bytecodes, ~50 µs in a tight loop); this
module's handler stops the guest once the request's CPU or wall deadline has passed, or
once it has broken a limit in a host call (too many subrequests). The CPU budget is
wall-clock time spent *in the guest*: time in the outbound handler is excluded. Memory is
QuickJS's own allocator limit (``JS_SetMemoryLimit``).

Guest execution is serialized with :data:`~dispatch_emu.runtime.engine.EXECUTION_LOCK`,
like wasm workers: quickjs-rs runs on wasmtime-py too. Two internals of quickjs-rs 0.2.x
are used, both in :class:`_Engine`: ``Runtime._engine_rt.set_interrupt_handler`` (the
public runtime only offers one wall-clock timeout per eval) and
``Context._engine_ctx.run_pending_jobs`` (to run promise jobs without an asyncio loop,
which a nested run from an outbound handler could not start).
"""

from __future__ import annotations

import json
import os
import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from dispatch_emu.errors import (
    CpuLimitExceeded,
    InvalidModule,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    SubrequestLimitExceeded,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime.engine import EXECUTION_LOCK
from dispatch_emu.runtime.failures import MEMORY_MARGIN
from dispatch_emu.runtime.messages import GuestRequest, GuestResponse, OutboundHandler, WorkerCode
from dispatch_emu.runtime.settings import LOG_LIMIT, ExecutionLimits

#: ES-module workers (``main_module``).
JS_MODULE_TYPES = ("application/javascript+module", "text/javascript+module")
#: Service-worker scripts (``body_part``).
JS_SCRIPT_TYPES = ("application/javascript", "text/javascript")
JS_TYPES = JS_MODULE_TYPES + JS_SCRIPT_TYPES

#: The package a JavaScript worker needs.
QUICKJS_PACKAGE = "quickjs-rs"

#: Startup budget of an upload's check (Cloudflare: 1 s of CPU to evaluate the global scope).
STARTUP_MS = 1000

#: A context's own timeout, unused: this module's interrupt handler enforces the limits.
_CONTEXT_TIMEOUT = 24 * 3600.0

#: Lines of a JS stack kept in an error's ``cause``.
STACK_TAIL = 10



def base_type(content_type: str | None) -> str:
    """``text/javascript+module; charset=utf-8`` → ``text/javascript+module``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_js(content_type: str | None) -> bool:
    """Whether a module of this content type is JavaScript the runner can start from."""
    return base_type(content_type) in JS_TYPES


def is_js_module(content_type: str | None) -> bool:
    return base_type(content_type) in JS_MODULE_TYPES


def _prelude() -> str:
    global _PRELUDE
    if _PRELUDE is None:
        _PRELUDE = resources.files("dispatch_emu.runtime").joinpath("js_prelude.js").read_text("utf-8")
    return _PRELUDE


_PRELUDE: str | None = None


def module_source(name: str, content_type: str, content: bytes) -> str | None:
    """The JavaScript an ``import`` of this module evaluates, or ``None`` if not importable.

    JavaScript modules are themselves; Cloudflare's other module types become a default
    export: ``text/plain`` a string, ``application/json`` the parsed value,
    ``application/octet-stream`` an ArrayBuffer. A wasm module cannot be imported (QuickJS
    has no WebAssembly), so importing one throws.
    """
    kind = base_type(content_type)
    if kind in JS_TYPES:
        # quickjs-rs treats an empty source as "not found": give it a newline instead
        return content.decode("utf-8", "replace") or "\n"
    if kind == "text/plain":
        return f"export default {json.dumps(content.decode('utf-8', 'replace'))};\n"
    if kind == "application/json":
        return f"export default JSON.parse({json.dumps(content.decode('utf-8', 'replace'))});\n"
    if kind == "application/octet-stream":
        import base64

        data = base64.b64encode(content).decode("ascii")
        return (
            f'const s = atob("{data}"); const b = new Uint8Array(s.length);\n'
            "for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);\n"
            "export default b.buffer;\n"
        )
    if kind == "application/wasm":
        return (
            f"throw new Error({json.dumps(f'cannot import {name}: dispatch_emu runs JavaScript workers on QuickJS, which has no WebAssembly')});\n"
        )
    return None


# ---------------------------------------------------------------------- one request


@dataclass
class _Call:
    """One request (or one upload check) in progress."""

    worker: str
    modules: Mapping[str, tuple[str, bytes]]
    limits: ExecutionLimits
    outbound: OutboundHandler | None
    logs: list[str] = field(default_factory=list)
    log_size: int = 0
    subrequests: int = 0
    cpu_deadline: float = float("inf")
    wall_deadline: float = float("inf")
    tripped: WorkerError | None = None  # a limit the guest broke; fails the whole call
    memory_full: bool = False  # the guest's memory was near its limit when it stopped

    def start_clock(self) -> None:
        now = time.monotonic()
        assert self.limits.cpu_ms is not None and self.limits.wall_ms is not None
        self.cpu_deadline = now + self.limits.cpu_ms / 1000
        self.wall_deadline = now + self.limits.wall_ms / 1000

    def trip(self, error: WorkerError) -> None:
        if self.tripped is None:
            error.worker = self.worker
            error.logs = list(self.logs)
            self.tripped = error

    def poll(self) -> bool:
        """The interrupt handler's question: must the guest stop now?"""
        if self.tripped is not None:
            return True
        now = time.monotonic()
        if now >= self.cpu_deadline:
            self.trip(CpuLimitExceeded(cause=f"ran more than {self.limits.cpu_ms} ms of JavaScript"))
            return True
        if now >= self.wall_deadline:
            self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
            return True
        return False

    def add_logs(self, text: str) -> None:
        if self.log_size > LOG_LIMIT:
            return
        self.log_size += len(text)
        self.logs.extend(text.splitlines() or [""])
        if self.log_size > LOG_LIMIT:
            self.logs.append(f"[dispatch_emu: log truncated at {LOG_LIMIT} bytes]")

    # -- the one host function the prelude calls: host(op, ...)

    def host(self, op: str, *args: Any) -> Any:
        if op == "fetch":
            return self.subrequest(*args)
        if op == "random":
            return os.urandom(max(0, min(int(args[0]), 65536)))
        return None

    def subrequest(self, method: str, url: str, headers: list[list[str]], body: bytes | None) -> dict[str, Any]:
        self.subrequests += 1
        limit = self.limits.subrequests
        assert limit is not None
        if self.subrequests > limit:
            self.trip(SubrequestLimitExceeded(cause=f"more than {limit} subrequests"))
            return {"error": SubrequestLimitExceeded.default_message}
        if self.outbound is None:
            return {"error": "fetch() is disabled: this worker has no outbound handler (dispatch_emu never uses the network)"}
        request = GuestRequest(
            method=str(method).upper(),
            url=str(url),
            headers=[(str(name), str(value)) for name, value in headers],
            body=bytes(body or b""),
        )
        started = time.monotonic()
        try:
            response = self.outbound(request)
        except Exception as error:  # a failed fetch() rejects, as in a Worker
            message = error.message if isinstance(error, WorkerError) else f"{type(error).__name__}: {error}"
            return {"error": str(message)}
        finally:
            # time in the outbound handler is not the guest's CPU time, but it is wall time
            self.cpu_deadline += time.monotonic() - started
            if time.monotonic() >= self.wall_deadline:
                self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
        return {
            "status": int(response.status),
            "headers": [[name, value] for name, value in response.headers],
            "body": bytes(response.body),
        }


# ---------------------------------------------------------------------- quickjs-rs


def _import_quickjs() -> Any:
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


class _Engine:
    """The two quickjs-rs internals this module needs, in one place."""

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

    @staticmethod
    def memory_size(context: Any) -> int:
        inst = context._engine_ctx._inst
        try:
            return int(inst.mem.data_len(inst.store))
        except Exception:
            return 0


class JsRunner:
    """Runs JavaScript workers for one :class:`~dispatch_emu.runtime.Runtime`.

    quickjs-rs runtimes are created lazily, one per memory limit in use (a quickjs-rs
    runtime holds the limit its contexts get); each request gets a new context. The
    caller must hold :data:`EXECUTION_LOCK`.
    """

    def __init__(self) -> None:
        self._qjs = _import_quickjs()
        self._runtime_: Any = None
        self._active: list[_Call] = []  # innermost last (an outbound handler may nest a run)
        self._closed = False

    # -- quickjs-rs runtimes

    def _runtime(self) -> Any:
        if self._runtime_ is None:
            # memory is capped per context on its wasm store (see _Engine.limit_memory)
            runtime = self._qjs.Runtime(memory_limit=None)
            _Engine.set_interrupt_handler(runtime, self._interrupt)
            runtime.set_module_loader(
                normalize=self._normalize, load=self._load, transform_flags=self._qjs.SourceTransform.NONE
            )
            self._runtime_ = runtime
        return self._runtime_

    def _interrupt(self) -> bool:
        return self._active[-1].poll() if self._active else False

    def _normalize(self, base: str, specifier: str) -> str | None:
        modules = self._active[-1].modules if self._active else {}
        if specifier in modules:
            return specifier
        if base not in modules:  # the prelude's import() of the main module
            joined = specifier
        else:
            joined = posixpath.join(posixpath.dirname(base), specifier)
        name = posixpath.normpath(joined).lstrip("/")
        return name if name in modules else None

    def _load(self, name: str) -> str | None:
        if not self._active:
            return None
        modules = self._active[-1].modules
        entry = modules.get(name)
        if entry is None:
            return None
        return module_source(name, entry[0], entry[1])

    # -- requests

    def run(
        self,
        code: WorkerCode,
        request: GuestRequest,
        *,
        env: Mapping[str, object],
        limits: ExecutionLimits,
        outbound: OutboundHandler | None,
    ) -> GuestResponse:
        """Run one request; raises a :class:`~dispatch_emu.errors.WorkerError` on failure."""
        call = _Call(code.name, self._modules_of(code), limits, outbound)
        kind = "module" if is_js_module(code.content_type) else "script"
        main = self._main_name(code)
        with EXECUTION_LOCK:
            outcome = self._execute(call, kind, main, code.wasm, request, env)
        return self._response(call, outcome)

    def check(self, name: str, main: str, modules: Mapping[str, tuple[str, bytes]], *, memory_limit: int) -> None:
        """Evaluate a worker's global scope as Cloudflare does at upload.

        Raises :class:`~dispatch_emu.errors.InvalidModule` (code 10021) with the uncaught
        error, e.g. a syntax error, a failed import, or an exception thrown at startup.
        """
        content_type, source = modules[main]
        limits = ExecutionLimits(
            cpu_ms=STARTUP_MS, wall_ms=STARTUP_MS * 2, memory_bytes=memory_limit, output_bytes=0, subrequests=0
        )
        call = _Call(name, modules, limits, None)
        kind = "module" if is_js_module(content_type) else "script"
        try:
            with EXECUTION_LOCK:
                outcome = self._execute(call, kind, main, source, None, {})
            if "error" in outcome:
                raise _thrown(call, outcome["error"])
        except WorkerError as error:
            detail = error.message
            if detail.startswith("Worker threw exception: "):
                detail = "Uncaught " + detail[len("Worker threw exception: "):]
            location = _location(error.cause)
            raise InvalidModule(f"{detail}{location} (the worker failed to start)") from error

    def _modules_of(self, code: WorkerCode) -> Mapping[str, tuple[str, bytes]]:
        modules = dict(code.modules or {})
        modules.setdefault(self._main_name(code), (code.content_type, code.wasm))
        return modules

    @staticmethod
    def _main_name(code: WorkerCode) -> str:
        return code.main_module or "worker.js"

    def _execute(
        self,
        call: _Call,
        kind: str,
        main: str,
        source: bytes,
        request: GuestRequest | None,
        env: Mapping[str, object],
    ) -> dict[str, Any]:
        """Start the worker and run it to its outcome: the prelude's dict (``error``,
        ``invalid``, ``loaded`` for a startup check, or ``status``/``headers``/``body``)."""
        if self._closed:
            raise RuntimeError("this JsRunner is closed")
        assert call.limits.memory_bytes is not None
        runtime = self._runtime()
        context = runtime.new_context(timeout=_CONTEXT_TIMEOUT)
        self._active.append(call)
        handles: list[Any] = []
        try:
            _Engine.limit_memory(context, call.limits.memory_bytes)
            context.register("__dispatch_emu_host", call.host, is_async=False)
            call.start_clock()
            context.eval(_prelude(), filename="dispatch_emu:prelude")
            api = context.eval_handle("__dispatch_emu", filename="dispatch_emu:api")
            handles.append(api)
            if kind == "script":
                # a service-worker script reads its bindings as globals; it runs here, at once
                handles.append(api.call_method("bind", dict(env)))
                context.eval(source.decode("utf-8", "replace"), filename=main)
                self._raise_tripped(call)
            start: dict[str, Any] = {"kind": kind, "main": main, "req": None, "env": dict(env)}
            body = None
            if request is not None:
                start["req"] = {
                    "method": request.method,
                    "url": request.url,
                    "headers": [[name, value] for name, value in request.headers],
                    "cf": request.cf,
                }
                body = bytes(request.body) if request.body else None
            handles.append(api.call_method("start", json.dumps(start), body))
            while True:
                _Engine.run_pending_jobs(context)
                self._raise_tripped(call)
                with api.call_method("step") as stepped:
                    outcome = stepped.to_python()
                self._raise_tripped(call)
                if isinstance(outcome, bytes):
                    result = _unpack(outcome)
                    for line in result.pop("logs", None) or ():
                        call.add_logs(str(line))
                    return result
                if not outcome:
                    raise WorkerException(
                        "The script will never generate a response.",
                        worker=call.worker,
                        cause="the fetch handler's promise is pending with nothing left to run",
                        logs=call.logs,
                    )
        except WorkerError as error:
            self._collect_logs(call, handles)
            failure = call.tripped or error
            failure.worker = failure.worker or call.worker
            failure.logs = list(call.logs)
            raise failure from None
        except self._qjs.QuickJSError as error:
            self._collect_logs(call, handles)
            raise self._translate(call, error, context) from None
        except Exception as error:  # a trap of the QuickJS guest itself (e.g. an allocation abort)
            if _memory_full(call, context):
                raise MemoryLimitExceeded(
                    worker=call.worker, cause=f"the guest failed with its memory at the limit: {error}", logs=call.logs
                ) from None
            raise WorkerException(
                f"Worker failed to run: {type(error).__name__}: {error}",
                worker=call.worker,
                cause=str(error),
                logs=call.logs,
            ) from None
        finally:
            call.memory_full = call.memory_full or _memory_full(call, context)
            for handle in reversed(handles):
                try:
                    handle.dispose()
                except Exception:  # the guest trapped: its store is unusable, close() frees it
                    pass
            self._active.pop()
            context.close()

    def _collect_logs(self, call: _Call, handles: list[Any]) -> None:
        """After a failure, the log lines the guest still holds (best effort: it may be out of memory)."""
        if not handles:
            return
        saved, call.tripped = call.tripped, None  # let the guest run this one call
        call.cpu_deadline = call.wall_deadline = float("inf")
        try:
            with handles[0].call_method("logs") as text:
                lines = json.loads(text.to_python())
            for line in lines:
                call.add_logs(str(line))
        except Exception:
            pass
        finally:
            call.tripped = saved

    @staticmethod
    def _raise_tripped(call: _Call) -> None:
        if call.tripped is not None:
            raise call.tripped

    def _translate(self, call: _Call, error: Exception, context: Any) -> WorkerError:
        if call.tripped is not None:
            call.tripped.logs = list(call.logs)
            return call.tripped
        if isinstance(error, self._qjs.MemoryLimitError) or call.memory_full or _memory_full(call, context):
            return MemoryLimitExceeded(worker=call.worker, cause="QuickJS ran out of memory", logs=call.logs)
        if isinstance(error, self._qjs.InterruptError):
            return WorkerException("Worker was interrupted.", worker=call.worker, cause=str(error), logs=call.logs)
        if isinstance(error, self._qjs.JSError):
            return _thrown(call, {"name": error.name, "message": error.message, "stack": error.stack or ""})
        return WorkerException(f"Worker failed to run: {error}", worker=call.worker, cause=str(error), logs=call.logs)

    def _response(self, call: _Call, outcome: Any) -> GuestResponse:
        if not isinstance(outcome, dict):
            raise WorkerException(
                "Worker returned a malformed response.", worker=call.worker, cause=repr(outcome)[:200], logs=call.logs
            )
        if "error" in outcome:
            raise _thrown(call, outcome["error"])
        if "invalid" in outcome:
            raise WorkerException(
                f"Worker returned no Response: {outcome['invalid']}.",
                worker=call.worker,
                cause=str(outcome["invalid"]),
                logs=call.logs,
            )
        body = outcome.get("body") or b""
        limit = call.limits.output_bytes
        assert limit is not None
        if len(body) > limit:
            raise OutputLimitExceeded(worker=call.worker, cause=f"response passed {limit} bytes", logs=call.logs)
        headers = [(str(name), str(value)) for name, value in outcome.get("headers") or []]
        return GuestResponse(status=int(outcome["status"]), headers=headers, body=bytes(body), logs=call.logs)

    # -- lifetime

    def close(self) -> None:
        with EXECUTION_LOCK:
            self._closed = True
            runtime, self._runtime_ = self._runtime_, None
            if runtime is not None:
                runtime.close()


def _memory_full(call: _Call, context: Any) -> bool:
    """Whether the context's linear memory is near the limit (as for wasm workers: less
    than ``max(1 MiB, limit / 8)`` of headroom), so a failure is the memory limit's doing."""
    limit = call.limits.memory_bytes or 0
    return limit - _Engine.memory_size(context) < max(MEMORY_MARGIN, limit // 8)


def _unpack(packed: bytes) -> dict[str, Any]:
    """The prelude's packed outcome: a length, JSON, then the body."""
    size = int.from_bytes(packed[:4], "big")
    outcome: dict[str, Any] = json.loads(packed[4 : 4 + size].decode("utf-8"))
    outcome["body"] = packed[4 + size :]
    return outcome


def _thrown(call: _Call, error: Mapping[str, Any]) -> WorkerError:
    """The error for an uncaught JS exception, described by the prelude or quickjs-rs."""
    name = str(error.get("name") or "")
    message = str(error.get("message") or "")
    stack = str(error.get("stack") or "")
    if (name == "InternalError" and "out of memory" in message) or call.memory_full:
        return MemoryLimitExceeded(worker=call.worker, cause="QuickJS ran out of memory", logs=call.logs)
    text = f"{name}: {message}" if name else message
    # the prelude's frames (QuickJS names its scripts eval_script) and native ones are noise
    frames = [line.rstrip() for line in stack.splitlines() if line.strip()]
    tail = [line for line in frames if "eval_script" not in line and "(native)" not in line][-STACK_TAIL:]
    cause = "\n".join([text, *tail]) if tail else text
    return WorkerException(f"Worker threw exception: {text}", worker=call.worker, cause=cause, logs=call.logs)


def _location(cause: str | None) -> str:
    """`` at index.js:3:7`` from the first stack line of a cause, if any."""
    for line in (cause or "").splitlines()[1:]:
        line = line.strip()
        if line.startswith("at "):
            return f"\n  {line}"
    return ""


__all__ = [
    "JS_MODULE_TYPES",
    "JS_SCRIPT_TYPES",
    "JS_TYPES",
    "QUICKJS_PACKAGE",
    "JsRunner",
    "base_type",
    "is_js",
    "is_js_module",
    "module_source",
    "quickjs_available",
]
