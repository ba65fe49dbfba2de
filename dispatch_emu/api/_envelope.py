"""Cloudflare's response envelope, and how errors become one.

Every JSON answer of the API has the same four keys::

    {"success": true, "errors": [], "messages": [], "result": {...}}

and lists may add ``result_info``; a handler returns :class:`WithMessages` to send
notices in ``messages`` (an upload whose bindings the emulator cannot run). A failure has ``success: false``, ``result: null``
and at least one ``{"code", "message"}`` in ``errors``. Handlers never build
envelopes themselves: they return a value (or a :class:`Paged` value for lists with
``result_info``) and raise :class:`~dispatch_emu.errors.ApiError` subclasses for
failures; :func:`success_response` and :func:`error_response` render both.

An exception that is not an ``ApiError`` is a bug in the emulator; it is answered
with 500 and code 10002, Cloudflare's "Unexpected internal server error".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from dispatch_emu.errors import ApiError, InternalError

JSON_TYPE = "application/json"

#: Cloudflare's code for "Unexpected internal server error" (x-cfLinkErrors of the schema).
INTERNAL_ERROR_CODE = InternalError.code


@dataclass(frozen=True)
class Paged:
    """A list result with ``result_info`` (cursor, count, per_page)."""

    result: list[Any]
    result_info: Mapping[str, Any]


@dataclass(frozen=True)
class WithMessages:
    """A result with notices for the client in ``messages`` (``{"code", "message"}`` each)."""

    result: Any
    messages: tuple[Mapping[str, Any], ...]


def success_body(
    result: Any, result_info: Mapping[str, Any] | None = None, messages: Any = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [dict(m) for m in messages],
                            "result": result}
    if result_info is not None:
        body["result_info"] = dict(result_info)
    return body


def failure_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"success": False, "errors": errors, "messages": [], "result": None}


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    # Compact separators: list pages of 1,000 scripts are the biggest answers we send.
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(data, status=status, headers=dict(headers or {}), content_type=JSON_TYPE)


def success_response(value: Any) -> Response:
    """The envelope for a handler's return value (a :class:`Paged` adds result_info)."""
    if isinstance(value, Paged):
        return json_response(success_body(value.result, value.result_info))
    if isinstance(value, WithMessages):
        return json_response(success_body(value.result, messages=value.messages))
    return json_response(success_body(value))


def error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    return json_response(failure_body([error.to_error()]), error.status, headers)


def internal_error_response(exc: BaseException) -> Response:
    return error_response(InternalError(f"Internal error: {type(exc).__name__}: {exc}"))


__all__ = [
    "INTERNAL_ERROR_CODE",
    "JSON_TYPE",
    "Paged",
    "WithMessages",
    "error_response",
    "failure_body",
    "internal_error_response",
    "json_response",
    "success_body",
    "success_response",
]
