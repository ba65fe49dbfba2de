"""Hypothesis strategies for Workers-for-Platforms tests.

Names, tags and tag filters as Cloudflare accepts them, HTTP requests, and *worker
programs*: small wasm workers of a chosen behaviour that carry the behaviour they will
show, so a property test can upload one and assert exactly what a dispatch answers::

    from hypothesis import given
    from dispatch_emu import strategies as des

    @given(program=des.worker_programs(), request=des.requests())
    def test_dispatch_matches_program(dispatch_emu, program, request):
        ns = dispatch_emu.namespace()
        ns.put_script("w", wasm=program.wasm, **program.put_options)
        response = ns.binding().get("w").fetch(request.url("http://w.localhost"), ...)

Strategies
    ``namespace_names()``, ``script_names()``, ``invalid_script_names()``, ``tags()``,
    ``tag_lists()``, ``tag_filters()`` (``"a:yes,b:no"`` strings), ``tag_filter_objects()``
    (parsed :class:`~dispatch_emu.store.TagFilter`), ``http_methods()``,
    ``request_paths()``, ``request_headers()``, ``requests()`` (:class:`HttpRequest`),
    ``worker_programs(kinds=...)`` (:class:`WorkerProgram`), ``script_uploads()``.

Worker programs are WAGI modules (WASI command modules speaking CGI, see
``docs/abi.md``) written as WebAssembly text and compiled with ``wasmtime.wat2wasm``;
``program.wat`` shows the source when a test fails. Kinds:

=========== =============================================================================
``respond`` logs its lines, answers ``status`` with ``headers`` and ``body``
``echo``    answers 200 with the request body as its body
``trap``    logs, then executes ``unreachable``: the dispatch fails, trap code UNREACHABLE
``exit``    logs, then exits with a non-zero code: "Worker exited with code N."
``loop``    logs, then loops forever: stopped by its CPU budget (``put_options`` sets a small one)
=========== =============================================================================

Build one directly with :func:`worker_program` (no Hypothesis needed at that point).
``st.from_type(WorkerProgram)`` works too (registered below), as do
``st.from_type(TagFilter)`` and ``st.from_type(ScriptUpload)`` (registered by the
``hypothesis`` entry point in :mod:`dispatch_emu._hypothesis_entry`).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from dispatch_emu.errors import CpuLimitExceeded, WorkerError, WorkerException
from dispatch_emu.store import ModuleSource, ScriptUpload, TagFilter
from dispatch_emu.store.names import MAX_TAGS, NAMESPACE_NAME_MAX, SCRIPT_NAME_MAX

KINDS = ("respond", "echo", "trap", "exit", "loop")

#: Statuses a worker answer may carry and every client passes through with its body.
SAFE_STATUSES = (200, 201, 202, 203, 400, 401, 403, 404, 409, 410, 418, 422, 429, 500, 502, 503)

#: CPU budget given to ``loop`` programs so a runaway loop is stopped quickly.
LOOP_CPU_MS = 5

_SCRIPT_FIRST = string.ascii_lowercase + string.digits + "_"
_SCRIPT_REST = _SCRIPT_FIRST + "-"
_NAMESPACE_CHARS = string.ascii_letters + string.digits + "-_"
_TAG_CHARS = string.ascii_lowercase + string.digits + "-_"
_LOG_CHARS = string.ascii_letters + string.digits + " .,;:!?=+-_/()[]"


# --------------------------------------------------------------------------- names and tags


def namespace_names(max_size: int = 20) -> st.SearchStrategy[str]:
    """Dispatch namespace names: letters, digits, ``-`` and ``_`` (at most 63 characters)."""
    return st.text(_NAMESPACE_CHARS, min_size=1, max_size=min(max_size, NAMESPACE_NAME_MAX))


def script_names(max_size: int = 20) -> st.SearchStrategy[str]:
    """Valid script names: ``^[a-z0-9_][a-z0-9-_]*$``, at most 63 characters."""
    size = min(max_size, SCRIPT_NAME_MAX)
    return st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(_SCRIPT_FIRST),
        st.text(_SCRIPT_REST, max_size=size - 1),
    )


def invalid_script_names() -> st.SearchStrategy[str]:
    """Names the API must refuse with 10021: empty, uppercase, leading ``-``, odd characters, too long."""
    return st.one_of(
        st.just(""),
        script_names().map(lambda n: "-" + n),
        st.builds(lambda a, b: a + b, script_names(max_size=10), st.sampled_from("ABCXYZ")),
        st.builds(lambda a, b: a + b, script_names(max_size=10), st.sampled_from(".~!$ ")),
        st.text(_SCRIPT_REST, min_size=SCRIPT_NAME_MAX + 1, max_size=SCRIPT_NAME_MAX + 8).map(
            lambda n: "a" + n
        ),
    )


def tags(max_size: int = 12) -> st.SearchStrategy[str]:
    """Script tags: lowercase letters, digits, ``-`` and ``_`` (never ``,`` or ``&``)."""
    return st.text(_TAG_CHARS, min_size=1, max_size=max_size)


def tag_lists(max_tags: int = MAX_TAGS, pool: Sequence[str] | None = None) -> st.SearchStrategy[list[str]]:
    """Lists of distinct tags, at most eight; drawn from ``pool`` when given (to make overlaps likely)."""
    element = st.sampled_from(list(pool)) if pool else tags()
    return st.lists(element, unique=True, max_size=min(max_tags, MAX_TAGS))


def tag_filters(pool: Sequence[str] | None = None, max_items: int = 3) -> st.SearchStrategy[str]:
    """Filters in Cloudflare's syntax, ``customer-123:yes,production:no``; never yes and no for one tag."""
    element = st.sampled_from(list(pool)) if pool else tags()
    return st.dictionaries(element, st.booleans(), min_size=1, max_size=max_items).map(
        lambda wanted: ",".join(f"{tag}:{'yes' if yes else 'no'}" for tag, yes in wanted.items())
    )


