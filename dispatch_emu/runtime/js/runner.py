"""The runner of JavaScript workers: a fresh QuickJS context per request."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

from dispatch_emu.errors import (
    InvalidModule,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime.engine import EXECUTION_LOCK
from dispatch_emu.runtime.failures import MEMORY_MARGIN
from dispatch_emu.runtime.js.call import JsCall
from dispatch_emu.runtime.js.modules import is_js_module, module_source, prelude
from dispatch_emu.runtime.js.quickjs import QuickJsInternals, import_quickjs
from dispatch_emu.runtime.messages import GuestRequest, GuestResponse, OutboundHandler, WorkerCode
from dispatch_emu.runtime.settings import ExecutionLimits

#: Startup budget of an upload's check (Cloudflare: 1 s of CPU to evaluate the global scope).
STARTUP_MS = 1000

#: A context's own timeout, unused: this module's interrupt handler enforces the limits.
_CONTEXT_TIMEOUT = 24 * 3600.0

#: Lines of a JS stack kept in an error's ``cause``.
STACK_TAIL = 10


class JsRunner:
    """Runs JavaScript workers for one :class:`~dispatch_emu.runtime.Runtime`.

    quickjs-rs runtimes are created lazily, one per memory limit in use (a quickjs-rs
    runtime holds the limit its contexts get); each request gets a new context. The
    caller must hold :data:`EXECUTION_LOCK`.
    """

    def __init__(self) -> None:
        self._qjs = import_quickjs()
        self._runtime_: Any = None
        self._active: list[JsCall] = []  # innermost last (an outbound handler may nest a run)
        self._closed = False

    # -- quickjs-rs runtimes

    def _runtime(self) -> Any:
        if self._runtime_ is None:
            # memory is capped per context on its wasm store (see QuickJsInternals.limit_memory)
            runtime = self._qjs.Runtime(memory_limit=None)
            QuickJsInternals.set_interrupt_handler(runtime, self._interrupt)
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
        call = JsCall(code.name, self._modules_of(code), limits, outbound)
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
        call = JsCall(name, modules, limits, None)
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
        call: JsCall,
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
            QuickJsInternals.limit_memory(context, call.limits.memory_bytes)
            context.register("__dispatch_emu_host", call.host, is_async=False)
            call.start_clock()
            context.eval(prelude(), filename="dispatch_emu:prelude")
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
                QuickJsInternals.run_pending_jobs(context)
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

    def _collect_logs(self, call: JsCall, handles: list[Any]) -> None:
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
    def _raise_tripped(call: JsCall) -> None:
        if call.tripped is not None:
            raise call.tripped

    def _translate(self, call: JsCall, error: Exception, context: Any) -> WorkerError:
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

    def _response(self, call: JsCall, outcome: Any) -> GuestResponse:
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


def _memory_full(call: JsCall, context: Any) -> bool:
    """Whether the context's linear memory is near the limit (as for wasm workers: less
    than ``max(1 MiB, limit / 8)`` of headroom), so a failure is the memory limit's doing."""
    limit = call.limits.memory_bytes or 0
    return limit - QuickJsInternals.memory_size(context) < max(MEMORY_MARGIN, limit // 8)


def _unpack(packed: bytes) -> dict[str, Any]:
    """The prelude's packed outcome: a length, JSON, then the body."""
    size = int.from_bytes(packed[:4], "big")
    outcome: dict[str, Any] = json.loads(packed[4 : 4 + size].decode("utf-8"))
    outcome["body"] = packed[4 + size :]
    return outcome


def _thrown(call: JsCall, error: Mapping[str, Any]) -> WorkerError:
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


__all__ = ["STARTUP_MS", "JsRunner"]
