"""What happened during dispatch: worker log lines, and a journal of requests and calls.

The dispatcher reports to an :class:`Observer`; the emulator keeps one, so a test can ask
which worker a request reached, whether that worker was found and answered, why a
dispatch failed, and what the worker logged:

>>> observer = Observer()
>>> observer.logged("acc", "ns", "shop", ["started", "done"])
>>> observer.lines("shop")
['started', 'done']
>>> observer.logged("acc", "ns", "shop", ["disk almost full"], level="warn")
>>> observer.lines("shop", level="warn"), observer.log_records("shop")[-1].level
(['disk almost full'], 'warn')

A level is one of :data:`LEVELS` (workerd's: ``log``, ``info``, ``debug``, ``warn``,
``error``); a line :meth:`Observer.lines` returns is a :class:`LogLine`, a ``str`` whose
``level`` says which.
>>> observer.dispatched(DispatchRecord("acc", "ns", "shop", 200, None, 0.001))
>>> observer.last_call().outcome
'answered'
>>> from dispatch_emu.errors import WorkerNotFound
>>> observer.dispatched(DispatchRecord("acc", "ns", "ghost", None, WorkerNotFound(), 0.001))
>>> ghost = observer.last_call()
>>> ghost.found, ghost.ran, ghost.outcome
(False, False, 'not found')

Three kinds of record share one sequence number, so ``since=`` reads what came after:

* :class:`LogRecord`: one line a worker wrote, with its level;
* :class:`DispatchRecord`: one call of a user worker through a stub (found or not);
* :class:`RequestRecord`: one request the dispatcher answered, with the calls it made,
  its status, and the traceback when the dispatcher function itself raised.

A dispatch made while a request is open (:meth:`Observer.request`) belongs to it. All
lists are thread-safe and cleared by ``clear()`` (the emulator's ``reset()``). Each keeps
its most recent entries, at most ``max_records`` of them and at most ``max_bytes`` bytes
of text (a log record weighs its line; a dispatch record, the log lines its error
carries; a request record, the lines and dispatches it holds), so a long-running server
does not grow without bound however much its workers log:

>>> small = Observer(max_bytes=2 * (RECORD_OVERHEAD + 5))  # room for two 5-byte lines
>>> small.logged("acc", "ns", "shop", ["12345", "67890", "abcde"])
>>> small.lines()
['67890', 'abcde']
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from dispatch_emu._levels import DEFAULT_LEVEL, LEVELS, LogLine, check_level, level_of, log_line
from dispatch_emu.errors import WorkerError, WorkerNotFound

#: Outcomes of a dispatch, as :attr:`DispatchRecord.outcome` spells them.
ANSWERED, NOT_FOUND, FAILED = "answered", "not found", "failed"


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One line a user worker wrote, and its level (:data:`~dispatch_emu._levels.LEVELS`):
    a JavaScript console method's own; ``error`` for a WAGI worker's stderr; ``log`` for
    the reactor ABI's log call."""

    account_id: str
    namespace: str
    worker: str
    line: str
    level: str = "log"
    seq: int = 0
    time: float = 0.0


@dataclass(slots=True)  # not frozen: a frozen init costs twice as much, on the dispatch hot path
class DispatchRecord:
    """One call of a user worker through a dispatch stub.

    ``found`` is derived from the error when not given: a :class:`WorkerNotFound` means the
    namespace had no such worker, and nothing ran. ``outcome`` is ``"answered"`` (found,
    and it returned a response), ``"not found"`` or ``"failed"`` (found, and it trapped,
    exited, threw or hit a limit).
    """

    account_id: str
    namespace: str
    worker: str
    status: int | None  # the worker's response status; None when it failed
    error: WorkerError | None
    seconds: float
    found: bool | None = None
    request: int | None = None  # seq of the RequestRecord it belongs to
    seq: int = 0
    time: float = 0.0

    def __post_init__(self) -> None:
        if self.found is None:  # never default to "found": a wrong guess would pass assertions
            self.found = not isinstance(self.error, WorkerNotFound)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def ran(self) -> bool:
        """Whether the worker's code ran: it was found (and then answered, or failed)."""
        return bool(self.found)

    @property
    def outcome(self) -> str:
        if not self.found:
            return NOT_FOUND
        return ANSWERED if self.error is None else FAILED

    def summary(self) -> str:
        """``'shop' in acc/ns: answered 200`` (or ``not found``, or ``failed: message``)."""
        where = f"{self.worker!r} in {self.account_id}/{self.namespace}"
        if self.outcome == ANSWERED:
            return f"{where}: answered {self.status}"
        if self.outcome == NOT_FOUND:
            return f"{where}: not found"
        assert self.error is not None
        return f"{where}: failed: {self.error.message}"


