"""The runner of JavaScript workers: QuickJS contexts, prepared once and reused per worker version.

A request of a worker is served by a *prepared* context (the prelude evaluated, the main
module imported): with reuse on, the one a previous request of the same worker version
left in the pool (:mod:`~.pool`), else a new one prepared now. Module-level state of the
worker persists between the requests a context serves, as in a Cloudflare isolate; the
request's own state (deadlines, logs, subrequests, timers, the outbound handler,
``request.cf``) is new for each. After any failure the context is closed, never reused.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import threading
from collections.abc import Mapping
from typing import Any

from dispatch_emu.errors import InvalidModule, MemoryLimitExceeded, WorkerError, WorkerException
from dispatch_emu.runtime.execution import GATE, Execution, Gate, current_or_none
from dispatch_emu.runtime.failures import MEMORY_MARGIN
from dispatch_emu.runtime.js import outcome as outcomes
from dispatch_emu.runtime.js.call import JsCall
from dispatch_emu.runtime.js.modules import is_js_module, module_source, prelude
from dispatch_emu.runtime.js.pool import CONTEXT_POOL_LIMIT, ContextKey, ContextPool, PreparedContext
from dispatch_emu.runtime.js.quickjs import QuickJsInternals, import_quickjs
from dispatch_emu.runtime.messages import GuestRequest, GuestResponse, WorkerCode
from dispatch_emu.runtime.pool import POOL_BYTES
from dispatch_emu.runtime.settings import ExecutionLimits

#: Startup budget of an upload's check (Cloudflare: 1 s of CPU to evaluate the global scope).
STARTUP_MS = 1000

#: A context's own timeout, unused: this module's interrupt handler enforces the limits.
_CONTEXT_TIMEOUT = 24 * 3600.0

#: A context is not reused once less than ``1 / REUSE_HEADROOM`` of its memory limit (and
#: at least 1 MiB) is left after a request: wasm memory never shrinks, so the next request
#: would start near the cap and fail where a fresh context would not.
REUSE_HEADROOM = 4


class JsRunner:
    """Runs JavaScript workers for one :class:`~dispatch_emu.runtime.Runtime`.

    One quickjs-rs runtime, created lazily, holds the interrupt handler and the module
    loader every context uses; each context is its own wasm instance. ``pool_limit`` and
    ``pool_bytes`` bound the idle prepared contexts kept for reuse. :meth:`run` is called
    with the execution's gate held and the execution current on the thread; :meth:`check`
    takes both itself (with ``gate``). Requests may run on many threads at once: every
    callback serves the calling thread's current execution.
    """

    def __init__(
        self, *, pool_limit: int = CONTEXT_POOL_LIMIT, pool_bytes: int = POOL_BYTES, gate: Gate = GATE
    ) -> None:
        self._qjs = import_quickjs()
        self._runtime_: Any = None
        self.contexts = ContextPool(pool_limit, pool_bytes)
        self.gate = gate  # the gate of upload checks (a dispatch's execution brings its own)
        self._create_lock = threading.Lock()
        self.created = 0  # contexts created (tests, benchmarks)
        self._closed = False

    # -- the quickjs-rs runtime, and the callbacks every context shares

    def _runtime(self) -> Any:
        if self._runtime_ is not None:
            return self._runtime_
        with self._create_lock:  # two threads' first requests must not make two runtimes
            return self._make_runtime()

    def _make_runtime(self) -> Any:
        if self._runtime_ is None:
            # memory is capped per context on its wasm store (see QuickJsInternals.limit_memory)
            runtime = self._qjs.Runtime(memory_limit=None)
            QuickJsInternals.set_interrupt_handler(runtime, self._interrupt)
            runtime.set_module_loader(
                normalize=self._normalize, load=self._load, transform_flags=self._qjs.SourceTransform.NONE
            )
            self._runtime_ = runtime
        return self._runtime_

    # Only the innermost execution of a thread runs guest code (an outer one is blocked in
    # its outbound handler), so every callback serves the thread's current execution.
    # That is also what lets a reused context reach the call of its current request.

    def _interrupt(self) -> bool:
        call = _current_call()
        return call.poll() if call is not None else False

    def _host(self, op: str, *args: Any) -> Any:
        call = _current_call()
        return call.host(op, *args) if call is not None else None

    def _normalize(self, base: str, specifier: str) -> str | None:
        call = _current_call()
        modules = call.modules if call is not None else {}
        if specifier in modules:
            return specifier
        if base not in modules:  # the prelude's import() of the main module
            joined = specifier
        else:
            joined = posixpath.join(posixpath.dirname(base), specifier)
        name = posixpath.normpath(joined).lstrip("/")
        return name if name in modules else None

    def _load(self, name: str) -> str | None:
        call = _current_call()
        if call is None:
            return None
        modules = call.modules
        entry = modules.get(name)
        if entry is None:
            return None
        return module_source(name, entry[0], entry[1])

    # -- requests

    def run(self, execution: Execution, *, reuse: bool = False) -> GuestResponse:
        """Run one request; raises a :class:`~dispatch_emu.errors.WorkerError` on failure.

        With ``reuse``, the request is served by the pooled context of this worker
        version if there is one, and its context goes back to the pool if it succeeds.
        """
        code, limits, env, request = execution.code, execution.limits, execution.env, execution.request
        assert request is not None
        call = execution.state = JsCall(execution, self._modules_of(code))
        kind = "module" if is_js_module(code.content_type) else "script"
        main = self._main_name(code)
        env_json = _env_json(call, env)
        assert limits.memory_bytes is not None
        key = None
        if reuse:
            env_digest = hashlib.sha256(env_json.encode()).hexdigest()
            key = ContextKey(code.identity, code.version, kind, main, code.digest, limits.memory_bytes, env_digest)
        prepared = self.contexts.take_prepared(key, call.modules) if key is not None else None
        if prepared is None:
            prepared = self._open(call)
        keep = False
        try:
            result = self._execute(call, prepared, kind, main, code.wasm, request, env, env_json)
            response = outcomes.response(call, result)
            prepared.requests += 1
            keep = key is not None and not self._closed and not _worn(call, prepared.context)
            return response
        finally:
            if keep:
                assert key is not None
                self.contexts.give(key, prepared)
            else:
                prepared.close()

    def check(self, name: str, main: str, modules: Mapping[str, tuple[str, bytes]], *, memory_limit: int) -> None:
        """Evaluate a worker's global scope as Cloudflare does at upload.

        Raises :class:`~dispatch_emu.errors.InvalidModule` (code 10021) with the uncaught
        error, e.g. a syntax error, a failed import, or an exception thrown at startup.
        """
        content_type, source = modules[main]
        limits = ExecutionLimits(
            cpu_ms=STARTUP_MS, wall_ms=STARTUP_MS * 2, memory_bytes=memory_limit, output_bytes=0, subrequests=0
        )
        code = WorkerCode(name=name, wasm=source, digest="", content_type=content_type, main_module=main)
        execution = Execution(code, None, env={}, limits=limits, gate=self.gate)
        call = execution.state = JsCall(execution, modules)
        kind = "module" if is_js_module(content_type) else "script"
        try:
            with execution.active(), execution.gate.held():
                prepared = self._open(call)
                try:
                    result = self._execute(call, prepared, kind, main, source, None, {}, "{}")
                finally:
                    prepared.close()
            if "error" in result:
                raise outcomes.thrown(call, result["error"])
        except WorkerError as error:
            detail = error.message
            if detail.startswith("Worker threw exception: "):
                detail = "Uncaught " + detail[len("Worker threw exception: "):]
            location = outcomes.location(error.cause)
            raise InvalidModule(f"{detail}{location} (the worker failed to start)") from error

    def _modules_of(self, code: WorkerCode) -> Mapping[str, tuple[str, bytes]]:
        modules = dict(code.modules or {})
        modules.setdefault(self._main_name(code), (code.content_type, code.wasm))
        return modules

    @staticmethod
    def _main_name(code: WorkerCode) -> str:
        return code.main_module or "worker.js"

    def _open(self, call: JsCall) -> PreparedContext:
        """A new, unprepared context (the caller holds the gate)."""
        if self._closed:
            raise RuntimeError("this JsRunner is closed")
        self.created += 1
        return PreparedContext(self._runtime().new_context(timeout=_CONTEXT_TIMEOUT), call.modules)

    def _execute(
        self,
        call: JsCall,
        prepared: PreparedContext,
        kind: str,
        main: str,
        source: bytes,
        request: GuestRequest | None,
        env: Mapping[str, object],
        env_json: str,
    ) -> dict[str, Any]:
        """Prepare the context if it is new, then serve ``request`` in it: the prelude's
        outcome (``error``, ``invalid``, ``loaded`` for a startup check, or
        ``status``/``headers``/``body``). The caller closes the context after a failure."""
        context = prepared.context
        try:
            if not prepared.ready:
                loaded = self._prepare(call, prepared, kind, main, source, env)
                if request is None or "error" in loaded:
                    return loaded
            else:
                call.start_clock()
            assert request is not None
            req = {
                "method": request.method,
                "url": request.url,
                "headers": [[name, value] for name, value in request.headers],
                "cf": request.cf,
            }
            body = bytes(request.body) if request.body else None
            started = '{"req": ' + json.dumps(req) + ', "env": ' + env_json + "}"
            with prepared.api.call_method("start", started, body):
                pass
            return self._drive(call, prepared)
        except WorkerError as error:
            self._collect_logs(call, prepared)
            failure = call.tripped or error
            failure.worker = failure.worker or call.worker
            failure.logs = list(call.logs)
            raise failure from None
        except self._qjs.QuickJSError as error:
            self._collect_logs(call, prepared)
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

    def _prepare(
        self,
        call: JsCall,
        prepared: PreparedContext,
        kind: str,
        main: str,
        source: bytes,
        env: Mapping[str, object],
    ) -> dict[str, Any]:
        """Cap a new context's memory, evaluate the prelude, start the worker; the load outcome."""
        context = prepared.context
        assert call.limits.memory_bytes is not None
        QuickJsInternals.limit_memory(context, call.limits.memory_bytes)
        # one host function for the context's whole life: it serves whichever call is active
        context.register("__dispatch_emu_host", self._host, is_async=False)
        call.start_clock()
        context.eval(prelude(), filename="dispatch_emu:prelude")
        prepared.api = context.eval_handle("__dispatch_emu", filename="dispatch_emu:api")
        if kind == "script":
            # a service-worker script reads its bindings as globals; it runs here, at once
            with prepared.api.call_method("bind", dict(env)):
                pass
            context.eval(source.decode("utf-8", "replace"), filename=main)
            self._raise_tripped(call)
        with prepared.api.call_method("load", kind, main):
            pass
        loaded = self._drive(call, prepared)
        prepared.ready = "loaded" in loaded
        return loaded

    def _drive(self, call: JsCall, prepared: PreparedContext) -> dict[str, Any]:
        """Run promise jobs and timers until the prelude has an outcome."""
        while True:
            QuickJsInternals.run_pending_jobs(prepared.context)
            self._raise_tripped(call)
            with prepared.api.call_method("step") as stepped:
                outcome = stepped.to_python()
            self._raise_tripped(call)
            if isinstance(outcome, bytes):
                result = outcomes.unpack(outcome)
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

    def _collect_logs(self, call: JsCall, prepared: PreparedContext) -> None:
        """After a failure, the log lines the guest still holds (best effort: it may be out of memory)."""
        if prepared.api is None:
            return
        saved, call.tripped = call.tripped, None  # let the guest run this one call
        call.cpu_deadline = call.wall_deadline = float("inf")
        try:
            with prepared.api.call_method("logs") as text:
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
            return outcomes.thrown(call, {"name": error.name, "message": error.message, "stack": error.stack or ""})
        return WorkerException(f"Worker failed to run: {error}", worker=call.worker, cause=str(error), logs=call.logs)

    # -- lifetime

    def close(self) -> None:
        """Close the pooled contexts and the quickjs-rs runtime (the runtime waits for its
        requests in progress before it closes its engines)."""
        self._closed = True
        self.contexts.close()
        runtime, self._runtime_ = self._runtime_, None
        if runtime is not None:
            runtime.close()


