"""One JavaScript request in progress: its deadlines, and the host function.

A :class:`JsCall` is the JavaScript engine's state of one
:class:`~dispatch_emu.runtime.execution.Execution` (its ``state``): the execution owns
the limits, the logs, the subrequest counter and the outbound call; the call adds the
CPU and wall deadlines QuickJS's interrupt handler checks, the limit a host call broke
(``tripped``), and the host operations the prelude calls (:data:`HOST_OPS`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WallTimeExceeded, WorkerError
from dispatch_emu.runtime.messages import GuestRequest

if TYPE_CHECKING:
    from dispatch_emu.runtime.execution import Execution
    from dispatch_emu.runtime.settings import ExecutionLimits


@dataclass
class JsCall:
    """One request (or one upload check) in progress."""

    execution: Execution
    modules: Mapping[str, tuple[str, bytes]]
    cpu_deadline: float = float("inf")  # in the thread's CPU time (time.thread_time)
    wall_deadline: float = float("inf")  # in time.monotonic
    tripped: WorkerError | None = None  # a limit the guest broke; fails the whole call
    memory_full: bool = False  # the guest's memory was near its limit when it stopped

    @property
    def worker(self) -> str:
        return self.execution.code.name

    @property
    def limits(self) -> ExecutionLimits:
        return self.execution.limits

    @property
    def logs(self) -> list[str]:
        return self.execution.logs

    def add_logs(self, text: str) -> None:
        self.execution.add_logs(text)

    def start_clock(self) -> None:
        # CPU time is the thread's own: other requests running on other threads at the
        # same time must not make this one's CPU limit trip early
        assert self.limits.cpu_ms is not None and self.limits.wall_ms is not None
        self.cpu_deadline = time.thread_time() + self.limits.cpu_ms / 1000
        self.wall_deadline = time.monotonic() + self.limits.wall_ms / 1000

    def trip(self, error: WorkerError) -> None:
        if self.tripped is None:
            error.worker = self.worker
            error.logs = list(self.logs)
            self.tripped = error

    def poll(self) -> bool:
        """The interrupt handler's question: must the guest stop now?"""
        if self.tripped is not None:
            return True
        if time.thread_time() >= self.cpu_deadline:
            self.trip(CpuLimitExceeded(cause=f"ran more than {self.limits.cpu_ms} ms of JavaScript"))
            return True
        if time.monotonic() >= self.wall_deadline:
            self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
            return True
        return False

    # -- the one host function the prelude calls: host(op, ...)

    def host(self, op: str, *args: Any) -> Any:
        operation = HOST_OPS.get(op)
        return None if operation is None else operation(self, *args)

    def random(self, size: int) -> bytes:
        return os.urandom(max(0, min(int(size), 65536)))

    def subrequest(self, method: str, url: str, headers: list[list[str]], body: bytes | None) -> dict[str, Any]:
        try:
            self.execution.count_subrequest()
        except SubrequestLimitExceeded as error:
            self.trip(error)
            return {"error": SubrequestLimitExceeded.default_message}
        if self.execution.outbound is None:
            return {"error": "fetch() is disabled: this worker has no outbound handler (dispatch_emu never uses the network)"}
        request = GuestRequest(
            method=str(method).upper(),
            url=str(url),
            headers=[(str(name), str(value)) for name, value in headers],
            body=bytes(body or b""),
        )
        started = time.thread_time()
        try:
            response = self.execution.fetch(request)
        except Exception as error:  # a failed fetch() rejects, as in a Worker
            message = error.message if isinstance(error, WorkerError) else f"{type(error).__name__}: {error}"
            return {"error": str(message)}
        finally:
            # time in the outbound handler is not the guest's CPU time, but it is wall time
            self.cpu_deadline += time.thread_time() - started
            if time.monotonic() >= self.wall_deadline:
                self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
        return {
            "status": int(response.status),
            "headers": [[name, value] for name, value in response.headers],
            "body": bytes(response.body),
        }


#: The operations of the prelude's host function, by name: ``host(op, *args)``.
HOST_OPS: dict[str, Callable[..., Any]] = {
    "fetch": JsCall.subrequest,
    "random": JsCall.random,
}


__all__ = ["HOST_OPS", "JsCall"]
