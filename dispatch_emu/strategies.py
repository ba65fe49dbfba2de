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

Worker programs (``worker_programs()``) are the WAGI modules of
:mod:`dispatch_emu.programs`, where the kinds are described; build one directly with
:func:`~dispatch_emu.programs.worker_program` (re-exported here), no Hypothesis needed.
``st.from_type(WorkerProgram)`` works too (registered below), as do
``st.from_type(TagFilter)`` and ``st.from_type(ScriptUpload)`` (registered by the
``hypothesis`` entry point in :mod:`dispatch_emu._hypothesis_entry`).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import strategies as st

from dispatch_emu.programs import KINDS, LOOP_CPU_MS, WorkerProgram, worker_program
from dispatch_emu.store import ModuleSource, ScriptUpload, TagFilter
from dispatch_emu.store._names import MAX_TAGS, NAMESPACE_NAME_MAX, SCRIPT_NAME_MAX

#: Statuses a worker answer may carry and every client passes through with its body.
SAFE_STATUSES = (200, 201, 202, 203, 400, 401, 403, 404, 409, 410, 418, 422, 429, 500, 502, 503)

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
