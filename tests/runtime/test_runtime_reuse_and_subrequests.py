"""Instance reuse, subrequests through the outbound handler, nested runs, serialization."""

from __future__ import annotations

import threading

import pytest

from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WorkerException
from dispatch_emu.runtime import ExecutionLimits, GuestRequest, GuestResponse, Runtime, RuntimeSettings
from tests.runtime.runtime_helpers import code, request


@pytest.fixture
def runtime():
    with Runtime() as rt:
        yield rt


def count(runtime: Runtime, worker_code, limits: ExecutionLimits | None = None) -> int:
    return int(runtime.run(worker_code, request(), limits=limits).body)


# ------------------------------------------------------------------------------ reuse


def test_reusable_instance_keeps_its_globals(runtime):
    counter = code("reactor/counter")
    assert [count(runtime, counter) for _ in range(3)] == [1, 2, 3]
    assert runtime.instances.created == 1


def test_reuse_can_be_switched_off():
    with Runtime(RuntimeSettings(reuse_instances=False)) as runtime:
        counter = code("reactor/counter")
        assert [count(runtime, counter) for _ in range(3)] == [1, 1, 1]
        assert len(runtime.instances) == 0


def test_modules_that_do_not_declare_reuse_get_fresh_instances(runtime):
    assert [count(runtime, code("reactor/counter_fresh")) for _ in range(3)] == [1, 1, 1]


def test_a_new_version_never_sees_the_old_instance(runtime):
    v1 = code("reactor/counter", worker="counter", version="etag-1")
    v2 = code("reactor/counter", worker="counter", version="etag-2")
    assert [count(runtime, v1), count(runtime, v1)] == [1, 2]
    assert [count(runtime, v2), count(runtime, v2)] == [1, 2]
    assert len(runtime.instances) == 1  # v1's instance was closed when v2 arrived


def test_other_limits_get_their_own_instance(runtime):
    counter = code("reactor/counter")
    assert count(runtime, counter) == 1
    assert count(runtime, counter, ExecutionLimits(cpu_ms=7)) == 1
    assert count(runtime, counter) == 2


def test_a_failed_instance_is_discarded(runtime):
    spin = code("reactor/spin")  # declares reuse
    for _ in range(2):
        with pytest.raises(CpuLimitExceeded):
            runtime.run(spin, request(), limits=ExecutionLimits(cpu_ms=2))
    assert len(runtime.instances) == 0
    assert runtime.instances.created == 2


def test_closing_the_runtime_closes_its_instances():
    runtime = Runtime()
    runtime.run(code("reactor/counter"), request())
    assert len(runtime.instances) == 1
    runtime.close()
    assert len(runtime.instances) == 0 and runtime.closed
    with pytest.raises(RuntimeError):
        runtime.run(code("reactor/counter"), request())


# ------------------------------------------------------------------------ subrequests


def test_without_outbound_handler_the_guest_sees_a_failed_fetch(runtime):
    response = runtime.run(code("reactor/subrequest"), request())
    assert response.status == 502
    assert response.body == b"error: subrequests are disabled: this worker has no outbound handler\n"


def test_subrequests_go_through_the_outbound_handler(runtime):
    seen: list[GuestRequest] = []

    def outbound(sub: GuestRequest) -> GuestResponse:
        seen.append(sub)
        return GuestResponse(201, [("content-type", "text/plain")], f"pong {len(seen)}".encode(), [])

    response = runtime.run(code("reactor/subrequest"), request(), env={"COUNT": "3"}, outbound=outbound)
    assert response.status == 201
    assert response.body == b"pong 1\npong 2\npong 3\n"
    assert seen[0] == GuestRequest("POST", "https://upstream.example/ping", [("x-from", "reactor")], b"ping")


def test_a_failing_outbound_is_an_error_the_guest_sees(runtime):
    def outbound(sub: GuestRequest) -> GuestResponse:
        raise WorkerException("Worker threw exception: upstream broke")

    response = runtime.run(code("reactor/subrequest"), request(), outbound=outbound)
    assert response.body == b"error: Worker threw exception: upstream broke\n"


@pytest.mark.parametrize(
    "limits",
    [ExecutionLimits(subrequests=3), ExecutionLimits.resolve(RuntimeSettings(), None, {"subRequests": 3})],
)
def test_too_many_subrequests(runtime, limits):
    calls: list[GuestRequest] = []

    def outbound(sub: GuestRequest) -> GuestResponse:
        calls.append(sub)
        return GuestResponse(200, [], b"ok", [])

    with pytest.raises(SubrequestLimitExceeded) as caught:
        runtime.run(code("reactor/subrequest"), request(), env={"COUNT": "5"}, limits=limits, outbound=outbound)
    assert caught.value.message == "Too many subrequests."
    assert caught.value.worker == "reactor-subrequest"
    assert len(calls) == 3
    assert runtime.run(code("reactor/hello"), request()).status == 200


def test_nested_runs_from_inside_a_host_call(runtime):
    # an outbound handler that is itself a worker (WAGI and reactor), run re-entrantly
    def outbound(sub: GuestRequest) -> GuestResponse:
        inner = "wagi/echo" if sub.url.endswith("ping") else "reactor/hello"
        return runtime.run(code(inner), sub)

    response = runtime.run(code("reactor/subrequest"), request(), env={"COUNT": "2"}, outbound=outbound)
    assert response.status == 200
    lines = response.body.split(b"\n")
    assert lines[0].startswith(b'{"argv":["/ping"]') and b'"REQUEST_METHOD":"POST"' in lines[0]
    assert b'"body":"ping"' in lines[0]


def test_nested_runs_use_the_pooled_instance(runtime):
    counter = code("reactor/counter")

    def outbound(sub: GuestRequest) -> GuestResponse:
        return runtime.run(counter, sub)

    assert count(runtime, counter) == 1
    # each subrequest of the outer worker runs the pooled counter from inside a host call
    response = runtime.run(code("reactor/subrequest"), request(), env={"COUNT": "2"}, outbound=outbound)
    assert response.body == b"2\n3\n"


def test_threads_are_serialized_and_answers_never_mix(runtime):
    errors: list[BaseException] = []

    def worker(abi: str, marker: str) -> None:
        try:
            for i in range(15):
                req = request(headers=[("x-binding", "M")])
                if abi == "wagi":
                    body = runtime.run(code("wagi/echo"), req, env={"M": f"{marker}{i}"}).body
                    assert f'"M":"{marker}{i}"'.encode() in body
                else:
                    body = runtime.run(code("reactor/echo"), req, env={"M": f"{marker}{i}"}).body
                    assert body.endswith(f"{marker}{i}".encode())
                with pytest.raises(CpuLimitExceeded):
                    runtime.run(code(f"{abi}/spin"), request(), limits=ExecutionLimits(cpu_ms=1))
        except BaseException as error:  # reported below, on the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(abi, f"t{n}-")) for n, abi in enumerate(["wagi", "reactor"] * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
