"""Shared wasmtime engines: one per configuration, each with its epoch timer and caches.

A compiled ``wasmtime.Module`` belongs to the ``Engine`` that compiled it, so engines are
shared process-wide between runtimes whose configuration is equal: creating a thousand
:class:`~dispatch_emu.runtime.Runtime` objects in a test session builds one engine and
compiles each module once. Equality is decided by a *fingerprint*: plugins change the
``Config`` in ``dispatch_emu_configure_engine`` through a :class:`RecordingConfig`, which
remembers every setting so the fingerprint covers them, and the wasmtime version is part
of it too.

Every engine runs with fuel (CPU limit) and epoch interruption (wall-time limit) on. The
epoch timer is one daemon thread per engine, started on the first request and stopped
when the last runtime using the engine closes.

Which guest may run when is not decided here but by the gate of
:mod:`dispatch_emu.runtime._execution`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import wasmtime

from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime._cache import ModuleCache
from dispatch_emu.runtime._settings import EPOCH_TICK_MS

T = TypeVar("T")

WASMTIME_VERSION = importlib.metadata.version("wasmtime")

# Derived per-engine objects (linkers, InstancePre) kept per engine; bounded so a long
# session uploading thousands of distinct modules does not keep them all.
_MEMO_LIMIT = 2048


class RecordingConfig(wasmtime.Config):
    """A ``wasmtime.Config`` that records what is set on it, for the engine fingerprint."""

    _records: list[tuple[str, str, str]]

    def __init__(self) -> None:
        object.__setattr__(self, "_records", [])
        super().__init__()

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            self._records.append(("set", name, repr(value)))
        super().__setattr__(name, value)

    @property
    def wasm_stack(self) -> int:
        """The ``max_wasm_stack`` set on it last (wasmtime's default if none)."""
        sizes = [int(value) for kind, name, value in self._records if kind == "set" and name == "max_wasm_stack"]
        return sizes[-1] if sizes else native_stack.WASMTIME_DEFAULT_STACK

    def cranelift_flag_enable(self, flag: str) -> None:
        self._records.append(("flag", flag, ""))
        super().cranelift_flag_enable(flag)

    def cranelift_flag_set(self, key: str, value: str) -> None:
        self._records.append(("flag", key, value))
        super().cranelift_flag_set(key, value)

    def fingerprint(self) -> str:
        text = repr((WASMTIME_VERSION, tuple(self._records)))
        return hashlib.sha256(text.encode()).hexdigest()


class EngineHost:
    """One engine with its compiled-module cache, derived-object memo and epoch timer."""

    def __init__(self, config: RecordingConfig) -> None:
        self.fingerprint = config.fingerprint()
        # a max_wasm_stack over wasmtime's async stack would abort the process; guests
        # need that much stack left on their threads (native_stack.ensure_room)
        self.wasm_stack = config.wasm_stack
        native_stack.fit_async_stack(config, self.wasm_stack)
        native_stack.register_engine_stack(self.wasm_stack)
        self.engine = wasmtime.Engine(config)
        self.modules = ModuleCache(self.engine, self.fingerprint)
        self._memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._users = 0
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    # -- users and the epoch timer

    def acquire(self) -> None:
        with self._lock:
            self._users += 1

    def release(self) -> None:
        """Drop one user; the timer thread stops with the last one (it restarts on demand)."""
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users:
                return
            ticker, self._ticker = self._ticker, None
            self._stop.set()
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join()

    def ensure_ticking(self) -> None:
        """Start the epoch timer if it is not running (called before every guest run)."""
        if self._ticker is not None:
            return
        with self._lock:
            if self._ticker is None:
                self._stop = threading.Event()
                self._ticker = threading.Thread(
                    target=_tick, args=(self.engine, self._stop), name="dispatch-emu-epoch", daemon=True
                )
                self._ticker.start()

    @property
    def ticking(self) -> bool:
        return self._ticker is not None

    # -- derived objects

    def memo(self, key: tuple[Any, ...], factory: Callable[[], T]) -> T:
        """Return the object cached under ``key``, building it with ``factory`` once."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]  # type: ignore[no-any-return]
        value = factory()
        with self._lock:
            value = self._memo.setdefault(key, value)
            while len(self._memo) > _MEMO_LIMIT:
                self._memo.popitem(last=False)
        return value


def _tick(engine: wasmtime.Engine, stop: threading.Event) -> None:
    interval = EPOCH_TICK_MS / 1000
    while not stop.wait(interval):
        engine.increment_epoch()


_HOSTS: dict[str, EngineHost] = {}
_HOSTS_LOCK = threading.Lock()


def engine_host(configure: Callable[[RecordingConfig], None] | None = None) -> EngineHost:
    """The shared engine for the configuration ``configure`` produces (built on first use).

    ``configure`` receives a fresh :class:`RecordingConfig`; fuel and epoch interruption
    are switched on after it runs, because the runtime's limits depend on them.
    """
    config = RecordingConfig()
    if configure is not None:
        configure(config)
    config.consume_fuel = True
    config.epoch_interruption = True
    fingerprint = config.fingerprint()
    with _HOSTS_LOCK:
        host = _HOSTS.get(fingerprint)
        if host is None:
            host = _HOSTS[fingerprint] = EngineHost(config)
        else:
            config.close()  # an equal engine exists: this config is never consumed
        return host


__all__ = ["WASMTIME_VERSION", "EngineHost", "RecordingConfig", "engine_host"]
