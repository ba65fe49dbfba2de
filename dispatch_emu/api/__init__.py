"""Cloudflare's Workers for Platforms REST API, as a WSGI app over the namespace store.

>>> from dispatch_emu.store import NamespaceStore
>>> from dispatch_emu.api import ApiApp, ApiConfig
>>> app = ApiApp(NamespaceStore(), ApiConfig(required_token=None))
>>> app.handles("/client/v4/accounts/acc/workers/dispatch/namespaces")
True
>>> app.handles("/some/worker/path")
False

The app serves every endpoint of contract §2 (namespaces, scripts and their content,
settings, bindings, secrets, tags, asset upload sessions), answers in Cloudflare's
envelope, and adds control endpoints under ``ApiConfig.control_prefix`` (reset, state,
snapshot, restore, health). The official ``cloudflare`` SDK and wrangler work against
it unchanged.

Modules, one concept each: :mod:`~dispatch_emu.api._app` (the WSGI class),
:mod:`~dispatch_emu.api._config`, :mod:`~dispatch_emu.api._routes` (the URL map),
:mod:`~dispatch_emu.api._handlers` (one module per resource),
:mod:`~dispatch_emu.api._calls` (the request context and capped body),
:mod:`~dispatch_emu.api._uploads` (multipart parsing), :mod:`~dispatch_emu.api._serialize`
(store values → JSON), :mod:`~dispatch_emu.api._envelope`, :mod:`~dispatch_emu.api._auth`.
"""

from __future__ import annotations

from dispatch_emu.api._app import VERSION_HEADER, ApiApp
from dispatch_emu.api._config import API_PREFIX, ApiConfig
from dispatch_emu.api._envelope import Paged
from dispatch_emu.api._handlers.control import state_dump
from dispatch_emu.api._routes import ROUTE_TABLE
from dispatch_emu.api._uploads import infer_content_type, parse_multipart

__all__ = [
    "API_PREFIX",
    "ROUTE_TABLE",
    "VERSION_HEADER",
    "ApiApp",
    "ApiConfig",
    "Paged",
    "infer_content_type",
    "parse_multipart",
    "state_dump",
]
