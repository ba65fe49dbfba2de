"""Run user workers (WebAssembly and JavaScript) with Cloudflare-like limits.

The runtime layer knows nothing of HTTP frameworks or stores: give it a worker's code, a
request, bindings and limits, and it answers a response or raises a
:class:`dispatch_emu.errors.WorkerError`. A :class:`Runtime` runs each request through
the :class:`~dispatch_emu.runtime._engines.WorkerEngine` that accepts its main module
(:mod:`~dispatch_emu.runtime._engines`), with an
:class:`~dispatch_emu.runtime._execution.Execution` that owns the request's limits, logs,
subrequests and error context. The WebAssembly engine (:mod:`~dispatch_emu.runtime._wasm`)
has two guest ABIs built in: WAGI (any wasm32-wasi ``main()``;
:mod:`dispatch_emu.runtime._wagi`) and the faster reactor ABI
(:mod:`dispatch_emu.runtime._reactor`, specified in ``docs/abi.md``); the JavaScript
engine (:mod:`~dispatch_emu.runtime.js`) runs workers on QuickJS.
"""

from __future__ import annotations

from dispatch_emu.runtime._abi import AbiRegistry, GuestAbi, Invocation
from dispatch_emu.runtime._cache import CacheStats
from dispatch_emu.runtime._engines import EngineRegistry, RuntimeHooks, WorkerEngine
from dispatch_emu.runtime._execution import Execution, Gate
from dispatch_emu.runtime._messages import (
    GuestRequest,
    GuestResponse,
    OutboundHandler,
    ServiceCall,
    ServiceHandler,
    WorkerCode,
)
from dispatch_emu.runtime._reactor import ReactorAbi
from dispatch_emu.runtime._runtime import Runtime
from dispatch_emu.runtime._settings import ExecutionLimits, RuntimeSettings
from dispatch_emu.runtime._wagi import WagiAbi
from dispatch_emu.runtime._wasm import WasmEngine

__all__ = [
    "AbiRegistry",
    "CacheStats",
    "EngineRegistry",
    "Execution",
    "ExecutionLimits",
    "Gate",
    "GuestAbi",
    "GuestRequest",
    "GuestResponse",
    "Invocation",
    "OutboundHandler",
    "ServiceCall",
    "ServiceHandler",
    "ReactorAbi",
    "Runtime",
    "RuntimeHooks",
    "RuntimeSettings",
    "WagiAbi",
    "WasmEngine",
    "WorkerCode",
    "WorkerEngine",
]
