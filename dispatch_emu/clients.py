"""Clients for an emulator, in process or over a socket, usable with or without pytest.

The pytest fixtures are built from these; a script, a notebook or another test runner
can use them the same way::

    from dispatch_emu import Emulator
    from dispatch_emu.clients import dispatch_client, httpx_client

    emu = Emulator()
    app = emu.app(emu.dispatcher())
    client = dispatch_client(app)                     # werkzeug, absolute URLs pick the worker
    client.get("http://hello.localhost/")
    with httpx_client(app) as http:                   # httpx over WSGI, no socket
        http.get("http://hello.localhost/")

* :class:`DispatchClient` / :func:`dispatch_client`: werkzeug's test ``Client``, except
  that an absolute URL keeps its host (werkzeug's own drops it, which would make
  subdomain routing see ``localhost``).
* :func:`httpx_client`: an ``httpx.Client`` over a WSGI app, or over a live server's URL
  through :func:`live_transport`, which sends every request to that server while keeping
  the URL's Host, so ``http://shop.localhost/`` reaches worker ``shop`` without DNS.
* :class:`LiveProxy`: a WSGI app that forwards to a live server (so a werkzeug client
  can talk over a socket too). Close it when done.
* :class:`DispatcherSlot`: a WSGI app that serves whatever app is put in it, for a
  long-lived server whose dispatcher changes (the pytest plugin puts each test's in it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from werkzeug.test import Client

if TYPE_CHECKING:
    import httpx

_WSGIApp = Callable[..., Iterable[bytes]]

#: The default base URL of :func:`httpx_client`: the demo namespace's subdomain routing.
DEFAULT_BASE_URL = "http://demo.localhost"

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authorization", "proxy-authenticate"})


class DispatchClient(Client):
    """A werkzeug ``Client`` that also takes absolute URLs: ``client.get("http://shop.localhost/a")``."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str) and "://" in args[0] and "base_url" not in kwargs:
            parts = urlsplit(args[0])
            kwargs["base_url"] = f"{parts.scheme}://{parts.netloc}"
            path = parts.path or "/"
            args = (path + (f"?{parts.query}" if parts.query else ""), *args[1:])
        return super().open(*args, **kwargs)


def dispatch_client(app: _WSGIApp) -> DispatchClient:
    """A :class:`DispatchClient` over ``app``."""
    return DispatchClient(app)


def live_transport(server_url: str) -> httpx.BaseTransport:
    """An httpx transport that sends every request to ``server_url``, keeping its Host."""
    import httpx

    target = httpx.URL(server_url)

    class LiveTransport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            return super().handle_request(request)

    return LiveTransport()


def httpx_client(app: _WSGIApp | None = None, *, server_url: str | None = None,
                 base_url: str = DEFAULT_BASE_URL) -> httpx.Client:
    """An ``httpx.Client`` over ``app`` in process, or over the live server at ``server_url``."""
    import httpx

    if (app is None) == (server_url is None):
        raise TypeError("httpx_client() takes either app or server_url=")
    if server_url is not None:
        return httpx.Client(transport=live_transport(server_url), base_url=base_url)
    assert app is not None
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url=base_url)


class LiveProxy:
    """A WSGI app forwarding every request to a live server; ``close()`` releases its connections."""

    def __init__(self, server_url: str) -> None:
        import httpx

        self.server_url = server_url
        self.http = httpx.Client(transport=live_transport(server_url))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from werkzeug.wrappers import Request

        request = Request(environ)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        url = f"{request.scheme}://{request.host}{request.full_path if request.query_string else request.path}"
        outgoing = self.http.build_request(request.method, url, headers=headers, content=request.get_data())
        response = self.http.send(outgoing, stream=True)
        try:
            body = b"".join(response.iter_raw())
        finally:
            response.close()
        reply_headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
        start_response(f"{response.status_code} {response.reason_phrase}", reply_headers)
        return [body]

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> LiveProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class DispatcherSlot:
    """A WSGI app serving the app put in :attr:`app`; 503 while it is empty."""

    def __init__(self, app: _WSGIApp | None = None) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app is None:
            body = b"dispatch_emu: no dispatcher is in the slot right now"
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


__all__ = [
    "DEFAULT_BASE_URL",
    "DispatchClient",
    "DispatcherSlot",
    "LiveProxy",
    "dispatch_client",
    "httpx_client",
    "live_transport",
]
