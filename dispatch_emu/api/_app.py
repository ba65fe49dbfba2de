"""The REST API as a WSGI application.

:class:`ApiApp` serves Cloudflare's dispatch-namespace API under ``/client/v4`` and the
emulator's control endpoints under the control prefix, from one
:class:`~dispatch_emu.store.NamespaceStore`::

    from dispatch_emu.api import ApiApp
    from dispatch_emu.store import NamespaceStore

    app = ApiApp(NamespaceStore())
    # any WSGI server, or in-process:
    #   httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator")

Point the official SDK at it with ``base_url="http://<host>/client/v4"`` and wrangler
with ``CLOUDFLARE_API_BASE_URL``. :meth:`ApiApp.handles` tells a server which paths are
the API's, so the dispatcher can share the port.

How one request goes: authentication (every path, when a token is required), the
browser and Host checks of the control endpoints (:mod:`~dispatch_emu.api._auth`),
routing, the ``Content-Length`` check against ``max_body_bytes`` (``max_restore_bytes``
for a restore), then the handler.
Every failure is an :class:`~dispatch_emu.errors.ApiError` rendered as Cloudflare's
envelope; any other exception is logged and answered with 500 (code 10002) and the app
keeps serving. Every answer carries ``x-dispatch-emu: <version>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.wrappers import Request, Response

from dispatch_emu._version import __version__
from dispatch_emu.api._auth import ALLOWED_HOSTS_ENVIRON_KEY, check_auth, check_control_request
from dispatch_emu.api._calls import ApiCall, check_declared_length
from dispatch_emu.api._config import API_PREFIX, ApiConfig
from dispatch_emu.api._envelope import error_response, internal_error_response, success_response
from dispatch_emu.api._handlers.control import Control, LogSource
from dispatch_emu.api._routes import make_map
from dispatch_emu.errors import ApiError, MethodNotAllowed, NoRoute
from dispatch_emu.store import NamespaceStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("dispatch_emu.api")

VERSION_HEADER = "x-dispatch-emu"


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class ApiApp:
    """Cloudflare's Workers for Platforms REST API over a :class:`NamespaceStore`."""

    def __init__(
        self,
        store: NamespaceStore,
        config: ApiConfig | None = None,
        *,
        on_reset: Callable[[], None] | None = None,
        extra_state: Callable[[], dict[str, Any]] | None = None,
        logs: LogSource | None = None,
    ) -> None:
        self.store = store
        self.config = config if config is not None else ApiConfig()
        self.control = Control(store, on_reset, extra_state, logs,
                               token_required=self.config.required_token is not None)
        self.url_map = make_map(self.control, self.config.control_prefix)

    def handles(self, path: str) -> bool:
        """True for the paths this app serves: ``/client/v4...`` and the control prefix."""
        return _under(path, API_PREFIX) or _under(path, self.config.control_prefix)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = self.respond(Request(environ))
        response.headers[VERSION_HEADER] = __version__
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        """The response to one request; never raises."""
        environ = request.environ
        try:
            path = request.path
            if not self.handles(path):
                raise NoRoute()
            check_auth(environ, self.config.required_token)
            if _under(path, self.config.control_prefix):
                allowed = environ.get(ALLOWED_HOSTS_ENVIRON_KEY, self.config.allowed_hosts)
                check_control_request(environ, allowed)
            handler, args = self._match(request)
            limit = self.config.max_restore_bytes if handler == self.control.restore else self.config.max_body_bytes
            check_declared_length(environ, limit)
            value = handler(ApiCall(self.store, request, args, limit))
            if isinstance(value, Response):
                return value
            return success_response(value)
        except MethodNotAllowed as error:
            allowed = error.allowed if isinstance(error, _NotAllowedHere) else ()
            return error_response(error, {"Allow": ", ".join(allowed)} if allowed else None)
        except ApiError as error:
            return error_response(error)
        except Exception as exc:  # a bug of ours: say so, and keep serving
            log.exception("unexpected error in %s %s", request.method, request.path)
            return internal_error_response(exc)

    def _match(self, request: Request) -> tuple[Callable[[ApiCall], Any], dict[str, Any]]:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            handler, args = adapter.match()
        except WerkzeugMethodNotAllowed as exc:
            raise _NotAllowedHere(request.method, sorted(exc.valid_methods or ())) from None
        except HTTPException:  # NotFound; redirects cannot happen with this map's options
            raise NoRoute() from None
        return handler, args  # type: ignore[return-value]  # endpoints are handlers


class _NotAllowedHere(MethodNotAllowed):
    """A 405 that knows which methods the route takes (for the message and ``Allow``)."""

    def __init__(self, method: str, allowed: list[str]) -> None:
        self.allowed = tuple(allowed)
        super().__init__(f"Method {method} is not allowed for this route; allowed: {', '.join(allowed)}.")


__all__ = ["VERSION_HEADER", "ApiApp"]
