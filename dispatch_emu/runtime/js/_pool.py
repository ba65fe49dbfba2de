"""Prepared QuickJS contexts kept between requests of one worker version.

A *prepared* context has the prelude evaluated and the worker's main module imported
(for a service-worker script: its bindings bound and the script run), so the next
request of the same worker only calls the handler. That is what a Cloudflare isolate
does for the requests of one worker version, module-level state included.

A context is kept under a :class:`ContextKey`: the worker's identity (its namespace and
name), the version (the upload's deployment id), the main module (name, type, digest),
the memory limit its wasm store was capped with, and a digest of ``env``. The bindings
are in the key because a settings change that alters them keeps the deployment, and a service-worker script reads them as
globals when it starts; on Cloudflare such a change is a new version, with a new
isolate. The worker's other modules are compared with the ones the context was
prepared from when it is taken (a context prepared from other imports is closed).

A context is *taken* out of the pool for the length of a request, so a nested run of
the same worker (its outbound handler calling it) prepares another one; it is given
back only after a successful request. The pool holds at most ``limit`` idle contexts
and closes the least recently used past it; taking a context for a worker closes the
idle contexts of its other versions.

*Spare* contexts (:class:`SpareContexts`) are the ones an upload's startup check left
behind: the prelude evaluated and an ES-module worker's main module imported, no request
served. Such a context is exactly what a new deployment of the same modules would start
with (a module worker's global scope cannot see its bindings), so the first request of
any deployment of those modules (same main module, same memory limit) takes it instead
of preparing one, once: a spare serves one deployment, then lives in the pool above.
That halves what a test which uploads a worker and dispatches to it pays for contexts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dispatch_emu.runtime._pool import POOL_BYTES, IdlePool
from dispatch_emu.runtime.js._quickjs import QuickJsInternals
from dispatch_emu.runtime.js._vm import QuickJsVm

#: Idle prepared contexts a runner keeps (each a QuickJS wasm instance: ~0.7 MiB resident
#: for a hello worker, more for a bigger one).
CONTEXT_POOL_LIMIT = 32


@dataclass(frozen=True)
class ContextKey:
    worker: str
    version: str
    kind: str  # "module" or "script"
    main: str
    digest: str  # sha256 of the main module
    memory_bytes: int  # the cap on the context's wasm store, set once when it is created
    env_digest: str  # sha256 of the bindings' JSON


@dataclass(eq=False)
class PreparedContext:
    """A quickjs-rs context, the prelude's API object in it, and what it was prepared from."""

    context: Any
    modules: Mapping[str, tuple[str, bytes]]
    vm: QuickJsVm | None = None  # the fast request path into the context's guest
    api: Any = None  # the prelude's __dispatch_emu object, once the prelude has run
    ready: bool = False  # the main module is imported (or the script has run)
    requests: int = 0  # requests served, for tests and benchmarks
    startup_logs: list[str] = field(default_factory=list)  # a spare's global-scope logs, for its first request
    #: called at close: True if it took the context's wasm instance for a later context
    #: (the runner's recycling, which resets the instance's whole memory before reuse)
    recycle: Callable[[PreparedContext], bool] | None = None
    closed: bool = field(default=False, init=False)

    def close(self) -> None:
        """Free the context's wasm instance (its handle first: QuickJS asserts no live references)."""
        if self.closed:
            return
        self.closed = True
        disposed = False
        try:
            if self.api is not None:
                self.api.dispose()
            disposed = True
        except Exception:  # the guest trapped: its store is unusable, closing frees it
            pass
        finally:
            self.api = None
            if not (disposed and self.recycle is not None and self.recycle(self)):
                self.context.close()


class ContextPool(IdlePool[ContextKey, PreparedContext]):
    """At most one idle :class:`PreparedContext` per :class:`ContextKey`, ``limit`` and
    ``max_bytes`` overall (LRU)."""

    def __init__(self, limit: int = CONTEXT_POOL_LIMIT, max_bytes: int = POOL_BYTES) -> None:
        # weighed by the linear memory of the context's wasm instance
        super().__init__(limit, max_bytes, weigh=lambda item: QuickJsInternals.memory_size(item.context))

    def take_prepared(self, key: ContextKey, modules: Mapping[str, tuple[str, bytes]]) -> PreparedContext | None:
        """The idle context for ``key`` if it was prepared from ``modules`` (else closed)."""
        item = self.take(key)
        # the same name, version and main module, but other imports (callers that reuse a
        # version string for other code): the cheap check, since the bytes are usually the
        # very objects the context was prepared from
        if item is not None and item.modules != modules:
            item.close()
            return None
        return item


#: Spare contexts a runner keeps (uploads checked but not yet dispatched to).
SPARE_LIMIT = 8


@dataclass(frozen=True)
class SpareKey:
    """What a spare context was prepared from: the worker's modules and its memory cap."""

    main: str
    modules: str  # sha256 over the modules' names, types and bytes
    memory_bytes: int


def spare_key(main: str, modules: Mapping[str, tuple[str, bytes]], memory_bytes: int) -> SpareKey:
    digest = hashlib.sha256()
    for name in sorted(modules):
        content_type, content = modules[name]
        digest.update(f"{len(name)}:{name}{len(content_type)}:{content_type}{len(content)}:".encode())
        digest.update(content)
    return SpareKey(main, digest.hexdigest(), memory_bytes)


class SpareContexts:
    """Prepared contexts that served no request, by :class:`SpareKey`; each is taken once."""

    def __init__(self, limit: int = SPARE_LIMIT) -> None:
        self.limit = limit
        self.taken = 0  # spares that served a first request (tests, benchmarks)
        self._spares: OrderedDict[SpareKey, PreparedContext] = OrderedDict()
        self._lock = threading.Lock()

    def give(self, key: SpareKey, item: PreparedContext) -> None:
        evicted: list[PreparedContext] = []
        with self._lock:
            old = self._spares.pop(key, None)
            if old is not None:
                evicted.append(old)
            if self.limit > 0:
                self._spares[key] = item
            else:
                evicted.append(item)
            while len(self._spares) > self.limit:
                evicted.append(self._spares.popitem(last=False)[1])
        for spare in evicted:
            spare.close()

    def take(self, key: SpareKey) -> PreparedContext | None:
        with self._lock:
            item = self._spares.pop(key, None)
            if item is not None:
                self.taken += 1
            return item

    def __len__(self) -> int:
        return len(self._spares)

    def close(self) -> None:
        with self._lock:
            items = list(self._spares.values())
            self._spares.clear()
        for item in items:
            item.close()


__all__ = [
    "CONTEXT_POOL_LIMIT",
    "SPARE_LIMIT",
    "ContextKey",
    "ContextPool",
    "PreparedContext",
    "SpareContexts",
    "SpareKey",
    "spare_key",
]
