"""Reuse of prepared QuickJS contexts: what persists between requests, what is fresh,
when a context is discarded, and the pool's bound.

Module-level state shows which context served a request: the ``state`` worker counts
its requests (``n``), so ``n == 1`` means a new context and ``n == 2`` a reused one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch_emu.errors import (
    CpuLimitExceeded,
    MemoryLimitExceeded,
    OutputLimitExceeded,
    SubrequestLimitExceeded,
    WorkerException,
)
from dispatch_emu.runtime import (
    ExecutionLimits,
    GuestRequest,
    GuestResponse,
    Runtime,
    RuntimeSettings,
    WorkerCode,
)
from dispatch_emu.runtime._execution import Execution
from dispatch_emu.runtime.js import JsRunner

JS = Path(__file__).resolve().parent.parent / "workers" / "js"
MODULE = "application/javascript+module"
SCRIPT = "application/javascript"
MEMORY = 24 * 2**20
COUNTER = b"let n = 0; export default { fetch() { return new Response(String(++n)); } };"


def code(name: str = "state", source: bytes | None = None, *, version: str = "v1", content_type: str = MODULE,
         extra: dict[str, tuple[str, bytes]] | None = None) -> WorkerCode:
    source = (JS / "state.js").read_bytes() if source is None else source
    return WorkerCode.javascript(name, {"index.js": (content_type, source), **(extra or {})}, "index.js", version)


def req(query: str = "", cf: dict[str, Any] | None = None) -> GuestRequest:
    return GuestRequest("GET", f"https://state.example.com/{query}", [], cf=cf)


def state(response: GuestResponse) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads(response.body)
    return seen


def settings(reuse: bool = True) -> RuntimeSettings:
    return RuntimeSettings(cpu_ms=150, wall_ms=2000, memory_bytes=MEMORY, reuse_instances=reuse)


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    with Runtime(settings()) as rt:
        yield rt


def counts(runtime: Runtime, worker: WorkerCode, times: int = 3) -> list[bytes]:
    return [runtime.run(worker, req()).body for _ in range(times)]


# -- module-level state persists with reuse, and only then


def test_module_state_persists_with_reuse(runtime) -> None:
    assert counts(runtime, code("counter", COUNTER)) == [b"1", b"2", b"3"]


def test_every_request_starts_afresh_without_reuse() -> None:
    with Runtime(settings(reuse=False)) as rt:
        assert counts(rt, code("counter", COUNTER)) == [b"1", b"1", b"1"]


def test_the_global_scope_runs_once_per_context(runtime) -> None:
    worker = code("top", b"globalThis.hits = (globalThis.hits || 0) + 1;\n"
                         b"let n = 0;\n"
                         b"export default { fetch() { return new Response(`${globalThis.hits} ${++n}`); } };")
    assert counts(runtime, worker) == [b"1 1", b"1 2", b"1 3"]


def test_a_new_version_never_meets_an_old_context(runtime) -> None:
    v1, v2 = code("counter", COUNTER, version="v1"), code("counter", COUNTER, version="v2")
    assert counts(runtime, v1, 2) == [b"1", b"2"]
    assert counts(runtime, v2, 2) == [b"1", b"2"]  # same bytes, new etag: a new context
    # running v2 closed v1's idle context: an old version starts over
    assert counts(runtime, v1, 1) == [b"1"]


def test_other_imports_under_the_same_version_get_a_new_context(runtime) -> None:
    main = b'import word from "./word.js"; let n = 0;\nexport default { fetch() { return new Response(`${word} ${++n}`); } };'

    def worker(word: str) -> WorkerCode:
        return code("imports", main, extra={"word.js": (MODULE, f'export default "{word}";'.encode())})

    assert counts(runtime, worker("a"), 2) == [b"a 1", b"a 2"]
    assert counts(runtime, worker("b"), 2) == [b"b 1", b"b 2"]


def test_other_bindings_get_their_own_context(runtime) -> None:
    worker = code()
    run = lambda env: state(runtime.run(worker, req(), env=env))  # noqa: E731
    assert [run({"PLAN": "free"})["n"] for _ in range(2)] == [1, 2]
    changed = run({"PLAN": "pro"})
    assert (changed["n"], changed["env"]) == (1, {"PLAN": "pro"})
    assert run({"PLAN": "free"})["n"] == 3  # both kept: same version, other bindings


def test_a_service_worker_script_sees_the_bindings_of_its_context(runtime) -> None:
    source = b'let n = 0;\naddEventListener("fetch", (e) => e.respondWith(new Response(`${GREETING} ${++n}`)));'
    worker = code("sw", source, content_type=SCRIPT)
    run = lambda greeting: runtime.run(worker, req(), env={"GREETING": greeting}).body  # noqa: E731
    assert [run("hi"), run("hi"), run("ho"), run("hi")] == [b"hi 1", b"hi 2", b"ho 1", b"hi 3"]


def test_each_memory_limit_has_its_own_context(runtime) -> None:
    worker = code()
    run = lambda memory: state(runtime.run(worker, req(), limits=ExecutionLimits(memory_bytes=memory)))["n"]  # noqa: E731
    assert [run(MEMORY), run(MEMORY), run(32 * 2**20), run(MEMORY)] == [1, 2, 1, 3]


# -- after any failure the context is discarded


def _fail(runtime: Runtime, worker: WorkerCode, what: str) -> None:
    limits = {
        "big": ExecutionLimits(output_bytes=1000),
        "spin": ExecutionLimits(cpu_ms=20),
        # options.limits.subRequests: past it the worker fails at once, caught or not
        "fetch": ExecutionLimits(subrequests=1, subrequests_strict=True),
    }.get(what)
    outbound = (lambda request: GuestResponse(200, [], b"up")) if what == "fetch" else None
    query = "?fetch=2" if what == "fetch" else f"?do={what}"
    runtime.run(worker, req(query), limits=limits, outbound=outbound)


@pytest.mark.parametrize(
    ("what", "error", "message"),
    [
        ("throw", WorkerException, "Worker threw exception: Error: boom"),
        ("invalid", WorkerException, "Worker returned no Response: the fetch handler returned string, not a Response."),
        ("big", OutputLimitExceeded, None),
        ("spin", CpuLimitExceeded, None),
        ("hog", MemoryLimitExceeded, None),
        ("hang", WorkerException, "The script will never generate a response."),
        ("fetch", SubrequestLimitExceeded, "Too many subrequests."),
    ],
)
def test_a_failed_request_discards_its_context(runtime, what, error, message) -> None:
    worker = code()
    assert [state(runtime.run(worker, req()))["n"] for _ in range(2)] == [1, 2]
    with pytest.raises(error) as caught:
        _fail(runtime, worker, what)  # served by the reused context (its n is 3)
    if message is not None:
        assert caught.value.message == message
    assert [state(runtime.run(worker, req()))["n"] for _ in range(2)] == [1, 2]


def test_the_counter_starts_over_after_the_worker_throws_once(runtime) -> None:
    source = b'let n = 0;\nexport default { fetch(r) { n++; if (r.url.endsWith("?throw")) throw new Error("once");' \
             b" return new Response(String(n)); } };"
    worker = code("thrower", source)
    assert counts(runtime, worker, 2) == [b"1", b"2"]
    with pytest.raises(WorkerException, match="once"):
        runtime.run(worker, req("?throw"))
    assert counts(runtime, worker, 2) == [b"1", b"2"]


# -- per-request state is fresh on a reused context


def test_a_finished_requests_timers_never_run_later(runtime) -> None:
    worker = code()
    first = runtime.run(worker, req("?do=leave"))
    assert (state(first)["n"], state(first)["late"], first.logs) == (1, 0, [])
    # this request waits on a timer of its own: the one request 1 left (due sooner) is gone
    second = runtime.run(worker, req("?do=wait"))
    assert (state(second)["n"], state(second)["late"], second.logs) == (2, 0, [])


def test_wait_until_work_runs_after_its_response_and_before_the_next_request(runtime) -> None:
    worker = code()
    first = runtime.run(worker, req("?do=waituntil"))
    assert first.logs == []  # the response did not wait for it
    second = runtime.run(worker, req("?do=wait"))
    assert first.logs == ["waitUntil of request 1"]  # it ran, in its own request's log, then the context was reused
    assert (state(second)["n"], state(second)["late"], second.logs) == (2, 10, [])


def test_the_log_cap_is_per_request(runtime) -> None:
    worker = code()
    roomy = ExecutionLimits(cpu_ms=2000, wall_ms=4000)  # encoding the line is slow JavaScript
    for n in (1, 2, 3):  # 400,000 characters each: three would pass the 1 MiB cap together
        response = runtime.run(worker, req("?do=log"), limits=roomy)
        assert state(response)["n"] == n
        assert response.logs == ["y" * 400000]


def test_cf_is_the_current_requests(runtime) -> None:
    worker = code()
    assert state(runtime.run(worker, req(cf={"colo": "EMU"})))["cf"] == {"colo": "EMU"}
    seen = state(runtime.run(worker, req()))
    assert (seen["n"], seen["cf"]) == (2, "absent")


def test_the_outbound_handler_and_subrequest_count_are_the_current_requests(runtime) -> None:
    worker = code()

    def answering(text: str):
        return lambda request: GuestResponse(200, [], text.encode())

    two = ExecutionLimits(subrequests=2)
    results = [state(runtime.run(worker, req("?fetch=2"), outbound=answering(f"up{i}"), limits=two)) for i in range(3)]
    assert [(seen["n"], seen["fetched"]) for seen in results] == [
        (1, ["up0", "up0"]), (2, ["up1", "up1"]), (3, ["up2", "up2"])
    ]
    alone = state(runtime.run(worker, req("?fetch=1")))
    assert alone["n"] == 4
    assert alone["fetched"][0].startswith("TypeError: fetch() is disabled")


def test_a_reused_context_gets_the_requests_cpu_limit(runtime) -> None:
    worker = code()
    assert state(runtime.run(worker, req()))["n"] == 1
    with pytest.raises(CpuLimitExceeded):
        runtime.run(worker, req("?do=spin"), limits=ExecutionLimits(cpu_ms=20))
    assert state(runtime.run(worker, req()))["n"] == 1


# -- memory


def test_a_reused_context_is_still_capped(runtime) -> None:
    worker = code()
    assert [state(runtime.run(worker, req()))["n"] for _ in range(2)] == [1, 2]
    with pytest.raises(MemoryLimitExceeded):
        runtime.run(worker, req("?do=hog"))
    assert state(runtime.run(worker, req()))["n"] == 1


def test_a_context_near_its_memory_cap_is_not_reused(runtime) -> None:
    # each request keeps 2 MiB more in module state: reused without end, the context
    # would reach the 24 MiB cap by the 12th request
    source = (b"const kept = [];\nexport default { fetch() {"
              b" kept.push(new Uint8Array(2 * 1024 * 1024).fill(1)); return new Response(String(kept.length)); } };")
    worker = code("grower", source)
    seen = [int(runtime.run(worker, req()).body) for _ in range(16)]
    assert seen[:3] == [1, 2, 3]
    assert seen.index(1, 1) < 12  # a fresh context took over before the cap was reached
    assert max(seen) < 12


# -- nesting, the pool's bound, closing


def test_a_nested_run_of_the_same_worker_gets_another_context(runtime) -> None:
    worker = code()
    inner: list[dict[str, Any]] = []

    def outbound(request: GuestRequest) -> GuestResponse:
        response = runtime.run(worker, req())
        inner.append(state(response))
        return response

    outer = state(runtime.run(worker, req("?fetch=1&to=https://state.example.com/"), outbound=outbound))
    # the outer context counted its request, then the nested run found it busy: a new one
    assert outer["n"] == 1 and inner[0]["n"] == 1
    assert json.loads(outer["fetched"][0])["n"] == 1
    assert state(runtime.run(worker, req()))["n"] == 2


def runner_run(runner: JsRunner, worker: WorkerCode, *, reuse: bool = True) -> bytes:
    execution = Execution(worker, req(), env={}, limits=ExecutionLimits().filled(settings()))
    with execution.active(), execution.gate.held():
        return runner.run(execution, reuse=reuse).body


def test_the_pool_is_bounded_and_evicts_the_least_recently_used() -> None:
    runner = JsRunner(pool_limit=2)
    try:
        a, b, c = (code(name, COUNTER) for name in "abc")
        assert [runner_run(runner, w) for w in (a, b, c)] == [b"1", b"1", b"1"]
        assert len(runner.contexts) == 2  # a was evicted
        assert runner_run(runner, a) == b"1"  # and comes back new, evicting b
        assert runner_run(runner, c) == b"2"
        assert runner_run(runner, b) == b"1"
        assert len(runner.contexts) == 2
    finally:
        runner.close()


def test_without_reuse_nothing_is_pooled() -> None:
    runner = JsRunner()
    try:
        worker = code("counter", COUNTER)
        assert [runner_run(runner, worker, reuse=False) for _ in range(3)] == [b"1", b"1", b"1"]
        assert len(runner.contexts) == 0
        assert runner.created == 3
    finally:
        runner.close()


def test_close_discards_the_pooled_contexts() -> None:
    runner = JsRunner()
    worker = code("counter", COUNTER)
    assert [runner_run(runner, worker) for _ in range(2)] == [b"1", b"2"]
    assert (len(runner.contexts), runner.created) == (1, 1)
    runner.close()
    assert len(runner.contexts) == 0
    with pytest.raises(RuntimeError, match="closed"):
        runner_run(runner, worker)
