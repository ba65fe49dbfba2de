"""The WebAssembly engine: wasmtime, the compiled-module cache, and the guest ABIs.

:class:`WasmEngine` runs main modules that are WebAssembly (by content type or magic
bytes, :func:`dispatch_emu._content.is_wasm`). It owns

* the shared wasmtime engine for its configuration (:mod:`~dispatch_emu.runtime._engine`),
  with the compiled-module cache (memory + disk) and the epoch timer;
* the guest ABIs, collected from the ``dispatch_emu_register_abis`` hook (built in: WAGI
  and the reactor ABI), and which ABI each module follows, decided once per digest;
* the pool of reusable instances (reactor modules that export ``dispatch_emu_reuse``).

A request is one :class:`~dispatch_emu.runtime._abi.Invocation` of the chosen ABI, with
the request's :class:`~dispatch_emu.runtime._execution.Execution`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import wasmtime

from dispatch_emu._content import WASM_MAGIC, is_wasm
from dispatch_emu.errors import InvalidModule, WorkerException
from dispatch_emu.runtime._abi import AbiRegistry, GuestAbi, Invocation, describe_module
from dispatch_emu.runtime._engine import EngineHost, RecordingConfig, engine_host
from dispatch_emu.runtime._pool import InstancePool

if TYPE_CHECKING:
    from dispatch_emu.runtime._engines import RuntimeHooks
    from dispatch_emu.runtime._execution import Execution
    from dispatch_emu.runtime._messages import GuestResponse, WorkerCode
    from dispatch_emu.runtime._settings import RuntimeSettings


class WasmEngine:
    """Runs WebAssembly workers (see the module documentation)."""

    name = "wasm"

    def __init__(self, settings: RuntimeSettings, hooks: RuntimeHooks) -> None:
        self.settings = settings
        self.abis = AbiRegistry(hooks.abis())

        def configure(config: RecordingConfig) -> None:
            hooks.configure_engine(config, settings)

        self.host: EngineHost = engine_host(configure)
        self.host.acquire()
        self.instances = InstancePool(max_bytes=settings.pool_bytes)
        self._abi_by_digest: dict[str, GuestAbi] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def wasm_stack(self) -> int:
        """The native stack its guests may use (``max_wasm_stack``), see :mod:`~dispatch_emu.runtime._native_stack`."""
        return self.host.wasm_stack

    # -- the seam

    def accepts(self, content_type: str, content: bytes) -> bool:
        return is_wasm(content_type, content)

    def validate(self, code: WorkerCode) -> None:
        self.abi_for(code.wasm, digest=code.digest)

    def run(self, execution: Execution) -> GuestResponse:
        code = execution.code
        try:
            abi = self.abi_for(code.wasm, digest=code.digest)
        except InvalidModule as error:
            raise WorkerException(
                f"Worker could not be loaded: {error.message}", cause="invalid module"
            ) from error
        invocation = Invocation(
            execution=execution,
            module=self.compile(code.wasm, digest=code.digest),
            host=self.host,
            instances=self.instances if self.settings.reuse_instances else None,
        )
        self.host.ensure_ticking()
        return abi.run(invocation)

    @property
    def pooled(self) -> int:
        return len(self.instances)

    def reset(self) -> None:
        """Close the pooled instances; compiled modules stay cached."""
        self.instances.close()

    def drop(self, keep: Callable[[str, str], bool] | None = None) -> int:
        """Close the pooled instances of the versions ``keep(identity, version)`` refuses."""
        return self.instances.drop(keep)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.instances.close()
        self.host.release()

    # -- modules

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
        abi = self._abi_by_digest.get(digest)
        if abi is not None:
            return abi
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
            return self._abi_by_digest.setdefault(digest, abi)


__all__ = ["WasmEngine"]
