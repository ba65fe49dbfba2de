"""The runtime: compile, validate and run user workers.

::

    from dispatch_emu.runtime import GuestRequest, Runtime, WorkerCode

    with Runtime() as runtime:
        abi = runtime.validate(wasm)           # at upload: InvalidModule if unusable
        code = WorkerCode.from_bytes("hello", wasm, version=etag)
        response = runtime.run(code, GuestRequest("GET", "https://example.com/", []),
                               env={"GREETING": "hi"})

A runtime holds no scripts: the caller passes the code, bindings and limits of each
request. It holds *engines* (:mod:`~dispatch_emu.runtime._engines`): the WebAssembly engine
(:mod:`~dispatch_emu.runtime._wasm`) and the JavaScript engine
(:mod:`~dispatch_emu.runtime.js._engine`), plus any a plugin adds. :meth:`Runtime.run` is
the path of every request:

1. :meth:`Runtime.engine_for` picks the engine of the main module (the one place it is
   decided, by content type and magic bytes);
2. an :class:`~dispatch_emu.runtime._execution.Execution` is made for the request, with the
   limits completed from the settings;
3. with the execution current on the thread and its gate held, the engine runs it;
4. a failure leaves with the execution's context (worker name, logs) attached.

Runtimes with equal engine configuration share one wasmtime engine and its compiled
modules (:mod:`dispatch_emu.runtime._engine`), so creating many is cheap. Each runtime
owns its pooled instances and contexts: :meth:`Runtime.reset` drops them,
:meth:`Runtime.close` closes everything, and the wasmtime engine's epoch timer stops
when no open runtime uses it.

With a plugin manager, pass ``hooks=Hooks(pm)`` (:class:`dispatch_emu._hooks.Hooks`): plugins
configure the wasmtime engine (``dispatch_emu_configure_engine``), add ABIs
(``dispatch_emu_register_abis``) and engines (``dispatch_emu_register_engines``). Without
one, the built-in runtime plugin (:mod:`dispatch_emu.runtime._builtin`) is the only one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from dispatch_emu._content import is_wasm
from dispatch_emu.errors import InvalidModule, WorkerError, WorkerException
from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime._builtin import BUILTIN_HOOKS
from dispatch_emu.runtime._engines import EngineRegistry, RuntimeHooks, WorkerEngine
from dispatch_emu.runtime._execution import Execution, execution_stack, gate_for
from dispatch_emu.runtime._messages import (
    GuestRequest,
    GuestResponse,
    OutboundHandler,
    ServiceHandler,
    WorkerCode,
)
from dispatch_emu.runtime._settings import ExecutionLimits, RuntimeSettings
from dispatch_emu.runtime._wasm import WasmEngine

#: How long :meth:`Runtime.close` waits for requests in progress to end.
CLOSE_WAIT_S = 30.0

if TYPE_CHECKING:
    import wasmtime

    from dispatch_emu.runtime._abi import AbiRegistry, GuestAbi
    from dispatch_emu.runtime._cache import CacheStats
    from dispatch_emu.runtime._engine import EngineHost
    from dispatch_emu.runtime._messages import Upload
    from dispatch_emu.runtime._pool import InstancePool


#: Engine choices remembered per runtime before the memo starts over.
_ENGINE_MEMO_LIMIT = 4096


class Runtime:
    """Runs user workers with limits; see the module documentation."""

    def __init__(self, settings: RuntimeSettings | None = None, *, hooks: RuntimeHooks | None = None) -> None:
        self.settings = settings if settings is not None else RuntimeSettings()
        self.hooks: RuntimeHooks = hooks if hooks is not None else BUILTIN_HOOKS
        self.engines = EngineRegistry(self.hooks.engines(self))
        # (content type, digest) → engine: the choice is a pure function of the module, and
        # asking every engine's accepts() again on each dispatch is a cost on the hot path
        self._engine_of: dict[tuple[str, str], WorkerEngine] = {}
        self._default_limits = ExecutionLimits().filled(self.settings)
        self.gate = gate_for(self.settings.serialize_guests)
        self._lock = threading.Lock()
        self._running = 0  # requests in progress (reset and close wait for them)
        self._drained = threading.Condition(self._lock)
        self._closed = False

    # -- engines

    def engine_for(self, code: WorkerCode) -> WorkerEngine:
        """The engine that runs ``code``'s main module; a clear ``WorkerException`` if none does."""
        key = (code.content_type, code.digest)
        engine = self._engine_of.get(key)
        if engine is not None:
            return engine
        engine = self.engines.select(code.content_type, code.wasm)
        if engine is None:
            raise WorkerException(
                f"Worker {code.name!r} has a {code.content_type} main module; this runtime runs "
                f"{', '.join(self.engines.names()) or 'no'} workers (WebAssembly is application/wasm, "
                "JavaScript application/javascript+module).",
                worker=code.name,
                cause="unsupported main module type",
            )
        if len(self._engine_of) >= _ENGINE_MEMO_LIMIT:
            self._engine_of.clear()
        self._engine_of[key] = engine
        return engine

    @property
    def wasm(self) -> WasmEngine:
        """The WebAssembly engine (compile cache, ABIs, pooled instances)."""
        engine = next((e for e in self.engines if isinstance(e, WasmEngine)), None)
        if engine is None:
            raise RuntimeError("this runtime has no WebAssembly engine")
        return engine

    # -- WebAssembly modules (the wasm engine's, here for callers of the runtime)

    @property
    def host(self) -> EngineHost:
        return self.wasm.host

    @property
    def engine(self) -> wasmtime.Engine:
        """The wasmtime engine (not a :class:`WorkerEngine`)."""
        return self.wasm.host.engine

    @property
    def cache_stats(self) -> CacheStats:
        """Counters of the compile cache this runtime shares with runtimes of equal engines."""
        return self.wasm.host.modules.stats

    @property
    def abis(self) -> AbiRegistry:
        return self.wasm.abis

    @property
    def instances(self) -> InstancePool:
        return self.wasm.instances

    def compile(self, wasm: bytes, *, digest: str | None = None) -> wasmtime.Module:
        """The compiled module; :class:`~dispatch_emu.errors.InvalidModule` if it is not valid wasm."""
        return self.wasm.compile(wasm, digest=digest)

    def abi_for(self, wasm: bytes, *, digest: str | None = None) -> GuestAbi:
        """The ABI that runs ``wasm``; :class:`InvalidModule` if none matches."""
        return self.wasm.abi_for(wasm, digest=digest)

    def validate(self, wasm: bytes) -> str:
        """Compile ``wasm`` (through the cache) and return its ABI's name.

        Raises :class:`~dispatch_emu.errors.InvalidModule` (Cloudflare code 10021) with a
        sentence saying what is wrong.
        """
        return self.abi_for(wasm).name

    def validate_js(self, name: str, main_module: str, modules: Mapping[str, tuple[str, bytes]]) -> None:
        """Start a JavaScript worker's global scope, as Cloudflare does at upload.

        ``modules`` maps module names to ``(content_type, bytes)``. Raises
        :class:`~dispatch_emu.errors.InvalidModule` (code 10021) when the worker does not
        start (a syntax error, a failed import, an exception at the top level).
        """
        self._check_open()
        content_type, source = modules[main_module]
        code = WorkerCode.javascript(name, modules, main_module)
        engine = self.engines.select(content_type, source)
        assert engine is not None, "JavaScript needs the JavaScript engine"
        engine.validate(code)

    def validate_upload(self, upload: Upload) -> None:
        """Refuse an upload this runtime could not run (:class:`InvalidModule`, code 10021).

        Every wasm module must compile (the compile is cached, so the first dispatch
        does not compile again); the main module must pass its engine's ``validate``
        (a wasm main module follows a supported ABI, a JavaScript one starts).
        """
        self._check_open()
        main = next((m for m in upload.modules if m.name == upload.main_module), None)
        for module in upload.modules:
            if module is main or not is_wasm(module.content_type, module.content):
                continue
            try:
                self.compile(module.content)
            except InvalidModule as error:
                raise InvalidModule(f"Module {module.name!r}: {error.message}") from error
        if main is None:
            return
        engine = self.engines.select(main.content_type, main.content)
        if engine is None:
            return  # dispatching it says which main modules run; the store takes any module type
        modules = {m.name: (m.content_type or "", bytes(m.content or b"")) for m in upload.modules}
        name = getattr(upload, "name", "") or "worker"
        code = WorkerCode.javascript(name, modules, main.name)
        try:
            engine.validate(code)
        except InvalidModule as error:
            raise InvalidModule(f"Module {main.name!r}: {error.message}") from error

    # -- requests

    def run(
        self,
        code: WorkerCode,
        request: GuestRequest,
        *,
        env: Mapping[str, object] | None = None,
        limits: ExecutionLimits | None = None,
        outbound: OutboundHandler | None = None,
        services: ServiceHandler | None = None,
    ) -> GuestResponse:
        """Run one request through ``code``; raises :class:`~dispatch_emu.errors.WorkerError`.

        ``env`` maps binding names to values (``str`` for text and secrets, any JSON
        value for JSON bindings, a :class:`~dispatch_emu.runtime.js.BindingRef` for a binding
        a JavaScript worker calls through ``services``). ``limits`` defaults to the settings.
        Subrequests go to ``outbound``; without one they fail inside the guest, they never
        reach a network. WebAssembly workers have no way to call ``services``.
        """
        engine = self.engine_for(code)
        execution = Execution(
            code,
            request,
            env=env if env is not None else {},
            limits=self._default_limits if limits is None else limits.filled(self.settings),
            outbound=outbound,
            services=services,
            gate=self.gate,
        )
        self._enter()
        # execution.active() and gate.held(), spelled out: this is every request's path
        stack = execution_stack()
        stack.append(execution)
        gate = execution.gate
        gate.enter()
        try:
            # a thread without the stack the engine may use: a runaway recursion would kill the process
            native_stack.ensure_room(getattr(engine, "wasm_stack", None))
            return engine.run(execution)
        except WorkerError as error:
            execution.failed(error)
            raise
        finally:
            gate.leave()
            stack.pop()
            execution.state = None  # the engine's state points back at the execution: break the cycle now
            self._leave()

    # -- JavaScript ctx.waitUntil() work, which runs after its response

    @property
    def has_pending(self) -> bool:
        """Whether a JavaScript request's ``ctx.waitUntil()`` work is still to run."""
        return any(getattr(engine, "has_pending", False) for engine in self.engines)

    def wait_for_pending(self) -> None:
        """Run every answered request's ``ctx.waitUntil()`` work to its end.

        A JavaScript worker's response never waits for its ``waitUntil()`` work: the work
        runs after the response, here, when the server has sent the answer (the WSGI
        response's ``close()``), or before the next JavaScript request. A test that checks
        the work's effects calls this first. Failures go to the request's logs.
        """
        for engine in self.engines:
            wait = getattr(engine, "wait_for_pending", None)
            if wait is not None:
                wait()

    # -- lifetime

    def pooled(self) -> dict[str, int]:
        """Idle instances and contexts kept for reuse, by engine name."""
        return {engine.name: engine.pooled for engine in self.engines}

    def reset(self) -> None:
        """Drop every pooled instance and context; compiled modules stay cached.

        Only idle entries are closed: an instance serving a request is out of its pool
        and goes back only if still wanted.
        """
        for engine in self.engines:
            engine.reset()

    def drop_instances(self, keep: Callable[[str, str], bool] | None = None) -> int:
        """Close the idle reused instances and contexts of workers ``keep`` refuses.

        ``keep(identity, version)`` gets a worker's :attr:`WorkerCode.identity` and the
        version an entry was made for; without ``keep`` every idle entry is closed.
        Engines that pool nothing (or a plugin's, without a ``drop`` method) are skipped.
        Returns how many entries were closed.
        """
        closed = 0
        for engine in self.engines:
            drop = getattr(engine, "drop", None)
            if drop is not None:
                closed += drop(keep)
        return closed

    def close(self) -> None:
        """Close the engines (pooled instances, contexts; the epoch timer stops with its last user).

        Requests in progress are waited for: each ends within its wall limit (a nested
        run's outer request, on this very thread, cannot: hence the time-out).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._drained.wait_for(lambda: not self._running, timeout=CLOSE_WAIT_S)
        for engine in self.engines:
            engine.close()

    def _enter(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("this Runtime is closed")
            self._running += 1

    def _leave(self) -> None:
        with self._lock:
            self._running -= 1
            if not self._running:
                self._drained.notify_all()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Runtime is closed")

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # a forgotten runtime must not keep an engine's timer thread alive forever
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:
                pass


__all__ = ["Runtime"]
