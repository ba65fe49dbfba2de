"""Every limit raises its own error, with the worker, trap code and logs; the runtime survives."""

from __future__ import annotations

import pytest

from dispatch_emu.errors import (
    CpuLimitExceeded,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    WallTimeExceeded,
    WorkerException,
)
from dispatch_emu.runtime import ExecutionLimits, Runtime
from tests.runtime.runtime_helpers import code, request


@pytest.fixture(scope="module")
def runtime():
    with Runtime() as rt:
        yield rt


def still_serving(runtime: Runtime) -> None:
    for abi in ("reactor", "wagi"):
        assert runtime.run(code(f"{abi}/hello"), request()).status == 200


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_cpu_limit(runtime, abi):
    with pytest.raises(CpuLimitExceeded) as caught:
        runtime.run(code(f"{abi}/spin", worker="spinner"), request(), limits=ExecutionLimits(cpu_ms=20))
    error = caught.value
    assert error.message == str(error) == "Worker exceeded CPU time limit."
    assert error.worker == "spinner"
    assert error.trap_code == "TrapCode.OUT_OF_FUEL"
    still_serving(runtime)


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_wall_time_limit_with_a_huge_cpu_budget(runtime, abi):
    with pytest.raises(WallTimeExceeded) as caught:
        runtime.run(code(f"{abi}/spin"), request(), limits=ExecutionLimits(cpu_ms=10**7, wall_ms=30))
    assert caught.value.message == "Worker exceeded wall-clock time limit."
    assert caught.value.trap_code == "TrapCode.INTERRUPT"
    assert caught.value.worker == f"{abi}-spin"
    still_serving(runtime)


def test_reactor_memory_limit_detects_the_refused_grow(runtime):
    with pytest.raises(MemoryLimitExceeded) as caught:
        runtime.run(code("reactor/memhog"), request(), limits=ExecutionLimits(memory_bytes=4 << 20))
    error = caught.value
    assert error.message == "Worker exceeded memory limit."
    assert error.trap_code == "TrapCode.UNREACHABLE"
    assert error.logs == ["memory.grow refused"]
    assert "memory.grow refused" in (error.cause or "")
    still_serving(runtime)


def test_wagi_memory_limit_when_malloc_fails(runtime):
    # C modules start with 16 MiB of linear memory (zig's default), so leave room above it
    with pytest.raises(MemoryLimitExceeded) as caught:
        runtime.run(code("wagi/memhog"), request(), limits=ExecutionLimits(memory_bytes=24 << 20))
    assert caught.value.logs and caught.value.logs[0].startswith("malloc failed after")
    still_serving(runtime)


def test_memory_limit_below_the_module_minimum_fails_at_instantiation(runtime):
    with pytest.raises(MemoryLimitExceeded) as caught:
        runtime.run(code("wagi/hello"), request(), limits=ExecutionLimits(memory_bytes=1 << 20))
    assert "needs" in (caught.value.cause or "") and "1048576" in (caught.value.cause or "")
    still_serving(runtime)


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_output_limit_stops_a_flooding_worker(runtime, abi):
    with pytest.raises(OutputLimitExceeded) as caught:
        runtime.run(code(f"{abi}/flood"), request(), limits=ExecutionLimits(output_bytes=64 << 10))
    assert caught.value.message == "Worker exceeded response size limit."
    assert caught.value.worker == f"{abi}-flood"
    assert "65536" in (caught.value.cause or "")
    still_serving(runtime)


def test_wagi_flood_is_interrupted_not_left_to_burn_its_fuel(runtime):
    # a write error does not stop this guest; only the deadline brought forward does.
    # Were that broken, the run would end by fuel instead, with another trap code.
    limits = ExecutionLimits(output_bytes=64 << 10, cpu_ms=5000, wall_ms=600_000)
    with pytest.raises(OutputLimitExceeded) as caught:
        runtime.run(code("wagi/flood"), request(), limits=limits)
    assert caught.value.trap_code == "TrapCode.INTERRUPT"


def test_output_limit_is_not_hit_by_a_response_that_fits(runtime):
    limits = ExecutionLimits(output_bytes=len(b"Hello from WAGI!\n"))
    assert runtime.run(code("wagi/hello"), request(), limits=limits).status == 200
    assert runtime.run(code("reactor/hello"), request(), limits=ExecutionLimits(output_bytes=28)).status == 200
    for abi, size in (("reactor", 27), ("wagi", 16)):
        with pytest.raises(OutputLimitExceeded):
            runtime.run(code(f"{abi}/hello"), request(), limits=ExecutionLimits(output_bytes=size))


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_trap_carries_trap_code_and_logs(runtime, abi):
    with pytest.raises(WorkerException) as caught:
        runtime.run(code(f"{abi}/trap", worker="trapper"), request())
    error = caught.value
    assert type(error) is WorkerException
    assert error.message == "Worker threw exception: wasm trap: wasm `unreachable` instruction executed"
    assert error.trap_code == "TrapCode.UNREACHABLE"
    assert error.worker == "trapper"
    assert error.logs == ["about to trap"]
    assert "trap code: TrapCode.UNREACHABLE" in error.describe()
    still_serving(runtime)


def test_wagi_non_zero_exit(runtime):
    with pytest.raises(WorkerException) as caught:
        runtime.run(code("wagi/exit3"), request())
    assert caught.value.message == "Worker exited with code 3."
    assert caught.value.logs == ["first log line", "second log line"]
    assert caught.value.trap_code is None


def test_reactor_error_code_from_fetch(runtime):
    with pytest.raises(WorkerException) as caught:
        runtime.run(code("reactor/fail"), request())
    assert caught.value.message == "Worker returned error code 7 from fetch."
    assert caught.value.logs == ["first log line", "second log line"]


def test_wagi_garbage_output_is_malformed(runtime):
    with pytest.raises(WorkerException) as caught:
        runtime.run(code("wagi/garbage"), request())
    assert caught.value.message == "Worker returned a malformed response: no blank line after the headers."
    still_serving(runtime)


def test_limits_do_not_leak_between_requests(runtime):
    # a request that ran out of fuel must not leave the next one short of it
    with pytest.raises(CpuLimitExceeded):
        runtime.run(code("reactor/spin"), request(), limits=ExecutionLimits(cpu_ms=5))
    assert runtime.run(code("reactor/echo"), request(), limits=ExecutionLimits(cpu_ms=5)).status == 200
