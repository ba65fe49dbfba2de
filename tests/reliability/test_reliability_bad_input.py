"""Bad input over a real socket: a clear Cloudflare-style error, nothing lost, still serving."""

from __future__ import annotations

import socket

import httpx
import pytest

from dispatch_emu import ApiConfig, Emulator, EmulatorServer
from tests.server.sockets import connect

ACCOUNT = "demo-account"
API = f"/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces"


@pytest.fixture
def live(worker_wasm):
    with Emulator(api_config=ApiConfig(max_body_bytes=64 * 1024), load_entrypoints=False) as emu:
        emu.namespace("demo").put_script("keep", wasm=worker_wasm("reactor/hello"), tags=["t"])
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            yield emu, server


def still_serving(emu: Emulator, server: EmulatorServer, before: dict) -> None:
    assert emu.store.snapshot() == before
    assert httpx.get(server.url, headers={"Host": "keep.example.com"}).status_code == 200
    server.check()


def test_oversized_upload_is_413_and_nothing_changes(live) -> None:
    emu, server = live
    before = emu.store.snapshot()
    response = httpx.put(
        f"{server.url}{API}/demo/scripts/big",
        files={"metadata": (None, '{"main_module": "w.wasm"}'), "files": ("w.wasm", b"\0asm" + b"\0" * 200_000)},
    )
    assert response.status_code == 413
    body = response.json()
    assert body["success"] is False and body["result"] is None and body["errors"][0]["code"] >= 1000
    still_serving(emu, server, before)


@pytest.mark.parametrize(
    "raw",
    [
        # a body shorter than its Content-Length, then the client hangs up
        b"PUT /client/v4/accounts/demo-account/workers/dispatch/namespaces/demo/scripts/x HTTP/1.1\r\n"
        b"Host: h\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000\r\n\r\n--b\r\n",
        # not HTTP at all
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage that looks like TLS\r\n\r\n",
        # a request line with an absurd path
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    ],
    ids=["short-body-then-hang-up", "not-http", "huge-request-line"],
)
def test_broken_connections_do_not_hurt_the_server(live, raw: bytes) -> None:
    emu, server = live
    before = emu.store.snapshot()
    with connect(server.url, timeout=5) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        try:
            conn.recv(65536)  # whatever the server answers, if anything
        except OSError:
            pass
    still_serving(emu, server, before)


def test_malformed_json_and_multipart_over_http(live) -> None:
    emu, server = live
    before = emu.store.snapshot()
    bad_json = httpx.post(f"{server.url}{API}", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["success"] is False
    bad_multipart = httpx.put(
        f"{server.url}{API}/demo/scripts/x",
        content=b"--nope\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert bad_multipart.status_code == 400 and bad_multipart.json()["errors"][0]["message"]
    still_serving(emu, server, before)