def tag_filter_objects(pool: Sequence[str] | None = None) -> st.SearchStrategy[TagFilter]:
    """Parsed :class:`~dispatch_emu.store.TagFilter` values."""
    return tag_filters(pool).map(lambda text: TagFilter.parse(text))  # type: ignore[arg-type,return-value]


def filter_matches(tag_filter: str, script_tags: Sequence[str]) -> bool:
    """What a ``tags=`` filter means, written plainly (an independent model for tests)."""
    have = set(script_tags)
    for item in tag_filter.split(","):
        tag, _, wanted = item.rpartition(":")
        if (tag in have) != (wanted == "yes"):
            return False
    return True


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class HttpRequest:
    """A generated request: ``method``, ``path`` (with any query), ``headers`` and ``body``."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def url(self, base: str) -> str:
        """The absolute URL on ``base`` (e.g. ``http://shop.localhost``)."""
        return base.rstrip("/") + self.path

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)


def http_methods() -> st.SearchStrategy[str]:
    return st.sampled_from(("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


def request_paths() -> st.SearchStrategy[str]:
    """``/a/b?x=1`` style paths; segments and query values are percent-encoded."""
    segment = st.text(string.ascii_letters + string.digits + "-._~ ", min_size=1, max_size=8).map(
        lambda s: quote(s, safe="")
    )
    query = st.dictionaries(
        st.text(string.ascii_lowercase, min_size=1, max_size=5),
        st.text(string.ascii_letters + string.digits + " &=", max_size=8),
        max_size=3,
    ).map(lambda q: "&".join(f"{k}={quote(v, safe='')}" for k, v in q.items()))
    return st.builds(
        lambda parts, q: "/" + "/".join(parts) + (f"?{q}" if q else ""),
        st.lists(segment, max_size=4),
        query,
    )


def _header_names() -> st.SearchStrategy[str]:
    return st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).map(lambda s: "x-" + s)


def _header_values() -> st.SearchStrategy[str]:
    inner = string.ascii_letters + string.digits + "-_.,;:=/ "
    return st.text(inner, max_size=30).map(str.strip)


def request_headers(max_size: int = 4) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """Distinct ``x-`` headers with printable values."""
    return st.dictionaries(_header_names(), _header_values(), max_size=max_size).map(
        lambda d: tuple(sorted(d.items()))
    )


def request_bodies(max_size: int = 256) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=max_size)


