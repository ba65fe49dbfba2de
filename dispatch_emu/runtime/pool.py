"""Reusable guest instances, for ABIs whose modules declare that reuse is safe.

A pooled instance keeps its ``Store``: linear memory and globals survive from one request
to the next. Entries are keyed by the ABI, worker name, code digest, version and limits,
so a re-upload (new version) or a dispatch with other limits never meets an instance
made for something else; taking an entry for a new version of a worker closes the
entries of its older versions. An instance is *taken* out of the pool for the length of
a request, so a nested run of the same worker (an outbound handler calling it) gets a
fresh one instead of re-entering it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import wasmtime

#: Instances kept per runtime; the least recently used is closed past it.
POOL_LIMIT = 256


@dataclass
class PooledInstance:
    """A store and its instance, plus whatever the ABI derived from it (exports)."""

    store: wasmtime.Store
    instance: wasmtime.Instance
    state: Any = None
    requests: int = 0

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
    """At most one idle entry per key and ``limit`` overall, least recently used out first.

    Entries are *taken* for the length of a request and given back only after a
    successful one; taking an entry for a worker closes the idle entries of that
    worker's other versions. Entries are closed outside the lock (closing a store can be
    slow). Both the reactor's instances and the JavaScript runner's contexts live in one.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._idle: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: K) -> V | None:
        """Remove and return the idle entry for ``key``; close stale versions of the worker."""
        stale: list[V] = []
        with self._lock:
            item = self._idle.pop(key, None)
            for other in [k for k in self._idle if k.worker == key.worker and k.version != key.version]:
                stale.append(self._idle.pop(other))
        for old in stale:
            old.close()
        return item

    def give(self, key: K, item: V) -> None:
        """Keep an entry after a successful request (closed if the slot is taken or the pool full)."""
        evicted: list[V] = []
        with self._lock:
            if key in self._idle or self.limit <= 0:
                evicted.append(item)
            else:
                self._idle[key] = item
                while len(self._idle) > self.limit:
                    evicted.append(self._idle.popitem(last=False)[1])
        for old in evicted:
            old.close()

    def __len__(self) -> int:
        return len(self._idle)

    def close(self) -> None:
        with self._lock:
            items = list(self._idle.values())
            self._idle.clear()
        for item in items:
            item.close()


class InstancePool(IdlePool[PoolKey, PooledInstance]):
    """The reactor ABI's reusable instances, one per :class:`PoolKey`."""

    def __init__(self, limit: int = POOL_LIMIT) -> None:
        super().__init__(limit)
        self.created = 0  # instances the ABIs reported creating for the pool (tests, benchmarks)


__all__ = ["POOL_LIMIT", "IdlePool", "InstancePool", "PoolKey", "PooledInstance"]
