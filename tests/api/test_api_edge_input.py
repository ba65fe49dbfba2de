"""Hostile input to the API: unknown WASI imports, 100k-deep JSON, names that walk paths."""

from __future__ import annotations

import httpx
import pytest
import wasmtime

from dispatch_emu import Emulator
from dispatch_emu.errors import ValidationError
from tests.api.api_bodies import NAMESPACES, ns_path, script_path, sdk_upload

WASI_MODULE = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  {extra}
  (memory (export "memory") 1)
  (func (export "_start")))
"""


def wasi_command(extra: str = "") -> bytes:
    return wasmtime.wat2wasm(WASI_MODULE.format(extra=extra))


@pytest.fixture
def emu():
    with Emulator(load_entrypoints=False) as emulator:
        yield emulator


@pytest.fixture
def api(emu: Emulator):
    with httpx.Client(transport=httpx.WSGITransport(app=emu.api), base_url="http://localhost") as client:
        assert client.post(NAMESPACES.replace("/acc/", "/demo-account/"), json={"name": "ns"}).status_code == 200
        yield client


def upload(api: httpx.Client, wasm: bytes) -> httpx.Response:
    body, content_type = sdk_upload({"main_module": "w.wasm"}, [("w.wasm", "application/wasm", wasm)])
    path = script_path("ns", "w").replace("/acc/", "/demo-account/")
    return api.put(path, content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    "extra",
    [
        '(import "wasi_snapshot_preview1" "no_such_call" (func (param i32) (result i32)))',
        '(import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32)))',  # wrong signature
        '(import "wasi_snapshot_preview1" "random_get" (global i32))',  # not a function
    ],
)
def test_unknown_wasi_imports_are_refused_at_upload(emu: Emulator, api: httpx.Client, extra: str) -> None:
    refused = upload(api, wasi_command(extra))
    assert refused.status_code == 400
    message = refused.json()["errors"][0]["message"]
    assert "WASI preview 1 does not provide" in message and "wasi_snapshot_preview1." in message
    assert "w" not in emu.namespace("ns")
    with pytest.raises(ValidationError):
        emu.namespace("ns").put_script("w", wasm=wasi_command(extra))


def test_real_wasi_imports_still_pass(emu: Emulator, api: httpx.Client, worker_wasm) -> None:
    assert upload(api, wasi_command('(import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))')).status_code == 200
    assert upload(api, worker_wasm("wagi/hello")).status_code == 200


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_100k_deep_json_is_a_400_everywhere(emu: Emulator, api: httpx.Client) -> None:
    base = NAMESPACES.replace("/acc/", "/demo-account/")
    for method, path in (("POST", base), ("PATCH", f"{base}/ns"), ("PUT", f"{base}/ns/scripts/w/tags"),
                         ("POST", "/__dispatch_emu/restore")):
        answer = api.request(method, path, content=DEEP, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.text[:200])
        assert answer.json()["success"] is False
    body, content_type = sdk_upload({"main_module": "w.wasm"}, [("w.wasm", "application/wasm", b"\0asm")])
    body = body.replace(b'{"main_module": "w.wasm"}', DEEP)
    deep_metadata = api.put(f"{base}/ns/scripts/w", content=body, headers={"Content-Type": content_type})
    assert deep_metadata.status_code == 400


@pytest.mark.parametrize("name", [".", "..", "a%2Fb", "a/b", "%2F", "a b", "a.b", "ns\u00e9"])
def test_namespace_names_are_validated_like_script_names(api: httpx.Client, name: str) -> None:
    base = NAMESPACES.replace("/acc/", "/demo-account/")
    created = api.post(base, json={"name": name})
    assert created.status_code == 400 and created.json()["errors"][0]["code"] == 10021, name
    renamed = api.put(f"{base}/ns", json={"name": name})
    assert renamed.status_code == 400, name
    listed = [n["namespace_name"] for n in api.get(base).json()["result"]]
    assert listed == ["ns"]


def test_good_namespace_names_pass(api: httpx.Client) -> None:
    base = NAMESPACES.replace("/acc/", "/demo-account/")
    for name in ("customers", "Prod_1", "a-b", "_x"):
        assert api.post(base, json={"name": name}).status_code == 200, name
    assert api.get(ns_path("Prod_1", account="demo-account")).status_code == 200
