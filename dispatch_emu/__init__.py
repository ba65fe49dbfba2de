"""dispatch_emu: a local emulator of Cloudflare Workers for Platforms.

Dispatch namespaces and their REST API, a dispatcher that runs user workers compiled to
WebAssembly on wasmtime with the seed's 404/500 semantics, and a pytest plugin::

    from dispatch_emu import Emulator

    emu = Emulator()
    emu.namespace("customers").put_script("shop", wasm=wasm_bytes)
    app = emu.app(emu.dispatcher("customers"))   # WSGI: REST API + dispatcher

Hypothesis strategies live in :mod:`dispatch_emu.strategies`, the API state machine in
:mod:`dispatch_emu.stateful`, the assertion helpers in :mod:`dispatch_emu.testing`.
"""

from __future__ import annotations

from dispatch_emu._version import __version__
from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.dispatch import (
    DispatchCall,
    Dispatcher,
    DispatcherEnv,
    DispatchNamespace,
    OutboundWorker,
    WorkerStub,
    header,
    lookup,
    path_prefix,
    seed_fetch,
    subdomain,
)
from dispatch_emu.emulator import DEFAULT_ACCOUNT, DEMO_NAMESPACE, Emulator, NamespaceHandle
from dispatch_emu.errors import (
    ApiError,
    CpuLimitExceeded,
    DispatchEmuError,
    DispatcherException,
    InvalidModule,
    LimitExceeded,
    MemoryLimitExceeded,
    NamespaceNotFound,
    OutputLimitExceeded,
    ScriptNotFound,
    SubrequestLimitExceeded,
    ValidationError,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
    WorkerNotFound,
)
from dispatch_emu.hookspecs import hookimpl
from dispatch_emu.observe import DispatchRecord, LogRecord, Observer
from dispatch_emu.runtime import ExecutionLimits, Runtime, RuntimeSettings
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ModuleSource, NamespaceStore, Script, ScriptUpload, TagFilter
from dispatch_emu.switch import mock_cloudflare

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEMO_NAMESPACE",
    "ApiApp",
    "ApiConfig",
    "ApiError",
    "CpuLimitExceeded",
    "DispatchCall",
    "DispatchEmuError",
    "DispatchNamespace",
    "DispatchRecord",
    "Dispatcher",
    "DispatcherEnv",
    "DispatcherException",
    "Emulator",
    "EmulatorServer",
    "ExecutionLimits",
    "InvalidModule",
    "LimitExceeded",
    "LogRecord",
    "MemoryLimitExceeded",
    "ModuleSource",
    "NamespaceHandle",
    "NamespaceNotFound",
    "NamespaceStore",
    "Observer",
    "OutboundWorker",
    "OutputLimitExceeded",
    "Runtime",
    "RuntimeSettings",
    "Script",
    "ScriptNotFound",
    "ScriptUpload",
    "SubrequestLimitExceeded",
    "TagFilter",
    "ValidationError",
    "WallTimeExceeded",
    "WorkerError",
    "WorkerException",
    "WorkerNotFound",
    "WorkerStub",
    "__version__",
    "header",
    "hookimpl",
    "lookup",
    "mock_cloudflare",
    "path_prefix",
    "seed_fetch",
    "subdomain",
]
