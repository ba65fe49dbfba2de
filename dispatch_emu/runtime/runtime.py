"""The runtime: compile, validate and run user workers.

::

    from dispatch_emu.runtime import GuestRequest, Runtime, WorkerCode

    with Runtime() as runtime:
        abi = runtime.validate(wasm)           # at upload: InvalidModule if unusable
        code = WorkerCode.from_bytes("hello", wasm, version=etag)
        response = runtime.run(code, GuestRequest("GET", "https://example.com/", []),
                               env={"GREETING": "hi"})

A runtime holds no scripts: the caller passes the code, bindings and limits of each
request. Runtimes with equal engine configuration share one engine and its compiled
modules (:mod:`dispatch_emu.runtime.engine`), so creating many is cheap. Each runtime
owns its pool of reusable instances; :meth:`Runtime.close` closes them, and the engine's
epoch timer stops when no open runtime uses it.

With a plugin manager, pass ``hook=pm.hook``: the runtime lets plugins configure the
engine (``dispatch_emu_configure_engine``) and collects their ABIs
(``dispatch_emu_register_abis``). Without one it uses the built-in ABIs.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import wasmtime

from dispatch_emu.errors import InvalidModule, WorkerException
from dispatch_emu.runtime.abi import AbiRegistry, GuestAbi, Invocation, describe_module
from dispatch_emu.runtime.cache import CacheStats
from dispatch_emu.runtime.engine import EngineHost, RecordingConfig, engine_host, execution_gate
from dispatch_emu.runtime.js import is_js
from dispatch_emu.runtime.messages import GuestRequest, GuestResponse, OutboundHandler, WorkerCode
from dispatch_emu.runtime.pool import InstancePool
from dispatch_emu.runtime.reactor import ReactorAbi
from dispatch_emu.runtime.settings import ExecutionLimits, RuntimeSettings
from dispatch_emu.runtime.wagi import WagiAbi

if TYPE_CHECKING:
    from dispatch_emu.runtime.js import JsRunner

WASM_MAGIC = b"\0asm"

#: How long :meth:`Runtime.close` waits for requests in progress to end.
CLOSE_WAIT_S = 30.0
WASM_CONTENT_TYPE = "application/wasm"


def builtin_abis() -> list[GuestAbi]:
    """The ABIs every runtime has unless plugins replace them."""
    return [WagiAbi(), ReactorAbi()]


class Runtime:
    """Runs wasm user workers with limits; see the module documentation."""

    def __init__(self, settings: RuntimeSettings | None = None, *, hook: Any = None) -> None:
        self.settings = settings if settings is not None else RuntimeSettings()
        self.abis = AbiRegistry()
        if hook is not None:
            for group in hook.dispatch_emu_register_abis():
                for abi in group or ():
                    self.abis.register(abi)
        else:
            for abi in builtin_abis():
                self.abis.register(abi)

        def configure(config: RecordingConfig) -> None:
            if hook is not None:
                hook.dispatch_emu_configure_engine(config=config, settings=self.settings)

        self.host: EngineHost = engine_host(configure)
        self.host.acquire()
        self.instances = InstancePool(max_bytes=self.settings.pool_bytes)
        self._abi_by_digest: dict[str, GuestAbi | None] = {}
        self._default_limits = ExecutionLimits().filled(self.settings)
        self._lock = threading.Lock()
        self._running = 0  # requests in progress (close waits for them)
        self._drained = threading.Condition(self._lock)
        self._js: JsRunner | None = None
        self._closed = False

    # -- modules

    @property
    def cache_stats(self) -> CacheStats:
        """Counters of the compile cache this runtime shares with runtimes of equal engines."""
        return self.host.modules.stats

    @property
    def engine(self) -> wasmtime.Engine:
        return self.host.engine

    def compile(self, wasm: bytes, *, digest: str | None = None) -> wasmtime.Module:
        """The compiled module (from the memory cache, the disk cache, or compiled now).

        Raises :class:`~dispatch_emu.errors.InvalidModule` if ``wasm`` is not a valid module.
        """
        if not isinstance(wasm, (bytes, bytearray, memoryview)):
            raise InvalidModule(f"A wasm module must be bytes, not {type(wasm).__name__}.")
        wasm = bytes(wasm)
        if not wasm.startswith(WASM_MAGIC):
            # wasmtime would try to parse other bytes as the text format; uploads are binary
            raise InvalidModule("The module is not WebAssembly: it does not start with the bytes \\0asm.")
        try:
            return self.host.modules.get(wasm, digest=digest, cache_dir=self.settings.cache_dir)
        except wasmtime.WasmtimeError as error:
            detail = " ".join(str(error).split())
            raise InvalidModule(f"The WebAssembly module does not compile: {detail}") from error

    def abi_for(self, wasm: bytes, *, digest: str | None = None) -> GuestAbi:
        """The ABI that runs ``wasm``; :class:`InvalidModule` if none matches."""
        digest = digest or hashlib.sha256(wasm).hexdigest()
        with self._lock:
            known = digest in self._abi_by_digest
            abi = self._abi_by_digest.get(digest)
        if not known:
            module = self.compile(wasm, digest=digest)
            abi = self.abis.select(module)
            if abi is None:
                raise InvalidModule(
                    f"The module follows no supported ABI ({', '.join(self.abis.names()) or 'none registered'}); "
                    f"it has {describe_module(module)}. A WAGI module exports _start and imports only "
                    "wasi_snapshot_preview1; a reactor module exports fetch and memory and imports only "
                    "from dispatch_emu."
                )
            with self._lock:
                self._abi_by_digest[digest] = abi
        assert abi is not None
        return abi

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
        self._enter()
        try:
            with execution_gate(self.settings.serialize_guests):
                self._javascript().check(
                    name, main_module, modules, memory_limit=self._default_limits.memory_bytes or 0
                )
        finally:
            self._leave()

    def _javascript(self) -> JsRunner:
        """The JavaScript runner, created on the first JavaScript request."""
        if self._closed:
            raise RuntimeError("this Runtime is closed")
        with self._lock:
            if self._js is None:
                from dispatch_emu.runtime.js import JsRunner

                self._js = JsRunner(pool_bytes=self.settings.pool_bytes)
            return self._js

    # -- requests

    def run(
        self,
        code: WorkerCode,
        request: GuestRequest,
        *,
        env: Mapping[str, object] | None = None,
        limits: ExecutionLimits | None = None,
        outbound: OutboundHandler | None = None,
    ) -> GuestResponse:
        """Run one request through ``code``; raises :class:`~dispatch_emu.errors.WorkerError`.

        ``env`` maps binding names to values (``str`` for text and secrets, any JSON
        value for JSON bindings). ``limits`` defaults to the settings. Subrequests go to
        ``outbound``; without one they fail inside the guest, they never reach a network.
        """
        if self._closed:
            raise RuntimeError("this Runtime is closed")
        self._enter()
        try:
            with execution_gate(self.settings.serialize_guests):
                return self._run(code, request, env=env, limits=limits, outbound=outbound)
        finally:
            self._leave()

    def _run(
        self,
        code: WorkerCode,
        request: GuestRequest,
        *,
        env: Mapping[str, object] | None,
        limits: ExecutionLimits | None,
        outbound: OutboundHandler | None,
    ) -> GuestResponse:
        if code.content_type != WASM_CONTENT_TYPE and is_js(code.content_type):
            return self._javascript().run(
                code,
                request,
                env=env if env is not None else {},
                limits=self._default_limits if limits is None else limits.filled(self.settings),
                outbound=outbound,
                reuse=self.settings.reuse_instances,
            )
        try:
            abi = self.abi_for(code.wasm, digest=code.digest)
        except InvalidModule as error:
            raise WorkerException(
                f"Worker could not be loaded: {error.message}", worker=code.name, cause="invalid module"
            ) from error
        module = self.compile(code.wasm, digest=code.digest)
        invocation = Invocation(
            code=code,
            module=module,
            request=request,
            env=env if env is not None else {},
            limits=self._default_limits if limits is None else limits.filled(self.settings),
            outbound=outbound,
            host=self.host,
            instances=self.instances if self.settings.reuse_instances else None,
        )
        self.host.ensure_ticking()
        return abi.run(invocation)

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

    # -- lifetime

    def drop_instances(self, keep: Callable[[str, str], bool] | None = None) -> int:
        """Close the idle reused instances and JavaScript contexts of workers ``keep`` refuses.

        ``keep(identity, version)`` gets a worker's :attr:`WorkerCode.identity` and the
        version an entry was made for; without ``keep`` every idle entry is closed (what a
        reset needs). Entries in use by a request are not touched (they return to the pool
        only if still wanted). Returns how many were closed.
        """
        closed = self.instances.drop(keep)
        if self._js is not None:
            closed += self._js.contexts.drop(keep)
        return closed

    def close(self) -> None:
        """Close pooled instances and release the engine (its timer stops with the last user)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            # requests in progress end within their wall limit (a nested run's outer request,
            # on this very thread, cannot: hence the time-out)
            self._drained.wait_for(lambda: not self._running, timeout=CLOSE_WAIT_S)
        self.instances.close()
        if self._js is not None:
            self._js.close()
        self.host.release()

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


__all__ = ["Runtime", "builtin_abis"]
