"""The engine seam: what runs a worker's main module, and how a runtime picks it.

A :class:`WorkerEngine` runs workers of some kind of module. Two are built in, both
registered by the built-in runtime plugin (:mod:`dispatch_emu.runtime._builtin`):

* :class:`~dispatch_emu.runtime._wasm.WasmEngine` — WebAssembly, through wasmtime; it owns
  the compiled-module cache and the guest ABIs (WAGI, the reactor ABI, and any a plugin
  adds with ``dispatch_emu_register_abis``);
* :class:`~dispatch_emu.runtime.js._engine.JsEngine` — JavaScript, on QuickJS.

A plugin adds an engine by implementing ``dispatch_emu_register_engines(runtime)``::

    class TextEngine:
        name = "text"

        def accepts(self, content_type: str, content: bytes) -> bool:
            return base_type(content_type) == "text/plain"

        def validate(self, code: WorkerCode) -> None: ...      # InvalidModule if unusable

        def run(self, execution: Execution) -> GuestResponse:
            return GuestResponse(200, [], execution.code.wasm)

        pooled = 0                                              # idle instances kept
        def reset(self) -> None: ...                            # forget pooled state
        def close(self) -> None: ...

    class TextPlugin:
        @hookimpl
        def dispatch_emu_register_engines(self, runtime):
            return [TextEngine()]

The runtime asks the engines in hook order — plugins registered later first, the
built-in ones last — and the first that ``accepts`` a main module runs it
(:meth:`EngineRegistry.select`, the one place the choice is made). ``run`` receives the
request's :class:`~dispatch_emu.runtime._execution.Execution`, is called with the gate
held, and raises :class:`~dispatch_emu.errors.WorkerError` subclasses on failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import wasmtime

    from dispatch_emu.runtime._abi import GuestAbi
    from dispatch_emu.runtime._execution import Execution
    from dispatch_emu.runtime._messages import GuestResponse, WorkerCode
    from dispatch_emu.runtime._settings import RuntimeSettings


@runtime_checkable
class WorkerEngine(Protocol):
    """What the runtime needs from an engine (see the module documentation)."""

    name: str

    def accepts(self, content_type: str, content: bytes) -> bool:
        """Whether this engine runs a main module of this type and content."""
        ...

    def validate(self, code: WorkerCode) -> None:
        """Check a worker at upload; raise :class:`~dispatch_emu.errors.InvalidModule`."""
        ...

    def run(self, execution: Execution) -> GuestResponse:
        """Run one request (the gate is held); raise a ``WorkerError`` on failure."""
        ...

    @property
    def pooled(self) -> int:
        """How many idle instances (or contexts) the engine keeps for reuse now."""
        ...

    def reset(self) -> None:
        """Forget everything pooled between requests (instances, contexts)."""
        ...

    def close(self) -> None:
        """Release everything; the engine is not used again."""
        ...


class RuntimeHooks(Protocol):
    """The plugin hooks a runtime calls (the emulator passes its :class:`~dispatch_emu._hooks.Hooks`)."""

    def configure_engine(self, config: wasmtime.Config, settings: RuntimeSettings) -> None: ...

    def abis(self) -> list[GuestAbi]: ...

    def engines(self, runtime: RuntimeView) -> list[WorkerEngine]: ...


class RuntimeView(Protocol):
    """What an engine factory may read of the runtime it builds engines for."""

    @property
    def settings(self) -> RuntimeSettings: ...

    @property
    def hooks(self) -> RuntimeHooks: ...


class EngineRegistry:
    """A runtime's engines, in the order they are asked."""

    def __init__(self, engines: Iterable[WorkerEngine] = ()) -> None:
        self._engines: list[WorkerEngine] = []
        for engine in engines:
            self.register(engine)

    def register(self, engine: WorkerEngine) -> None:
        if not isinstance(engine, WorkerEngine):
            raise TypeError(f"{engine!r} does not implement WorkerEngine (name, accepts, validate, run, pooled, reset, close)")
        self._engines.append(engine)

    def select(self, content_type: str, content: bytes) -> WorkerEngine | None:
        """The engine that runs a main module of this type and content, or ``None``."""
        for engine in self._engines:
            if engine.accepts(content_type, content):
                return engine
        return None

    def get(self, name: str) -> WorkerEngine | None:
        return next((engine for engine in self._engines if engine.name == name), None)

    def names(self) -> list[str]:
        return [engine.name for engine in self._engines]

    def __iter__(self) -> Iterator[WorkerEngine]:
        return iter(self._engines)

    def __len__(self) -> int:
        return len(self._engines)


__all__ = ["EngineRegistry", "RuntimeHooks", "RuntimeView", "WorkerEngine"]
