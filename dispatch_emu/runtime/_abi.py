"""Guest ABIs: how a module receives a request and answers it, and how one is chosen.

An ABI is any object with the four members of :class:`GuestAbi`. The runtime keeps the
ABIs of all plugins in an :class:`AbiRegistry` and, for each module, uses the one with
the highest ``priority`` whose ``matches(module)`` is true (a tie goes to the ABI
registered first). The built-in ABIs are WAGI (:mod:`dispatch_emu.runtime._wagi`,
priority 10) and the reactor ABI (:mod:`dispatch_emu.runtime._reactor`, priority 20).

To add one, implement ``dispatch_emu_register_abis`` in a plugin::

    class MyAbi:
        name = "my-abi"
        priority = 30

        def matches(self, module: wasmtime.Module) -> bool:
            return any(e.name == "my_entry" for e in module.exports)

        def run(self, invocation: Invocation) -> GuestResponse:
            ...

``run`` receives an :class:`Invocation` with everything about the request and must
raise :class:`dispatch_emu.errors.WorkerError` subclasses on failure;
:func:`dispatch_emu.runtime._failures.translate` maps wasmtime's traps for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import wasmtime

from dispatch_emu.runtime._messages import GuestRequest, GuestResponse, OutboundHandler, WorkerCode
from dispatch_emu.runtime._settings import ExecutionLimits

if TYPE_CHECKING:
    from dispatch_emu.runtime._engine import EngineHost
    from dispatch_emu.runtime._execution import Execution
    from dispatch_emu.runtime._pool import InstancePool


@dataclass
class Invocation:
    """One request for a guest: what an ABI's ``run`` works from.

    ``execution`` is the request (:class:`~dispatch_emu.runtime._execution.Execution`:
    code, request, bindings, complete limits, logs, subrequests, the outbound call, the
    store set-up); ``module`` its compiled main module. ``instances`` is the wasm
    engine's pool of reusable instances, or ``None`` when reuse is switched off. ``host``
    gives the engine and a memo for objects derived from it (linkers, pre-instantiated
    modules).
    """

    execution: Execution
    module: wasmtime.Module
    host: EngineHost
    instances: InstancePool | None

    @property
    def code(self) -> WorkerCode:
        return self.execution.code

    @property
    def request(self) -> GuestRequest:
        request = self.execution.request
        assert request is not None
        return request

    @property
    def env(self) -> Mapping[str, object]:
        return self.execution.env

    @property
    def limits(self) -> ExecutionLimits:
        return self.execution.limits

    @property
    def outbound(self) -> OutboundHandler | None:
        return self.execution.outbound


@runtime_checkable
class GuestAbi(Protocol):
    """What the runtime needs from an ABI."""

    name: str
    priority: int

    def matches(self, module: wasmtime.Module) -> bool:
        """Whether ``module``'s imports and exports follow this ABI."""
        ...

    def run(self, invocation: Invocation) -> GuestResponse:
        """Run one request; raise a ``WorkerError`` subclass on failure."""
        ...


class AbiRegistry:
    """The ABIs a runtime knows, in the order they are tried."""

    def __init__(self, abis: Iterable[GuestAbi] = ()) -> None:
        self._abis: list[GuestAbi] = []
        for abi in abis:
            self.register(abi)

    def register(self, abi: GuestAbi) -> None:
        if not isinstance(abi, GuestAbi):
            raise TypeError(f"{abi!r} does not implement GuestAbi (name, priority, matches, run)")
        self._abis.append(abi)
        # stable sort: equal priorities keep registration order
        self._abis.sort(key=lambda a: -a.priority)

    def select(self, module: wasmtime.Module) -> GuestAbi | None:
        """The ABI that runs ``module``, or ``None``."""
        for abi in self._abis:
            if abi.matches(module):
                return abi
        return None

    def names(self) -> list[str]:
        return [abi.name for abi in self._abis]

    def __iter__(self) -> Iterator[GuestAbi]:
        return iter(self._abis)

    def __len__(self) -> int:
        return len(self._abis)


def describe_module(module: wasmtime.Module, limit: int = 12) -> str:
    """A short account of a module's exports and imports, for error messages."""

    def kind(ty: object) -> str:
        return {
            "FuncType": "func",
            "MemoryType": "memory",
            "GlobalType": "global",
            "TableType": "table",
        }.get(type(ty).__name__, type(ty).__name__)

    def listing(items: list[str]) -> str:
        if not items:
            return "none"
        shown = ", ".join(items[:limit])
        return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")

    exports = [f"{e.name} ({kind(e.type)})" for e in module.exports]
    imports = [f"{i.module}.{i.name} ({kind(i.type)})" for i in module.imports]
    return f"exports: {listing(exports)}; imports: {listing(imports)}"


__all__ = ["AbiRegistry", "GuestAbi", "Invocation", "describe_module"]
