"""What happened during dispatch: worker log lines and a journal of calls.

The dispatcher reports to an :class:`Observer`; the emulator keeps one, so a test can ask
which worker a request reached, why a dispatch failed, and what the worker logged:

>>> observer = Observer()
>>> observer.logged("acc", "ns", "shop", ["started", "done"])
>>> observer.lines("shop")
['started', 'done']

Both lists are thread-safe and cleared by ``clear()`` (the emulator's ``reset()``).
Each keeps its most recent entries, at most ``max_records`` of them and at most
``max_bytes`` bytes of text (log lines; for dispatch records, the log lines their
errors carry), so a long-running server does not grow without bound however much its
workers log:

>>> small = Observer(max_bytes=2 * (RECORD_OVERHEAD + 5))  # room for two 5-byte lines
>>> small.logged("acc", "ns", "shop", ["12345", "67890", "abcde"])
>>> small.lines()
['67890', 'abcde']
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dispatch_emu.errors import WorkerError


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One line a user worker wrote (stderr for WAGI, the log call for the reactor ABI)."""

    account_id: str
    namespace: str
    worker: str
    line: str


@dataclass(frozen=True, slots=True)
class DispatchRecord:
    """One call of a user worker through a dispatch stub."""

    account_id: str
    namespace: str
    worker: str
    status: int | None  # the worker's response status; None when it failed
    error: WorkerError | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


#: Bytes of text each of the observer's lists keeps by default.
MAX_BYTES = 32 * 2**20

#: What a record costs beyond its text (the record and its strings), for the byte count.
RECORD_OVERHEAD = 200


def _weight(record: LogRecord | DispatchRecord) -> int:
    if isinstance(record, LogRecord):
        return RECORD_OVERHEAD + len(record.line)
    logs = record.error.logs if record.error is not None else ()
    return RECORD_OVERHEAD + sum(len(line) for line in logs or ())


class _Bounded:
    """Records, oldest first, within a count and a byte budget."""

    def __init__(self, max_records: int, max_bytes: int) -> None:
        self.items: deque[tuple[LogRecord | DispatchRecord, int]] = deque()
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.bytes = 0

    def add(self, record: LogRecord | DispatchRecord) -> None:
        size = _weight(record)
        self.items.append((record, size))
        self.bytes += size
        while self.items and (len(self.items) > self.max_records or self.bytes > self.max_bytes):
            self.bytes -= self.items.popleft()[1]

    def records(self) -> list[Any]:
        return [record for record, _ in self.items]

    def clear(self) -> None:
        self.items.clear()
        self.bytes = 0


class Observer:
    def __init__(self, max_records: int = 10_000, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._logs = _Bounded(max_records, max_bytes)
        self._calls = _Bounded(max_records, max_bytes)

    def logged(self, account_id: str, namespace: str, worker: str, lines: Iterable[str]) -> None:
        with self._lock:
            for line in lines:
                self._logs.add(LogRecord(account_id, namespace, worker, line))

    def dispatched(self, record: DispatchRecord) -> None:
        with self._lock:
            self._calls.add(record)

    @property
    def bytes(self) -> int:
        """Bytes of text both lists hold (as counted against ``max_bytes``)."""
        with self._lock:
            return self._logs.bytes + self._calls.bytes

    def lines(self, worker: str | None = None) -> list[str]:
        """Log lines, oldest first; only ``worker``'s when given."""
        with self._lock:
            return [r.line for r in self._logs.records() if worker is None or r.worker == worker]

    def log_records(self) -> list[LogRecord]:
        with self._lock:
            return self._logs.records()

    def calls(self, worker: str | None = None) -> list[DispatchRecord]:
        """Dispatch records, oldest first; only ``worker``'s when given."""
        with self._lock:
            return [c for c in self._calls.records() if worker is None or c.worker == worker]

    def last_call(self) -> DispatchRecord | None:
        with self._lock:
            return self._calls.items[-1][0] if self._calls.items else None  # type: ignore[return-value]

    def clear(self) -> None:
        with self._lock:
            self._logs.clear()
            self._calls.clear()


__all__ = ["DispatchRecord", "LogRecord", "Observer"]
