"""Run user workers compiled to WebAssembly, with Cloudflare-like limits.

The runtime layer knows nothing of HTTP frameworks or stores: give it a module's bytes,
a request, bindings and limits, and it answers a response or raises a
:class:`dispatch_emu.errors.WorkerError`. Two guest ABIs are built in: WAGI (any
wasm32-wasi ``main()``; :mod:`dispatch_emu.runtime.wagi`) and the faster reactor ABI
(:mod:`dispatch_emu.runtime.reactor`, specified in ``docs/abi.md``).
"""

from __future__ import annotations

from dispatch_emu.runtime.abi import AbiRegistry, GuestAbi, Invocation
from dispatch_emu.runtime.cache import CacheStats
from dispatch_emu.runtime.messages import GuestRequest, GuestResponse, OutboundHandler, WorkerCode
from dispatch_emu.runtime.reactor import ReactorAbi
from dispatch_emu.runtime.runtime import Runtime
from dispatch_emu.runtime.settings import ExecutionLimits, RuntimeSettings
from dispatch_emu.runtime.wagi import WagiAbi

__all__ = [
    "AbiRegistry",
    "CacheStats",
    "ExecutionLimits",
    "GuestAbi",
    "GuestRequest",
    "GuestResponse",
    "Invocation",
    "OutboundHandler",
    "ReactorAbi",
    "Runtime",
    "RuntimeSettings",
    "WagiAbi",
    "WorkerCode",
]
