"""The HTTP edge: what Cloudflare checks before a request reaches a worker, and after it answers.

**Requests** (:func:`refuse_request`, run by the dispatcher's WSGI entry before routing).
Cloudflare's published limits, as :class:`EdgeLimits` defaults:

====================================  ==========  =======================================
request                               limit       answer
====================================  ==========  =======================================
URL (path and query)                  16 KB       414 URI Too Long
headers, names and values together    128 KB      431 Request Header Fields Too Large
body                                  100 MB      413 Payload Too Large
====================================  ==========  =======================================

100 MB is the request body limit of Cloudflare's Free and Pro plans (Business 200 MB,
Enterprise 500 MB by default): pass ``EdgeLimits(max_request_body_bytes=...)`` to
emulate another plan. A declared ``Content-Length`` over the limit is refused before
anything is read; a chunked body is read only up to the limit. A chunked body that is
malformed gets 400. The body is then held in memory for the worker, as it would be.

**Responses** (:func:`sanitise_response`, the one place every ABI's answer passes through
on its way to werkzeug, in :func:`dispatch_emu.dispatch._messages.from_guest`). What a
worker answers must be something HTTP/1.1 can carry; otherwise the dispatch fails with
a :class:`~dispatch_emu.errors.WorkerException` (the seed dispatcher answers 500 with
its message), as a Workers runtime refuses to construct such a ``Response``:

- a status outside 200–599 (0, -1, 100, 101, 1000, or not a whole number);
- a header name that is not an HTTP token (empty, spaces, ``:``, CR, LF, NUL, non-ASCII);
- a header value holding CR, LF or NUL (response splitting), or characters beyond Latin-1;
- headers over 128 KB in total (names, values and ``: `` and CRLF for each line).

Framing and hop-by-hop headers are **dropped**, as Cloudflare's edge replaces them with
its own: ``Connection``, ``Keep-Alive``, ``Proxy-Connection``, ``Transfer-Encoding``,
``TE``, ``Trailer``, ``Upgrade`` and ``Content-Length`` (the length is that of the body
the worker gave, whatever it declared).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug import Response
from werkzeug.exceptions import HTTPException

from dispatch_emu.errors import WorkerException

#: Response headers a worker may not set: the edge frames the response itself.
DROPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
     "content-length"}
)

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[\r\n\0]")
_READ = 64 * 1024


@dataclass(frozen=True)
class EdgeLimits:
    """Cloudflare's request and response limits (see the module docstring)."""

    max_url_bytes: int = 16 * 1024
    max_request_header_bytes: int = 128 * 1024
    max_request_body_bytes: int = 100 * 1000 * 1000
    max_response_header_bytes: int = 128 * 1024


DEFAULT_LIMITS = EdgeLimits()


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _request_header_bytes(environ: dict[str, Any]) -> int:
    total = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            total += len(key) - 5 + len(value) + 4
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            total += len(key) + len(environ[key]) + 4
    return total


def refuse_request(environ: dict[str, Any], limits: EdgeLimits = DEFAULT_LIMITS) -> Response | None:
    """The edge's answer to a request over a limit, or ``None`` to let it through.

    A chunked body within the limit is read here and put back as a plain one, so what
    the worker is given is bounded whatever the framing.
    """
    url = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1
    if url > limits.max_url_bytes:
        return _plain(414, f"URI Too Long: the URL is over {limits.max_url_bytes} bytes.")
    if _request_header_bytes(environ) > limits.max_request_header_bytes:
        return _plain(431, f"Request Header Fields Too Large: over {limits.max_request_header_bytes} bytes.")
    limit = limits.max_request_body_bytes
    # Transfer-Encoding wins over Content-Length (RFC 9112 6.3): a chunked body is read here.
    chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    raw_length = environ.get("CONTENT_LENGTH")
    if raw_length and not chunked:
        try:
            length = int(raw_length)
        except ValueError:
            return _plain(400, f"Bad Request: Content-Length {raw_length!r} is not a number.")
        if length < 0:
            return _plain(400, f"Bad Request: Content-Length {raw_length!r} is negative.")
        if length > limit:
            return _plain(413, f"Payload Too Large: the body is over {limit} bytes.")
        return None
    if not (chunked or environ.get("wsgi.input_terminated")):
        return None
    parts: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = environ["wsgi.input"].read(_READ)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                return _plain(413, f"Payload Too Large: the body is over {limit} bytes.")
            parts.append(chunk)
    except (ValueError, OSError, HTTPException) as exc:  # servers disagree on what a bad chunk raises
        return _plain(400, f"Bad Request: the chunked body is malformed ({exc}).")
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False
    return None


def _latin1(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def sanitise_response(
    status: object, headers: Iterable[tuple[str, str]], limits: EdgeLimits = DEFAULT_LIMITS
) -> tuple[int, list[tuple[str, str]]]:
    """``(status, headers)`` fit for the wire, hop-by-hop and framing headers dropped.

    Raises :class:`WorkerException` for what HTTP/1.1 cannot carry (module docstring).
    """
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise WorkerException(
            f"The worker answered with status {status!r}: responses may only carry status codes"
            " in the range 200 to 599, inclusive.",
            cause="invalid response status",
        )
    kept: list[tuple[str, str]] = []
    size = 0
    for name, value in headers:
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise WorkerException(
                f"The worker answered with an invalid header name {name!r}.", cause="invalid response header"
            )
        if not isinstance(value, str) or _BAD_VALUE.search(value) or not _latin1(value):
            raise WorkerException(
                f"The worker answered with an invalid value for header {name!r}: {value!r}"
                " (CR, LF, NUL and characters beyond Latin-1 are not allowed).",
                cause="invalid response header",
            )
        size += len(name) + len(value) + 4
        if size > limits.max_response_header_bytes:
            raise WorkerException(
                f"The worker's response headers are over {limits.max_response_header_bytes} bytes.",
                cause="response headers too large",
            )
        if name.lower() not in DROPPED_RESPONSE_HEADERS:
            kept.append((name, value))
    return status, kept


__all__ = ["DEFAULT_LIMITS", "DROPPED_RESPONSE_HEADERS", "EdgeLimits", "refuse_request", "sanitise_response"]
