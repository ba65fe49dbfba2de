"""Server mode: API and dispatcher on one real port, errors surfaced, the SDK over a socket."""

from __future__ import annotations

import io

import cloudflare
import httpx
import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.runtime import RuntimeSettings
from dispatch_emu.server import EmulatorServer

ACCOUNT = "demo-account"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(runtime_settings=RuntimeSettings(cpu_ms=200), load_entrypoints=False) as emu:
        yield emu


@pytest.fixture
def server(emulator):
    emulator.reset()
    log = io.StringIO()
    with EmulatorServer(emulator, port=0, dispatcher=emulator.dispatcher("demo"), log_stream=log) as srv:
        srv.log = log
        yield srv


def test_url_and_free_port(server) -> None:
    assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
    assert httpx.get(f"{server.url}/__dispatch_emu/health").status_code == 200


def test_api_and_dispatch_share_the_port(emulator, server, worker_wasm) -> None:
    emulator.namespace("demo").put_script("my-customer", wasm=worker_wasm("reactor/hello"))
    listing = httpx.get(f"{server.url}/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces/demo/scripts")
    assert listing.status_code == 200
    assert [s["script"]["id"] for s in listing.json()["result"]] == ["my-customer"]
    by_host = httpx.get(f"{server.url}/", headers={"Host": "my-customer.example.com"})
    assert by_host.status_code == 200 and by_host.text == "Hello from the reactor ABI!\n"
    port = server.url.rsplit(":", 1)[1]
    by_localhost = httpx.get(f"{server.url}/", headers={"Host": f"my-customer.localhost:{port}"})
    assert by_localhost.text == by_host.text
    missing = httpx.get(f"{server.url}/", headers={"Host": "nobody.example.com"})
    assert missing.status_code == 404 and missing.content == b""


def test_each_request_is_logged_on_one_line(server) -> None:
    httpx.get(f"{server.url}/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces")
    lines = server.log.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("GET /client/v4/accounts/demo-account/workers/dispatch/namespaces 200 (")
    assert lines[0].endswith("ms)")


def test_errors_in_the_server_thread_reach_the_test(emulator) -> None:
    def exploding(environ, start_response):
        raise RuntimeError("boom in the server thread")

    srv = EmulatorServer(emulator, port=0, dispatcher=exploding).start()
    try:
        response = httpx.get(f"{srv.url}/anything")
        assert response.status_code == 500
        # the server keeps serving after the error
        assert httpx.get(f"{srv.url}/__dispatch_emu/health").status_code == 200
    finally:
        with pytest.raises(RuntimeError, match="boom in the server thread"):
            srv.stop()


def test_sdk_smoke_over_a_socket(emulator, server, worker_wasm) -> None:
    """The official SDK, unchanged, against the live server; then dispatch over HTTP."""
    client = cloudflare.Cloudflare(api_token="any", base_url=f"{server.url}/client/v4", max_retries=0)
    namespaces = client.workers_for_platforms.dispatch.namespaces
    created = namespaces.create(account_id=ACCOUNT, name="demo")  # the dispatcher's namespace
    assert created.namespace_name == "demo"
    namespaces.scripts.update(
        "shop",
        account_id=ACCOUNT,
        dispatch_namespace="demo",
        metadata={"main_module": "shop.wasm", "tags": ["smoke"]},
        files=[("shop.wasm", worker_wasm("reactor/hello"), "application/wasm")],
    )
    assert list(namespaces.scripts.tags.list("shop", account_id=ACCOUNT, dispatch_namespace="demo")) == ["smoke"]
    assert httpx.get(f"{server.url}/", headers={"Host": "shop.example.com"}).status_code == 200
    namespaces.scripts.delete("shop", account_id=ACCOUNT, dispatch_namespace="demo")
    assert httpx.get(f"{server.url}/", headers={"Host": "shop.example.com"}).status_code == 404
    with pytest.raises(cloudflare.NotFoundError):
        namespaces.scripts.get("shop", account_id=ACCOUNT, dispatch_namespace="demo")


def test_invalid_wasm_is_refused_over_http_and_nothing_is_stored(emulator, server) -> None:
    client = cloudflare.Cloudflare(api_token="any", base_url=f"{server.url}/client/v4", max_retries=0)
    scripts = client.workers_for_platforms.dispatch.namespaces.scripts
    emulator.namespace("demo")
    with pytest.raises(cloudflare.BadRequestError) as caught:
        scripts.update(
            "bad", account_id=ACCOUNT, dispatch_namespace="demo",
            metadata={"main_module": "bad.wasm"},
            files=[("bad.wasm", b"\0asm\x01\0\0\0garbage", "application/wasm")],
        )
    assert caught.value.status_code == 400
    assert caught.value.body["errors"][0]["code"] == 10021
    assert "bad" not in emulator.namespace("demo")