@st.composite
def requests(draw: st.DrawFn, methods: st.SearchStrategy[str] | None = None) -> HttpRequest:
    """Requests a worker can receive; only POST, PUT and PATCH carry a body."""
    method = draw(methods if methods is not None else http_methods())
    body = draw(request_bodies()) if method in ("POST", "PUT", "PATCH") else b""
    return HttpRequest(method, draw(request_paths()), draw(request_headers()), body)


# --------------------------------------------------------------------------- worker programs


@dataclass(frozen=True)
class WorkerProgram:
    """A generated worker and the behaviour it will show when dispatched to.

    ``status``/``headers``/``body`` describe the answer of a ``respond`` program (an
    ``echo`` answers 200 with the request body: use :meth:`expected_body`); for failing
    kinds ``error`` is the ``WorkerError`` subclass the stub's ``fetch()`` raises (its
    ``status`` is the dispatcher's: :attr:`expected_status`) and ``message`` the text the
    seed dispatcher puts in the body. ``logs`` are the lines
    written to stderr before anything else. ``put_options`` go to ``put_script``.
    """

    kind: str
    wat: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    logs: tuple[str, ...] = ()
    exit_code: int | None = None
    error: type[WorkerError] | None = None
    message: str | None = None
    trap_code: str | None = None
    put_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def wasm(self) -> bytes:
        return _compile(self.wat)

    @property
    def fails(self) -> bool:
        return self.error is not None

    @property
    def expected_status(self) -> int | None:
        """The status the seed dispatcher answers: the program's own, or its error class's."""
        return self.error.status if self.error is not None else self.status

    def expected_body(self, request_body: bytes = b"") -> bytes:
        return request_body if self.kind == "echo" else self.body

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis' pretty printer
        printer.text(repr(self))

    def __repr__(self) -> str:  # short: the WAT is long and Hypothesis prints examples
        detail = {
            "respond": f"status={self.status}, headers={list(self.headers)}, body={self.body[:40]!r}",
            "exit": f"exit_code={self.exit_code}",
        }.get(self.kind, "")
        return f"WorkerProgram({self.kind!r}, logs={list(self.logs)}{', ' + detail if detail else ''})"


@functools.lru_cache(maxsize=512)
def _compile(wat: str) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(wat))


def _wat_bytes(data: bytes) -> str:
    return "".join(f"\\{byte:02x}" for byte in data)


def _wat(stdout: bytes, stderr: bytes, ending: str, echo: bool) -> str:
    out_at = 1024
    err_at = out_at + len(stdout)
    buffer_at = (err_at + len(stderr) + 65535) // 65536 * 65536
    pages = buffer_at // 65536 + 1
    echo_code = f"""
    (block $done
      (loop $more
        (i32.store (i32.const 16) (i32.const {buffer_at}))
        (i32.store (i32.const 20) (i32.const 65536))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br_if $done (i32.eqz (i32.load (i32.const 24))))
        (call $write (i32.const 1) (i32.const {buffer_at}) (i32.load (i32.const 24)))
        (br $more)))""" if echo else ""
    return f"""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") {pages})
  (data (i32.const {out_at}) "{_wat_bytes(stdout)}")
  (data (i32.const {err_at}) "{_wat_bytes(stderr)}")
  ;; write all of [ptr, ptr+len) to fd, however the host splits it
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))
  (func (export "_start")
    (call $write (i32.const 2) (i32.const {err_at}) (i32.const {len(stderr)}))
    (call $write (i32.const 1) (i32.const {out_at}) (i32.const {len(stdout)})){echo_code}
    {ending}))
"""


def _cgi_head(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"Status: {status}"] + [f"{name}: {value}" for name, value in headers]
    return ("\n".join(lines) + "\n\n").encode("latin-1")


