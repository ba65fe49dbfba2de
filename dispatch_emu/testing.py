"""Assertion and seeding helpers for tests of code that dispatches to user workers.

The assertions read like the seed dispatcher: a missing worker is a 404 with an empty
body, any other failure a 500 whose body is the error message::

    from dispatch_emu.testing import assert_dispatch_failed, assert_reached, assert_worker_not_found

    def test_routing(dispatch_emu_client):
        assert_worker_not_found(dispatch_emu_client.get("http://nobody.localhost/"))
        assert_dispatch_failed(dispatch_emu_client.get("http://broken.localhost/"), "exception")
        response = dispatch_emu_client.get("http://shop.localhost/")
        assert_reached(response, "shop")

Each helper accepts a werkzeug ``Response``/``TestResponse`` or an ``httpx.Response``.
When one fails, its message says what came back *and* what the emulator saw: the last
dispatch (worker, cause, wasm trap code, the worker's log tail, from
``WorkerError.describe()``) and the log lines of the worker concerned. The helpers find
the emulator on their own inside a test that uses the ``dispatch_emu`` fixtures (the
pytest plugin makes it *current* for the test); elsewhere pass ``emulator=`` or wrap the
code in ``with use_emulator(emu):``.

:func:`seed` uploads workers from bytes, ``.wasm``/``.js``/``.mjs`` files, module folders
(with or without a ``wrangler.toml``), a folder of workers, or a mapping of names to any
of these (:mod:`dispatch_emu.sources` reads them); it is what the ``dispatch_emu_seed``
fixture and the ``dispatch_namespace`` marker use.

The pytest plugin registers this module for assertion rewriting, so ``assert`` here
shows pytest's usual introspection too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from dispatch_emu._levels import check_level, level_of
from dispatch_emu.emulator import DEFAULT_ACCOUNT, DEMO_NAMESPACE
from dispatch_emu.observe import ANSWERED, FAILED, NOT_FOUND, DispatchRecord, Observer, RequestRecord
from dispatch_emu.sources import WorkerSource, WorkerUpload, read_workers

if TYPE_CHECKING:
    from dispatch_emu.emulator import Emulator, NamespaceHandle

#: The account the emulator's handles and fixtures use unless told otherwise.
ACCOUNT_ID = DEFAULT_ACCOUNT

#: How many log lines a failure message shows, newest last.
_LOG_TAIL = 10

SeedSource: TypeAlias = WorkerSource | Mapping[str, WorkerSource] | Iterable[str | os.PathLike]

_current: list[Emulator] = []


@contextlib.contextmanager
def use_emulator(emulator: Emulator) -> Iterator[Emulator]:
    """Make ``emulator`` the one the assertion helpers report on, for the ``with`` block."""
    _current.append(emulator)
    try:
        yield emulator
    finally:
        _current.remove(emulator)


def current_emulator() -> Emulator | None:
    """The emulator of the running test (set by the pytest plugin), or ``None``."""
    return _current[-1] if _current else None


# ----------------------------------------------------------------------- responses


def response_status(response: Any) -> int:
    return int(response.status_code)


def response_body(response: Any) -> bytes:
    """The body of a werkzeug or httpx response, as bytes."""
    if hasattr(response, "get_data"):  # werkzeug Response / TestResponse
        return bytes(response.get_data())
    content = response.content  # httpx.Response (and requests)
    return content if isinstance(content, bytes) else str(content).encode()


def _short(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _journal(emulator: Emulator | Observer | None, worker: str | None = None) -> str:
    """What the emulator saw: where the last request went, and a worker's log tail, as text."""
    observer = _observer(emulator)
    if observer is None:
        return "(no emulator to report on: pass emulator= or use the dispatch_emu fixtures)"
    lines: list[str] = []
    request, calls = observer.latest_exchange()
    if request is not None:
        lines.append(
            f"last request: {request.method} {request.host}{request.path} to the dispatcher bound to "
            f"{request.account_id}/{request.namespace}, answered {request.status}"
        )
        if not calls:
            lines.append("  the dispatcher called no worker")
        if request.error is not None:
            lines.append(f"  the dispatcher function failed: {request.error.message}")
            if request.traceback:
                lines.extend("  " + line for line in request.traceback.rstrip().splitlines()[-6:])
    failed_logs: set[str] = set()
    for call in calls:
        lines.append(f"{'  ' if request is not None else ''}dispatch: worker name read {call.worker!r}, "
                     f"{_outcome_text(call)} (namespace {call.account_id}/{call.namespace})")
        if call.error is not None:
            lines.extend("    " + line for line in call.error.describe().splitlines())
            if call.error.logs:
                failed_logs.add(call.worker)
    if request is None and not calls:
        lines.append("no dispatch reached any user worker")
    if worker is None and calls:
        worker = calls[-1].worker
    if worker is not None and worker not in failed_logs:
        tail = observer.lines(worker)[-_LOG_TAIL:]
        if tail:
            lines.append(f"log tail of {worker!r}:")
            lines.extend(f"  [{level_of(line)}] {line}" for line in tail)
        else:
            lines.append(f"worker {worker!r} wrote no log lines")
    return "\n".join(lines)


