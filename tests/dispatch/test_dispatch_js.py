"""JavaScript user workers through the emulator: the seed's dispatcher, bindings, limits,
outbound subrequests, and uploads through the REST API."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug import Response
from werkzeug.test import Client

from dispatch_emu.emulator import DEFAULT_ACCOUNT, Emulator
from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WorkerException
from dispatch_emu.runtime import RuntimeSettings
from dispatch_emu.store import ModuleSource

JS = Path(__file__).parents[1] / "workers" / "js"
MODULE = "application/javascript+module"


def put_js(ns, name: str, fixture: str, **options):
    source = (JS / f"{fixture}.js").read_bytes()
    return ns.put_script(name, modules=[ModuleSource("index.js", MODULE, source)], main_module="index.js", **options)


def client(emu, **options) -> Client:
    return Client(emu.dispatcher("customers", **options))


def test_hello_through_the_seed_dispatcher(emu, ns) -> None:
    put_js(ns, "shop", "hello")
    response = client(emu).get("/", base_url="https://shop.example.com")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hello from a JavaScript worker!\n"
    assert response.headers["content-type"] == "text/plain"


def test_throwing_worker_is_500_with_the_message_and_missing_is_404(emu, ns) -> None:
    put_js(ns, "broken", "throws")
    response = client(emu).get("/", base_url="https://broken.example.com")
    error = emu.observer.last_call().error
    assert isinstance(error, WorkerException)
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "Worker threw exception: Error: boom"
    assert error.worker == "broken" and error.logs == ["about to fail"]
    missing = client(emu).get("/", base_url="https://nobody.example.com")
    assert missing.status_code == 404 and missing.data == b""


def test_a_500_the_worker_returns_passes_through(emu, ns) -> None:
    put_js(ns, "picky", "status")
    response = client(emu).get("/", base_url="https://picky.example.com")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "the worker chose to fail\n"
    assert response.headers["x-worker"] == "status"
    assert emu.observer.last_call().ok


def test_bindings_and_secrets_reach_env(emu, ns) -> None:
    put_js(ns, "echo", "echo", bindings={"PLAN": "pro", "LIMITS": {"rps": 5}}, secrets={"API_KEY": "k-123"})
    response = client(emu).post("/in?q=1", base_url="https://echo.example.com", data=b"payload")
    seen = json.loads(response.data)
    assert seen["env"] == {"PLAN": "pro", "LIMITS": {"rps": 5}, "API_KEY": "k-123"}
    assert (seen["method"], seen["pathname"], seen["q"], seen["body"]) == ("POST", "/in", "1", "payload")
    assert seen["cf"] == "absent"  # untrusted namespace
    assert emu.observer.lines()[-1] == "echo POST /in"


def test_trusted_namespace_exposes_cf(emu) -> None:
    trusted = emu.namespace("customers", trusted_workers=True)
    put_js(trusted, "echo", "echo")
    seen = json.loads(client(emu).get("/", base_url="https://echo.example.com").data)
    assert isinstance(seen["cf"], dict) and seen["cf"]["colo"]


def test_cpu_limit_of_the_script_and_of_the_dispatch(emu, ns) -> None:
    put_js(ns, "spin", "spin", limits={"cpu_ms": 30})
    response = client(emu).get("/", base_url="https://spin.example.com")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "Worker exceeded CPU time limit."
    assert isinstance(emu.observer.last_call().error, CpuLimitExceeded)
    put_js(ns, "spin2", "spin")
    stub = ns.binding().get("spin2", options={"limits": {"cpuMs": 20}})
    try:
        stub.fetch("https://spin2.example.com/")
    except CpuLimitExceeded as error:
        assert error.worker == "spin2"
    else:
        raise AssertionError("the loop was not stopped")
    put_js(ns, "shop", "hello")
    assert client(emu).get("/", base_url="https://shop.example.com").status_code == 200


def test_subrequests_through_a_python_outbound(emu, ns) -> None:
    put_js(ns, "caller", "subrequests")
    seen = []

    def outbound(request):
        seen.append((request.method, request.url, request.get_data()))
        return Response(f"outbound saw {request.path}", status=203, content_type="text/plain")

    response = client(emu, outbound=outbound).get("/?n=2", base_url="https://caller.example.com")
    assert response.status_code == 200
    assert json.loads(response.data) == [
        {"status": 203, "type": "text/plain", "text": "outbound saw /item/0"},
        {"status": 203, "type": "text/plain", "text": "outbound saw /item/1"},
    ]
    assert seen == [
        ("POST", "https://upstream.example.com/item/0", b"item 0"),
        ("POST", "https://upstream.example.com/item/1", b"item 1"),
    ]
    stub = ns.binding(outbound=outbound).get("caller", options={"limits": {"subRequests": 1}})
    try:
        stub.fetch("https://caller.example.com/?n=3&catch=1")
    except SubrequestLimitExceeded as error:
        assert error.message == "Too many subrequests."
    else:
        raise AssertionError("the subrequest limit was not enforced")


def test_an_outbound_js_worker_gets_the_subrequests(emu, ns) -> None:
    put_js(ns, "caller", "subrequests")
    ns.put_script(
        "egress",
        modules=[
            ModuleSource(
                "egress.js",
                MODULE,
                b"export default { async fetch(request, env) {"
                b" return new Response(`egress ${env.customer} ${new URL(request.url).pathname}`); } };",
            )
        ],
        main_module="egress.js",
    )
    binding = ns.binding(outbound={"worker": {"service": "egress"}, "params": [{"name": "customer"}]})
    response = binding.get("caller", options={"outbound": {"customer": "acme"}}).fetch("https://caller.example.com/")
    assert json.loads(response.data) == [{"status": 200, "type": "text/plain;charset=UTF-8", "text": "egress acme /item/0"}]


def test_wrangler_bundle_and_multi_module_worker(emu, ns) -> None:
    put_js(ns, "bundle", "bundle", bindings={"GREETING": "hello"})
    response = client(emu).get("/path", base_url="https://bundle.example.com")
    assert response.get_data(as_text=True) == "bundle /path hello"
    root = JS / "multi"
    types = {".js": MODULE, ".txt": "text/plain", ".json": "application/json"}
    modules = [
        ModuleSource(path.relative_to(root).as_posix(), types[path.suffix], path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]
    ns.put_script("multi", modules=modules, main_module="index.js")
    assert client(emu).get("/", base_url="https://multi.example.com").data == b"[multi] Hello, modules!"


def test_service_worker_uploaded_with_body_part(emu, ns) -> None:
    source = (JS / "service_worker.js").read_bytes()
    app = Client(emu.app())
    response = _upload(app, "sw", "worker.js", "application/javascript", source, {"body_part": "worker.js",
                       "bindings": [{"type": "plain_text", "name": "GREETING", "text": "hi"}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client(emu).get("/x", base_url="https://sw.example.com").data == b"service worker at /x, GREETING=hi"


def _upload(app: Client, name: str, filename: str, content_type: str, source: bytes, metadata: dict):
    # multipart as the Python SDK sends it: module parts named "files", metadata last
    from io import BytesIO

    return app.put(
        f"/client/v4/accounts/{DEFAULT_ACCOUNT}/workers/dispatch/namespaces/customers/scripts/{name}",
        data={
            "files": (BytesIO(source), filename, content_type),
            "metadata": (BytesIO(json.dumps(metadata).encode()), "blob", "application/json"),
        },
        content_type="multipart/form-data",
    )


def test_rest_upload_runs_and_a_syntax_error_is_refused_with_10021(emu, ns) -> None:
    app = Client(emu.app())
    ok = _upload(app, "api-js", "index.js", MODULE, (JS / "hello.js").read_bytes(), {"main_module": "index.js"})
    assert ok.status_code == 200 and ok.json["success"] is True
    assert client(emu).get("/", base_url="https://api-js.example.com").status_code == 200

    bad = _upload(app, "bad-js", "index.js", MODULE, (JS / "syntax_error.js").read_bytes(), {"main_module": "index.js"})
    assert bad.status_code == 400
    [error] = bad.json["errors"]
    assert error["code"] == 10021
    assert error["message"].startswith("Module 'index.js': Uncaught SyntaxError: ")
    assert bad.json["success"] is False and bad.json["result"] is None
    assert emu.store.find_worker(DEFAULT_ACCOUNT, "customers", "bad-js") is None  # nothing stored

    throws = _upload(
        app, "boot-js", "index.js", MODULE, b'throw new Error("no config");\nexport default {};', {"main_module": "index.js"}
    )
    assert throws.status_code == 400
    assert throws.json["errors"][0]["message"].startswith("Module 'index.js': Uncaught Error: no config")


COUNTER = b"let n = 0;\nexport default { fetch(request, env) { return new Response(`${++n} ${env.PLAN}`); } };"


def put_counter(ns, source: bytes = COUNTER, **options):
    return ns.put_script("counter", modules=[ModuleSource("index.js", MODULE, source)], main_module="index.js", **options)


def counts(emu, times: int) -> list[str]:
    app = client(emu)
    return [app.get("/", base_url="https://counter.example.com").get_data(as_text=True) for _ in range(times)]


def test_module_state_persists_between_dispatches_until_a_new_upload(emu, ns) -> None:
    put_counter(ns, bindings={"PLAN": "free"})
    assert counts(emu, 3) == ["1 free", "2 free", "3 free"]
    put_counter(ns, COUNTER + b"// v2\n", bindings={"PLAN": "free"})  # other content: a new etag
    assert counts(emu, 2) == ["1 free", "2 free"]
    put_counter(ns, COUNTER + b"// v2\n", bindings={"PLAN": "free"})  # the same bytes: a new deployment
    assert counts(emu, 2) == ["1 free", "2 free"]


def test_a_bindings_change_keeps_the_etag_and_gets_a_new_context(emu, ns) -> None:
    before = put_counter(ns, bindings={"PLAN": "free"})
    assert counts(emu, 2) == ["1 free", "2 free"]
    after = emu.store.update_settings(
        DEFAULT_ACCOUNT, "customers", "counter", {"bindings": [{"type": "plain_text", "name": "PLAN", "text": "pro"}]}
    )
    assert after.etag == before.etag
    assert counts(emu, 2) == ["1 pro", "2 pro"]


def test_a_dispatch_that_fails_discards_the_context(emu, ns) -> None:
    source = (
        b"let n = 0;\nexport default { fetch(request) { n++;"
        b' if (new URL(request.url).pathname === "/fail") throw new Error("once");'
        b" return new Response(String(n)); } };"
    )
    put_counter(ns, source)
    app = client(emu)
    get = lambda path: app.get(path, base_url="https://counter.example.com")  # noqa: E731
    assert [get("/").data for _ in range(2)] == [b"1", b"2"]
    assert get("/fail").status_code == 500
    assert [get("/").data for _ in range(2)] == [b"1", b"2"]


def test_without_reuse_every_dispatch_starts_afresh() -> None:
    with Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False) as emu:
        put_counter(emu.namespace("customers"), bindings={"PLAN": "free"})
        assert counts(emu, 3) == ["1 free", "1 free", "1 free"]


def test_a_304_keeps_the_workers_entity_headers(emu, ns) -> None:
    # workerd sends a worker's 304 with its Content-Type and Last-Modified (werkzeug would drop them)
    source = b"""export default { fetch() {
        return new Response(null, { status: 304, headers: {
            "content-type": "text/plain", "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT", etag: '"v1"' } });
    } };"""
    ns.put_script("cached", modules=[ModuleSource("index.js", MODULE, source)], main_module="index.js")
    response = client(emu).get("/", base_url="https://cached.example.com")
    assert response.status_code == 304 and response.data == b""
    assert response.headers.get_all("content-type") == ["text/plain"]
    assert response.headers["last-modified"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert response.headers["etag"] == '"v1"'
    assert "content-length" not in response.headers
