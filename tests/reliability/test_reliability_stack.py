"""Runaway recursion: a catchable ``RangeError`` in JavaScript, a clean 500 when uncaught,
and never a dead process, on any thread.

workerd (the oracle, tests/fidelity/apps/stack) throws ``RangeError: Maximum call stack
size exceeded`` after about 10,400 frames of plain recursion, and JavaScript catches it.
QuickJS throws the same once its stack limit is armed (``quickjs.arm_stack_check``); a
guest on a thread without the native stack its engine may use is refused instead of run
(``native_stack.ensure_room``), because a runaway recursion there would take the process
down with SIGSEGV. The tests that could kill the process if that failed run in a child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from werkzeug.test import Client

from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import InvalidModule, WorkerException
from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime import _native_stack as native_stack
from dispatch_emu.runtime.js import JsRunner
from dispatch_emu.runtime.js import _images as images
from dispatch_emu.runtime.js import _quickjs as qjs
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ModuleSource

ROOT = Path(__file__).resolve().parents[2]
MODULE = "application/javascript+module"
MESSAGE = "Maximum call stack size exceeded"
UNCAUGHT = f"Worker threw exception: RangeError: {MESSAGE}"
#: Plain recursion this machine must reach before the RangeError (workerd: 10,380).
DEPTH = 3000

CATCHING = """
let requests = 0;
let depth = 0;
function down(n) { depth = n; return down(n + 1) + 1; }
export default { fetch() {
  requests++;
  try {
    down(0);
    return new Response("not thrown");
  } catch (e) {
    return Response.json({ name: e.name, message: e.message, isRangeError: e instanceof RangeError, depth, requests });
  }
} };
"""
UNCAUGHT_SOURCE = "function down(n) { return down(n + 1) + 1; }\nexport default { fetch() { return new Response(String(down(0))); } };"


def code(source: str, name: str = "stack", version: str = "v1") -> WorkerCode:
    return WorkerCode.javascript(name, {"index.js": (MODULE, source.encode())}, "index.js", version)


def req() -> GuestRequest:
    return GuestRequest("GET", "https://stack.example.com/", [], b"")


def runner_of(runtime: Runtime) -> JsRunner:
    engine = runtime.engines.select(MODULE, b"")
    assert engine is not None
    runner: JsRunner = engine.runner  # type: ignore[attr-defined]
    return runner


def settings(reuse: bool = True) -> RuntimeSettings:
    return RuntimeSettings(cpu_ms=5000, wall_ms=20_000, memory_bytes=64 * 2**20, reuse_instances=reuse)


def caught(response) -> dict:
    assert response.status == 200, response.body
    report = json.loads(response.body)
    assert (report["name"], report["message"], report["isRangeError"]) == ("RangeError", MESSAGE, True)
    assert report["depth"] >= DEPTH, report
    return report


@pytest.fixture(scope="module")
def runtime() -> Iterator[Runtime]:
    with Runtime(settings()) as rt:
        yield rt


# -- caught in JavaScript, on every kind of context


def test_the_engine_and_the_limit_in_use(runtime) -> None:
    # on this platform the room of a thread is measured, so the engine has the larger stack
    assert native_stack.measurable()
    caught(runtime.run(code(CATCHING, name="first"), req()))  # the engine exists now
    assert qjs.engine_stack() == native_stack.js_wasm_stack() == native_stack.JS_WASM_STACK
    assert qjs.stack_budget() == native_stack.JS_WASM_STACK // qjs.NATIVE_PER_SHADOW


def test_caught_on_a_new_context_then_on_the_same_one_reused(runtime) -> None:
    worker = code(CATCHING, name="reused")
    reports = [caught(runtime.run(worker, req())) for _ in range(3)]
    assert [r["requests"] for r in reports] == [1, 2, 3]  # one context, reused: it survived each overflow
    assert len({r["depth"] for r in reports}) == 1  # and reaches the same depth every time


def test_caught_on_contexts_restored_from_the_prelude_image() -> None:
    images.forget_prelude_images()
    with Runtime(settings(reuse=False)) as rt:
        reports = [caught(rt.run(code(CATCHING, name="fresh"), req())) for _ in range(3)]
        runner = runner_of(rt)
        assert (runner.created, runner.restored) == (3, 2)  # the first evaluated the prelude, two restored it
    assert [r["requests"] for r in reports] == [1, 1, 1]


def test_uncaught_it_is_a_clean_500_and_the_runtime_goes_on(runtime) -> None:
    for _ in range(2):
        with pytest.raises(WorkerException) as failed:
            runtime.run(code(UNCAUGHT_SOURCE, name="uncaught"), req())
        assert failed.value.message == UNCAUGHT
        assert failed.value.status == 500
        assert "wasm" not in failed.value.message and "at down (index.js" in str(failed.value.cause)
    caught(runtime.run(code(CATCHING, name="after"), req()))


def test_deep_json_nesting_ends_in_the_native_trap_a_clean_500(runtime) -> None:
    # C recursion that uses more native stack per level than QuickJS's budget allows for:
    # 20,000 levels work, 60,000 exhaust the native stack first (uncatchable, as before)
    source = """
    export default { fetch(request) {
      const depth = Number(new URL(request.url).searchParams.get("d"));
      try { return new Response(String(JSON.parse("[".repeat(depth) + "]".repeat(depth)).length)); }
      catch (e) { return new Response("caught " + e.message); }
    } };
    """
    worker = code(source, name="json")
    ok = runtime.run(worker, GuestRequest("GET", "https://json.example.com/?d=20000", [], b""))
    assert (ok.status, ok.body) == (200, b"1")
    with pytest.raises(WorkerException) as failed:
        runtime.run(worker, GuestRequest("GET", "https://json.example.com/?d=60000", [], b""))
    assert failed.value.message == UNCAUGHT and "wasm stack" in str(failed.value.cause)
    caught(runtime.run(code(CATCHING, name="after-json"), req()))


def test_in_async_code_and_promise_jobs(runtime) -> None:
    source = """
    function down(n) { return down(n + 1) + 1; }
    async function asyncDown(n) { return asyncDown(n + 1); }
    export default { async fetch(request, env, ctx) {
      const out = [];
      await null;  // from here on, the handler runs as a promise job
      try { down(0); } catch (e) { out.push(e.message); }
      try { await asyncDown(0); } catch (e) { out.push(e.message); }
      out.push(await new Promise((resolve) => queueMicrotask(() => { try { down(0); } catch (e) { resolve(e.message); } })));
      out.push(await Promise.resolve().then(() => down(0)).catch((e) => e.constructor.name));
      ctx.waitUntil(Promise.resolve().then(() => down(0)));
      return Response.json(out);
    } };
    """
    response = runtime.run(code(source, name="async"), req())
    assert json.loads(response.body) == [MESSAGE, MESSAGE, MESSAGE, "RangeError"]
    runtime.wait_for_pending()
    with pytest.raises(WorkerException) as failed:
        runtime.run(code("function down(n) { return down(n + 1) + 1; }\n"
                         "export default { async fetch() { await null; return new Response(String(down(0))); } };",
                         name="async-uncaught"), req())
    assert failed.value.message == UNCAUGHT


def test_in_the_global_scope_at_upload_and_start_up() -> None:
    with Emulator(runtime_settings=settings(), load_entrypoints=False) as emu:
        namespace = emu.namespace("customers")
        namespace.put_script("startup", modules=[ModuleSource("index.js", MODULE, b"""
            function down(n) { return down(n + 1) + 1; }
            let seen;
            try { down(0); } catch (e) { seen = `${e.name}: ${e.message}`; }
            export default { fetch() { return new Response(seen); } };
        """)])
        client = Client(emu.dispatcher("customers"))
        assert client.get("/", base_url="https://startup.example.com").get_data(as_text=True) == f"RangeError: {MESSAGE}"
        with pytest.raises(InvalidModule) as refused:
            namespace.put_script("dies", modules=[ModuleSource("index.js", MODULE, b"""
                function down(n) { return down(n + 1) + 1; }
                down(0);
                export default { fetch() { return new Response("never"); } };
            """)])
        assert f"Uncaught RangeError: {MESSAGE}" in refused.value.message


def test_in_a_javascript_entry_worker_and_the_worker_it_dispatches_to() -> None:
    platform = """
    function down(n) { return down(n + 1) + 1; }
    export default { async fetch(request, env) {
      let own;
      try { down(0); } catch (e) { own = e.message; }
      let theirs;
      try { theirs = await (await env.dispatcher.get("deep").fetch(request)).text(); }
      catch (e) { theirs = `${e.name}: ${e.message}`; }
      let uncaught;
      try { await env.dispatcher.get("dies").fetch(request); uncaught = "answered"; }
      catch (e) { uncaught = `${e.name}: ${e.message}`; }
      return Response.json({ own, theirs, uncaught });
    } };
    """
    with Emulator(runtime_settings=settings(), load_entrypoints=False) as emu:
        emu.namespace("customers").put_script("deep", modules=[ModuleSource("index.js", MODULE, CATCHING.encode())])
        emu.namespace("customers").put_script("dies", modules=[ModuleSource("index.js", MODULE, UNCAUGHT_SOURCE.encode())])
        binding = {"name": "dispatcher", "type": "dispatch_namespace", "namespace": "customers"}
        emu.workers().put_script("platform", modules=[ModuleSource("index.js", MODULE, platform.encode())], bindings=[binding])
        response = Client(emu.app(entry="platform")).get("/", base_url="https://shop.example.com")
        assert response.status_code == 200, response.get_data(as_text=True)
        report = response.get_json()
    assert report["own"] == MESSAGE
    theirs = json.loads(report["theirs"])
    assert (theirs["message"], theirs["isRangeError"]) == (MESSAGE, True) and theirs["depth"] >= DEPTH
    assert report["uncaught"] == f"RangeError: {MESSAGE}"  # the callee's uncaught error crosses as itself


def test_through_the_live_server_on_its_worker_threads() -> None:
    with Emulator(runtime_settings=settings(), load_entrypoints=False) as emu:
        namespace = emu.namespace("demo")
        namespace.put_script("deep", modules=[ModuleSource("index.js", MODULE, CATCHING.encode())])
        namespace.put_script("dies", modules=[ModuleSource("index.js", MODULE, UNCAUGHT_SOURCE.encode())])
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            for _ in range(2):
                answer = httpx.get(f"{server.url}/", headers={"Host": "deep.example.com"}, timeout=60)
                assert answer.status_code == 200, answer.text
                assert answer.json()["message"] == MESSAGE and answer.json()["depth"] >= DEPTH
                failed = httpx.get(f"{server.url}/", headers={"Host": "dies.example.com"}, timeout=60)
                assert failed.status_code == 500 and UNCAUGHT in failed.text
            assert httpx.get(f"{server.url}/__dispatch_emu/health", timeout=60).status_code == 200


def test_the_live_servers_threads_have_the_stack_a_guest_needs() -> None:
    seen: list[int] = []

    def app(environ, start_response):
        bounds = native_stack.thread_stack()
        assert bounds is not None
        seen.append(bounds[1] - bounds[0])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with Emulator(load_entrypoints=False) as emu, EmulatorServer(emu, port=0, dispatcher=app) as server:
        assert httpx.get(f"{server.url}/", headers={"Host": "x.example.com"}, timeout=30).text == "ok"
    assert seen and seen[0] >= native_stack.GUEST_THREAD_STACK - 2**16
    assert seen[0] >= native_stack.needed()
    assert threading.stack_size() == 0  # set for the server's threads only


# -- the native stack: measured, and a thread without enough is refused, not crashed


def test_room_is_measured_on_this_thread_and_others() -> None:
    low, high = native_stack.thread_stack() or (0, 0)
    left = native_stack.room()
    assert left is not None and 0 < left < high - low
    sizes: list[tuple[int, int]] = []

    def measure() -> None:
        bounds = native_stack.thread_stack()
        room = native_stack.room()
        assert bounds is not None and room is not None
        sizes.append((bounds[1] - bounds[0], room))

    with native_stack.guest_thread_stack(3 * 2**20):
        thread = threading.Thread(target=measure)
        thread.start()
    thread.join()
    size, room = sizes[0]
    assert size == 3 * 2**20 and size - 64 * 1024 < room < size


CHILD = textwrap.dedent("""
    import json, sys, threading
    from pathlib import Path
    from dispatch_emu.errors import WorkerError
    from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode

    WORKERS = Path(sys.argv[1])
    configure = None
    if len(sys.argv) > 2:  # a hook raising wasmtime's stack past its async stack (which used to abort)
        def configure(config):
            config.max_wasm_stack = int(sys.argv[2])
    wasm = WorkerCode.from_bytes("rec", (WORKERS / "hostile/recursion.wasm").read_bytes(), "v1")
    js = WorkerCode.javascript("js", {"w.js": ("application/javascript+module", (
        b"function down(n) { return down(n + 1) + 1; }"
        b"export default { fetch() { try { down(0); } catch (e) { return new Response(e.message); } } };"))}, "w.js", "v1")
    request = GuestRequest("GET", "https://rec.example.com/", [], b"")
    out = {}

    from dispatch_emu.runtime._builtin import BUILTIN_HOOKS

    class Hooks:
        def configure_engine(self, config, settings):
            if configure is not None:
                configure(config)

        def abis(self):
            return BUILTIN_HOOKS.abis()

        def engines(self, runtime):
            return BUILTIN_HOOKS.engines(runtime)

    def attempt(key, runtime, code):
        try:
            response = runtime.run(code, request)
            out[key] = [response.status, response.body.decode()]
        except WorkerError as error:
            out[key] = [error.status, error.message]

    with Runtime(RuntimeSettings(cpu_ms=5000, wall_ms=20000), hooks=Hooks()) as runtime:
        for size in (256 * 1024, 2 * 2**20, 16 * 2**20):
            threading.stack_size(size)
            for key, code in (("wasm", wasm), ("js", js)):
                thread = threading.Thread(target=attempt, args=(f"{key} {size}", runtime, code))
                thread.start()
                thread.join()
        threading.stack_size(0)
        attempt("wasm main", runtime, wasm)
        attempt("js main", runtime, js)
    print(json.dumps(out))