def _outcome_text(call: DispatchRecord) -> str:
    if call.outcome == ANSWERED:
        return f"found, answered {call.status}"
    if call.outcome == NOT_FOUND:
        return "not found (404)"
    assert call.error is not None
    return f"found, failed (500): {call.error.message}"


def _observer(emulator: Emulator | Observer | None) -> Observer | None:
    if emulator is None:
        emulator = current_emulator()
    if emulator is None:
        return None
    return emulator if isinstance(emulator, Observer) else emulator.observer


def _emulator(target: Emulator | Observer | None) -> Emulator | None:
    if target is None:
        return current_emulator()
    return None if isinstance(target, Observer) else target


def _elsewhere(emulator: Emulator | Observer | None, worker: str, searched: set[tuple[str, str]]) -> str:
    """A note naming the namespaces (other than those searched) that hold ``worker``."""
    emu = _emulator(emulator)
    if emu is None:
        return ""
    store = emu.store
    holders = [
        f"{account}/{space.name}"
        for account in store.accounts()
        for space in store.list_namespaces(account)
        if (account, space.name) not in searched and store.find_script(account, space.name, worker) is not None
    ]
    if not holders:
        return ""
    return (f"\nnote: a worker named {worker!r} exists in namespace {', '.join(holders)}, "
            f"not in the one the dispatcher is bound to")


def _searched(request: RequestRecord | None, calls: list[DispatchRecord]) -> set[tuple[str, str]]:
    spaces = {(c.account_id, c.namespace) for c in calls}
    if request is not None:
        spaces.add((request.account_id, request.namespace))
    return spaces


# ----------------------------------------------------------------------- assertions


def expected_answer(
    error: Exception, *, emulator: Emulator | None = None, request: Any = None
) -> tuple[int, bytes]:
    """``(status, body)`` a dispatcher answers for ``error``, as the emulator renders it.

    That is the emulator's ``dispatch_emu_render_error`` hook (a plugin's rendering,
    else the seed's: 404 empty for ``WorkerNotFound``, 500 with the message otherwise);
    without an emulator, the seed's. ``request`` (werkzeug or httpx) is what the hook sees.
    """
    from dispatch_emu.dispatch._answers import default_error_response

    emulator = emulator if emulator is not None else current_emulator()
    if emulator is None:
        rendered = default_error_response(error)
    else:
        rendered = emulator.hooks.render_error(error, _werkzeug_request(request))
    return rendered.status_code, rendered.get_data()


def _werkzeug_request(request: Any) -> Any:
    from werkzeug import Request

    from dispatch_emu.dispatch._messages import make_request

    if isinstance(request, Request):
        return request
    if request is not None and hasattr(request, "url"):  # httpx.Request
        return make_request(str(request.url), method=request.method, headers=list(request.headers.items()))
    return make_request("http://dispatch-emu.invalid/")


def _request_of(response: Any) -> Any:
    try:
        return response.request  # werkzeug TestResponse, httpx.Response
    except (AttributeError, RuntimeError):  # httpx raises when a response was built by hand
        return None


def _answer(status: int, body: bytes) -> str:
    return f"{status}, empty body" if not body else f"{status}, body {_short(body)}"


def assert_worker_not_found(response: Any, worker: str | None = None, *, emulator: Emulator | None = None) -> None:
    """The dispatcher's answer for a missing worker (the seed's: 404 with an empty body).

    With the emulator known (inside the fixtures, or ``emulator=``), the answer must also
    be the dispatcher's own "Worker not found": the same answer given by a worker that was
    found fails. ``worker=`` also checks the name that was looked up.
    """
    from dispatch_emu.errors import WorkerNotFound

    status, body = response_status(response), response_body(response)
    want_status, want_body = expected_answer(WorkerNotFound(), emulator=emulator, request=_request_of(response))
    assert status == want_status and body == want_body, (
        f"expected the dispatcher's 'Worker not found' answer ({_answer(want_status, want_body)}), "
        f"got {status} with body {_short(body)}\n{_journal(emulator)}"
    )
    observer = _observer(emulator)
    if observer is None:
        return
    request, calls = observer.latest_exchange()
    missing = [c for c in calls if c.outcome == NOT_FOUND]
    assert missing or not calls, (
        "expected the dispatcher's 'Worker not found' answer, but the 404 came from a worker that "
        f"was found: {', '.join(c.summary() for c in calls)}\n{_journal(emulator)}"
    )
    if worker is not None:
        assert any(c.worker == worker for c in missing), (
            f"expected worker {worker!r} not to be found, but "
            + (f"the name looked up was {', '.join(repr(c.worker) for c in missing)}" if missing
               else "no worker was looked up")
            + f"\n{_journal(emulator)}"
        )


