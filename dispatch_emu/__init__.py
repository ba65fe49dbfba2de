"""dispatch_emu: a local emulator of Cloudflare Workers for Platforms.

Dispatch namespaces and their REST API, a dispatcher that runs user workers (WebAssembly
on wasmtime, JavaScript on QuickJS) with the seed's 404/500 semantics, and a pytest
plugin::

    from dispatch_emu import Emulator

    emu = Emulator()
    emu.namespace("customers").put_script("shop", wasm=wasm_bytes)
    app = emu.app(emu.dispatcher("customers"))   # WSGI: REST API + dispatcher

The package root holds what a user types: :class:`Emulator` (with
:class:`RuntimeSettings` and :class:`ApiConfig` to configure it), :class:`EmulatorServer`,
:func:`mock_cloudflare`, ``hookimpl`` for plugins, and the errors a dispatch raises. The
rest lives in its own public module: routing and the dispatcher in
:mod:`dispatch_emu.dispatch`, every error class in :mod:`dispatch_emu.errors`, the store in
:mod:`dispatch_emu.store`, the runtime in :mod:`dispatch_emu.runtime`, the REST API in
:mod:`dispatch_emu.api`, the journal in :mod:`dispatch_emu.observe`. Hypothesis strategies
live in :mod:`dispatch_emu.strategies`, the API state machine in
:mod:`dispatch_emu.stateful`, the assertion helpers in :mod:`dispatch_emu.testing`.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from dispatch_emu._version import __version__

if TYPE_CHECKING:  # the public names, for type checkers; at run time they load lazily (_LOCATIONS)
    from dispatch_emu._markers import hookimpl
    from dispatch_emu.api import ApiConfig
    from dispatch_emu.emulator import Emulator
    from dispatch_emu.errors import (
        CpuLimitExceeded,
        DispatcherException,
        LimitExceeded,
        MemoryLimitExceeded,
        OutputLimitExceeded,
        SubrequestLimitExceeded,
        WallTimeExceeded,
        WorkerError,
        WorkerException,
        WorkerNotFound,
    )
    from dispatch_emu.runtime import RuntimeSettings
    from dispatch_emu.server import EmulatorServer
    from dispatch_emu.switch import mock_cloudflare

#: Where each public name lives, by module: the same as the imports above
#: (tests/test_public_api.py checks they agree). Importing ``dispatch_emu`` (or any
#: submodule, such as ``dispatch_emu.store`` when Hypothesis loads our entry point) stays
#: cheap: wasmtime, werkzeug and the rest load on first use of a name that needs them.
_LOCATIONS: dict[str, tuple[str, ...]] = {
    "dispatch_emu.api": ("ApiConfig",),
    "dispatch_emu.emulator": ("Emulator",),
    "dispatch_emu.errors": (
        "CpuLimitExceeded",
        "DispatcherException",
        "LimitExceeded",
        "MemoryLimitExceeded",
        "OutputLimitExceeded",
        "SubrequestLimitExceeded",
        "WallTimeExceeded",
        "WorkerError",
        "WorkerException",
        "WorkerNotFound",
    ),
    "dispatch_emu._markers": ("hookimpl",),
    "dispatch_emu.runtime": ("RuntimeSettings",),
    "dispatch_emu.server": ("EmulatorServer",),
    "dispatch_emu.switch": ("mock_cloudflare",),
}

_MODULE_OF: dict[str, str] = {name: module for module, names in _LOCATIONS.items() for name in names}

#: Names the root exported before its surface was curated, and their modules: they still
#: resolve, with a DeprecationWarning that says where to import them from.
_MOVED: dict[str, str] = {
    "ApiApp": "dispatch_emu.api",
    "ApiError": "dispatch_emu.errors",
    "DEFAULT_ACCOUNT": "dispatch_emu.emulator",
    "DEMO_NAMESPACE": "dispatch_emu.emulator",
    "DispatchCall": "dispatch_emu.dispatch",
    "DispatchEmuError": "dispatch_emu.errors",
    "DispatchNamespace": "dispatch_emu.dispatch",
    "DispatchRecord": "dispatch_emu.observe",
    "Dispatcher": "dispatch_emu.dispatch",
    "DispatcherEnv": "dispatch_emu.dispatch",
    "ExecutionLimits": "dispatch_emu.runtime",
    "InvalidModule": "dispatch_emu.errors",
    "LogRecord": "dispatch_emu.observe",
    "ModuleSource": "dispatch_emu.store",
    "NamespaceHandle": "dispatch_emu.emulator",
    "NamespaceNotFound": "dispatch_emu.errors",
    "NamespaceStore": "dispatch_emu.store",
    "Observer": "dispatch_emu.observe",
    "OutboundWorker": "dispatch_emu.dispatch",
    "Runtime": "dispatch_emu.runtime",
    "Script": "dispatch_emu.store",
    "ScriptNotFound": "dispatch_emu.errors",
    "ScriptUpload": "dispatch_emu.store",
    "TagFilter": "dispatch_emu.store",
    "ValidationError": "dispatch_emu.errors",
    "WorkerStub": "dispatch_emu.dispatch",
    "header": "dispatch_emu.dispatch.routing",
    "lookup": "dispatch_emu.dispatch.routing",
    "path_prefix": "dispatch_emu.dispatch.routing",
    "seed_fetch": "dispatch_emu.dispatch",
    "subdomain": "dispatch_emu.dispatch.routing",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        module = _MOVED.get(name)
        if module is None:
            raise AttributeError(f"module 'dispatch_emu' has no attribute {name!r}")
        warnings.warn(
            f"dispatch_emu.{name} moved: import it from {module}", DeprecationWarning, stacklevel=2
        )
        return getattr(importlib.import_module(module), name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["__version__", *sorted(_MODULE_OF)]
