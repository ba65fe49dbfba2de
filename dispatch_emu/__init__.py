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

import importlib
from typing import TYPE_CHECKING, Any

from dispatch_emu._version import __version__

if TYPE_CHECKING:  # the names, for type checkers and IDEs; at run time they load lazily
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

#: Where each public name lives. Importing ``dispatch_emu`` (or any submodule, such as
#: ``dispatch_emu.store`` when Hypothesis loads our entry point) stays cheap: wasmtime,
#: werkzeug and the rest load on first use of a name that needs them.
_LOCATIONS: dict[str, str] = {
    "ApiApp": "dispatch_emu.api",
    "ApiConfig": "dispatch_emu.api",
    "ApiError": "dispatch_emu.errors",
    "CpuLimitExceeded": "dispatch_emu.errors",
    "DEFAULT_ACCOUNT": "dispatch_emu.emulator",
    "DEMO_NAMESPACE": "dispatch_emu.emulator",
    "DispatchCall": "dispatch_emu.dispatch",
    "DispatchEmuError": "dispatch_emu.errors",
    "DispatchNamespace": "dispatch_emu.dispatch",
    "DispatchRecord": "dispatch_emu.observe",
    "Dispatcher": "dispatch_emu.dispatch",
    "DispatcherEnv": "dispatch_emu.dispatch",
    "DispatcherException": "dispatch_emu.errors",
    "Emulator": "dispatch_emu.emulator",
    "EmulatorServer": "dispatch_emu.server",
    "ExecutionLimits": "dispatch_emu.runtime",
    "InvalidModule": "dispatch_emu.errors",
    "LimitExceeded": "dispatch_emu.errors",
    "LogRecord": "dispatch_emu.observe",
    "MemoryLimitExceeded": "dispatch_emu.errors",
    "ModuleSource": "dispatch_emu.store",
    "NamespaceHandle": "dispatch_emu.emulator",
    "NamespaceNotFound": "dispatch_emu.errors",
    "NamespaceStore": "dispatch_emu.store",
    "Observer": "dispatch_emu.observe",
    "OutboundWorker": "dispatch_emu.dispatch",
    "OutputLimitExceeded": "dispatch_emu.errors",
    "Runtime": "dispatch_emu.runtime",
    "RuntimeSettings": "dispatch_emu.runtime",
    "Script": "dispatch_emu.store",
    "ScriptNotFound": "dispatch_emu.errors",
    "ScriptUpload": "dispatch_emu.store",
    "SubrequestLimitExceeded": "dispatch_emu.errors",
    "TagFilter": "dispatch_emu.store",
    "ValidationError": "dispatch_emu.errors",
    "WallTimeExceeded": "dispatch_emu.errors",
    "WorkerError": "dispatch_emu.errors",
    "WorkerException": "dispatch_emu.errors",
    "WorkerNotFound": "dispatch_emu.errors",
    "WorkerStub": "dispatch_emu.dispatch",
    "__version__": "dispatch_emu._version",
    "header": "dispatch_emu.dispatch",
    "hookimpl": "dispatch_emu.hookspecs",
    "lookup": "dispatch_emu.dispatch",
    "mock_cloudflare": "dispatch_emu.switch",
    "path_prefix": "dispatch_emu.dispatch",
    "seed_fetch": "dispatch_emu.dispatch",
    "subdomain": "dispatch_emu.dispatch",
}



def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'dispatch_emu' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