def assert_dispatch_failed(
    response: Any, message_part: str, *, worker: str | None = None, emulator: Emulator | None = None
) -> None:
    """The dispatcher's answer for a failing worker (the seed's: 500 whose body contains ``message_part``).

    With a plugin's ``dispatch_emu_render_error``, the status is the one it gives a
    failed worker, and the body must contain ``message_part`` if its rendering shows the
    message, else equal its rendering. With the emulator known, a worker (``worker=``,
    when given) must have been found and failed in the last request, or the dispatcher
    function itself must have failed (Cloudflare's 1101): a worker *answering* with that
    status and text fails this assertion.
    """
    from dispatch_emu.errors import WorkerException

    status, body = response_status(response), response_body(response)
    want_status, probe = expected_answer(
        WorkerException(message_part), emulator=emulator, request=_request_of(response)
    )
    shows_message = message_part.encode() in probe
    text = body.decode("utf-8", "replace")
    matches = message_part in text if shows_message else body == probe
    wanted = f"{want_status}, body containing {message_part!r}" if shows_message else _answer(want_status, probe)
    assert status == want_status and matches, (
        f"expected a failed dispatch ({wanted}), "
        f"got {status} with body {_short(body)}\n{_journal(emulator, worker)}"
    )
    observer = _observer(emulator)
    if observer is None:
        return
    request, calls = observer.latest_exchange()
    failed = [c for c in calls if c.outcome == FAILED and (worker is None or c.worker == worker)]
    dispatcher_failed = request is not None and request.error is not None and worker is None
    assert failed or dispatcher_failed, (
        f"expected {'worker ' + repr(worker) if worker else 'a worker'} to be found and fail, but "
        + (f"the calls were: {'; '.join(c.summary() for c in calls)}" if calls else "no worker was called")
        + f"\n{_journal(emulator, worker)}"
        + (_elsewhere(emulator, worker, _searched(request, calls)) if worker else "")
    )


def assert_reached(response_or_emulator: Any, worker: str, *, emulator: Emulator | None = None) -> None:
    """The request reached ``worker``: it was found and it answered.

    Given a response, the last request the dispatcher answered (or the last direct
    ``stub.fetch()``) must have called ``worker``, found it, and had its answer: a "Worker
    not found", a worker that failed, or a call to another worker fails the assertion.
    Given an :class:`Emulator` (or its ``Observer``), ``worker`` must have been found and
    answered at least once since the last reset. A failing worker is not "reached" in
    this sense: check it with ``assert_dispatch_failed(response, message, worker=...)``.
    On failure the message says where the request went (the namespace the dispatcher is
    bound to, the worker name read, the outcome) and which other namespace holds a worker
    of that name, if any.
    """
    if isinstance(response_or_emulator, Observer) or hasattr(response_or_emulator, "observer"):
        observer = _observer(response_or_emulator)
        assert observer is not None
        answered = [c for c in observer.calls(worker) if c.outcome == ANSWERED]
        if answered:
            return
        tried = observer.calls()
        summary = "; ".join(dict.fromkeys(c.summary() for c in tried)) or "none"
        assert answered, (
            f"no dispatch reached worker {worker!r} (found, and answered) since the reset; "
            f"calls: {summary}\n{_journal(response_or_emulator, worker)}"
            + _elsewhere(response_or_emulator, worker, {(c.account_id, c.namespace) for c in tried})
        )
    observer = _observer(emulator)
    assert observer is not None, (
        "assert_reached(response, ...) needs the emulator: pass emulator= or use the dispatch_emu fixtures"
    )
    request, calls = observer.latest_exchange()
    if any(c.worker == worker and c.outcome == ANSWERED for c in calls):
        return
    status, body = response_status(response_or_emulator), response_body(response_or_emulator)
    if not calls:
        went = "no worker was called" if request is not None else "no request reached the dispatcher"
    else:
        went = "the request went to " + "; ".join(c.summary() for c in calls)
    raise AssertionError(
        f"expected the request to reach worker {worker!r} (found, and answered), but {went}; "
        f"the response was {status} with body {_short(body)}\n{_journal(emulator, worker)}"
        + _elsewhere(emulator, worker, _searched(request, calls))
    )