""")


def child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "tests" / "workers"), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, f"the process died ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_thread_without_room_is_refused_and_others_recurse_cleanly_in_a_process_that_survives() -> None:
    out = child()
    small = 256 * 1024
    for key in ("wasm", "js"):
        status, message = out[f"{key} {small}"]
        assert status == 500 and message.startswith("Worker could not run: the thread") and "native stack" in message
    # 2 MiB is room enough for a wasm guest (512 KiB), not for the QuickJS engine's 5 MiB
    assert out[f"wasm {2 * 2**20}"] == [500, "Worker threw exception: wasm trap: call stack exhausted"]
    status, message = out[f"js {2 * 2**20}"]
    assert status == 500 and message.startswith("Worker could not run: the thread") and "5632 KiB" in message
    assert out[f"wasm {16 * 2**20}"] == [500, "Worker threw exception: wasm trap: call stack exhausted"]
    assert out[f"js {16 * 2**20}"] == [200, MESSAGE]
    assert out["wasm main"] == [500, "Worker threw exception: wasm trap: call stack exhausted"]
    assert out["js main"] == [200, MESSAGE]


def test_an_engine_hook_may_raise_wasmtimes_stack_past_its_async_stack() -> None:
    # wasmtime refuses a max_wasm_stack above its async_stack_size (2 MiB) by aborting the
    # process; the engine is made with the async stack raised to fit, and guests need the
    # larger stack left on their thread
    out = child(str(4 * 2**20))
    assert out["wasm main"] == [500, "Worker threw exception: wasm trap: call stack exhausted"]
    assert out[f"wasm {16 * 2**20}"] == [500, "Worker threw exception: wasm trap: call stack exhausted"]
    assert out["js main"] == [200, MESSAGE]
    assert out[f"wasm {256 * 1024}"][1].startswith("Worker could not run: the thread")


OTHER_ENGINE = textwrap.dedent("""
    import json
    import quickjs_rs
    quickjs_rs.Runtime().new_context().eval("1")  # quickjs-rs makes its engine first, with wasmtime's defaults
    from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode
    from dispatch_emu.runtime.js import _quickjs as qjs
    source = (b"let depth = 0; function f(n) { depth = n; return f(n + 1) + 1; }"
              b"export default { fetch() { try { f(0); } catch (e) { return Response.json([e.message, depth]); } } };")
    code = WorkerCode.javascript("w", {"i.js": ("application/javascript+module", source)}, "i.js", "v1")
    with Runtime(RuntimeSettings(cpu_ms=5000, wall_ms=20000)) as runtime:
        response = runtime.run(code, GuestRequest("GET", "https://w.example.com/", [], b""))
        print(json.dumps([qjs.engine_stack(), json.loads(response.body)]))
""")


def test_an_engine_quickjs_rs_made_first_keeps_its_stack_and_the_check_follows_it() -> None:
    done = subprocess.run([sys.executable, "-c", OTHER_ENGINE], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    stack, (message, depth) = json.loads(done.stdout.strip().splitlines()[-1])
    assert stack == native_stack.WASMTIME_DEFAULT_STACK
    assert message == MESSAGE and 300 <= depth < 600  # the smaller budget, still caught before the trap at ~600
