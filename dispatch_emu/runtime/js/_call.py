"""One JavaScript request in progress: its deadlines, and the host function.

A :class:`JsCall` is the JavaScript engine's state of one
:class:`~dispatch_emu.runtime._execution.Execution` (its ``state``): the execution owns
the limits, the logs, the subrequest counter and the outbound call; the call adds the
CPU and wall deadlines QuickJS's interrupt handler checks, the limit a host call broke
(``tripped``), and the host operations the prelude calls (:data:`HOST_OPS`, then the
stateless ones of :mod:`dispatch_emu.runtime.js._host`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dispatch_emu._levels import DEFAULT_LEVEL, LEVELS
from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WallTimeExceeded, WorkerError
from dispatch_emu.runtime._cpu import thread_cpu
from dispatch_emu.runtime._messages import GuestRequest, ServiceCall
from dispatch_emu.runtime.js import _host as host_ops

if TYPE_CHECKING:
    from dispatch_emu.runtime._execution import Execution
    from dispatch_emu.runtime._settings import ExecutionLimits


@dataclass
class JsCall:
    """One request (or one upload check) in progress."""

    execution: Execution
    modules: Mapping[str, tuple[str, bytes]]
    cpu_deadline: float = float("inf")  # in the thread's CPU time (_cpu.thread_cpu: garbage collection excluded)
    wall_deadline: float = float("inf")  # in time.monotonic
    tripped: WorkerError | None = None  # a limit the guest broke; fails the whole call
    memory_full: bool = False  # the guest's memory was near its limit when it stopped
    cpu_left: float = 0.0  # seconds of CPU left when the response went (for waitUntil() work)

    @property
    def worker(self) -> str:
        return self.execution.code.name

    @property
    def limits(self) -> ExecutionLimits:
        return self.execution.limits

    @property
    def logs(self) -> list[str]:
        return self.execution.logs

    def add_logs(self, text: str, level: str | None = None) -> None:
        self.execution.add_logs(text, level)

    def add_guest_logs(self, lines: list[Any] | None, levels: list[Any] | None = None) -> None:
        """The lines the prelude's console kept, and their levels: ``[index, level, ...]`` for
        the lines not at level ``log``."""
        at = dict(zip(levels[::2], levels[1::2], strict=False)) if levels else {}  # pairs; a stray last ignored
        add = self.execution.add_logs
        for index, line in enumerate(lines or ()):
            level = at.get(index, DEFAULT_LEVEL)
            add(line if type(line) is str else str(line), level if level in LEVELS else DEFAULT_LEVEL)

    def start_clock(self) -> None:
        # CPU time is the thread's own: other requests running on other threads at the
        # same time must not make this one's CPU limit trip early
        assert self.limits.cpu_ms is not None and self.limits.wall_ms is not None
        self.cpu_deadline = thread_cpu() + self.limits.cpu_ms / 1000
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
        if thread_cpu() >= self.cpu_deadline:
            self.trip(CpuLimitExceeded(cause=f"ran more than {self.limits.cpu_ms} ms of JavaScript"))
            return True
        if time.monotonic() >= self.wall_deadline:
            self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
            return True
        return False

    # -- the one host function the prelude calls: host(op, ...)

    def host(self, op: str, *args: Any) -> Any:
        operation = HOST_OPS.get(op)
        if operation is not None:
            return operation(self, *args)
        if op in host_ops.HOST_OPS:  # the stateless ops: crypto, codecs, IDNA (runtime/js/_host/)
            return host_ops.call_host_op(op, args)
        return None

    def random(self, size: int) -> bytes:
        return os.urandom(max(0, min(int(size), 65536)))

    def subrequest(self, method: str, url: str, headers: list[list[str]], body: bytes | None) -> dict[str, Any]:
        try:
            self.execution.count_subrequest()
        except SubrequestLimitExceeded as error:
            if self.limits.subrequests_strict:  # options.limits.subRequests: the worker fails at once
                self.trip(error)
            # past the plan's limit, this fetch() rejects and the worker may catch it
            return {"error": SubrequestLimitExceeded.default_message, "kind": "Error"}
        if self.execution.outbound is None:
            return {"error": "fetch() is disabled: this worker has no outbound handler (dispatch_emu never uses the network)"}
        request = GuestRequest(
            method=str(method).upper(),
            url=str(url),
            headers=[(str(name), str(value)) for name, value in headers],
            body=bytes(body or b""),
        )
        started = thread_cpu()
        try:
            response = self.execution.fetch(request)
        except Exception as error:  # a failed fetch() rejects, as in a Worker
            message = error.message if isinstance(error, WorkerError) else f"{type(error).__name__}: {error}"
            return {"error": str(message)}
        finally:
            # time in the outbound handler is not the guest's CPU time, but it is wall time
            self.cpu_deadline += thread_cpu() - started
            if time.monotonic() >= self.wall_deadline:
                self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
        return {
            "status": int(response.status),
            "headers": [[name, value] for name, value in response.headers],
            "body": bytes(response.body),
        }

    def service(self, call_json: str, body: bytes | None) -> list[Any]:
        """A call through a binding: another worker runs now, nested, on its own budgets.

        Not a subrequest of this worker (a dispatcher may call many user workers), and its
        time counts as this worker's wall time but not its CPU time. The answer is
        ``[meta JSON, body]``: the response's status and headers, or ``{"error": message,
        "type": JS error type}`` for the prelude to reject with. Both ways the call crosses
        as one JSON string and the body bytes: far faster than nested values.
        """
        spec = json.loads(call_json)
        if self.execution.services is None:
            return [json.dumps({"error": f"env.{spec['binding']} cannot be called here", "type": "Error"}), None]
        target = spec.get("target")
        call = ServiceCall(
            binding=str(spec["binding"]),
            request=GuestRequest(
                method=str(spec["method"]).upper(),
                url=str(spec["url"]),
                headers=[(str(name), str(value)) for name, value in spec.get("headers") or []],
                body=bytes(body or b""),
            ),
            target=None if target is None else str(target),
            args=spec.get("args"),
            options=spec.get("options"),
        )
        started = thread_cpu()  # the called worker runs on this thread: not our CPU time
        try:
            response = self.execution.call_service(call)
        except WorkerError as error:
            kind, message = error.js_error or ("Error", error.message)
            return [json.dumps({"error": message, "type": kind, "remote": error.js_remote}), None]
        except Exception as error:  # a bug of the emulator's: reject rather than fail the caller
            return [json.dumps({"error": f"{type(error).__name__}: {error}", "type": "Error"}), None]
        finally:
            self.cpu_deadline += thread_cpu() - started
            if time.monotonic() >= self.wall_deadline:
                self.trip(WallTimeExceeded(cause=f"ran more than {self.limits.wall_ms} ms of wall time"))
        meta = {"status": int(response.status), "headers": [[name, value] for name, value in response.headers]}
        return [json.dumps(meta), bytes(response.body)]


#: The operations of the prelude's host function, by name: ``host(op, *args)``.
HOST_OPS: dict[str, Callable[..., Any]] = {
    "fetch": JsCall.subrequest,
    "random": JsCall.random,
    "service": JsCall.service,
}


__all__ = ["HOST_OPS", "JsCall"]
