"""Conversions between werkzeug's Request/Response and the runtime's guest messages.

The dispatcher speaks werkzeug (it is a WSGI app, and ``stub.fetch()`` takes and returns
werkzeug objects); the runtime speaks :class:`~dispatch_emu.runtime.GuestRequest` and
:class:`~dispatch_emu.runtime.GuestResponse`. These functions are the only crossing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from werkzeug import Request, Response
from werkzeug.test import EnvironBuilder

from dispatch_emu.runtime import GuestRequest, GuestResponse

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


def to_guest(request: Request, *, trusted: bool) -> GuestRequest:
    cf = None
    if trusted:
        cf = dict(DEFAULT_CF)
        cf.update(request.environ.get(CF_ENVIRON_KEY) or {})
    return GuestRequest(
        method=request.method,
        url=request.url,
        headers=list(request.headers.items()),
        body=request.get_data(cache=True),
        cf=cf,
    )


def from_guest(response: GuestResponse) -> Response:
    result = Response(response.body, status=response.status)
    result.headers.clear()
    for name, value in response.headers:
        result.headers.add(name, value)
    return result


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
