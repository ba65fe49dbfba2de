"""The runner of JavaScript workers: QuickJS contexts, prepared once and reused per worker version.

A request of a worker is served by a *prepared* context (the prelude evaluated, the main
module imported): with reuse on, the one a previous request of the same worker version
left in the pool (:mod:`~.pool`), else a new one prepared now. Module-level state of the
worker persists between the requests a context serves, as in a Cloudflare isolate; the
request's own state (deadlines, logs, subrequests, timers, the outbound handler,
``request.cf``) is new for each. After any failure the context is closed, never reused.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dispatch_emu.errors import InvalidModule, MemoryLimitExceeded, WorkerError, WorkerException
from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime._cpu import thread_cpu
from dispatch_emu.runtime._execution import GATE, Execution, Gate, current_or_none
from dispatch_emu.runtime._failures import MEMORY_MARGIN
from dispatch_emu.runtime._messages import GuestRequest, GuestResponse, WorkerCode
from dispatch_emu.runtime._pool import POOL_BYTES
from dispatch_emu.runtime._settings import ExecutionLimits
from dispatch_emu.runtime.js import _outcome as outcomes
from dispatch_emu.runtime.js._bindings import env_default
from dispatch_emu.runtime.js._call import JsCall
from dispatch_emu.runtime.js._images import keep_prelude_image, prelude_image
from dispatch_emu.runtime.js._modules import is_js_module, module_source, prelude
from dispatch_emu.runtime.js._pool import (
    CONTEXT_POOL_LIMIT,
    ContextKey,
    ContextPool,
    PreparedContext,
    SpareContexts,
    spare_key,
)
from dispatch_emu.runtime.js._quickjs import (
    QuickJsInternals,
    compiled_engine,
    engine_stack,
    import_quickjs,
    lean_instances,
)
from dispatch_emu.runtime.js._vm import JOB_BATCH, QuickJsVm, vm_source

#: Startup budget of an upload's check (Cloudflare: 1 s of CPU to evaluate the global scope).
STARTUP_MS = 1000

#: A context's own timeout, unused: this module's interrupt handler enforces the limits.
_CONTEXT_TIMEOUT = 24 * 3600.0

#: Wasm instances of closed contexts a runner keeps for its next contexts (~2 MiB each).
RECYCLED_INSTANCES = 2

#: What ``vm.js``'s poll() answers while there is no outcome yet: nothing left, a timer fired.
_WAITING = (b"0", b"1")

#: A context is not reused once less than ``1 / REUSE_HEADROOM`` of its memory limit (and
#: at least 1 MiB) is left after a request: wasm memory never shrinks, so the next request
#: would start near the cap and fail where a fresh context would not.
REUSE_HEADROOM = 4


@dataclass
class PendingWork:
    """A request answered while its ``ctx.waitUntil()`` work was still running."""

    execution: Execution
    call: JsCall
    prepared: PreparedContext
    key: ContextKey | None
    response: GuestResponse


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
        self,
        *,
        pool_limit: int = CONTEXT_POOL_LIMIT,
        cache_dir: str | None = None,
        pool_bytes: int = POOL_BYTES,
        gate: Gate = GATE,
    ) -> None:
        self._qjs = import_quickjs()
        self._cache_dir = cache_dir  # where the compiled QuickJS engine is kept (see quickjs.compiled_engine)
        self._runtime_: Any = None
        self.contexts = ContextPool(pool_limit, pool_bytes)
        self.spares = SpareContexts()  # what upload checks left prepared (see _pool.py)
        self.gate = gate  # the gate of upload checks (a dispatch's execution brings its own)
        self._create_lock = threading.Lock()
        self.created = 0  # contexts created (tests, benchmarks)
        self.restored = 0  # of which started from the image of the evaluated prelude
        self.recycled = 0  # of which on the wasm instance of a closed context (see _recycle)
        self._instances: list[tuple[Any, Any]] = []  # (instance, its image) of closed contexts, to reuse
        self._closed = False
        self._pending: list[PendingWork] = []  # requests answered with waitUntil() work left
        self._pending_lock = threading.Lock()
        self._local = threading.local()  # .depth: this thread's runs in progress (an outbound handler may nest one)

    # -- the quickjs-rs runtime, and the callbacks every context shares

    def _runtime(self) -> Any:
        if self._runtime_ is not None:
            return self._runtime_
        with self._create_lock:  # two threads' first requests must not make two runtimes
            return self._make_runtime()

    def _make_runtime(self) -> Any:
        if self._runtime_ is None:
            compiled_engine(self._cache_dir)
            native_stack.ensure_room(engine_stack())  # the engine is made now: its stack is known
            # memory is capped per context on its wasm store (see QuickJsInternals.limit_memory)
            runtime = self._qjs.Runtime(memory_limit=None)
            lean_instances(runtime)
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
            env_digest = _env_digest(env_json)
            key = ContextKey(code.identity, code.version, kind, main, code.digest, limits.memory_bytes, env_digest)
        if self._pending and getattr(self._local, "depth", 0) == 0:
            self.drain_pending()  # earlier requests' waitUntil() work runs before this one
        prepared = self.contexts.take_prepared(key, call.modules) if key is not None else None
        if prepared is None and kind == "module":
            prepared = self.spares.take(spare_key(main, call.modules, limits.memory_bytes))
            if prepared is not None:
                for line in prepared.startup_logs:
                    call.add_logs(line)
        if prepared is None:
            prepared = self._open(call)
        keep = deferred = False
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            prepared.recycle = None  # a guest stopped by a limit or a trap: its instance is not reused
            result = self._execute(call, prepared, kind, main, code.wasm, request, env, env_json)
            prepared.recycle = self._recycle
            response = outcomes.response(call, result)
            prepared.requests += 1
            if result.get("pending"):
                # waitUntil() work is left: the response goes now, the work runs later
                # (drain_pending), and the context is not reused before it is done
                call.cpu_left = max(0.0, call.cpu_deadline - thread_cpu())
                with self._pending_lock:
                    self._pending.append(PendingWork(execution, call, prepared, key, response))
                deferred = True
            else:
                keep = key is not None and not self._closed and not _worn(call, prepared.context)
            return response
        finally:
            self._local.depth -= 1
            if keep:
                assert key is not None
                self.contexts.give(key, prepared)
            elif not deferred:
                prepared.close()

    # -- waitUntil() work, after the response

    @property
    def has_pending(self) -> bool:
        """Whether a request's ``ctx.waitUntil()`` work is still to run."""
        return bool(self._pending)

    def drain_pending(self) -> None:
        """Run the ``waitUntil()`` work of answered requests to its end.

        Each request's work runs as its own execution again (current on the thread, the
        gate held), with the CPU time its request had left and a new wall budget; a
        failure (an exception, a limit) goes to that request's log (the ``logs`` of the
        response already returned), never to its response. A context whose work ended
        cleanly goes back to the pool.
        """
        while True:
            with self._pending_lock:  # requests on other threads add and drain work too
                if not self._pending:
                    return
                work = self._pending.pop(0)
            # Runtime.run cleared the execution's state when the request returned (to break
            # a cycle): the interrupt handler and host calls find the call through it again
            work.execution.state = work.call
            try:
                with work.execution.active(), work.execution.gate.held():
                    self._finish(work)
            finally:
                work.execution.state = None

    def drop_pending(self) -> None:
        """Forget the pending waitUntil() work, closing its contexts (a reset)."""
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for work in pending:
            work.prepared.close()

    def _finish(self, work: PendingWork) -> None:
        call, prepared = work.call, work.prepared
        call.tripped = None
        call.cpu_deadline = thread_cpu() + call.cpu_left  # CPU time of the thread that runs it
        assert call.limits.wall_ms is not None
        call.wall_deadline = time.monotonic() + call.limits.wall_ms / 1000
        clean = False
        failure: str | None = None
        answered = len(call.logs)
        vm = prepared.vm
        assert vm is not None
        api = vm.api_handle()  # drain() is a rarely used entry point: through a quickjs-rs Handle
        try:
            while True:
                self._run_jobs(call, vm)
                with api.call_method("drain") as drained:
                    state = drained.to_python()
                self._raise_tripped(call)
                if state == "done":
                    clean = True
                    break
                if state == "stuck":
                    call.add_logs(
                        "waitUntil(): a promise never settled (nothing was left to run); its work was dropped", "warn"
                    )
                    clean = True
                    break
        except WorkerError as error:
            failure = error.message
        except self._qjs.QuickJSError as error:
            failure = self._translate(call, error, prepared.context).message
        except Exception as error:  # the guest trapped
            failure = f"{type(error).__name__}: {error}"
        finally:
            try:
                api.dispose()
            except Exception:  # the guest trapped: its store is unusable, closing frees it
                pass
            self._collect_logs(call, prepared)  # what the guest logged before it failed, first
            if failure is not None:
                call.add_logs(f"Uncaught (in waitUntil) {failure}", "error")
            late = call.logs[answered:]
            if late and work.response.on_late_logs is not None:
                work.response.on_late_logs(list(late))
            if clean and work.key is not None and not self._closed and not _worn(call, prepared.context):
                self.contexts.give(work.key, prepared)
            else:
                if failure is not None:
                    prepared.recycle = None  # (as in run: only instances that stopped cleanly are reused)
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
                spare = False
                try:
                    prepared.recycle = None  # (as in run: only instances that stopped cleanly are reused)
                    result = self._execute(call, prepared, kind, main, source, None, {}, "{}")
                    prepared.recycle = self._recycle
                    # a module worker's global scope never sees its bindings: what it left is
                    # what any deployment of these modules would start from
                    spare = kind == "module" and prepared.ready and not self._closed
                    if spare:
                        prepared.startup_logs = list(call.logs)
                        self.spares.give(spare_key(main, modules, memory_limit), prepared)
                finally:
                    if not spare:
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
        runtime = self._runtime()
        with self._create_lock:
            inst, held = self._instances.pop() if self._instances else (None, None)
        if inst is not None and prelude_image(_imaged_text(), inst.build_id) is not held:
            inst.close()  # the image it holds is no longer the one contexts start from
            inst = None
        if inst is not None:
            self.recycled += 1
            try:
                with QuickJsInternals.adopting(inst):
                    context = runtime.new_context(timeout=_CONTEXT_TIMEOUT)
            except BaseException:
                inst.close()
                raise
        else:
            context = runtime.new_context(timeout=_CONTEXT_TIMEOUT)
        vm = QuickJsVm(context)
        if inst is not None:
            vm.held = held  # what _prepare resets it to, even if the images were dropped since
        return PreparedContext(context, call.modules, vm=vm, recycle=self._recycle)

    def _recycle(self, prepared: PreparedContext) -> bool:
        """Keep a closing context's wasm instance for a later context (at most
        ``RECYCLED_INSTANCES``): a new instance and the image written into it cost about
        three times what resetting a used one does. Only an instance that started from the
        prelude's image and whose memory never grew past it qualifies; the next context
        resets its whole memory and its stack pointer to the image's (``QuickJsVm.restore``),
        the wasm instance's only state (the guest has no other mutable global, and its one
        table is fixed), so it starts exactly as a new instance restored from the image."""
        vm = prepared.vm
        try:
            if vm is None or vm.held is None or self._closed or len(self._instances) >= RECYCLED_INSTANCES:
                return False
            held = vm.held
            if QuickJsInternals.memory_size(prepared.context) != held.size or len(held.whole) != held.size:
                return False
            with self._create_lock:
                if len(self._instances) >= RECYCLED_INSTANCES or self._closed:
                    return False
                inst = QuickJsInternals.detach(prepared.context)
                if inst is None:
                    return False
                self._instances.append((inst, held))
            return True
        except Exception:  # whatever went wrong, the context is closed as before
            return False

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
            assert prepared.vm is not None
            prepared.vm.start(started, body)
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
            if "call stack exhausted" in str(error):
                # QuickJS's own check throws a catchable RangeError first for JavaScript
                # recursion (quickjs.arm_stack_check); C recursion that uses more native stack
                # per level (JSON.parse/stringify nested ~30,000 deep) still exhausts the wasm
                # stack, which JavaScript cannot catch: it fails like an uncaught RangeError
                # (and the context, whose guest trapped, is closed)
                raise WorkerException(
                    "Worker threw exception: RangeError: Maximum call stack size exceeded",
                    worker=call.worker,
                    cause="the JavaScript call stack overflowed (the QuickJS guest exhausted its wasm stack)",
                    logs=call.logs,
                ) from None
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
        """Cap a new context's memory, evaluate the prelude (or restore the image of an
        evaluated one), start the worker; the load outcome."""
        context, vm = prepared.context, prepared.vm
        assert call.limits.memory_bytes is not None and vm is not None
        QuickJsInternals.limit_memory(context, call.limits.memory_bytes)
        call.start_clock()  # the prelude runs under the limits too (it must never hang a request)...
        source_text = prelude()
        imaged = _imaged_text()
        # a recycled instance is reset to the image it held; a new one restores the current image
        image = vm.held if vm.held is not None else prelude_image(imaged, vm.inst.build_id)
        if image is not None:
            # one host function for the context's whole life: it serves whichever call is active
            vm.restore(image, self._host)
            self.restored += 1
        else:
            vm.register_host(self._host, for_image=True)
            context.eval(source_text, filename="dispatch_emu:prelude")
            vm.bind()
            keep_prelude_image(imaged, vm.image())
        call.start_clock()  # ...but its time is the platform's, not the worker's: the worker's starts now
        if kind == "script":
            # a service-worker script reads its bindings as globals; it runs here, at once
            prepared.api = vm.api_handle()
            with prepared.api.call_method("bind", json.loads(_env_json(call, env))):
                pass
            context.eval(source.decode("utf-8", "replace"), filename=main)
            self._raise_tripped(call)
        vm.load(kind, main)
        loaded = self._drive(call, prepared)
        prepared.ready = "loaded" in loaded
        return loaded

    def _run_jobs(self, call: JsCall, vm: QuickJsVm) -> None:
        """Run every queued promise job, the ones those queue too included.

        The engine runs at most ``JOB_BATCH`` jobs a call and returns; a worker awaiting in a
        loop of 100k iterations queues more than that, and stopping after one batch took it
        for a promise that would never settle."""
        while vm.run_jobs() >= JOB_BATCH:
            self._raise_tripped(call)
        self._raise_tripped(call)

    def _drive(self, call: JsCall, prepared: PreparedContext) -> dict[str, Any]:
        """Run promise jobs and timers until the prelude has an outcome."""
        vm = prepared.vm
        assert vm is not None
        while True:
            self._run_jobs(call, vm)
            polled = vm.poll()
            self._raise_tripped(call)
            if polled not in _WAITING:  # the outcome (see vm.js)
                result = outcomes.unpack(polled, vm)
                call.add_guest_logs(result.pop("logs", None), result.pop("levels", None))
                return result
            if polled != b"1":  # "1": a timer fired
                raise WorkerException(
                    "The script will never generate a response.",
                    worker=call.worker,
                    cause="the fetch handler's promise is pending with nothing left to run",
                    logs=call.logs,
                )

    def _collect_logs(self, call: JsCall, prepared: PreparedContext) -> None:
        """After a failure, the log lines the guest still holds (best effort: it may be out of memory)."""
        if prepared.vm is None or not prepared.vm.bound:
            return
        saved, call.tripped = call.tripped, None  # let the guest run this one call
        call.cpu_deadline = call.wall_deadline = float("inf")
        try:
            if prepared.api is None:
                prepared.api = prepared.vm.api_handle()
            with prepared.api.call_method("logs") as text:
                kept = json.loads(text.to_python())
            call.add_guest_logs(kept["logs"], kept["levels"])
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
        """Close the pooled contexts and the quickjs-rs runtime (pending waitUntil() work is
        dropped; the runtime waits for its requests in progress before it closes its engines)."""
        with self._pending_lock:
            self._closed = True
            pending, self._pending = list(self._pending), []
        for work in pending:
            work.prepared.close()
        self.contexts.close()
        self.spares.close()
        with self._create_lock:
            instances, self._instances = self._instances, []
        for inst, _ in instances:
            inst.close()
        runtime, self._runtime_ = self._runtime_, None
        if runtime is not None:
            runtime.close()


