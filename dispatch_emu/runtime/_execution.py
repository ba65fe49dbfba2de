"""One request of a user worker in progress, and the gate that lets guest code run.

:class:`Execution` is the per-request object every engine runs from. It owns

* what the request is: the :class:`~dispatch_emu.runtime.WorkerCode`, the
  :class:`~dispatch_emu.runtime.GuestRequest`, the bindings (``env``) and the complete
  :class:`~dispatch_emu.runtime.ExecutionLimits`;
* what the request accumulates: the log lines, each with its level (capped at
  :data:`LOG_LIMIT` *bytes* of UTF-8, then one note), the subrequest counter, and
  ``state``, the engine's own per-request data (the reactor's response under
  construction, a JavaScript call);
* the outbound call (:meth:`Execution.fetch`), which counts the subrequest against the
  limit and runs the user's Python handler with the gate released;
* calls through the worker's bindings (:meth:`Execution.call_service`): another worker,
  run nested on this thread (JavaScript workers' ``dispatch_namespace`` and ``service``),
  with the gate released around the dispatch code and hooks;
* the set-up of a wasmtime ``Store`` for the request: memory budget (all memories and
  tables, :mod:`~dispatch_emu.runtime._budget`), fuel and the per-tick deadline check of
  its :class:`~dispatch_emu.runtime._meter.Meter` (:meth:`Execution.new_store`,
  :meth:`Execution.refuel`), in this one place;
* the error context: :meth:`Execution.failed` gives a failure its worker name and logs.

While a guest runs, its execution is the *current* one of its thread (:func:`current`):
host functions called by the guest find their request there. The stack is per thread,
and an outbound handler that runs another worker on the same thread pushes a second
execution on top of the first.

The gate
--------

A gate decides who may run guest code. Guests run concurrently: :data:`GATE`, the gate
of every execution unless a runtime asks otherwise, admits every thread at once; it only
marks which threads are inside. (wasmtime-py passes a host function's exception back
through a single module-global slot, which two guests failing at once could swap; no
host function of dispatch_emu uses that slot, see :mod:`~dispatch_emu.runtime._hostcall`.)
:data:`SERIAL_GATE` admits one thread at a time for the whole process, as every guest
ran before; a runtime uses it when ``RuntimeSettings.serialize_guests`` is set (to
compare, or as an escape hatch). Either gate is re-entrant per thread (an outbound
handler may run another worker on the same thread), and *released* around user Python
that may wait for another thread's guest: the outbound handler (which may call the
emulator's own live server, whose thread must dispatch), calls through bindings, and
the hooks they trigger. It
is re-taken before the call returns into the guest.

Every guest run enters the gate (``with gate.held():``, or ``enter()``/``leave()`` on
the request path of :meth:`Runtime.run <dispatch_emu.runtime.Runtime.run>`) and every wait for user
code leaves it through ``with gate.released():``; nothing else touches it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import wasmtime

from dispatch_emu.errors import SubrequestLimitExceeded, WorkerError
from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime._meter import Meter
from dispatch_emu.runtime._settings import LOG_LIMIT, ExecutionLimits, add_log_text

if TYPE_CHECKING:
    from dispatch_emu.runtime._budget import MemoryBudget
    from dispatch_emu.runtime._messages import (
        GuestRequest,
        GuestResponse,
        OutboundHandler,
        ServiceCall,
        ServiceHandler,
        WorkerCode,
    )


class Gate:
    """Admits guest code one thread at a time; re-entrant; can be stepped out of.

    ``enter()``/``leave()`` (or ``with held():``) take and give back one level, re-entrant
    on the thread that holds it; ``released()`` steps out completely for its block,
    whatever the depth, and comes back in at the same depth after it. It is an ``RLock``
    underneath (its ``_release_save``/``_acquire_restore``, which ``threading.Condition``
    uses, do the stepping out): taking it is every request's cost.
    """

    serialize = True

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.enter = self._lock.acquire
        self.leave = self._lock.release

    @contextmanager
    def held(self) -> Iterator[None]:
        self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Step out of the gate for the block (a no-op on a thread that does not hold it)."""
        lock: Any = self._lock
        if not lock._is_owned():
            yield
            return
        state = lock._release_save()
        try:
            yield
        finally:
            lock._acquire_restore(state)

    @property
    def held_here(self) -> bool:
        """Whether the calling thread holds the gate."""
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]


