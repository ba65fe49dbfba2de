"""Bindings of JavaScript workers: dispatch namespaces, services, and the ones not run.

A JavaScript dispatcher (a regular Worker of the account, the entry worker) calls user
workers through ``env.dispatcher.get(name, args, options).fetch(request)``. What its
``catch`` sees follows workerd across a service binding (recorded in docs/platform.md):
standard error types keep type and message, other errors become ``Error``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from werkzeug import Response
from werkzeug.test import Client

from dispatch_emu import Emulator, RuntimeSettings, WorkerError
from dispatch_emu.store import ModuleSource

MODULE = "application/javascript+module"

# A dispatcher that reports what its catch saw, as JSON.
REPORTING_DISPATCHER = """
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.hostname.split(".")[0];
    const options = JSON.parse(url.searchParams.get("options") || "{}");
    const stub = env.dispatcher.get(name, {}, options);
    try {
      const response = await stub.fetch(request);
      return response;
    } catch (e) {
      return Response.json({
        type: e.constructor.name, name: e.name, message: e.message, isError: e instanceof Error,
        remote: e.remote ?? null,
      }, { status: 599 });
    }
  },
};
"""

THROWERS = """
class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; } }
export default {
  async fetch(request) {
    const kind = new URL(request.url).searchParams.get("kind");
    if (kind === "error") throw new Error("plain boom");
    if (kind === "type") throw new TypeError("type boom");
    if (kind === "range") throw new RangeError("range boom");
    if (kind === "reference") return undefinedVariable;
    if (kind === "custom") throw new MyError("custom boom");
    if (kind === "string") throw "a string";
    if (kind === "nothing") return "not a response";
    if (kind === "spin") { for (;;) {} }
    if (kind === "fetches") {  // no outbound here: each fetch() rejects, until the limit ends the call
      for (let i = 0; i < 5; i++) { try { await fetch("https://x.example.com/"); } catch (e) {} }
    }
    return new Response("ok");
  },
};
"""


def js(source: str, name: str = "index.js") -> list[ModuleSource]:
    return [ModuleSource(name, MODULE, source.encode())]


def dispatch_binding(namespace: str = "customers", **extra) -> dict:
    return {"name": "dispatcher", "type": "dispatch_namespace", "namespace": namespace, **extra}


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    # JavaScript CPU time is measured on the clock: budgets roomy enough for a loaded machine
    # (tests of limits set their own, through options.limits)
    with Emulator(runtime_settings=RuntimeSettings(cpu_ms=2000, wall_ms=10_000), load_entrypoints=False) as emu:
        yield emu


@pytest.fixture
def platform(emu: Emulator) -> Client:
    emu.namespace("customers").put_script("thrower", modules=js(THROWERS))
    emu.workers().put_script("platform", modules=js(REPORTING_DISPATCHER), bindings=[dispatch_binding()])
    return Client(emu.app(entry="platform"))


def caught(client: Client, host: str, query: str = "") -> dict:
    response = client.get(f"/?{query}", base_url=f"https://{host}.example.com")
    assert response.status_code == 599, response.get_data(as_text=True)
    return json.loads(response.get_data())


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("error", {"type": "Error", "name": "Error", "message": "plain boom"}),
        ("type", {"type": "TypeError", "name": "TypeError", "message": "type boom"}),
        ("range", {"type": "RangeError", "name": "RangeError", "message": "range boom"}),
        ("reference", {"type": "ReferenceError", "name": "ReferenceError",
                       "message": "undefinedVariable is not defined"}),
        # workerd: a non-standard error crosses as Error("Name: message"), a thrown value as Error(text)
        ("custom", {"type": "Error", "name": "Error", "message": "MyError: custom boom"}),
        ("string", {"type": "Error", "name": "Error", "message": "a string"}),
        ("nothing", {"type": "TypeError", "name": "TypeError",
                     "message": "Incorrect type for Promise: the Promise did not resolve to 'Response'."}),
    ],
)
def test_a_thrown_error_reaches_the_dispatcher_with_its_type_and_message(platform, kind, expected) -> None:
    remote = True if kind != "nothing" else None  # workerd marks what the callee threw
    assert caught(platform, "thrower", f"kind={kind}") == {**expected, "isError": True, "remote": remote}


def test_missing_worker_rejects_with_exactly_worker_not_found(platform) -> None:
    assert caught(platform, "nobody") == {
        "type": "Error", "name": "Error", "message": "Worker not found.", "isError": True, "remote": None,
    }


def test_cpu_limit_from_options_stops_a_loop_within_a_second(platform) -> None:
    options = json.dumps({"limits": {"cpuMs": 50}})
    started = time.monotonic()
    report = caught(platform, "thrower", f"kind=spin&options={options}")
    assert time.monotonic() - started < 1.0
    assert report == {
        "type": "Error", "name": "Error", "message": "Worker exceeded CPU time limit.", "isError": True, "remote": None,
    }


def test_subrequest_limit_from_options(platform) -> None:
    options = json.dumps({"limits": {"subRequests": 2}})
    report = caught(platform, "thrower", f"kind=fetches&options={options}")
    assert report["message"] == "Too many subrequests." and report["type"] == "Error"


def test_a_user_workers_response_passes_through_untouched(emu: Emulator) -> None:
    emu.namespace("customers").put_script("shop", modules=js("""
        export default { async fetch() {
          const headers = new Headers([["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-thing", "y"]]);
          return new Response(new Uint8Array([0, 255, 1, 254]), { status: 418, headers });
        } };
    """))
    emu.workers().put_script("platform", modules=js(REPORTING_DISPATCHER), bindings=[dispatch_binding()])
    response = Client(emu.app(entry="platform")).get("/", base_url="https://shop.example.com")
    assert response.status_code == 418
    assert response.get_data() == bytes([0, 255, 1, 254])
    assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert response.headers["x-thing"] == "y"


@pytest.fixture
def roomy() -> Iterator[Emulator]:
    # 60 nested calls take ~1 s of wall time on a loaded 2-core machine: more than `emu`'s 2 s
    # budget allows with margin
    with Emulator(runtime_settings=RuntimeSettings(cpu_ms=200, wall_ms=20_000), load_entrypoints=False) as emu:
        yield emu


def test_the_dispatchers_cpu_budget_excludes_the_user_workers(roomy: Emulator) -> None:
    emu = roomy
    # a counted loop (Date.now() need not move during CPU work), with 10 s of CPU of its own
    emu.namespace("customers").put_script("busy", modules=js("""
        export default { async fetch() {
          let x = 0; for (let i = 0; i < 3000000; i++) { x = (x + i) % 7; }
          return new Response("done " + x);
        } };
    """), limits={"cpu_ms": 10_000})
    emu.namespace("customers").put_script("quick", modules=js(
        'export default { fetch() { return new Response("quick"); } };'
    ))
    started = time.monotonic()
    alone = emu.namespace("customers").binding().get("busy").fetch("https://busy.example.com/")
    alone_ms = (time.monotonic() - started) * 1000
    assert alone.status_code == 200
    # the dispatcher gets half the CPU the user worker needs alone (this machine's speed)
    budget = max(50, int(alone_ms / 2))
    # it works a little after the call too, so that its own clock is checked again then
    emu.workers().put_script("platform", modules=js("""
        export default { async fetch(request, env) {
          const name = new URL(request.url).hostname.split(".")[0];
          const response = await env.dispatcher.get(name).fetch(request);
          let y = 0; for (let i = 0; i < 150000; i++) { y = (y + i) % 5; }
          return response;
        } };
    """), bindings=[dispatch_binding()], limits={"cpu_ms": budget})
    client = Client(emu.app(entry="platform"))
    assert client.get("/", base_url="https://quick.example.com").status_code == 200
    response = client.get("/", base_url="https://busy.example.com")
    assert response.status_code == 200 and response.get_data().startswith(b"done"), (alone_ms, budget)


def test_many_calls_in_one_request_each_with_its_own_logs(roomy: Emulator) -> None:
    emu = roomy
    emu.namespace("customers").put_script("echo", modules=js("""
        export default { async fetch(request) {
          const n = new URL(request.url).searchParams.get("n");
          console.log("echo " + n);
          return new Response(n);
        } };
    """))
    emu.workers().put_script("fanout", modules=js("""
        export default { async fetch(request, env) {
          let total = 0;
          for (let i = 0; i < 60; i++) {
            const r = await env.dispatcher.get("echo").fetch("https://echo.example.com/?n=" + i);
            total += Number(await r.text());
          }
          console.log("fanout total " + total);
          return new Response(String(total));
        } };
    """), bindings=[dispatch_binding()], limits={"cpu_ms": 2000})  # ~2 ms of QuickJS per call
    response = Client(emu.app(entry="fanout")).get("/")
    assert response.get_data() == str(sum(range(60))).encode()  # more calls than the 50 subrequests
    assert emu.observer.lines("echo")[:2] == ["echo 0", "echo 1"] and len(emu.observer.lines("echo")) == 60
    assert emu.observer.lines("fanout") == [f"fanout total {sum(range(60))}"]


def test_outbound_params_reach_the_outbound_worker(emu: Emulator) -> None:
    emu.workers().put_script("egress", modules=js("""
        export default { async fetch(request, env) {
          return Response.json({ url: request.url, customer: env.customer, plan: env.plan ?? null });
        } };
    """))
    emu.namespace("customers").put_script("caller", modules=js("""
        export default { async fetch() {
          return new Response(await (await fetch("https://api.example.com/x")).text());
        } };
    """))
    outbound = {"worker": {"service": "egress"}, "params": [{"name": "customer"}, {"name": "plan"}]}
    emu.workers().put_script("platform", modules=js("""
        export default { async fetch(request, env) {
          return env.dispatcher.get("caller", {}, { outbound: { customer: "acme", ignored: "x" } }).fetch(request);
        } };
    """), bindings=[dispatch_binding(outbound=outbound)])
    response = Client(emu.app(entry="platform")).get("/")
    assert json.loads(response.get_data()) == {"url": "https://api.example.com/x", "customer": "acme", "plan": None}


def test_service_binding_reaches_a_regular_worker(emu: Emulator) -> None:
    emu.workers().put_script("auth", modules=js("""
        export default { async fetch(request) {
          return new Response("auth saw " + request.headers.get("authorization"), { status: 401 });
        } };
    """))
    emu.workers().put_script("platform", modules=js("""
        export default { async fetch(request, env) { return env.AUTH.fetch(request); } };
    """), bindings=[{"name": "AUTH", "type": "service", "service": "auth"}])
    response = Client(emu.app(entry="platform")).get("/", headers={"Authorization": "Bearer t"})
    assert response.status_code == 401 and response.get_data() == b"auth saw Bearer t"


def test_a_binding_not_run_throws_naming_its_type(emu: Emulator) -> None:
    emu.workers().put_script("platform", modules=js("""
        export default { async fetch(request, env) {
          const seen = [typeof env.CACHE];
          for (const use of [() => env.CACHE.get("k"), () => env.CACHE.put, () => "x" in env.CACHE]) {
            try { use(); seen.push("no error"); } catch (e) { seen.push(e.constructor.name + ": " + e.message); }
          }
          return Response.json(seen);
        } };
    """), bindings=[{"name": "CACHE", "type": "kv_namespace", "namespace_id": "abc"}])
    seen = json.loads(Client(emu.app(entry="platform")).get("/").get_data())
    message = "Error: env.CACHE is a kv_namespace binding, which is not available in dispatch_emu"
    assert seen == ["function", message, message, message]


def test_a_namespaced_javascript_worker_has_bindings_too(emu: Emulator) -> None:
    emu.workers().put_script("pricing", modules=js(
        'export default { async fetch() { return new Response("42"); } };'
    ))
    emu.namespace("customers").put_script("shop", modules=js("""
        export default { async fetch(request, env) {
          return new Response("price " + await (await env.PRICING.fetch("https://pricing/")).text());
        } };
    """), bindings=[{"name": "PRICING", "type": "service", "service": "pricing"}])
    response = emu.namespace("customers").binding().get("shop").fetch("https://shop.example.com/")
    assert response.get_data() == b"price 42"


def test_python_dispatcher_env_gets_a_service_binding(emu: Emulator) -> None:
    emu.workers().put_script("auth", modules=js(
        'export default { async fetch() { return new Response("ok from auth"); } };'
    ))

    def fetch(request, env):
        return env.AUTH.fetch(request)

    app = emu.dispatcher("customers", fetch=fetch, env={"AUTH": emu.service("auth")})
    assert Client(app).get("/").get_data() == b"ok from auth"
    with pytest.raises(WorkerError, match="'ghost' is not deployed"):
        emu.service("ghost").fetch("https://x/")


def test_entry_worker_is_503_until_deployed_and_redeploys_take_effect_at_once(emu: Emulator) -> None:
    client = Client(emu.app(entry="platform"))
    missing = client.get("/")
    assert missing.status_code == 503 and "'platform'" in missing.get_data(as_text=True)
    emu.workers().put_script("platform", modules=js('export default { fetch() { return new Response("v1"); } };'))
    assert client.get("/").get_data() == b"v1"
    emu.workers().put_script("platform", modules=js('export default { fetch() { return new Response("v2"); } };'))
    assert client.get("/").get_data() == b"v2"
    emu.workers().delete_script("platform")
    assert client.get("/").status_code == 503


def test_entry_worker_that_throws_is_error_1101(emu: Emulator) -> None:
    emu.workers().put_script("platform", modules=js(
        'export default { fetch() { throw new Error("dispatcher bug"); } };'
    ))
    response = Client(emu.app(entry="platform")).get("/")
    assert response.status_code == 500
    assert response.get_data(as_text=True).startswith("error code: 1101\n")
    assert "dispatcher bug" in response.get_data(as_text=True)


def test_python_dispatcher_with_a_response_object_unchanged(emu: Emulator) -> None:
    # the built-in dispatcher stays the default: app() without entry
    emu.namespace("customers").put_script("shop", modules=js(
        'export default { fetch() { return new Response("hi"); } };'
    ))
    app = emu.app(emu.dispatcher("customers"))
    assert Client(app).get("/", base_url="https://shop.example.com").get_data() == b"hi"
    assert isinstance(Client(app).get("/", base_url="https://x.example.com"), Response)


def test_dispatch_hooks_see_the_javascript_dispatchers_calls(platform, emu: Emulator) -> None:
    from dispatch_emu import hookimpl

    class Recorder:
        seen: list[tuple[str, str, dict]] = []

        @hookimpl
        def dispatch_emu_before_dispatch(self, call):
            self.seen.append((call.namespace, call.worker_name, dict(call.options)))
            if call.worker_name == "blocked":
                return Response("blocked by a hook", status=451)
            return None

    recorder = Recorder()
    emu.plugins.register(recorder)
    try:
        options = json.dumps({"limits": {"cpuMs": 1500}})
        assert platform.get(f"/?kind=none&options={options}", base_url="https://thrower.example.com").status_code == 200
        blocked = platform.get("/", base_url="https://blocked.example.com")
        assert blocked.status_code == 451 and blocked.get_data() == b"blocked by a hook"
    finally:
        emu.plugins.unregister(recorder)
    # the entry worker's own run is no dispatch: only the calls into the namespace are seen
    assert recorder.seen == [("customers", "thrower", {"limits": {"cpuMs": 1500}}), ("customers", "blocked", {})]


def test_a_webassembly_entry_worker_with_a_binding_it_cannot_call(emu: Emulator) -> None:
    # a wasm worker gets its values only: the dispatch-namespace binding is stored, not in env
    from pathlib import Path

    wasm = (Path(__file__).resolve().parents[1] / "workers" / "wagi" / "hello.wasm").read_bytes()
    emu.workers().put_script("platform", wasm=wasm, bindings=[dispatch_binding(), {
        "name": "GREETING", "type": "plain_text", "text": "hi"}])
    response = Client(emu.app(entry="platform")).get("/")
    assert response.status_code == 200 and response.get_data() == b"Hello from WAGI!\n"