def _imaged_text() -> str:
    """The prelude and ``vm.js``, what an image is of: one string object while the parts
    are the same (both are read once per process), so its digest is looked up, not redone."""
    global _IMAGED
    source, vm = prelude(), vm_source()
    cached = _IMAGED
    if cached is None or cached[0] is not source or cached[1] is not vm:
        cached = _IMAGED = (source, vm, source + vm)
    return cached[2]


_IMAGED: tuple[str, str, str] | None = None


def _current_call() -> JsCall | None:
    """The JavaScript call of the execution running on this thread, if it is one."""
    execution = current_or_none()
    state = execution.state if execution is not None else None
    return state if isinstance(state, JsCall) else None


_ENV_ENCODER = json.JSONEncoder(default=env_default)


def _env_json(call: JsCall, env: Mapping[str, object]) -> str:
    if not env:  # most workers have no bindings
        return "{}"
    try:
        return _ENV_ENCODER.encode(dict(env))  # (json.dumps with a default= builds an encoder a call)
    except (TypeError, ValueError) as error:
        raise WorkerException(
            f"Worker failed to run: {type(error).__name__}: {error}", worker=call.worker, cause=str(error)
        ) from None


@functools.lru_cache(maxsize=256)
def _env_digest(env_json: str) -> str:
    """The sha256 of a worker's bindings' JSON (most requests repeat a handful)."""
    return hashlib.sha256(env_json.encode()).hexdigest()


def _memory_full(call: JsCall, context: Any) -> bool:
    """Whether the context's linear memory is near the limit (as for wasm workers: less
    than ``max(1 MiB, limit / 8)`` of headroom), so a failure is the memory limit's doing."""
    limit = call.limits.memory_bytes or 0
    return limit - QuickJsInternals.memory_size(context) < max(MEMORY_MARGIN, limit // 8)


def _worn(call: JsCall, context: Any) -> bool:
    """Whether a context that served a request has too little memory left to be reused."""
    limit = call.limits.memory_bytes or 0
    return limit - QuickJsInternals.memory_size(context) < max(MEMORY_MARGIN, limit // REUSE_HEADROOM)


__all__ = ["RECYCLED_INSTANCES", "REUSE_HEADROOM", "STARTUP_MS", "JsRunner", "PendingWork"]
