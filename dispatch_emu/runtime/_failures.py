"""From wasmtime's failures to dispatch_emu's errors.

A guest run can end in several ways; :func:`translate` names each one:

===================================  ==============================================
what happened                        error raised
===================================  ==============================================
a limit a host function or the       the error the :class:`~.meter.Meter` recorded
meter's epoch check stopped it for   (CPU, wall time, response size), with its trap
                                     code
trap ``OUT_OF_FUEL``                 :class:`~dispatch_emu.errors.CpuLimitExceeded`
trap ``INTERRUPT`` (epoch deadline)  :class:`~dispatch_emu.errors.WallTimeExceeded`
any trap or non-zero exit while an   :class:`~dispatch_emu.errors.MemoryLimitExceeded`
exported memory or table is near
its share of the limit
instantiation needing more memory    :class:`~dispatch_emu.errors.MemoryLimitExceeded`
or table than its share
other traps, non-zero exit codes     :class:`~dispatch_emu.errors.WorkerException`
===================================  ==============================================

Memory is detected after the fact because wasmtime-py exposes no resource-limiter
callback: ``memory.grow`` past ``Store.set_limits`` just returns -1, and guests react by
trapping (``abort()``, ``unreachable``) or exiting. So a failure counts as a memory
failure when a memory the guest exports is *near its cap*: less than
``max(1 MiB, cap / 8)`` of headroom left, a margin that covers allocators growing by
large steps (tables likewise; :mod:`~.budget` says how the limit is shared). The trap's own text stays in the error's ``cause``, so the rare guest that
fails for another reason while nearly full is still diagnosable.
"""

from __future__ import annotations

import wasmtime

from dispatch_emu.errors import (
    CpuLimitExceeded,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    WallTimeExceeded,
    WorkerError,
    WorkerException,
)
from dispatch_emu.runtime._budget import MEMORY_MARGIN, WASM_PAGE, MemoryBudget


def trap_code_of(error: BaseException) -> str | None:
    code = getattr(error, "trap_code", None)
    return None if code is None else str(code)


def translate(
    error: BaseException,
    *,
    worker: str,
    logs: list[str],
    memory_was_full: bool | str | None = False,
    output_exceeded: bool = False,
    output_limit: int = 0,
) -> WorkerError:
    """The :class:`WorkerError` describing ``error`` (a trap, exit or host exception).

    ``memory_was_full`` is true (or ``"memory"``, ``"table"``: what was full) when the
    guest stopped with a memory or table at its cap."""
    grown = memory_was_full if isinstance(memory_was_full, str) else "memory"
    if isinstance(error, WorkerError):
        # raised by a host function (limits, malformed calls): keep it, add what it lacks
        if error.worker is None:
            error.worker = worker
        if not error.logs:
            error.logs = list(logs)
        return error
    trap_code = trap_code_of(error)
    text = _first_line(error)
    if output_exceeded:
        return OutputLimitExceeded(
            worker=worker, cause=f"response passed {output_limit} bytes", trap_code=trap_code, logs=logs
        )
    if trap_code == str(wasmtime.TrapCode.OUT_OF_FUEL):
        return CpuLimitExceeded(worker=worker, cause="fuel exhausted", trap_code=trap_code, logs=logs)
    if trap_code == str(wasmtime.TrapCode.INTERRUPT):
        return WallTimeExceeded(worker=worker, cause="epoch deadline reached", trap_code=trap_code, logs=logs)
    if isinstance(error, wasmtime.ExitTrap):
        if memory_was_full:
            return MemoryLimitExceeded(
                worker=worker, cause=f"exited with code {error.code} with {grown} at its limit", logs=logs
            )
        return WorkerException(
            f"Worker exited with code {error.code}.",
            worker=worker,
            cause=f"exit code {error.code}",
            logs=logs,
        )
    if memory_was_full:
        return MemoryLimitExceeded(
            worker=worker, cause=f"{grown}.grow refused, then: {text}", trap_code=trap_code, logs=logs
        )
    if isinstance(error, wasmtime.Trap):
        return WorkerException(
            f"Worker threw exception: {text}", worker=worker, cause=text, trap_code=trap_code, logs=logs
        )
    return WorkerException(f"Worker failed to run: {text}", worker=worker, cause=text, logs=logs)


def instantiation_failure(
    error: BaseException, budget: MemoryBudget, *, worker: str, logs: list[str]
) -> WorkerError:
    """Translate a failure of ``instantiate``: over the memory budget, a trap in start, or else."""
    if isinstance(error, wasmtime.WasmtimeError) and not isinstance(error, wasmtime.Trap):
        shortfall = budget.shortfall()
        if shortfall is not None:
            return MemoryLimitExceeded(worker=worker, cause=shortfall, logs=logs)
    return translate(error, worker=worker, logs=logs)


def _first_line(error: BaseException) -> str:
    """The cause of a wasmtime error in one line (its text after "Caused by:", if any)."""
    message = str(getattr(error, "message", None) or error).strip()
    if "Caused by:" in message:
        message = message.split("Caused by:", 1)[1]
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return "; ".join(lines) if lines else type(error).__name__


__all__ = ["MEMORY_MARGIN", "WASM_PAGE", "instantiation_failure", "trap_code_of", "translate"]
