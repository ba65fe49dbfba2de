"""A locked control plane: the token everywhere, no browsers, no strange Hosts, sealed secrets,
and a restore that checks what it loads as an upload would and loads any snapshot it made."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.emulator import Emulator
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ModuleSource, NamespaceStore
from tests.api.api_bodies import NAMESPACES, script_path, simple_upload

CONTROL = "/__dispatch_emu"
TOKEN = {"Authorization": "Bearer tok-123"}
WORKERS = Path(__file__).resolve().parents[1] / "workers"


def seed(http: httpx.Client, headers: dict[str, str] | None = None) -> None:
    assert http.post(NAMESPACES, json={"name": "ns"}, headers=headers).status_code == 200
    body, content_type = simple_upload(
        tags=["t1"], bindings=[{"name": "TOKEN", "type": "secret_text", "text": "hunter2"}]
    )
    put = http.put(script_path("ns", "w1"), content=body, headers={"Content-Type": content_type, **(headers or {})})
    assert put.status_code == 200


@pytest.fixture
def secured(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> httpx.Client:
    return client_for(ApiApp(store, ApiConfig(required_token="tok-123")))


CONTROL_CALLS = [("GET", "health"), ("GET", "state"), ("GET", "snapshot"), ("POST", "reset"), ("POST", "restore")]


@pytest.mark.parametrize(("method", "path"), CONTROL_CALLS)
def test_every_control_endpoint_takes_the_token(secured: httpx.Client, store: NamespaceStore,
                                                method: str, path: str) -> None:
    seed(secured, TOKEN)
    before = store.snapshot()
    body = json.dumps(before) if path == "restore" else None
    for headers, status in (({}, 403), ({"Authorization": "Bearer nope"}, 400)):
        refused = secured.request(method, f"{CONTROL}/{path}", headers=headers, content=body)
        assert refused.status_code == status and refused.json()["success"] is False
        assert "hunter2" not in refused.text
    assert store.snapshot() == before  # nothing reset or restored
    assert secured.request(method, f"{CONTROL}/{path}", headers=TOKEN, content=body).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},  # the no-preflight CSRF form
        {"Origin": "null", "Content-Type": "text/plain"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://localhost:9999"},  # another origin on the same machine
    ],
)
def test_cross_origin_browser_requests_are_refused(http: httpx.Client, store: NamespaceStore,
                                                   headers: dict[str, str]) -> None:
    seed(http)
    before = store.snapshot()
    for method, path in CONTROL_CALLS:
        body = json.dumps({"version": 1, "blobs": {}, "accounts": {}}) if path == "restore" else None
        refused = http.request(method, f"{CONTROL}/{path}", headers=headers, content=body)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["errors"][0]["code"] == 10403
    assert store.snapshot() == before


def test_same_origin_and_non_browser_requests_pass(http: httpx.Client) -> None:
    assert http.post(f"{CONTROL}/reset").status_code == 200  # curl, SDKs: no Origin at all
    same = {"Origin": "http://emulator", "Sec-Fetch-Site": "same-origin"}
    assert http.post(f"{CONTROL}/reset", headers=same).status_code == 200
    assert http.get(f"{CONTROL}/health", headers={"Sec-Fetch-Site": "none"}).status_code == 200


def test_host_check_when_hosts_are_named(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> None:
    http = client_for(ApiApp(store, ApiConfig(allowed_hosts=("emu.internal",))))
    for host in ("localhost", "localhost:8787", "127.0.0.1:8787", "127.9.9.9", "[::1]:8787", "w.localhost:1",
                 "emu.internal", "EMU.internal:80"):
        assert http.get(f"{CONTROL}/health", headers={"Host": host}).status_code == 200, host
    for host in ("rebind.attacker.example", "rebind.attacker.example:8787", "10.0.0.1", "localhost.evil.example"):
        refused = http.post(f"{CONTROL}/reset", headers={"Host": host})
        assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == 10403, host


def test_the_live_server_refuses_a_rebound_host_but_still_dispatches_by_host(worker_wasm) -> None:
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace("demo").put_script("shop", wasm=worker_wasm("reactor/hello"))
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            rebound = httpx.post(f"{server.url}{CONTROL}/reset", headers={"Host": "rebind.attacker.example:80"})
            assert rebound.status_code == 403
            csrf = httpx.post(f"{server.url}{CONTROL}/reset", content="{}",
                              headers={"Origin": "http://evil.example", "Content-Type": "text/plain"})
            assert csrf.status_code == 403
            assert "shop" in emu.namespace("demo")
            assert httpx.get(f"{server.url}{CONTROL}/health").status_code == 200  # 127.0.0.1:port
            assert httpx.get(f"{server.url}/", headers={"Host": "shop.example.com"}).status_code == 200
        with EmulatorServer(emu, port=0, allowed_hosts=["emu.internal"]) as server:
            assert httpx.get(f"{server.url}{CONTROL}/health", headers={"Host": "emu.internal"}).status_code == 200
        with EmulatorServer(emu, port=0, allowed_hosts=["*"]) as server:
            assert httpx.get(f"{server.url}{CONTROL}/health", headers={"Host": "any.example"}).status_code == 200


# ------------------------------------------------------------------ secrets


def test_secrets_leave_sealed_and_come_back_on_restore(http: httpx.Client, store: NamespaceStore) -> None:
    seed(http)
    before = store.snapshot()
    snapshot = http.get(f"{CONTROL}/snapshot")
    assert "hunter2" not in snapshot.text
    assert http.delete(script_path("ns", "w1")).status_code == 200  # the value is gone from the store
    restored = http.post(f"{CONTROL}/restore", content=snapshot.content)
    assert restored.status_code == 200 and restored.json()["result"] == {"secrets_without_value": []}
    assert store.snapshot() == before


def test_clear_secrets_only_with_a_token(http: httpx.Client, secured: httpx.Client, store: NamespaceStore) -> None:
    seed(http)
    refused = http.get(f"{CONTROL}/snapshot", params={"secrets": "include"})
    assert refused.status_code == 403 and "hunter2" not in refused.text
    assert secured.get(f"{CONTROL}/snapshot", params={"secrets": "include"}).status_code == 403
    clear = secured.get(f"{CONTROL}/snapshot", params={"secrets": "include"}, headers=TOKEN)
    assert clear.status_code == 200 and clear.json()["result"] == store.snapshot()
    assert http.get(f"{CONTROL}/snapshot", params={"secrets": "maybe"}).status_code == 400


def test_a_snapshot_sealed_elsewhere_keeps_current_values_or_says_which_are_empty(
    http: httpx.Client, store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]
) -> None:
    seed(http)
    other = client_for(ApiApp(store))  # another app: another sealing key
    foreign = other.get(f"{CONTROL}/snapshot").content
    kept = http.post(f"{CONTROL}/restore", content=foreign)
    assert kept.status_code == 200 and kept.json()["result"]["secrets_without_value"] == []
    assert store.get_script("acc", "ns", "w1").bindings[0]["text"] == "hunter2"
    http.delete(script_path("ns", "w1"))
    emptied = http.post(f"{CONTROL}/restore", content=foreign)
    assert emptied.json()["result"]["secrets_without_value"] == ["acc/ns/w1/TOKEN"]
    assert store.get_script("acc", "ns", "w1").bindings[0]["text"] == ""
    forged = json.loads(foreign)
    forged["result"]["accounts"]["acc"][0]["scripts"][0]["bindings"][0]["sealed"] = "AAAA" * 30
    assert http.post(f"{CONTROL}/restore", json=forged).status_code == 200  # opens nothing


# ------------------------------------------------------------------ restore checks


def _script(snapshot: dict) -> dict:
    return snapshot["accounts"]["acc"][0]["scripts"][0]


BAD_SNAPSHOTS: list[tuple[str, Callable[[dict], None]]] = [
    ("invalid script name", lambda s: _script(s).update(name="../Bad Name")),
    ("16 tags", lambda s: _script(s).update(tags=[f"t{i}" for i in range(16)])),
    ("a tag with a comma", lambda s: _script(s).update(tags=["a,b"])),
    ("cpu_ms=-1", lambda s: _script(s)["settings"].update(limits={"cpu_ms": -1})),
    ("a binding without a type", lambda s: _script(s)["bindings"].append({"name": "X"})),
    ("a plain_text binding without text", lambda s: _script(s)["bindings"].append({"name": "Y", "type": "plain_text"})),
    ("namespace '..'", lambda s: s["accounts"]["acc"][0].update(name="..")),
    ("namespace '.'", lambda s: s["accounts"]["acc"][0].update(name=".")),
    ("a main module that is no part", lambda s: _script(s).update(main_module="nope.js")),
    ("an unknown module type", lambda s: _script(s)["modules"][0].update(content_type="image/png")),
    ("a blob that is not its digest", lambda s: s["blobs"].update({k: "00" for k in s["blobs"]})),
]


@pytest.mark.parametrize(("what", "spoil"), BAD_SNAPSHOTS, ids=[w for w, _ in BAD_SNAPSHOTS])
def test_restore_refuses_what_an_upload_would(http: httpx.Client, store: NamespaceStore, what: str,
                                              spoil: Callable[[dict], None]) -> None:
    seed(http)
    before = store.snapshot()
    bad = json.loads(json.dumps(before))
    spoil(bad)
    refused = http.post(f"{CONTROL}/restore", json=bad)
    assert refused.status_code == 400, what
    assert refused.json()["errors"][0]["code"] == 10021
    assert store.snapshot() == before


def test_restore_runs_the_runtimes_module_check(worker_wasm) -> None:
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace("ns").put_script("w", wasm=worker_wasm("reactor/hello"))
        http = httpx.Client(transport=httpx.WSGITransport(app=emu.api), base_url="http://localhost")
        before = emu.store.snapshot()
        bad = json.loads(json.dumps(before))
        garbage = b"\0asm\x01\0\0\0not a module"
        import hashlib

        digest = hashlib.sha256(garbage).hexdigest()
        bad["blobs"] = {digest: garbage.hex()}
        bad["accounts"]["demo-account"][0]["scripts"][0]["modules"][0]["digest"] = digest
        refused = http.post(f"{CONTROL}/restore", json=bad)
        assert refused.status_code == 400 and "'w'" in refused.json()["errors"][0]["message"]
        assert emu.store.snapshot() == before


def test_a_snapshot_with_a_6_mib_module_restores_over_http(worker_wasm) -> None:
    big = bytes(range(256)) * (6 * 2**20 // 256)
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace("demo").put_script(
            "big",
            modules=[ModuleSource("hello.wasm", "application/wasm", worker_wasm("reactor/hello")),
                     ModuleSource("data.bin", "application/octet-stream", big)],
            main_module="hello.wasm",
        )
        before = emu.store.snapshot()
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            snapshot = httpx.get(f"{server.url}{CONTROL}/snapshot", timeout=60)
            assert snapshot.status_code == 200 and len(snapshot.content) > emu.api.config.max_body_bytes
            assert httpx.post(f"{server.url}{CONTROL}/reset").status_code == 200
            restored = httpx.post(f"{server.url}{CONTROL}/restore", content=snapshot.content, timeout=60)
            assert restored.status_code == 200, restored.text
            assert emu.store.snapshot() == before
            assert httpx.get(f"{server.url}/", headers={"Host": "big.example.com"}).status_code == 200


def test_restore_has_its_own_limit(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> None:
    http = client_for(ApiApp(store, ApiConfig(max_body_bytes=1000, max_restore_bytes=5000)))
    fits = json.dumps({"version": 1, "blobs": {}, "accounts": {}, "pad": "x" * 3000})
    assert http.post(f"{CONTROL}/restore", content=fits).status_code == 200
    assert http.post(f"{CONTROL}/restore", content=fits + " " * 3000).status_code == 413


def test_account_level_worker_secrets_are_sealed_too(worker_wasm) -> None:
    with Emulator(load_entrypoints=False) as emu:
        emu.workers().put_script("api", wasm=worker_wasm("reactor/hello"), secrets={"KEY": "s3cr3t-value"})
        http = httpx.Client(transport=httpx.WSGITransport(app=emu.api), base_url="http://localhost")
        before = emu.store.snapshot()
        assert "s3cr3t-value" in json.dumps(before)  # the store's own snapshot, in process, has it
        snapshot = http.get(f"{CONTROL}/snapshot")
        assert snapshot.status_code == 200 and "s3cr3t-value" not in snapshot.text
        assert http.post(f"{CONTROL}/reset").status_code == 200
        restored = http.post(f"{CONTROL}/restore", content=snapshot.content)
        assert restored.status_code == 200 and restored.json()["result"]["secrets_without_value"] == []
        assert emu.store.snapshot() == before
