"""Reusable guest instances, for ABIs whose modules declare that reuse is safe.

A pooled instance keeps its ``Store``: linear memory and globals survive from one request
to the next. A pool is bounded by count and by bytes (the memory its idle entries hold,
weighed when each is given back), so a few workers that grew their memory to the limit
cannot keep gigabytes idle; :meth:`IdlePool.drop` closes the entries of workers that a
delete or a reset made unreachable. Entries are keyed by the ABI, worker name, code digest, version and limits,
so a re-upload (new version) or a dispatch with other limits never meets an instance
made for something else; taking an entry for a new version of a worker closes the
entries of its older versions. An instance is *taken* out of the pool for the length of
a request, so a nested run of the same worker (an outbound handler calling it) gets a
fresh one instead of re-entering it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import wasmtime

#: Instances kept per runtime; the least recently used is closed past it.
POOL_LIMIT = 256

#: Bytes of memory the idle entries of one pool may hold (``RuntimeSettings.pool_bytes``).
POOL_BYTES = 256 * 2**20


@dataclass
class PooledInstance:
    """A store and its instance, plus whatever the ABI derived from it (exports)."""

    store: wasmtime.Store
    instance: wasmtime.Instance
    state: Any = None
    requests: int = 0
    bytes: int = 0  # memory the instance holds, measured when it goes back to the pool

    def close(self) -> None:
        self.store.close()


@dataclass(frozen=True)
class PoolKey:
    abi: str
    worker: str
    digest: str
    version: str
    limits: Hashable


class Versioned(Protocol):
    """A pool key: ``worker`` names whose entry it is, ``version`` which deployment."""

    @property
    def worker(self) -> str: ...

    @property
    def version(self) -> str: ...


class Closable(Protocol):
    def close(self) -> None: ...


K = TypeVar("K", bound=Versioned)
V = TypeVar("V", bound=Closable)


class IdlePool(Generic[K, V]):
    """At most one idle entry per key, ``limit`` entries and ``max_bytes`` bytes overall,
    least recently used out first.

    Entries are *taken* for the length of a request and given back only after a
    successful one; taking an entry for a worker closes the idle entries of that
    worker's other versions. ``weigh(entry)`` says how many bytes an entry holds; an
    entry heavier than the whole budget is closed instead of kept. Entries are closed
    outside the lock (closing a store can be slow). Both the reactor's instances and
    the JavaScript runner's contexts live in one.
    """

    def __init__(self, limit: int, max_bytes: int = POOL_BYTES, weigh: Callable[[V], int] | None = None) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._idle: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def take(self, key: K) -> V | None:
        """Remove and return the idle entry for ``key``; close stale versions of the worker."""
        stale: list[V] = []
        with self._lock:
            found = self._pop(key)
            for other in [k for k in self._idle if k.worker == key.worker and k.version != key.version]:
                stale.append(self._pop(other))  # type: ignore[arg-type]
        for old in stale:
            old.close()
        return found

    def give(self, key: K, item: V) -> None:
        """Keep an entry after a successful request (closed if the slot is taken or it does not fit)."""
        size = self._weigh(item) if self._weigh is not None else 0
        evicted: list[V] = []
        with self._lock:
            if key in self._idle or self.limit <= 0 or size > self.max_bytes:
                evicted.append(item)
            else:
                self._idle[key] = (item, size)
                self._bytes += size
                while len(self._idle) > self.limit or self._bytes > self.max_bytes:
                    _, (old, old_size) = self._idle.popitem(last=False)
                    self._bytes -= old_size
                    evicted.append(old)
        for old in evicted:
            old.close()

    def drop(self, keep: Callable[[str, str], bool] | None = None) -> int:
        """Close the idle entries whose ``(worker, version)`` ``keep`` refuses (all without
        ``keep``); returns how many were closed."""
        with self._lock:
            gone = [k for k in self._idle if keep is None or not keep(k.worker, k.version)]
            items = [self._pop(k) for k in gone]
        for item in items:
            item.close()  # type: ignore[union-attr]
        return len(items)

    def _pop(self, key: K) -> V | None:
        entry = self._idle.pop(key, None)
        if entry is None:
            return None
        self._bytes -= entry[1]
        return entry[0]

    @property
    def bytes(self) -> int:
        """Bytes the idle entries hold, as weighed when they were given back."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        self.drop()


class InstancePool(IdlePool[PoolKey, PooledInstance]):
    """The reactor ABI's reusable instances, one per :class:`PoolKey`."""

    def __init__(self, limit: int = POOL_LIMIT, max_bytes: int = POOL_BYTES) -> None:
        super().__init__(limit, max_bytes, weigh=lambda item: item.bytes)
        self.created = 0  # instances the ABIs reported creating for the pool (tests, benchmarks)


__all__ = ["POOL_BYTES", "POOL_LIMIT", "IdlePool", "InstancePool", "PoolKey", "PooledInstance"]
