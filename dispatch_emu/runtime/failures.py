"""From wasmtime's failures to dispatch_emu's errors.

A guest run can end in several ways; :func:`translate` names each one:

===================================  ==============================================
what happened                        error raised
===================================  ==============================================
trap ``OUT_OF_FUEL``                 :class:`~dispatch_emu.errors.CpuLimitExceeded`
trap ``INTERRUPT`` (epoch deadline)  :class:`~dispatch_emu.errors.WallTimeExceeded`,
                                     or :class:`~dispatch_emu.errors.OutputLimitExceeded`
                                     when the runtime brought the deadline forward
                                     because the response passed its cap
any trap or non-zero exit while      :class:`~dispatch_emu.errors.MemoryLimitExceeded`
linear memory is within one page of
the limit
instantiation needing more memory    :class:`~dispatch_emu.errors.MemoryLimitExceeded`
than the limit
other traps, non-zero exit codes     :class:`~dispatch_emu.errors.WorkerException`
===================================  ==============================================

Memory is detected after the fact because wasmtime-py exposes no resource-limiter
callback: ``memory.grow`` past ``Store.set_limits`` just returns -1, and guests react by
trapping (``abort()``, ``unreachable``) or exiting. So a failure counts as a memory
failure when the guest's linear memory is *near the limit*: less than
``max(1 MiB, limit / 8)`` of headroom left, a margin that covers allocators growing by
large steps. The trap's own text stays in the error's ``cause``, so the rare guest that
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

WASM_PAGE = 65536

#: Smallest headroom under the memory limit that still counts as "near the limit".
MEMORY_MARGIN = 1 << 20


def trap_code_of(error: BaseException) -> str | None:
    code = getattr(error, "trap_code", None)
    return None if code is None else str(code)


def memory_full(memory: wasmtime.Memory | None, store: wasmtime.Store, limit: int) -> bool:
    """Whether ``memory`` is near ``limit`` bytes (see the module documentation)."""
    if memory is None:
        return False
    try:
        return limit - memory.data_len(store) < max(MEMORY_MARGIN, limit // 8)
    except wasmtime.WasmtimeError:
        return False


def memory_minimum(module: wasmtime.Module) -> int:
    """Bytes the module's memories need at instantiation (defined or imported)."""
    total = 0
    for item in list(module.exports) + list(module.imports):
        if isinstance(item.type, wasmtime.MemoryType):
            total = max(total, item.type.limits.min * WASM_PAGE)
    return total


def translate(
    error: BaseException,
    *,
    worker: str,
    logs: list[str],
    memory_was_full: bool = False,
    output_exceeded: bool = False,
    output_limit: int = 0,
) -> WorkerError:
    """The :class:`WorkerError` describing ``error`` (a trap, exit or host exception)."""
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
                worker=worker, cause=f"exited with code {error.code} with memory at its limit", logs=logs
            )
        return WorkerException(
            f"Worker exited with code {error.code}.",
            worker=worker,
            cause=f"exit code {error.code}",
            logs=logs,
        )
    if memory_was_full:
        return MemoryLimitExceeded(
            worker=worker, cause=f"memory.grow refused, then: {text}", trap_code=trap_code, logs=logs
        )
    if isinstance(error, wasmtime.Trap):
        return WorkerException(
            f"Worker threw exception: {text}", worker=worker, cause=text, trap_code=trap_code, logs=logs
        )
    return WorkerException(f"Worker failed to run: {text}", worker=worker, cause=text, logs=logs)


def instantiation_failure(
    error: BaseException, module: wasmtime.Module, *, worker: str, memory_limit: int, logs: list[str]
) -> WorkerError:
    """Translate a failure of ``instantiate``: over the memory limit, a trap in start, or else."""
    if isinstance(error, wasmtime.WasmtimeError) and not isinstance(error, wasmtime.Trap):
        if memory_minimum(module) > memory_limit:
            return MemoryLimitExceeded(
                worker=worker,
                cause=f"the module needs {memory_minimum(module)} bytes of memory, the limit is {memory_limit}",
                logs=logs,
            )
    return translate(error, worker=worker, logs=logs)


def _first_line(error: BaseException) -> str:
    """The cause of a wasmtime error in one line (its text after "Caused by:", if any)."""
    message = str(getattr(error, "message", None) or error).strip()
    if "Caused by:" in message:
        message = message.split("Caused by:", 1)[1]
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return "; ".join(lines) if lines else type(error).__name__


__all__ = ["MEMORY_MARGIN", "WASM_PAGE", "instantiation_failure", "memory_full", "memory_minimum", "trap_code_of", "translate"]
