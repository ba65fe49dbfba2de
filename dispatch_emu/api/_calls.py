"""One API request as handlers see it: path values, query, and a size-capped body.

:class:`ApiCall` wraps a werkzeug ``Request`` with what every handler needs::

    def get_namespace(call: ApiCall) -> dict:
        return namespace_json(call.store.get_namespace(call.account, call.arg("namespace")))

The body is read at most once and never beyond ``max_body_bytes``: a declared
``Content-Length`` over the limit is refused before anything is read, and a body
without one (chunked) is read in slices until it ends or passes the limit. Either way
the answer is :class:`~dispatch_emu.errors.PayloadTooLarge` (413).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from dispatch_emu.errors import MalformedRequest, PayloadTooLarge, ValidationError
from dispatch_emu.store import NamespaceStore

_CHUNK = 64 * 1024
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


def declared_length(environ: Mapping[str, Any]) -> int | None:
    """The request's Content-Length, ``None`` when absent; malformed ones are a 400."""
    raw = environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    try:
        length = int(raw)
    except ValueError:
        raise MalformedRequest(f"Content-Length {raw!r} is not a number.") from None
    if length < 0:
        raise MalformedRequest(f"Content-Length {raw!r} is negative.")
    return length


def check_declared_length(environ: Mapping[str, Any], limit: int) -> None:
    length = declared_length(environ)
    if length is not None and length > limit:
        raise PayloadTooLarge(f"Request body of {length} bytes is over the {limit}-byte limit.")


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """Read the whole body, refusing (413) anything longer than ``limit`` bytes."""
    stream = environ["wsgi.input"]
    length = declared_length(environ)
    if length is not None:
        if length > limit:
            raise PayloadTooLarge(f"Request body of {length} bytes is over the {limit}-byte limit.")
        parts: list[bytes] = []
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(remaining, _CHUNK))
            if not chunk:
                raise MalformedRequest("The request body ended before its Content-Length.")
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)
    chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    if not (chunked or environ.get("wsgi.input_terminated")):
        return b""  # no length and no end marker: WSGI forbids reading past the body
    parts, total = [], 0
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (ValueError, OSError, HTTPException) as exc:  # what servers raise for a bad chunk
            raise MalformedRequest(f"The chunked request body is malformed: {exc}.") from None
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"Request body is over the {limit}-byte limit.")
        parts.append(chunk)


def parse_json(data: bytes, what: str = "request body") -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"The {what} is not valid JSON: {exc}.") from None
    except RecursionError:  # 100k nested brackets: valid JSON, but not something we parse
        raise MalformedRequest(f"The {what} nests too deeply to parse.") from None


def json_kind(value: Any) -> str:
    """How JSON calls a value's type, for error messages."""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


class ApiCall:
    """The context a handler runs in: store, request, path values, body."""

    def __init__(
        self, store: NamespaceStore, request: Request, args: Mapping[str, Any], max_body_bytes: int
    ) -> None:
        self.store = store
        self.request = request
        self.args = dict(args)
        self.max_body_bytes = max_body_bytes
        self._body: bytes | None = None

    @property
    def account(self) -> str:
        return str(self.args["account_id"])

    def arg(self, name: str) -> str:
        value = self.args[name]
        return value if isinstance(value, str) else str(value)  # keeps ACCOUNT_WORKERS's type

    def query(self, name: str) -> str | None:
        return self.request.args.get(name)

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``?force=true``); absent means false."""
        value = self.request.args.get(name)
        if value is None:
            return False
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValidationError(f"Query parameter {name} must be true or false; got {value!r}.")

    @property
    def content_type(self) -> str:
        return self.request.mimetype  # lower-cased, parameters stripped

    def body(self) -> bytes:
        if self._body is None:
            self._body = read_body(self.request.environ, self.max_body_bytes)
        return self._body

    def json(self, *, empty: Any = ...) -> Any:
        """The body as JSON; an empty body gives ``empty`` when one is given, else a 400."""
        data = self.body()
        if not data.strip():
            if empty is ...:
                raise MalformedRequest("The request body is empty; a JSON body is required.")
            return empty
        return parse_json(data)

    def json_object(self, *, empty: Any = ...) -> dict[str, Any]:
        value = self.json(empty=empty)
        if not isinstance(value, dict):
            raise MalformedRequest(f"The request body must be a JSON object; got {json_kind(value)}.")
        return value


__all__ = ["ApiCall", "check_declared_length", "declared_length", "json_kind", "parse_json", "read_body"]
