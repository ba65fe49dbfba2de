"""One JavaScript request in progress: its deadlines, logs, and the host function."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WallTimeExceeded, WorkerError
from dispatch_emu.runtime.messages import GuestRequest, OutboundHandler
from dispatch_emu.runtime.settings import ExecutionLimits, add_log_text


@dataclass
class JsCall:
    """One request (or one upload check) in progress."""

    worker: str
    modules: Mapping[str, tuple[str, bytes]]
    limits: ExecutionLimits
    outbound: OutboundHandler | None
    logs: list[str] = field(default_factory=list)
    log_size: int = 0
    subrequests: int = 0
    cpu_deadline: float = float("inf")  # in the thread's CPU time (time.thread_time)
    wall_deadline: float = float("inf")  # in time.monotonic
    tripped: WorkerError | None = None  # a limit the guest broke; fails the whole call
    memory_full: bool = False  # the guest's memory was near its limit when it stopped

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

    def add_logs(self, text: str) -> None:
        self.log_size = add_log_text(self.logs, self.log_size, text)

    # -- the one host function the prelude calls: host(op, ...)

    def host(self, op: str, *args: Any) -> Any:
        if op == "fetch":
            return self.subrequest(*args)
        if op == "random":
            return os.urandom(max(0, min(int(args[0]), 65536)))
        return None

    def subrequest(self, method: str, url: str, headers: list[list[str]], body: bytes | None) -> dict[str, Any]:
        self.subrequests += 1
        limit = self.limits.subrequests
        assert limit is not None
        if self.subrequests > limit:
            self.trip(SubrequestLimitExceeded(cause=f"more than {limit} subrequests"))
            return {"error": SubrequestLimitExceeded.default_message}
        if self.outbound is None:
            return {"error": "fetch() is disabled: this worker has no outbound handler (dispatch_emu never uses the network)"}
        request = GuestRequest(
            method=str(method).upper(),
            url=str(url),
            headers=[(str(name), str(value)) for name, value in headers],
            body=bytes(body or b""),
        )
        started = time.thread_time()
        try:
            response = self.outbound(request)
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


__all__ = ["JsCall"]
