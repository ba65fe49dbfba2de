"""The server's request log: what happened to each request, as ``wrangler dev`` shows it.

:class:`RequestLog` is a WSGI middleware around the emulator's app. After each request it
writes one line with the method, host and path, the worker the dispatcher called and its
outcome, the status and the time; then, indented, the lines the worker logged (with their
level), and for a failure its cause (the JavaScript stack, the wasm trap code) or the
traceback of a failing Python dispatcher::

    GET shop.localhost/cart → shop 200 (2.1ms)
      [log] shop: loading cart
    GET ghost.localhost/ → ghost 404 not found (0.3ms)
    GET broken.localhost/ → broken 500 Worker threw exception: Error: boom (1.8ms)
      cause: Error: boom
        at fetch (index.js:3:11)
    PUT /client/v4/accounts/demo-account/workers/dispatch/namespaces/demo/scripts/shop 200 (4.0ms)

``format="json"`` writes one JSON object per request instead (the fields of
:meth:`~dispatch_emu.observe.RequestRecord.as_dict`, plus ``status`` for API calls), for
machines. Polls of the logs endpoint are not logged, so following the logs stays quiet.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from dispatch_emu.observe import ANSWERED, NOT_FOUND, DispatchRecord, Observer, RequestRecord

FORMATS = ("text", "json")


class RequestLog:
    """Wraps ``app``; writes what happened to each request to ``stream``."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        observer: Observer,
        stream: TextIO,
        *,
        format: str = "text",
        quiet_paths: Iterable[str] = ("/__dispatch_emu/logs",),
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {format!r}")
        self.app = app
        self.observer = observer
        self.stream = stream
        self.format = format
        self.quiet_paths = tuple(quiet_paths)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(self.quiet_paths):
            return self.app(environ, start_response)
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status[:] = [code]
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        self.observer.take_finished()
        started = time.perf_counter()
        try:
            body = list(self.app(environ, recording_start_response))  # an error while iterating counts too
        except Exception:
            self._write(environ, None, None, time.perf_counter() - started, traceback.format_exc())
            raise
        code = int(status[0].split()[0]) if status else None
        self._write(environ, code, self.observer.take_finished(), time.perf_counter() - started, None)
        return body

    # ------------------------------------------------------------------ formatting

    def _write(self, environ: dict[str, Any], status: int | None, record: RequestRecord | None,
               seconds: float, crash: str | None) -> None:
        text = (self._json if self.format == "json" else self._text)(environ, status, record, seconds, crash)
        with self._lock:
            try:
                self.stream.write(text + "\n")
                self.stream.flush()
            except ValueError:  # stream closed at interpreter exit
                pass

    def _json(self, environ: dict[str, Any], status: int | None, record: RequestRecord | None,
              seconds: float, crash: str | None) -> str:
        if record is not None:
            entry = record.as_dict()
        else:
            entry = {"method": environ.get("REQUEST_METHOD", ""), "host": environ.get("HTTP_HOST", ""),
                     "path": _path(environ), "dispatches": [], "logs": [], "error": None, "traceback": crash}
        entry["status"] = status if status is not None else 500
        entry["ms"] = round(seconds * 1000, 3)
        entry["kind"] = "dispatch" if record is not None else "api"
        return json.dumps(entry, default=str)

    def _text(self, environ: dict[str, Any], status: int | None, record: RequestRecord | None,
              seconds: float, crash: str | None) -> str:
        method = environ.get("REQUEST_METHOD", "")
        timing = f"({seconds * 1000:.1f}ms)"
        if record is None:  # the REST API or a control endpoint
            lines = [f"{method} {_path(environ)} {status if status is not None else 500} {timing}"]
            if crash:
                lines.append("  dispatch_emu internal error:")
                lines.extend("    " + line for line in crash.rstrip().splitlines())
            return "\n".join(lines)
        where = f"{method} {record.host}{record.path}"
        lines = [f"{where} → {_called(record.dispatches)} {_outcome(record, status)} {timing}".replace("  ", " ")]
        for log in record.logs:
            lines.append(f"  [{log.level}] {log.worker}: {log.line}")
        for call in record.dispatches:
            if call.error is not None and call.found:
                lines.extend(_failure(call))
        if record.traceback:  # the platform's own dispatcher function raised
            lines.extend("  " + line for line in record.traceback.rstrip().splitlines())
        return "\n".join(lines)


def _path(environ: dict[str, Any]) -> str:
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "") + (f"?{query}" if query else "")


def _called(calls: list[DispatchRecord]) -> str:
    if not calls:
        return "(no worker called)"
    return ", ".join(call.worker or "(no name)" for call in calls)


def _outcome(record: RequestRecord, status: int | None) -> str:
    shown = status if status is not None else record.status
    last = record.dispatches[-1] if record.dispatches else None
    if record.error is not None:
        return f"{shown} dispatcher failed: {record.error.message}"
    if last is None or last.outcome == ANSWERED:
        return f"{shown}"
    if last.outcome == NOT_FOUND:
        return f"{shown} not found"
    assert last.error is not None
    return f"{shown} {last.error.message}"


def _failure(call: DispatchRecord) -> list[str]:
    error = call.error
    assert error is not None
    lines = []
    if error.cause:
        cause = error.cause.splitlines()
        lines.append(f"  cause: {cause[0]}")
        lines.extend(f"    {line.strip()}" for line in cause[1:])
    if error.trap_code:
        lines.append(f"  trap code: {error.trap_code}")
    return lines


__all__ = ["FORMATS", "RequestLog"]
