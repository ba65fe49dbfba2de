"""What happened during dispatch: worker log lines and a journal of calls.

The dispatcher reports to an :class:`Observer`; the emulator keeps one, so a test can ask
which worker a request reached, why a dispatch failed, and what the worker logged:

>>> observer = Observer()
>>> observer.logged("acc", "ns", "shop", ["started", "done"])
>>> observer.lines("shop")
['started', 'done']

Both lists are thread-safe and cleared by ``clear()`` (the emulator's ``reset()``).
They keep the most recent ``max_records`` entries each, so a long-running server does
not grow without bound.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

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


class Observer:
    def __init__(self, max_records: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._logs: deque[LogRecord] = deque(maxlen=max_records)
        self._calls: deque[DispatchRecord] = deque(maxlen=max_records)

    def logged(self, account_id: str, namespace: str, worker: str, lines: Iterable[str]) -> None:
        with self._lock:
            self._logs.extend(LogRecord(account_id, namespace, worker, line) for line in lines)

    def dispatched(self, record: DispatchRecord) -> None:
        with self._lock:
            self._calls.append(record)

    def lines(self, worker: str | None = None) -> list[str]:
        """Log lines, oldest first; only ``worker``'s when given."""
        with self._lock:
            return [r.line for r in self._logs if worker is None or r.worker == worker]

    def log_records(self) -> list[LogRecord]:
        with self._lock:
            return list(self._logs)

    def calls(self, worker: str | None = None) -> list[DispatchRecord]:
        """Dispatch records, oldest first; only ``worker``'s when given."""
        with self._lock:
            return [c for c in self._calls if worker is None or c.worker == worker]

    def last_call(self) -> DispatchRecord | None:
        with self._lock:
            return self._calls[-1] if self._calls else None

    def clear(self) -> None:
        with self._lock:
            self._logs.clear()
            self._calls.clear()


__all__ = ["DispatchRecord", "LogRecord", "Observer"]
