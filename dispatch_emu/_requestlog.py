"""The server's request log: what happened to each request, as ``wrangler dev`` shows it.

:class:`RequestLog` is a WSGI middleware around the emulator's app. After each request it
writes one line with the method, host and path, the worker the dispatcher called and its
outcome, the status and the time; then, indented, the lines the worker logged with their
level (``log``, ``info``, ``debug``, ``warn``, ``error``: see :mod:`dispatch_emu._levels`), and for a failure its cause (the JavaScript stack, the wasm trap code) or the
traceback of a failing Python dispatcher::

    GET shop.localhost/cart → shop 200 (2.1ms)
      [log] shop: loading cart
      [warn] shop: cart is nearly full
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

from dispatch_emu.observe import ANSWERED, FAILED, NOT_FOUND, Observer, RequestRecord

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

    def _entry(self, environ: dict[str, Any], status: int | None, record: RequestRecord | None,
               seconds: float, crash: str | None) -> dict[str, Any]:
        if record is not None:
            entry = record.as_dict()
        else:
            entry = {"method": environ.get("REQUEST_METHOD", ""), "host": environ.get("HTTP_HOST", ""),
                     "path": _path(environ), "dispatches": [], "logs": [], "error": None, "traceback": crash}
        entry["status"] = status if status is not None else 500
        entry["ms"] = round(seconds * 1000, 3)
        entry["kind"] = "dispatch" if record is not None else "api"
        return entry

    def _json(self, *args: Any) -> str:
        return json.dumps(self._entry(*args), default=str)

    def _text(self, *args: Any) -> str:
        return format_text(self._entry(*args))


def format_text(entry: dict[str, Any]) -> str:
    """The readable lines of one request, from its JSON form (the server and ``dispatch-emu tail``)."""
    timing = f"({entry.get('ms', 0):.1f}ms)"
    status = entry.get("status")
    if entry.get("kind") == "api":  # the REST API or a control endpoint
        lines = [f"{entry['method']} {entry['path']} {status} {timing}"]
        if entry.get("traceback"):
            lines.append("  dispatch_emu internal error:")
            lines.extend("    " + line for line in entry["traceback"].rstrip().splitlines())
        return "\n".join(lines)
    calls = entry.get("dispatches") or []
    called = ", ".join(c["worker"] or "(no name)" for c in calls) if calls else "(no worker called)"
    lines = [f"{entry['method']} {entry['host']}{entry['path']} → {called} {_outcome(entry, calls)} {timing}"]
    lines.extend(f"  [{log['level']}] {log['worker']}: {log['line']}" for log in entry.get("logs") or [])
    for call in calls:
        if call["outcome"] == FAILED:
            cause = (call.get("cause") or "").splitlines()
            if cause:
                lines.append(f"  cause: {cause[0]}")
                lines.extend(f"    {line.strip()}" for line in cause[1:])
            if call.get("trap_code"):
                lines.append(f"  trap code: {call['trap_code']}")
    if entry.get("traceback"):  # the platform's own dispatcher function raised
        lines.extend("  " + line for line in entry["traceback"].rstrip().splitlines())
    return "\n".join(lines)


def _path(environ: dict[str, Any]) -> str:
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "") + (f"?{query}" if query else "")


def _outcome(entry: dict[str, Any], calls: list[dict[str, Any]]) -> str:
    status = entry.get("status")
    if entry.get("error") is not None:
        return f"{status} dispatcher failed: {entry['error']}"
    last = calls[-1] if calls else None
    if last is None or last["outcome"] == ANSWERED:
        return f"{status}"
    if last["outcome"] == NOT_FOUND:
        return f"{status} not found"
    return f"{status} {last['error']}"


__all__ = ["FORMATS", "RequestLog", "format_text"]
