"""One call of a user worker, as the before/after-dispatch hooks see it, and the hooks' face.

:class:`DispatchHooks` is what the dispatch layer calls around a call: routing, the
before/after hooks, and the rendering of a failure. The emulator passes its
:class:`~dispatch_emu._hooks.Hooks` (the plugins, with these defaults behind them); a
binding made on its own gets :data:`PLAIN_HOOKS`, the defaults alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug import Request, Response

from dispatch_emu.dispatch._answers import default_error_response
from dispatch_emu.dispatch.routing import Routing


@dataclass
class DispatchCall:
    """``env.dispatcher.get(worker_name, args, options).fetch(request)``, in flight.

    Hooks may replace ``request`` or edit ``options`` (``limits``, ``outbound``) before
    the worker runs.
    """

    account_id: str
    namespace: str
    worker_name: str
    request: Request
    args: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


class DispatchHooks(Protocol):
    """What a dispatch asks of the plugins (the emulator passes its :class:`~dispatch_emu._hooks.Hooks`).

    Every method answers with the default when no plugin answers, so callers never
    check for ``None`` hooks: :data:`PLAIN_HOOKS` is the façade of no plugins at all.
    """

    def resolve_worker(self, request: Request, routing: Routing | None) -> str | None: ...

    def before_dispatch(self, call: DispatchCall) -> Response | None: ...

    def after_dispatch(self, call: DispatchCall, response: Response) -> Response | None: ...

    def render_error(self, error: Exception, request: Request) -> Response: ...


class PlainHooks:
    """The defaults alone: the configured routing, no interception, the seed's error answers."""

    def resolve_worker(self, request: Request, routing: Routing | None) -> str | None:
        return routing(request) if routing is not None else None

    def before_dispatch(self, call: DispatchCall) -> Response | None:
        return None

    def after_dispatch(self, call: DispatchCall, response: Response) -> Response | None:
        return None

    def render_error(self, error: Exception, request: Request) -> Response:
        return default_error_response(error)


#: The hooks of a binding made without an emulator (and of an outbound worker's own calls).
PLAIN_HOOKS = PlainHooks()

__all__ = ["PLAIN_HOOKS", "DispatchCall", "DispatchHooks", "PlainHooks"]