def _current_call() -> JsCall | None:
    """The JavaScript call of the execution running on this thread, if it is one."""
    execution = current_or_none()
    state = execution.state if execution is not None else None
    return state if isinstance(state, JsCall) else None


def _env_json(call: JsCall, env: Mapping[str, object]) -> str:
    try:
        return json.dumps(dict(env))
    except (TypeError, ValueError) as error:
        raise WorkerException(
            f"Worker failed to run: {type(error).__name__}: {error}", worker=call.worker, cause=str(error)
        ) from None


def _memory_full(call: JsCall, context: Any) -> bool:
    """Whether the context's linear memory is near the limit (as for wasm workers: less
    than ``max(1 MiB, limit / 8)`` of headroom), so a failure is the memory limit's doing."""
    limit = call.limits.memory_bytes or 0
    return limit - QuickJsInternals.memory_size(context) < max(MEMORY_MARGIN, limit // 8)


def _worn(call: JsCall, context: Any) -> bool:
    """Whether a context that served a request has too little memory left to be reused."""
    limit = call.limits.memory_bytes or 0
    return limit - QuickJsInternals.memory_size(context) < max(MEMORY_MARGIN, limit // REUSE_HEADROOM)


__all__ = ["REUSE_HEADROOM", "STARTUP_MS", "JsRunner"]
