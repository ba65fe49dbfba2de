"""JavaScript workers through Runtime.run: the fetch API, errors, limits, subrequests.

One runtime for the module: the first QuickJS context of a process costs about half a
second (the guest is compiled), later ones a few milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch_emu.errors import (
    CpuLimitExceeded,
    InvalidModule,
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

JS = Path(__file__).resolve().parent.parent / "workers" / "js"
MODULE = "application/javascript+module"


def js_code(name: str, *, content_type: str = MODULE, source: bytes | None = None) -> WorkerCode:
    source = (JS / f"{name}.js").read_bytes() if source is None else source
    return WorkerCode.javascript(name, {"index.js": (content_type, source)}, "index.js", "v1")


def inline(source: str) -> WorkerCode:
    return js_code("inline", source=source.encode())


def req(url: str = "https://shop.example.com/cart/items?q=7", method: str = "GET", headers=None, body=b"", cf=None):
    return GuestRequest(method=method, url=url, headers=headers or [], body=body, cf=cf)


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=150, wall_ms=2000, memory_bytes=24 * 2**20)) as rt:
        yield rt


def test_hello(runtime) -> None:
    response = runtime.run(js_code("hello"), req())
    assert response.status == 200
    assert response.body == b"Hello from a JavaScript worker!\n"
    assert response.headers == [("content-type", "text/plain")]


def test_echo_sees_the_request_env_and_no_cf(runtime) -> None:
    response = runtime.run(
        js_code("echo"),
        req(method="POST", headers=[("Content-Type", "text/plain"), ("X-Tenant", "acme")], body="héllo".encode()),
        env={"GREETING": "hi", "SECRET": "s3", "CONFIG": {"plan": "pro", "limits": [1, 2]}},
    )
    seen = json.loads(response.body)
    assert seen == {
        "method": "POST",
        "url": "https://shop.example.com/cart/items?q=7",
        "host": "shop.example.com",
        "pathname": "/cart/items",
        "q": "7",
        "headers": {"content-type": "text/plain", "x-tenant": "acme"},
        "body": "héllo",
        "env": {"GREETING": "hi", "SECRET": "s3", "CONFIG": {"plan": "pro", "limits": [1, 2]}},
        "cf": "absent",
    }
    assert ("x-worker", "echo") in response.headers
    assert response.logs == ["echo POST /cart/items"]


def test_cf_is_visible_only_when_given(runtime) -> None:
    seen = json.loads(runtime.run(js_code("echo"), req(cf={"colo": "EMU", "asn": 0})).body)
    assert seen["cf"] == {"colo": "EMU", "asn": 0}


def test_an_uncaught_error_is_a_worker_exception_with_stack_and_logs(runtime) -> None:
    with pytest.raises(WorkerException) as caught:
        runtime.run(js_code("throws"), req())
    error = caught.value
    assert error.message == "Worker threw exception: Error: boom"
    assert error.worker == "throws"
    assert error.logs == ["about to fail"]
    assert error.cause.splitlines()[0] == "Error: boom"
    assert "at fail (index.js:3" in error.cause and "eval_script" not in error.cause


def test_a_rejected_promise_is_a_worker_exception(runtime) -> None:
    with pytest.raises(WorkerException, match=r"^Worker threw exception: TypeError: rejected on purpose$"):
        runtime.run(js_code("rejects"), req())


def test_a_thrown_string_keeps_its_text(runtime) -> None:
    code = inline('export default { async fetch() { console.warn("w"); throw "plain text"; } };')
    with pytest.raises(WorkerException) as caught:
        runtime.run(code, req())
    assert caught.value.message == "Worker threw exception: plain text"
    assert caught.value.logs == ["w"]


def test_a_returned_500_is_a_response(runtime) -> None:
    response = runtime.run(js_code("status"), req())
    assert (response.status, response.body) == (500, b"the worker chose to fail\n")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("export default {};", "the default export has no fetch() handler"),
        ("export const x = 1;", "the main module has no default export"),
        ('export default { fetch() { return "text"; } };', "the fetch handler returned string, not a Response"),
        ("export default { fetch() { return { status: 200 }; } };", "the fetch handler returned Object, not a Response"),
    ],
)
def test_no_response_is_a_clear_worker_exception(runtime, source, reason) -> None:
    with pytest.raises(WorkerException) as caught:
        runtime.run(inline(source), req())
    assert caught.value.message == f"Worker returned no Response: {reason}."


def test_a_promise_that_never_settles(runtime) -> None:
    with pytest.raises(WorkerException, match="^The script will never generate a response.$"):
        runtime.run(inline("export default { fetch() { return new Promise(() => {}); } };"), req())


AWAITS_PAST_ONE_BATCH = """
export default {
  async fetch(request, env, ctx) {
    const n = Number(new URL(request.url).searchParams.get("n"));
    ctx.waitUntil((async () => {
      let later = 0;
      for (let i = 0; i < n; i++) later += await 1;
      console.log("waitUntil done", later);
    })());
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await i;
    return new Response(String(sum));
  },
};
"""


def test_more_promise_jobs_than_the_engine_runs_in_one_batch() -> None:
    # QuickJS runs at most JOB_BATCH jobs a call; a worker awaiting in a loop of 100k
    # iterations (workerd answers it: recorded with wrangler dev, 45 ms) used to be taken
    # for a promise that never settles, in fetch() and in waitUntil() work
    from dispatch_emu.runtime.js._vm import JOB_BATCH

    n = JOB_BATCH + 20_000
    with Runtime(RuntimeSettings(cpu_ms=20_000, wall_ms=60_000)) as rt:
        response = rt.run(inline(AWAITS_PAST_ONE_BATCH), req(f"https://x.example.com/?n={n}"))
        assert response.status == 200 and response.body == str(n * (n - 1) // 2).encode()
        rt.wait_for_pending()
    assert response.logs == [f"waitUntil done {n}"]


def test_an_endless_chain_of_promise_jobs_meets_the_cpu_limit() -> None:
    # the near miss of the test above: jobs that never stop queueing jobs are a runaway,
    # not a promise that never settles (a budget well past one batch's ~0.2 s of CPU)
    source = """
    export default {
      fetch() {
        const again = () => Promise.resolve().then(again);
        again();
        return new Promise(() => {});
      },
    };
    """
    with Runtime(RuntimeSettings(cpu_ms=600, wall_ms=60_000)) as rt:
        with pytest.raises(CpuLimitExceeded):
            rt.run(inline(source), req())
        assert rt.run(js_code("hello"), req()).status == 200


def test_timers_fire_in_the_order_workerd_fires_them(runtime) -> None:
    # due time first, then creation order; intervals re-armed; timers cleared before and
    # inside callbacks, and 196 of 200 cleared at once (the heap's rebuild). The order is
    # workerd's, recorded with wrangler dev (three runs, the same each time).
    source = """
    export default { async fetch() {
      const order = [];
      const t = (name, ms) => setTimeout(() => order.push(name), ms);
      t("a30", 30); t("b10", 10); t("c10", 10); t("d0", 0); t("e20", 20);
      const cleared = t("x15", 15);
      let ticks = 0;
      const iv = setInterval(() => { order.push("iv" + ++ticks); if (ticks === 3) clearInterval(iv); }, 12);
      setTimeout(() => { order.push("f5"); t("g5+10", 10); clearTimeout(cleared); }, 5);
      const many = [];
      for (let i = 0; i < 200; i++) many.push(setTimeout(() => order.push("m" + i), 40));
      for (let i = 0; i < 200; i++) if (i % 50 !== 7) clearTimeout(many[i]);
      await new Promise((resolve) => setTimeout(resolve, 60));
      return new Response(order.join(" "));
    } };
    """
    response = runtime.run(inline(source), req())
    assert response.body == b"d0 f5 b10 c10 iv1 g5+10 e20 iv2 a30 iv3 m7 m57 m107 m157"


def test_ten_thousand_timers_fire_in_order_within_a_cpu_budget() -> None:
    # the next timer used to be found by scanning them all: 10,000 timers took 30 s of CPU
    # (workerd: 71 ms under wrangler dev); a heap takes them in well under this budget
    source = """
    export default { async fetch() {
      const fired = [];
      const all = [];
      for (let i = 0; i < 10000; i++) {
        all.push(new Promise((resolve) => setTimeout(() => { fired.push(i); resolve(); }, 49 - (i % 50))));
      }
      await Promise.all(all);
      const expected = [...fired].sort((a, b) => (49 - (a % 50)) - (49 - (b % 50)) || a - b);
      return new Response(fired.length + " " + fired.every((v, k) => v === expected[k]));
    } };
    """
    with Runtime(RuntimeSettings(cpu_ms=5000, wall_ms=60_000)) as rt:
        assert rt.run(inline(source), req()).body == b"10000 true"


def test_timers_and_wait_until(runtime) -> None:
    source = """
    export default {
      async fetch(request, env, ctx) {
        const order = [];
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log("late"); resolve(); }, 50)));
        await new Promise((resolve) => setTimeout(() => { order.push("slow"); resolve(); }, 20));
        await new Promise((resolve) => setTimeout(() => { order.push("fast"); resolve(); }, 0));
        return new Response(order.join(","));
      },
    };
    """
    response = runtime.run(inline(source), req())
    assert response.body == b"slow,fast"
    # the response does not wait for waitUntil() work (issue 10; workerd: 4 ms against
    # 420 ms for a 400 ms task): it runs afterwards, and logs to the same request's log
    assert response.logs == []
    assert runtime.has_pending
    runtime.wait_for_pending()
    assert not runtime.has_pending
    assert response.logs == ["late"]


def test_fetch_api_surface(runtime) -> None:
    source = r"""
    export default {
      async fetch(request) {
        const h = new Headers({ "X-One": "1" });
        h.append("x-one", "2"); h.append("Set-Cookie", "a=1"); h.append("Set-Cookie", "b=2");
        const u = new URL("../up/./there?x=1 2&y=%C3%A9#frag", "https://Example.COM:443/a/b/c");
        u.searchParams.append("z", "a b&c");
        const p = new URLSearchParams("a=1&b=two+words&a=3");
        const r = new Response(new Uint8Array([104, 105]), { status: 201, statusText: "Made" });
        const j = Response.json({ ok: true }, { status: 202 });
        const redirect = Response.redirect("https://example.com/next", 301);
        const copy = new Request("https://example.com/post", { method: "post", body: "data", headers: { "X-A": "b" } });
        const bytes = new TextEncoder().encode("€");
        return Response.json({
          get: h.get("X-ONE"), has: h.has("x-missing"), cookies: h.getSetCookie(), entries: [...h],
          href: u.href, host: u.host, path: u.pathname, search: u.search, y: u.searchParams.get("y"), hash: u.hash,
          origin: u.origin, params: p.getAll("a"), two: p.get("b"), query: p.toString(),
          text: await r.text(), status: r.status, statusText: r.statusText, ok: r.ok, used: r.bodyUsed,
          json: await j.json(), jsonType: j.headers.get("content-type"), jsonStatus: j.status,
          redirect: [redirect.status, redirect.headers.get("location")],
          method: copy.method, body: await copy.clone().text(), headerA: copy.headers.get("x-a"),
          encoded: [...bytes], decoded: new TextDecoder().decode(bytes),
          uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
        });
      },
    };
    """
    seen = json.loads(runtime.run(inline(source), req()).body)
    assert seen == {
        "get": "1, 2",
        "has": False,
        "cookies": ["a=1", "b=2"],
        "entries": [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-one", "1, 2"]],
        # appending to searchParams re-serializes the query as a form (WHATWG): the space becomes +
        "href": "https://example.com/a/up/there?x=1+2&y=%C3%A9&z=a+b%26c#frag",
        "host": "example.com",
        "path": "/a/up/there",
        "search": "?x=1+2&y=%C3%A9&z=a+b%26c",
        "y": "é",
        "hash": "#frag",
        "origin": "https://example.com",
        "params": ["1", "3"],
        "two": "two words",
        "query": "a=1&b=two+words&a=3",
        "text": "hi",
        "status": 201,
        "statusText": "Made",
        "ok": True,
        "used": True,
        "json": {"ok": True},
        "jsonType": "application/json",
        "jsonStatus": 202,
        "redirect": [301, "https://example.com/next"],
        "method": "POST",
        "body": "data",
        "headerA": "b",
        "encoded": [226, 130, 172],
        "decoded": "€",
        "uuid": True,
    }


def test_multi_module_worker_imports_by_name(runtime) -> None:
    root = JS / "multi"
    types = {".js": MODULE, ".txt": "text/plain", ".json": "application/json"}
    modules = {
        path.relative_to(root).as_posix(): (types[path.suffix], path.read_bytes())
        for path in root.rglob("*")
        if path.is_file()
    }
    response = runtime.run(WorkerCode.javascript("multi", modules, "index.js"), req())
    assert response.body == b"[multi] Hello, modules!"


def test_service_worker_syntax_reads_bindings_as_globals(runtime) -> None:
    code = js_code("service_worker", content_type="application/javascript")
    response = runtime.run(code, req(url="https://a.example.com/sw"), env={"GREETING": "hi"})
    assert response.body == b"service worker at /sw, GREETING=hi"


def test_wrangler_bundle_shape(runtime) -> None:
    response = runtime.run(js_code("bundle"), req(url="https://a.example.com/b"), env={"GREETING": "hey"})
    assert response.body == b"bundle /b hey"
    assert response.logs == ["after the response"]


def test_no_state_leaks_between_workers(runtime) -> None:
    # (between requests of one worker, module state persists: test_runtime_js_reuse.py)
    source = (
        "globalThis.hits = (globalThis.hits || 0) + 1;\n"
        "export default { fetch() { globalThis.hits++; return new Response(String(globalThis.hits)); } };"
    )
    one, other = js_code("one", source=source.encode()), js_code("other", source=source.encode())
    assert [runtime.run(one, req()).body for _ in range(2)] == [b"2", b"3"]
    assert runtime.run(other, req()).body == b"2"


def test_cpu_limit_stops_a_loop_and_the_runtime_keeps_serving(runtime) -> None:
    with pytest.raises(CpuLimitExceeded) as caught:
        runtime.run(js_code("spin"), req())
    assert caught.value.message == "Worker exceeded CPU time limit."
    assert caught.value.worker == "spin"
    assert runtime.run(js_code("hello"), req()).status == 200


def test_a_tighter_dispatch_limit_applies(runtime) -> None:
    with pytest.raises(CpuLimitExceeded):
        runtime.run(js_code("spin"), req(), limits=ExecutionLimits(cpu_ms=20))


def test_memory_limit_stops_a_hog(runtime) -> None:
    with pytest.raises(MemoryLimitExceeded) as caught:
        runtime.run(js_code("memhog"), req())
    assert caught.value.worker == "memhog"
    assert runtime.run(js_code("hello"), req()).status == 200


def test_output_limit(runtime) -> None:
    code = inline('export default { fetch() { return new Response("x".repeat(2000)); } };')
    with pytest.raises(OutputLimitExceeded):
        runtime.run(code, req(), limits=ExecutionLimits(output_bytes=1000))
    assert len(runtime.run(code, req(), limits=ExecutionLimits(output_bytes=2000)).body) == 2000


def upstream(seen: list[GuestRequest]):
    def handler(request: GuestRequest) -> GuestResponse:
        seen.append(request)
        return GuestResponse(201, [("content-type", "text/plain")], b"echo:" + request.body)

    return handler


def test_subrequests_go_through_the_outbound_handler(runtime) -> None:
    seen: list[GuestRequest] = []
    response = runtime.run(js_code("subrequests"), req(url="https://a.example.com/?n=2"), outbound=upstream(seen))
    assert json.loads(response.body) == [
        {"status": 201, "type": "text/plain", "text": "echo:item 0"},
        {"status": 201, "type": "text/plain", "text": "echo:item 1"},
    ]
    assert [(r.method, r.url, r.body) for r in seen] == [
        ("POST", "https://upstream.example.com/item/0", b"item 0"),
        ("POST", "https://upstream.example.com/item/1", b"item 1"),
    ]
    assert ("x-index", "1") in seen[1].headers
    assert ("content-type", "text/plain;charset=UTF-8") in seen[1].headers


def test_a_subrequest_over_the_plan_limit_rejects_that_fetch_catchably(runtime) -> None:
    seen: list[GuestRequest] = []
    response = runtime.run(
        js_code("subrequests"),
        req(url="https://a.example.com/?n=4&catch=1"),
        outbound=upstream(seen),
        limits=ExecutionLimits(subrequests=2),
    )
    results = json.loads(response.body)
    assert [r.get("error") for r in results] == [None, None, "Error: Too many subrequests.", "Error: Too many subrequests."]
    assert len(seen) == 2


def test_an_uncaught_over_the_limit_fetch_fails_the_request_as_an_exception(runtime) -> None:
    with pytest.raises(WorkerException) as caught:
        runtime.run(
            js_code("subrequests"),
            req(url="https://a.example.com/?n=4"),
            outbound=upstream([]),
            limits=ExecutionLimits(subrequests=2),
        )
    assert not isinstance(caught.value, SubrequestLimitExceeded)
    assert caught.value.message == "Worker threw exception: Error: Too many subrequests."


def test_the_default_subrequest_limit_is_the_paid_plans() -> None:
    assert RuntimeSettings().subrequests == 10_000  # Workers for Platforms accounts are paid


@pytest.mark.parametrize("catch", ["", "&catch=1"])
def test_options_limits_subrequests_fails_the_whole_call_even_if_caught(runtime, catch) -> None:
    seen: list[GuestRequest] = []
    limits = ExecutionLimits.resolve(RuntimeSettings(), None, {"subRequests": 2})
    assert limits.subrequests_strict
    with pytest.raises(SubrequestLimitExceeded) as caught:
        runtime.run(
            js_code("subrequests"), req(url=f"https://a.example.com/?n=4{catch}"), outbound=upstream(seen), limits=limits
        )
    assert caught.value.message == "Too many subrequests."
    assert len(seen) == 2


def test_fetch_without_an_outbound_handler_rejects_catchably(runtime) -> None:
    response = runtime.run(js_code("subrequests"), req(url="https://a.example.com/?catch=1"))
    [result] = json.loads(response.body)
    assert result["error"].startswith("TypeError: fetch() is disabled: this worker has no outbound handler")


def test_a_failing_outbound_handler_rejects_the_fetch(runtime) -> None:
    def broken(request: GuestRequest) -> GuestResponse:
        raise RuntimeError("upstream down")

    response = runtime.run(js_code("subrequests"), req(url="https://a.example.com/?catch=1"), outbound=broken)
    assert json.loads(response.body) == [{"error": "TypeError: RuntimeError: upstream down"}]


def test_fetch_at_startup_is_refused(runtime) -> None:
    code = inline(
        "let early = 'none';\n"
        "try { fetch('https://x.example.com/'); } catch (e) { early = e.message; }\n"
        "export default { fetch() { return new Response(early); } };"
    )
    body = runtime.run(code, req(), outbound=upstream([])).body.decode()
    assert body.startswith("Disallowed operation called within global scope")


def test_validate_js_refuses_what_does_not_start(runtime) -> None:
    runtime.validate_js("ok", "index.js", {"index.js": (MODULE, (JS / "bundle.js").read_bytes())})
    with pytest.raises(InvalidModule) as caught:
        runtime.validate_js("bad", "index.js", {"index.js": (MODULE, (JS / "syntax_error.js").read_bytes())})
    assert caught.value.code == 10021
    assert caught.value.message.startswith("Uncaught SyntaxError: ")
    assert "index.js:4" in caught.value.message
    with pytest.raises(InvalidModule, match="^Uncaught Error: at startup"):
        runtime.validate_js("top", "index.js", {"index.js": (MODULE, b'throw new Error("at startup");')})
    with pytest.raises(InvalidModule, match="nope.js"):
        runtime.validate_js("imp", "index.js", {"index.js": (MODULE, b'import x from "./nope.js"; export default {};')})


def test_a_syntax_error_at_dispatch_is_a_worker_exception(runtime) -> None:
    with pytest.raises(WorkerException, match=r"^Worker threw exception: SyntaxError: "):
        runtime.run(js_code("syntax_error"), req())