@dataclass(slots=True)
class RequestRecord:
    """One request a dispatcher answered, and the worker calls it made."""

    seq: int
    account_id: str
    namespace: str
    method: str
    host: str
    path: str
    time: float
    status: int | None = None
    seconds: float = 0.0
    dispatches: list[DispatchRecord] = field(default_factory=list)
    error: WorkerError | None = None  # a failure of the dispatcher function itself (1101)
    traceback: str | None = None
    logs: list[LogRecord] = field(default_factory=list)  # lines its workers wrote
    done: int = 0  # seq given when the answer was complete (``since=`` compares this one)
    started: float = field(default=0.0, repr=False)
    outer: RequestRecord | None = field(default=None, repr=False)  # the request open before this one

    @property
    def workers(self) -> list[str]:
        return [d.worker for d in self.dispatches]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.done, "time": self.time, "account_id": self.account_id, "namespace": self.namespace,
            "method": self.method, "host": self.host, "path": self.path, "status": self.status,
            "ms": round(self.seconds * 1000, 3),
            "dispatches": [dispatch_dict(d) for d in self.dispatches],
            "error": None if self.error is None else self.error.message,
            "traceback": self.traceback,
            "logs": [log_dict(r) for r in self.logs],
        }


def dispatch_dict(record: DispatchRecord) -> dict[str, Any]:
    """A JSON-ready view of a dispatch record (the logs endpoint and ``--log-format json``)."""
    error = record.error
    return {
        "seq": record.seq, "time": record.time, "account_id": record.account_id,
        "namespace": record.namespace, "worker": record.worker, "outcome": record.outcome,
        "status": record.status, "ms": round(record.seconds * 1000, 3),
        "error": None if error is None else error.message,
        "cause": None if error is None else error.cause,
        "trap_code": None if error is None else error.trap_code,
    }


def log_dict(record: LogRecord) -> dict[str, Any]:
    return {"seq": record.seq, "time": record.time, "account_id": record.account_id,
            "namespace": record.namespace, "worker": record.worker, "level": record.level,
            "line": record.line}


#: Bytes of text each of the observer's lists keeps by default.
MAX_BYTES = 32 * 2**20

#: What a record costs beyond its text (the record and its strings), for the byte count.
RECORD_OVERHEAD = 200

_R = TypeVar("_R")


def _weight(record: LogRecord | DispatchRecord | RequestRecord) -> int:
    if isinstance(record, LogRecord):
        return RECORD_OVERHEAD + len(record.line)
    if isinstance(record, DispatchRecord):
        logs = record.error.logs if record.error is not None else None
        return RECORD_OVERHEAD + sum(len(line) for line in logs or ())
    return (
        RECORD_OVERHEAD
        + len(record.traceback or "")
        + sum(_weight(log) for log in record.logs)
        + sum(_weight(dispatch) for dispatch in record.dispatches)
    )


class _Bounded(Generic[_R]):
    """A deque of records within a count and a byte budget (:func:`_weight`), oldest out first."""

    def __init__(self, max_records: int, max_bytes: int) -> None:
        self._items: deque[_R] = deque()
        self._sizes: deque[int] = deque()
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.bytes = 0

    def append(self, record: _R) -> None:
        size = _weight(record)  # type: ignore[arg-type]
        self._items.append(record)
        self._sizes.append(size)
        self.bytes += size
        while self._items and (len(self._items) > self.max_records or self.bytes > self.max_bytes):
            self._items.popleft()
            self.bytes -= self._sizes.popleft()

    def extend(self, records: Iterable[_R]) -> None:
        for record in records:
            self.append(record)

    def __iter__(self) -> Iterator[_R]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> _R:
        return self._items[index]

    def clear(self) -> None:
        self._items.clear()
        self._sizes.clear()
        self.bytes = 0