def worker_logs(worker: str | None = None, *, level: str | None = None,
                emulator: Emulator | None = None) -> list[str]:
    """The log lines ``worker`` (or every worker) wrote since the last reset, oldest first;
    only those at ``level`` (``log``, ``info``, ``debug``, ``warn``, ``error``) when given.
    Each line's ``.level`` says its level."""
    observer = _observer(emulator)
    if observer is None:
        raise RuntimeError("worker_logs() needs the emulator: pass emulator= or use the dispatch_emu fixtures")
    return observer.lines(worker, level=level)


def assert_logged(text: str, worker: str | None = None, *, level: str | None = None,
                  emulator: Emulator | None = None) -> None:
    """A log line containing ``text`` was written since the last reset, by ``worker`` (any
    worker when not given), at ``level`` (any level when not given).

    The same text at another level, or by another worker, does not count; the failure
    message says where it was found instead, and lists what the worker logged with levels.
    """
    observer = _observer(emulator)
    assert observer is not None, (
        "assert_logged() needs the emulator: pass emulator= or use the dispatch_emu fixtures"
    )
    if level is not None:
        check_level(level)
    records = observer.log_records()
    if any(text in r.line and (worker is None or r.worker == worker) and (level is None or r.level == level)
           for r in records):
        return
    wanted = f"a log line containing {text!r}" + (f" at level {level!r}" if level else "") + (
        f" from worker {worker!r}" if worker else "")
    near = [r for r in records if text in r.line]
    lines = [f"expected {wanted}, but none was written since the reset"]
    if near:
        lines.append("lines with that text:")
        lines.extend(f"  [{r.level}] {r.worker}: {r.line}" for r in near[-_LOG_TAIL:])
    mine = [r for r in records if worker is None or r.worker == worker][-_LOG_TAIL:]
    if mine:
        lines.append(f"log tail{f' of {worker!r}' if worker else ''}:")
        lines.extend(f"  [{r.level}] {r.worker}: {r.line}" for r in mine)
    else:
        lines.append(f"worker {worker!r} wrote no log lines" if worker else "no worker wrote a log line")
    raise AssertionError("\n".join(lines))


# ----------------------------------------------------------------------- seeding


def collect_workers(
    source: SeedSource, *, name: str | None = None, base_dir: str | os.PathLike | None = None
) -> dict[str, WorkerUpload]:
    """Turn any seed source into ``{script name: WorkerUpload}`` (see :func:`dispatch_emu.sources.read_workers`).

    Bytes (wasm or JavaScript, ``name`` required), ``.wasm``/``.js``/``.mjs`` files, module
    folders, folders with a ``wrangler.toml``, folders of workers, ``{name: source}``
    mappings and lists of paths; relative paths resolve against ``base_dir``.
    """
    return read_workers(source, name=name, base_dir=base_dir)


def seed(
    emulator: Emulator,
    source: SeedSource | None = None,
    *,
    namespace: str = DEMO_NAMESPACE,
    account_id: str = DEFAULT_ACCOUNT,
    name: str | None = None,
    tags: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
    trusted_workers: bool | None = None,
    base_dir: str | os.PathLike | None = None,
    **put_options: Any,
) -> NamespaceHandle:
    """Create ``namespace`` if needed and upload the workers of ``source`` into it.

    ``tags`` is a list given to every script, or ``{script: [tags]}``. Other keywords
    (``bindings=``, ``secrets=``, ``limits=``) go to every
    :meth:`~dispatch_emu.emulator.NamespaceHandle.put_script` call. Returns the handle.
    """
    handle = emulator.namespace(namespace, account_id=account_id, trusted_workers=trusted_workers)
    if source is None:
        return handle
    workers = collect_workers(source, name=name, base_dir=base_dir)
    bindings = put_options.pop("bindings", None)
    for script_name, worker in workers.items():
        if isinstance(tags, Mapping):
            script_tags = tags.get(script_name)
        elif isinstance(tags, str):
            script_tags = [tags]
        else:
            script_tags = tags
        handle.put_script(
            script_name,
            tags=list(script_tags) if script_tags is not None else None,
            **worker.put_options(bindings),
            **put_options,
        )
    return handle


__all__ = [
    "ACCOUNT_ID",
    "SeedSource",
    "assert_dispatch_failed",
    "assert_logged",
    "assert_reached",
    "assert_worker_not_found",
    "collect_workers",
    "current_emulator",
    "expected_answer",
    "response_body",
    "response_status",
    "seed",
    "use_emulator",
    "worker_logs",
]
