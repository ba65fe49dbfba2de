"""Conversions between werkzeug's Request/Response and the runtime's guest messages.

The dispatcher speaks werkzeug (it is a WSGI app, and ``stub.fetch()`` takes and returns
werkzeug objects); the runtime speaks :class:`~dispatch_emu.runtime.GuestRequest` and
:class:`~dispatch_emu.runtime.GuestResponse`. These functions are the only crossing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from werkzeug import Request, Response
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from dispatch_emu.dispatch._edge import sanitise_response
from dispatch_emu.dispatch.routing import request_host
from dispatch_emu.runtime import GuestRequest, GuestResponse

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: What a trusted namespace's workers see as ``request.cf`` (an emulator's fixed values,
#: overridable per request with the WSGI environ key ``dispatch_emu.cf``).
DEFAULT_CF: Mapping[str, Any] = {
    "colo": "EMU",
    "country": "XX",
    "asn": 0,
    "httpProtocol": "HTTP/1.1",
    "tlsVersion": "",
    "clientTcpRtt": 0,
}

CF_ENVIRON_KEY = "dispatch_emu.cf"


def make_request(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes | str = b"",
) -> Request:
    """A werkzeug Request for ``url``, as ``fetch("https://...")`` builds one in a worker."""
    parts = urlsplit(url)
    builder = EnvironBuilder(
        base_url=f"{parts.scheme or 'http'}://{parts.netloc or 'localhost'}",
        path=parts.path or "/",
        query_string=parts.query,
        method=method,
        headers=list(_pairs(headers)),
        data=body,
    )
    try:
        return builder.get_request()
    finally:
        builder.close()


class WorkerResponse(Response):
    """A user worker's response: no content type is invented when the worker sent none."""

    default_mimetype = None

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        headers = super().get_wsgi_headers(environ)
        if self.status_code == 304:
            # werkzeug drops entity headers (Content-Type, Last-Modified...) from a 304;
            # workerd, like Cloudflare, sends the worker's own headers on unchanged.
            for key, value in self.headers.items():
                if key.lower() in _KEPT_ON_304:
                    headers.add(key, value)
        return headers


_KEPT_ON_304 = frozenset(
    {"content-type", "last-modified", "allow", "content-encoding", "content-language", "content-range", "content-md5"}
)


def request_url(request: Request) -> str:
    """The request's full URL, as ``request.url`` gives it, at a fraction of the cost.

    werkzeug's ``request.url`` runs IRI-to-URI conversion on every call, the costliest
    step of a dispatch; WSGI already hands us ASCII-safe parts, so we only quote the path.
    """
    environ = request.environ
    path = quote(
        (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1"),
        safe=URL_PATH_SAFE,
    )
    query = environ.get("QUERY_STRING", "")
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{request_host(request)}{path or '/'}"
    return f"{url}?{query}" if query else url


URL_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def to_guest(request: Request, *, trusted: bool) -> GuestRequest:
    cf = None
    if trusted:
        cf = dict(DEFAULT_CF)
        cf.update(request.environ.get(CF_ENVIRON_KEY) or {})
    return GuestRequest(
        method=request.method,
        url=request_url(request),
        headers=list(request.headers.items()),
        body=request.get_data(cache=True),
        cf=cf,
    )


def from_guest(response: GuestResponse) -> Response:
    """The werkzeug response for a guest's answer; every ABI's answer passes here, and
    :func:`~dispatch_emu.dispatch._edge.sanitise_response` refuses or trims what HTTP/1.1
    cannot carry (raising :class:`~dispatch_emu.errors.WorkerException`)."""
    status, headers = sanitise_response(response.status, response.headers)
    return WorkerResponse(response.body, status=status, headers=headers)


def wsgi_answer(
    response: Response, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """Send a response; buffered ones skip werkzeug's general (and slower) WSGI path."""
    if not response.is_sequence or response.status_code in (204, 304) or response.direct_passthrough:
        return response(environ, start_response)
    start_response(response.status, response.headers.to_wsgi_list())
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [response.get_data()]


def guest_to_request(request: GuestRequest) -> Request:
    """A subrequest made by a guest, as a werkzeug Request for a Python outbound handler."""
    return make_request(request.url, method=request.method, headers=request.headers, body=request.body)


def response_to_guest(response: Response) -> GuestResponse:
    return GuestResponse(
        status=response.status_code,
        headers=list(response.headers.items()),
        body=response.get_data(),
    )


def _pairs(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Iterable[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)