class Observer:
    def __init__(self, max_records: int = 10_000, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._logs: _Bounded[LogRecord] = _Bounded(max_records, max_bytes)
        self._calls: _Bounded[DispatchRecord] = _Bounded(max_records, max_bytes)
        self._requests: _Bounded[RequestRecord] = _Bounded(max_records, max_bytes)
        self._open = threading.local()  # the request this thread is answering, if any
        self._changed = threading.Condition(self._lock)
        self._waiting = 0  # followers blocked in wait(); no one to notify most of the time

    # ------------------------------------------------------------------ writing

    def logged(self, account_id: str, namespace: str, worker: str, lines: Iterable[str],
               level: str | None = None) -> None:
        """Record ``lines`` ``worker`` wrote: each at ``level``, else at its own
        (:func:`~dispatch_emu._levels.level_of`: a plain ``str`` is at ``log``)."""
        if level is not None:
            check_level(level)
        now = time.time()
        current: RequestRecord | None = getattr(self._open, "record", None)
        with self._lock:
            # a plain str is at level log (the common case: no copy); a LogLine at its own,
            # its text kept as a plain str beside it
            records = [LogRecord(account_id, namespace, worker, line, level or DEFAULT_LEVEL, next(self._seq), now)
                       if type(line) is str else
                       LogRecord(account_id, namespace, worker, str(line), level or level_of(line),
                                 next(self._seq), now)
                       for line in lines]
            self._logs.extend(records)
            if current is not None:
                current.logs.extend(records)
            if self._waiting:
                self._changed.notify_all()

    def dispatched(self, record: DispatchRecord) -> None:
        current: RequestRecord | None = getattr(self._open, "record", None)
        with self._lock:
            # the record is the caller's new one: stamp it in place (cheaper than a copy, on the hot path)
            record.seq, record.time = next(self._seq), time.time()
            if current is not None:
                record.request = current.seq
            self._calls.append(record)
            if current is not None:
                current.dispatches.append(record)
            if self._waiting:
                self._changed.notify_all()

    def begin_request(self, account_id: str, namespace: str, method: str, host: str, path: str
                      ) -> RequestRecord:
        """Open a request record for this thread; dispatches and log lines made until
        :meth:`end_request` belong to it."""
        with self._lock:
            record = RequestRecord(next(self._seq), account_id, namespace, method, host, path, time.time())
        record.outer = getattr(self._open, "record", None)
        record.started = time.perf_counter()
        self._open.record = record
        return record

    def end_request(self, record: RequestRecord) -> None:
        record.seconds = time.perf_counter() - record.started
        self._open.record = record.outer
        record.outer = None
        self._open.finished = record
        with self._lock:
            record.done = next(self._seq)
            self._requests.append(record)
            if self._waiting:
                self._changed.notify_all()

    @contextlib.contextmanager
    def request(self, account_id: str, namespace: str, method: str, host: str, path: str
                ) -> Iterator[RequestRecord]:
        """``begin_request`` … ``end_request`` as a ``with`` block."""
        record = self.begin_request(account_id, namespace, method, host, path)
        try:
            yield record
        finally:
            self.end_request(record)

    def take_finished(self) -> RequestRecord | None:
        """The request this thread answered last (once); a logging middleware reads it after each request."""
        record: RequestRecord | None = getattr(self._open, "finished", None)
        self._open.finished = None
        return record

    # ------------------------------------------------------------------ reading

    @property
    def bytes(self) -> int:
        """Bytes of text the lists hold (as counted against ``max_bytes``)."""
        with self._lock:
            return self._logs.bytes + self._calls.bytes + self._requests.bytes

    def lines(self, worker: str | None = None, *, level: str | None = None) -> list[str]:
        """Log lines, oldest first; only ``worker``'s when given, only those at ``level``
        (one of :data:`~dispatch_emu._levels.LEVELS`) when given. Each is a
        :class:`~dispatch_emu._levels.LogLine`: ``line.level`` says its level."""
        return [log_line(r.line, r.level) for r in self.log_records(worker, level=level)]

    def log_records(self, worker: str | None = None, since: int = 0, *, level: str | None = None
                    ) -> list[LogRecord]:
        """Log records after ``since``, oldest first; only ``worker``'s, only at ``level``, when given."""
        if level is not None:
            check_level(level)
        with self._lock:
            return [r for r in self._logs if r.seq > since and (worker is None or r.worker == worker)
                    and (level is None or r.level == level)]

    def calls(self, worker: str | None = None) -> list[DispatchRecord]:
        """Dispatch records, oldest first; only ``worker``'s when given."""
        with self._lock:
            return [c for c in self._calls if worker is None or c.worker == worker]

    def last_call(self) -> DispatchRecord | None:
        with self._lock:
            return self._calls[-1] if self._calls else None

    def requests(self, worker: str | None = None, since: int = 0) -> list[RequestRecord]:
        """Request records (finished ones), oldest first; only those that called ``worker``."""
        with self._lock:
            return [r for r in self._requests
                    if r.done > since and (worker is None or worker in r.workers)]

    def last_request(self) -> RequestRecord | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def latest_exchange(self) -> tuple[RequestRecord | None, list[DispatchRecord]]:
        """The most recent request and its calls, or a later direct stub call on its own.

        This is what "the last response" stood for: a dispatcher's answer (with every call
        it made, possibly none), or the answer of a ``stub.fetch()`` made outside one.
        """
        with self._lock:
            request = self._requests[-1] if self._requests else None
            call = self._calls[-1] if self._calls else None
        if call is not None and call.request is None and (request is None or call.seq > request.done):
            return None, [call]
        if request is not None:
            return request, list(request.dispatches)
        return None, []

    def position(self) -> int:
        """The sequence number of the newest record (``since=`` reads what follows)."""
        with self._lock:
            return self._newest()

    def _newest(self) -> int:
        ends = [self._logs[-1].seq if self._logs else 0, self._calls[-1].seq if self._calls else 0,
                self._requests[-1].done if self._requests else 0]
        return max(ends)

    def wait(self, since: int, timeout: float) -> None:
        """Block until a record newer than ``since`` exists, or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                newest = self._newest()
                left = deadline - time.monotonic()
                if newest > since or left <= 0:
                    return
                self._waiting += 1
                try:
                    self._changed.wait(left)
                finally:
                    self._waiting -= 1

    def clear(self) -> None:
        with self._lock:
            self._logs.clear()
            self._calls.clear()
            self._requests.clear()


__all__ = [
    "ANSWERED",
    "FAILED",
    "LEVELS",
    "MAX_BYTES",
    "NOT_FOUND",
    "RECORD_OVERHEAD",
    "DispatchRecord",
    "LogLine",
    "LogRecord",
    "Observer",
    "RequestRecord",
    "dispatch_dict",
    "log_dict",
]
