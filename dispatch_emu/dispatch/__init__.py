"""Dynamic dispatch: the namespace binding, routing, and the dispatcher WSGI app."""

from __future__ import annotations

from dispatch_emu.dispatch._app import (
    Dispatcher,
    DispatcherEnv,
    FetchFunction,
    default_error_response,
    seed_fetch,
)
from dispatch_emu.dispatch._binding import DispatchNamespace, WorkerStub, worker_env
from dispatch_emu.dispatch._calls import DispatchCall
from dispatch_emu.dispatch._messages import make_request
from dispatch_emu.dispatch._outbound import Outbound, OutboundWorker
from dispatch_emu.dispatch.routing import (
    Routing,
    header,
    lookup,
    path_prefix,
    routing_from_spec,
    subdomain,
)

__all__ = [
    "DispatchCall",
    "DispatchNamespace",
    "Dispatcher",
    "DispatcherEnv",
    "FetchFunction",
    "Outbound",
    "OutboundWorker",
    "Routing",
    "WorkerStub",
    "default_error_response",
    "header",
    "lookup",
    "make_request",
    "path_prefix",
    "routing_from_spec",
    "seed_fetch",
    "subdomain",
    "worker_env",
]