class FreeGate(Gate):
    """Admits every thread at once; only marks, per thread, how deep inside it is (so that
    ``held_here`` and ``released()`` mean what they mean for :class:`Gate`)."""

    serialize = False

    def __init__(self) -> None:  # noqa: D107 - no lock: nothing is serialized
        self._local = threading.local()

    def enter(self) -> None:  # type: ignore[override]
        self._local.depth = getattr(self._local, "depth", 0) + 1

    def leave(self) -> None:  # type: ignore[override]
        if not self.held_here:
            raise RuntimeError("the gate is not held by this thread")
        self._local.depth -= 1

    @contextmanager
    def held(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()

    @contextmanager
    def released(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        self._local.depth = 0
        try:
            yield
        finally:
            self._local.depth = depth

    @property
    def held_here(self) -> bool:
        return getattr(self._local, "depth", 0) > 0


#: The gate of every execution by default: guests run concurrently (see the module documentation).
GATE: Gate = FreeGate()

#: The gate that admits one guest at a time in the whole process (``serialize_guests``).
SERIAL_GATE = Gate()


def gate_for(serialize: bool) -> Gate:
    """The gate of a runtime whose settings say ``serialize_guests=serialize``."""
    return SERIAL_GATE if serialize else GATE


_local = threading.local()


def execution_stack() -> list[Execution]:
    """This thread's executions in progress, innermost last."""
    try:
        return _local.stack  # type: ignore[no-any-return]
    except AttributeError:
        stack: list[Execution] = []
        _local.stack = stack
        return stack


def current() -> Execution:
    """The execution whose guest is running on this thread (innermost first)."""
    try:
        return _local.stack[-1]  # type: ignore[no-any-return]
    except (AttributeError, IndexError):
        raise RuntimeError("no worker is running on this thread") from None


def current_or_none() -> Execution | None:
    """The current execution of this thread, or ``None`` when no guest runs on it."""
    stack: list[Execution] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


class Execution:
    """One request in progress (see the module documentation)."""

    __slots__ = (
        "code", "request", "env", "limits", "outbound", "services", "gate", "logs", "log_bytes", "subrequests", "state",
        "meter",
    )

    def __init__(
        self,
        code: WorkerCode,
        request: GuestRequest | None,
        *,
        env: Mapping[str, object],
        limits: ExecutionLimits,
        outbound: OutboundHandler | None = None,
        services: ServiceHandler | None = None,
        gate: Gate = GATE,
    ) -> None:
        self.code = code
        self.request = request
        self.env = env
        self.limits = limits  # complete: no None field
        self.outbound = outbound
        self.services = services  # calls through the worker's bindings (JavaScript workers)
        self.gate = gate
        self.logs: list[str] = []
        self.log_bytes = 0
        self.subrequests = 0
        self.state: Any = None
        self.meter: Meter | None = None  # the wasm budgets, once a store is set up

    @property
    def worker(self) -> str:
        return self.code.name

    # -- being the thread's current execution

    @contextmanager
    def active(self) -> Iterator[Execution]:
        """Make this the current execution of the thread for the block (which runs its
        guest: the thread must have the native stack a guest needs, see native_stack)."""
        native_stack.ensure_room()
        stack = execution_stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()

    # -- logs

    def add_logs(self, text: str, level: str | None = None) -> None:
        """Keep ``text``'s lines, at ``level`` (else ``text``'s own, see
        :mod:`dispatch_emu._levels`), unless :data:`LOG_LIMIT` bytes are kept already."""
        self.log_bytes = add_log_text(self.logs, self.log_bytes, text, level)

    @property
    def logs_full(self) -> bool:
        return self.log_bytes > LOG_LIMIT

    # -- subrequests

    def count_subrequest(self) -> None:
        """Count one subrequest; :class:`SubrequestLimitExceeded` past the limit."""
        self.subrequests += 1
        limit = self.limits.subrequests
        assert limit is not None
        if self.subrequests > limit:
            raise SubrequestLimitExceeded(cause=f"more than {limit} subrequests")

    def fetch(self, request: GuestRequest) -> GuestResponse:
        """Send a subrequest to the outbound handler, with the gate released meanwhile.

        The caller has counted it (:meth:`count_subrequest`) and checked that there is a
        handler. Exceptions of the handler propagate: each engine shows them to its
        guest as a failed fetch.
        """
        assert self.outbound is not None
        # the handler's time is wall time, not the guest's CPU time
        with self.gate.released(), self.meter.paused() if self.meter is not None else nullcontext():
            return self.outbound(request)

    def call_service(self, call: ServiceCall) -> GuestResponse:
        """Run a call through one of the worker's bindings (another worker, nested on this
        thread). The gate is released meanwhile, as for :meth:`fetch`: the call runs the
        dispatch hooks, user Python that may wait on another thread's guest; the called
        worker's own run enters the gate again. The caller checked there is a handler; a
        :class:`~dispatch_emu.errors.WorkerError` of the called worker propagates."""
        assert self.services is not None
        with self.gate.released():
            return self.services(call)

    # -- wasmtime stores

    def new_store(self, engine: wasmtime.Engine, budget: MemoryBudget | None = None) -> wasmtime.Store:
        """A store for this request: memory budget, fuel and the deadline check set.

        ``budget`` shares the memory limit over the module's memories and tables; without
        one the limit caps each memory (a store that will hold no tables).
        """
        store = wasmtime.Store(engine)
        if budget is not None:
            budget.apply(store)
        else:
            assert self.limits.memory_bytes is not None
            store.set_limits(memory_size=self.limits.memory_bytes)
        self.refuel(store)
        return store

    def refuel(self, store: wasmtime.Store) -> None:
        """Fresh fuel and the request's deadline check for a store that serves this request."""
        if self.meter is None:
            self.meter = Meter(self.limits)
        self.meter.arm(store)

    def stopped_by(self, error: BaseException) -> BaseException:
        """What ended the guest: the reason the meter or a host function recorded, if any,
        else ``error`` (the trap or error wasmtime raised)."""
        failure = self.meter.failure if self.meter is not None else None
        return failure if failure is not None else error

    # -- errors

    def failed(self, error: WorkerError) -> WorkerError:
        """``error`` with this request's context: the worker's name, and the logs so far."""
        if error.worker is None:
            error.worker = self.code.name
        if not error.logs:
            error.logs = list(self.logs)
        return error

    def __repr__(self) -> str:
        return f"<Execution {self.code.name} {self.request.url if self.request else '(startup)'}>"


__all__ = [
    "GATE", "SERIAL_GATE", "Execution", "FreeGate", "Gate", "current", "current_or_none", "execution_stack", "gate_for"
]
