"""Happy paths of both built-in ABIs: responses, bindings, cf, logs, pass-through statuses."""

from __future__ import annotations

import json

import pytest

from dispatch_emu.demo import demo_worker_source, demo_worker_wasm
from dispatch_emu.runtime import GuestResponse, Runtime, RuntimeSettings, WorkerCode
from tests.runtime.runtime_helpers import code, request, wasm


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cache_dir=None)) as rt:
        yield rt


def test_reactor_hello(runtime):
    response = runtime.run(code("reactor/hello"), request())
    assert response == GuestResponse(200, [("content-type", "text/plain")], b"Hello from the reactor ABI!\n", [])


def test_wagi_hello(runtime):
    response = runtime.run(code("wagi/hello"), request())
    assert (response.status, response.headers, response.body) == (
        200,
        [("Content-Type", "text/plain")],
        b"Hello from WAGI!\n",
    )


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_a_500_the_worker_answers_passes_through(runtime, abi):
    response = runtime.run(code(f"{abi}/status"), request())
    assert response.status == 500
    assert response.body == b"the worker chose to fail\n"
    assert [v for k, v in response.headers if k.lower() == "x-worker"] == ["status"]


def test_wagi_echo_sees_the_request_as_cgi(runtime):
    req = request(
        "post",
        "https://customer.example.com:8443/items/7?a=1&b=2",
        [("Content-Type", "application/json"), ("X-Custom", "one"), ("x-custom", "two")],
        b'{"hello": "world"}',
    )
    response = runtime.run(code("wagi/echo"), req, env={"GREETING": "hi", "CONFIG": {"n": [1, 2]}})
    echoed = json.loads(response.body)
    env = echoed["env"]
    assert echoed["argv"] == ["/items/7"]
    assert echoed["body"] == '{"hello": "world"}'
    assert env["REQUEST_METHOD"] == "POST"
    assert env["PATH_INFO"] == "/items/7"
    assert env["QUERY_STRING"] == "a=1&b=2"
    assert env["X_FULL_URL"] == "https://customer.example.com:8443/items/7?a=1&b=2"
    assert (env["SERVER_NAME"], env["SERVER_PORT"], env["SERVER_PROTOCOL"]) == (
        "customer.example.com",
        "8443",
        "HTTP/1.1",
    )
    assert env["CONTENT_TYPE"] == "application/json"
    assert env["CONTENT_LENGTH"] == str(len(req.body))
    assert env["HTTP_X_CUSTOM"] == "one, two"
    assert env["GREETING"] == "hi"
    assert json.loads(env["CONFIG"]) == {"n": [1, 2]}
    assert "X_CF" not in env
    # nothing leaks from the host process
    assert "PATH" not in env and "HOME" not in env


def test_wagi_bindings_cannot_fake_request_variables(runtime):
    response = runtime.run(code("wagi/echo"), request(), env={"REQUEST_METHOD": "DELETE"})
    assert json.loads(response.body)["env"]["REQUEST_METHOD"] == "GET"


def test_wagi_empty_body_is_an_empty_stdin(runtime):
    response = runtime.run(code("wagi/echo"), request())  # no stdin is set for an empty body
    echoed = json.loads(response.body)
    assert echoed["body"] == "" and echoed["env"]["CONTENT_LENGTH"] == "0"


def test_wagi_start_is_found_without_the_c_api_lookup_too(runtime, monkeypatch):
    from wasmtime import _ffi

    assert hasattr(_ffi, "wasmtime_instance_export_get")  # the fast path wasmtime-py 50 ships
    monkeypatch.delattr(_ffi, "wasmtime_instance_export_get")
    assert runtime.run(code("wagi/hello"), request()).status == 200


def test_wagi_cf_only_when_given(runtime):
    response = runtime.run(code("wagi/echo"), request(cf={"colo": "AMS", "country": "NL"}))
    assert json.loads(json.loads(response.body)["env"]["X_CF"]) == {"colo": "AMS", "country": "NL"}


def test_reactor_echo_reads_the_request_and_a_binding(runtime):
    req = request("put", headers=[("X-Binding", "SECRET"), ("Accept", "a"), ("accept", "b")], body=b"payload\x00\xff")
    response = runtime.run(code("reactor/echo"), req, env={"SECRET": "s3cr3t", "OTHER": "x"})
    method, url, headers, body, cf, binding = response.body.split(b"\n--\n")
    assert method == b"PUT"
    assert url == req.url.encode()
    assert headers == b"x-binding: SECRET\naccept: a\naccept: b\n"
    assert body == b"payload\x00\xff"
    assert cf == b"(none)"
    assert binding == b"s3cr3t"
    assert ("x-echo", "reactor") in response.headers


def test_reactor_json_binding_is_json_text(runtime):
    req = request(headers=[("x-binding", "CONF")])
    response = runtime.run(code("reactor/echo"), req, env={"CONF": {"a": [1, True, None]}})
    assert json.loads(response.body.split(b"\n--\n")[5]) == {"a": [1, True, None]}


def test_reactor_missing_binding_and_cf_when_given(runtime):
    req = request(headers=[("x-binding", "NOPE")], cf={"colo": "LHR"})
    parts = runtime.run(code("reactor/echo"), req, env={}).body.split(b"\n--\n")
    assert json.loads(parts[4]) == {"colo": "LHR"}
    assert parts[5] == b"(none)"


def test_demo_worker_answers_with_its_name_and_url(runtime):
    assert "(module" in demo_worker_source()
    response = runtime.run(WorkerCode.from_bytes("my-customer", demo_worker_wasm()), request())
    assert response.status == 200
    assert response.body == (
        b"Hello from dispatch_emu! Worker my-customer answered GET https://customer.example.com/path/here?q=1\n"
    )


def test_worker_code_digest():
    module = wasm("reactor/hello")
    c = WorkerCode.from_bytes("w", module)
    import hashlib

    assert c.digest == hashlib.sha256(module).hexdigest() and c.version == ""


def test_wagi_stdin_falls_back_to_a_temporary_file(runtime, monkeypatch, tmp_path):
    import tempfile

    from wasmtime import _ffi

    assert hasattr(_ffi, "wasi_config_set_stdin_bytes")  # what wasmtime-py 50 ships
    monkeypatch.delattr(_ffi, "wasi_config_set_stdin_bytes")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = runtime.run(code("wagi/echo"), request("POST", body=b"via a file"))
    assert json.loads(response.body)["body"] == "via a file"
    assert list(tmp_path.iterdir()) == []  # removed after the run