def worker_program(
    kind: str = "respond",
    *,
    status: int = 200,
    headers: Sequence[tuple[str, str]] = (("content-type", "text/plain"),),
    body: bytes = b"",
    logs: Sequence[str] = (),
    exit_code: int = 1,
) -> WorkerProgram:
    """Build one :class:`WorkerProgram` of ``kind`` (see the table in the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown worker program kind {kind!r}; choose from {', '.join(KINDS)}")
    if any("\n" in line or "\r" in line for line in logs):
        raise ValueError("log lines may not contain line breaks")
    stderr = "".join(f"{line}\n" for line in logs).encode()
    headers = tuple(headers)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers = (("content-type", "text/plain"), *headers)
    logs = tuple(logs)
    if kind == "respond":
        return WorkerProgram(kind, _wat(_cgi_head(status, headers) + body, stderr, "", False),
                             status=status, headers=headers, body=body, logs=logs)
    if kind == "echo":
        echo_headers = (("content-type", "application/octet-stream"),)
        return WorkerProgram(kind, _wat(_cgi_head(200, echo_headers), stderr, "", True),
                             status=200, headers=echo_headers, logs=logs)
    if kind == "trap":
        return WorkerProgram(kind, _wat(b"", stderr, "(unreachable)", False), logs=logs,
                             error=WorkerException, message="Worker threw exception",
                             trap_code=str(_trap_unreachable()))
    if kind == "exit":
        if not 1 <= exit_code <= 125:
            raise ValueError("exit_code must be between 1 and 125")
        return WorkerProgram(kind, _wat(b"", stderr, f"(call $proc_exit (i32.const {exit_code}))", False),
                             logs=logs, exit_code=exit_code, error=WorkerException,
                             message=f"Worker exited with code {exit_code}.")
    return WorkerProgram(kind, _wat(b"", stderr, "(loop $forever (br $forever))", False), logs=logs,
                         error=CpuLimitExceeded, message=CpuLimitExceeded.default_message,
                         put_options={"limits": {"cpu_ms": LOOP_CPU_MS}})


def _trap_unreachable() -> object:
    import wasmtime

    return wasmtime.TrapCode.UNREACHABLE


def log_lines(max_lines: int = 3) -> st.SearchStrategy[list[str]]:
    """Log lines a program writes: printable, no leading or trailing space."""
    line = st.text(_LOG_CHARS, min_size=1, max_size=40).map(str.strip).filter(bool)
    return st.lists(line, max_size=max_lines)


def response_headers() -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """A content type plus up to three distinct ``x-`` headers."""
    content_type = st.sampled_from(("text/plain", "application/json", "application/octet-stream",
                                    "text/html; charset=utf-8"))
    return st.builds(
        lambda ct, extra: (("content-type", ct), *sorted(extra.items())),
        content_type,
        st.dictionaries(_header_names(), _header_values(), max_size=3),
    )


@st.composite
def worker_programs(draw: st.DrawFn, kinds: Sequence[str] = KINDS) -> WorkerProgram:
    """Worker programs of the given ``kinds``, each with its expected behaviour."""
    kind = draw(st.sampled_from(tuple(kinds)))
    return worker_program(
        kind,
        status=draw(st.sampled_from(SAFE_STATUSES)),
        headers=draw(response_headers()),
        body=draw(st.binary(max_size=512)),
        logs=draw(log_lines()),
        exit_code=draw(st.integers(1, 125)),
    )


def script_uploads(kinds: Sequence[str] = ("respond", "echo")) -> st.SearchStrategy[ScriptUpload]:
    """Uploads (as the store and API take them) of generated worker programs."""
    return worker_programs(kinds).map(
        lambda p: ScriptUpload([ModuleSource("worker.wasm", "application/wasm", p.wasm)],
                               {"main_module": "worker.wasm", **p.put_options})
    )


st.register_type_strategy(WorkerProgram, worker_programs())

__all__ = [
    "KINDS",
    "LOOP_CPU_MS",
    "SAFE_STATUSES",
    "HttpRequest",
    "WorkerProgram",
    "filter_matches",
    "http_methods",
    "invalid_script_names",
    "log_lines",
    "namespace_names",
    "request_bodies",
    "request_headers",
    "request_paths",
    "requests",
    "response_headers",
    "script_names",
    "script_uploads",
    "tag_filter_objects",
    "tag_filters",
    "tag_lists",
    "tags",
    "worker_program",
    "worker_programs",
]
