"""The dispatcher: a WSGI app whose logic is a Python ``fetch(request, env)``.

This is the platform's own Worker, the one with the namespace binding. Its logic is a
function like the seed's JavaScript, transliterated::

    def seed_fetch(request, env):
        try:
            # read the worker's name from the request (the subdomain, by default)
            worker_name = env.route(request)
            user_worker = env.dispatcher.get(worker_name)
            return user_worker.fetch(request)
        except WorkerError as e:
            # 'Worker not found.' -> 404 with an empty body; any other failure of the
            # user worker (trap, limit, bad output) -> 500 with the message as the body
            return env.render_error(e, request)

Pass your own ``fetch`` to route and answer as your platform does. ``env`` carries
``env.dispatcher`` (the :class:`~dispatch_emu.dispatch.DispatchNamespace`), any extra
bindings you give as ``env=`` (reachable as attributes), ``env.route(request)`` (the
configured routing, through the ``dispatch_emu_resolve_worker`` hook) and
``env.render_error(error, request)`` (the ``dispatch_emu_render_error`` hook, whose
built-in answer is the seed's 404/500). An exception escaping your ``fetch`` becomes
Cloudflare's error 1101, "Worker threw exception", with status 500.

Before any of that, the WSGI entry applies Cloudflare's request limits (URL 16 KB, headers
128 KB, body 100 MB by default; ``edge=EdgeLimits(...)`` changes them): see
:mod:`dispatch_emu.dispatch._edge`, which also holds every worker's answer to what HTTP/1.1
can carry.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug import Request, Response
from werkzeug.wsgi import ClosingIterator

from dispatch_emu.dispatch._answers import default_error_response
from dispatch_emu.dispatch._binding import DispatchNamespace
from dispatch_emu.dispatch._edge import DEFAULT_LIMITS, EdgeLimits, refuse_request
from dispatch_emu.dispatch._messages import wsgi_answer
from dispatch_emu.dispatch.routing import Routing, routing_from_spec
from dispatch_emu.errors import DispatcherException, WorkerError
from dispatch_emu.observe import RequestRecord

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

FetchFunction = Callable[[Request, "DispatcherEnv"], Response]


class DispatcherEnv:
    """``env`` of a dispatcher: the namespace binding plus any bindings you add."""

    def __init__(
        self, dispatcher: DispatchNamespace, routing: Routing, bindings: Mapping[str, Any] | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.routing = routing
        self.bindings = dict(bindings or {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["bindings"][name]
        except KeyError:
            raise AttributeError(f"env has no binding {name!r}") from None

    def route(self, request: Request) -> str | None:
        """The worker ``request`` is for: a plugin's answer, else the configured routing."""
        return self.dispatcher.hooks.resolve_worker(request, self.routing)

    def render_error(self, error: Exception, request: Request) -> Response:
        """The answer to a failed dispatch: a plugin's rendering, else the seed's."""
        return self.dispatcher.hooks.render_error(error, request)


def seed_fetch(request: Request, env: DispatcherEnv) -> Response:
    """The seed's dispatcher (see the module docstring)."""
    try:
        worker_name = env.route(request)
        user_worker = env.dispatcher.get(worker_name)
        return user_worker.fetch(request)
    except WorkerError as error:
        return env.render_error(error, request)


class Dispatcher:
    """A WSGI app running ``fetch(request, env)`` over one dispatch namespace."""

    def __init__(
        self,
        binding: DispatchNamespace,
        *,
        fetch: FetchFunction | None = None,
        routing: Routing | str | None = None,
        env: Mapping[str, Any] | None = None,
        edge: EdgeLimits | None = None,
    ) -> None:
        self.binding = binding
        self.edge = edge or DEFAULT_LIMITS
        self.fetch = fetch or seed_fetch
        self.routing = routing_from_spec(routing)
        self.env = DispatcherEnv(binding, self.routing, env)

    def handle(self, request: Request) -> Response:
        """Answer one request (what the WSGI entry point does, without WSGI).

        The binding's observer journals it: the worker calls made, the status, and the
        traceback when the dispatcher function itself fails.
        """
        binding, environ = self.binding, request.environ
        query = environ.get("QUERY_STRING")
        record = binding.observer.begin_request(
            binding.account_id, binding.namespace, request.method, environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", "") + (f"?{query}" if query else ""),
        )
        try:
            response = self._answer(request, record)
            record.status = response.status_code
            return response
        finally:
            binding.observer.end_request(record)

    def _answer(self, request: Request, record: RequestRecord) -> Response:
        try:
            response = self.fetch(request, self.env)
        except Exception as exc:  # the platform's own code failed: Cloudflare's 1101
            error = DispatcherException(
                f"Worker threw exception: {type(exc).__name__}: {exc}",
                cause=f"{type(exc).__name__} raised by the dispatcher function",
            )
            error.__cause__ = exc
            record.error, record.traceback = error, traceback.format_exc()
            return self.env.render_error(error, request)
        if not isinstance(response, Response):
            error = DispatcherException(
                f"Worker threw exception: the dispatcher returned {type(response).__name__},"
                " not a Response",
                cause="bad return value",
            )
            record.error = error
            return self.env.render_error(error, request)
        return response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        refused = refuse_request(environ, self.edge)  # Cloudflare's URL, header and body limits
        if refused is not None:
            return refused(environ, start_response)
        answer = wsgi_answer(self.handle(Request(environ)), environ, start_response)
        runtime = self.binding.runtime
        if runtime.has_pending:  # ctx.waitUntil() work runs once the answer is sent
            return ClosingIterator(answer, runtime.wait_for_pending)
        return answer

    def __repr__(self) -> str:
        name = getattr(self.fetch, "__name__", repr(self.fetch))
        return f"<Dispatcher {self.binding.account_id}/{self.binding.namespace} fetch={name}>"


__all__ = ["Dispatcher", "DispatcherEnv", "FetchFunction", "default_error_response", "seed_fetch"]
