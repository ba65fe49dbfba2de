"""Bad requests: each gets the right envelope, and none changes the store.

Each case compares ``store.snapshot()`` before and after; the OpenAPI hook checks the
failure envelope of every answer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import httpx
import pytest

from dispatch_emu import __version__
from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import NamespaceStore, ScriptUpload
from tests.api.api_bodies import (
    ACCOUNT,
    MODULE_JS,
    NAMESPACES,
    multipart,
    ns_path,
    script_path,
    simple_upload,
)
from tests.api.openapi_check import OpenApiChecker


@pytest.fixture
def seeded(http: httpx.Client, store: NamespaceStore) -> NamespaceStore:
    assert http.post(NAMESPACES, json={"name": "ns"}).status_code == 200
    body, content_type = simple_upload(tags=["t"], bindings=[{"name": "S", "type": "secret_text", "text": "v"}])
    assert http.put(script_path("ns", "w1"), content=body, headers={"Content-Type": content_type}).status_code == 200
    return store


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert body["success"] is False and body["result"] is None
    return body["errors"][0]


def upload_raw(http: httpx.Client, body: bytes, content_type: str, name: str = "w2") -> httpx.Response:
    return http.put(script_path("ns", name), content=body, headers={"Content-Type": content_type})


BAD_UPLOADS = {
    "no metadata": multipart([("files", "index.js", "application/javascript+module", MODULE_JS)]),
    "metadata not JSON": multipart(
        [("files", "index.js", "application/javascript+module", MODULE_JS), ("metadata", None, None, b"{nope")]
    ),
    "metadata not an object": multipart(
        [("files", "index.js", "application/javascript+module", MODULE_JS), ("metadata", None, None, b"[1]")]
    ),
    "main_module names no part": multipart(
        [("files", "index.js", None, MODULE_JS), ("metadata", None, None, b'{"main_module": "main.js"}')]
    ),
    "no module part": multipart([("metadata", None, None, b'{"main_module": "index.js"}')]),
    "bad content type": multipart(
        [("files", "index.js", "image/png", MODULE_JS), ("metadata", None, None, b'{"main_module": "index.js"}')]
    ),
    "bad binding": multipart(
        [("files", "index.js", None, MODULE_JS),
         ("metadata", None, None, b'{"main_module": "index.js", "bindings": [{"type": "plain_text"}]}')]
    ),
    "too many tags": multipart(
        [("files", "index.js", None, MODULE_JS),
         ("metadata", None, None, json.dumps({"main_module": "index.js", "tags": list("abcdefghi")}).encode())]
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_uploads_are_400_10021_and_store_nothing(http: httpx.Client, seeded: NamespaceStore, case: str) -> None:
    before = seeded.snapshot()
    body, content_type = BAD_UPLOADS[case]
    response = upload_raw(http, body, content_type)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 10021 and len(error["message"]) > 10
    assert seeded.snapshot() == before


def test_missing_metadata_message_names_the_problem(http: httpx.Client, seeded: NamespaceStore) -> None:
    body, content_type = BAD_UPLOADS["no metadata"]
    assert "metadata" in error_of(upload_raw(http, body, content_type))["message"]
    body, content_type = BAD_UPLOADS["metadata not JSON"]
    assert "not valid JSON" in error_of(upload_raw(http, body, content_type))["message"]


BROKEN_MULTIPART = {
    "no boundary parameter": (b"--x\r\n", "multipart/form-data"),
    "boundary never appears": (b"just some bytes", "multipart/form-data; boundary=abc"),
    "truncated mid part": (
        b'--abc\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"main_module": "index.js"}',
        "multipart/form-data; boundary=abc",
    ),
    "part without disposition": (b"--abc\r\nContent-Type: text/plain\r\n\r\nhi\r\n--abc--\r\n", "multipart/form-data; boundary=abc"),
    "unsupported content type": (b"<xml/>", "application/xml"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MULTIPART))
def test_broken_multipart_is_400_malformed(http: httpx.Client, seeded: NamespaceStore, case: str) -> None:
    before = seeded.snapshot()
    body, content_type = BROKEN_MULTIPART[case]
    response = upload_raw(http, body, content_type)
    assert response.status_code == 400
    assert error_of(response)["code"] == 10026
    assert seeded.snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", NAMESPACES, b"{not json"),
        ("POST", NAMESPACES, b'"a string"'),
        ("PUT", ns_path("ns"), b"[1,"),
        ("PATCH", ns_path("ns"), b""),
        ("PUT", script_path("ns", "w1", "tags"), b"{,}"),
        ("PUT", script_path("ns", "w1", "secrets"), b"\xff\xfe"),
        ("PATCH", script_path("ns", "w1", "secrets-bulk"), b"{"),
        ("PATCH", script_path("ns", "w1", "settings"), b"nope"),
        ("POST", script_path("ns", "w1", "assets-upload-session"), b"{"),
    ],
)
def test_malformed_json_is_400(http: httpx.Client, seeded: NamespaceStore, method: str, path: str, body: bytes) -> None:
    before = seeded.snapshot()
    response = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["code"] in (10026, 10021)
    assert seeded.snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", NAMESPACES, {"name": 5}),
        ("POST", NAMESPACES, {"name": "a/b"}),
        ("PUT", ns_path("ns"), {"trusted_workers": "yes"}),
        ("PUT", script_path("ns", "w1", "tags"), {"tags": ["a"]}),
        ("PUT", script_path("ns", "w1", "tags"), ["a,b"]),
        ("PUT", script_path("ns", "w1", "secrets"), {"name": "X"}),
        ("PUT", script_path("ns", "w1", "secrets"), {"name": "X", "text": "v", "type": "plain_text"}),
        ("PATCH", script_path("ns", "w1", "secrets-bulk"), {"secrets": {"A": 5}}),
        ("PATCH", script_path("ns", "w1", "secrets-bulk"), {}),
        ("PATCH", script_path("ns", "w1", "settings"), {"usage_model": "mega"}),
        ("PATCH", script_path("ns", "w1", "settings"), {"unknown_field": 1}),
        ("PATCH", script_path("ns", "w1", "settings"), {"logpush": "yes"}),
        ("POST", script_path("ns", "w1", "assets-upload-session"), {"manifest": {"index.html": {"hash": "h", "size": 1}}}),
        ("POST", script_path("ns", "w1", "assets-upload-session"), {}),
    ],
)
def test_invalid_values_are_400_10021(http: httpx.Client, seeded: NamespaceStore, method: str, path: str, payload: object) -> None:
    before = seeded.snapshot()
    response = http.request(method, path, json=payload)
    assert response.status_code == 400
    assert error_of(response)["code"] == 10021
    assert seeded.snapshot() == before


def test_invalid_script_name_is_400(http: httpx.Client, seeded: NamespaceStore) -> None:
    body, content_type = simple_upload()
    response = upload_raw(http, body, content_type, name="Bad_Name")
    assert response.status_code == 400 and error_of(response)["code"] == 10021


def test_settings_multipart_must_be_one_settings_part(http: httpx.Client, seeded: NamespaceStore) -> None:
    before = seeded.snapshot()
    body, content_type = multipart([("settings", None, "application/json", b'{"logpush": true}'), ("extra", None, None, b"x")])
    response = http.patch(script_path("ns", "w1", "settings"), content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400 and "extra" in error_of(response)["message"]
    body, content_type = multipart([("other", None, None, b"{}")])
    assert http.patch(script_path("ns", "w1", "settings"), content=body, headers={"Content-Type": content_type}).status_code == 400
    assert seeded.snapshot() == before


def test_unknown_routes_are_404_7003(http: httpx.Client) -> None:
    for path in ("/", "/client/v4", "/client/v4/accounts/acc/zones", "/elsewhere", ns_path("ns", "scripts", "w1", "nope")):
        response = http.get(path)
        assert response.status_code == 404, path
        assert error_of(response) == {"code": 7003, "message": "No route for the URI"}
        assert response.headers["x-dispatch-emu"] == __version__


def test_wrong_method_is_405_naming_the_allowed_ones(http: httpx.Client, seeded: NamespaceStore) -> None:
    before = seeded.snapshot()
    response = http.post(script_path("ns", "w1"), content=b"x")
    assert response.status_code == 405
    message = error_of(response)["message"]
    assert "POST" in message and all(m in message for m in ("GET", "PUT", "DELETE"))
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "PUT", "DELETE"}
    assert http.patch(NAMESPACES, json={}).status_code == 405
    assert http.get(script_path("ns", "w1", "secrets-bulk")).status_code == 405
    assert seeded.snapshot() == before


def test_missing_namespace_and_script_codes(http: httpx.Client, seeded: NamespaceStore) -> None:
    assert error_of(http.get(ns_path("ghost")))["code"] == 100119
    assert error_of(http.get(script_path("ns", "ghost")))["code"] == 10007
    assert error_of(http.get(script_path("ns", "w1", "secrets", "NOPE")))["code"] == 10056
    assert error_of(http.post(NAMESPACES, json={"name": "ns"}))["message"].find("already exists") >= 0


def test_version_header_on_every_kind_of_answer(http: httpx.Client, seeded: NamespaceStore) -> None:
    answers = [
        http.get(NAMESPACES),
        http.get(script_path("ns", "w1", "content")),
        http.get(ns_path("ghost")),
        http.post(script_path("ns", "w1")),
        http.get("/__dispatch_emu/health"),
        http.get("/nowhere"),
    ]
    assert [r.headers.get("x-dispatch-emu") for r in answers] == [__version__] * len(answers)


# ---------------------------------------------------------------------------- body limit


@pytest.fixture
def small_app(store: NamespaceStore) -> ApiApp:
    return ApiApp(store, ApiConfig(max_body_bytes=1024))


def test_body_over_limit_is_413_by_content_length(
    small_app: ApiApp, client_for: Callable[[ApiApp], httpx.Client], store: NamespaceStore
) -> None:
    http = client_for(small_app)
    http.post(NAMESPACES, json={"name": "ns"})
    before = store.snapshot()
    body, content_type = simple_upload(body=b"x" * 2000)
    response = upload_raw(http, body, content_type, name="big")
    assert response.status_code == 413 and error_of(response)["code"] == 10413
    assert store.snapshot() == before
    small, content_type = simple_upload()
    assert upload_raw(http, small, content_type, name="small").status_code == 200


class CountingStream(io.RawIOBase):
    """A chunked request body that records how much of it was read."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.remaining, 4096)
        buffer[:n] = b"x" * n
        self.remaining -= n
        self.consumed += n
        return n


def call_wsgi(app: ApiApp, environ_extra: dict, checker: OpenApiChecker) -> tuple[str, dict, bytes]:
    """One raw WSGI call (for bodies httpx cannot send), its answer held to the OpenAPI extract."""
    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": script_path("ns", "big"),
        "QUERY_STRING": "",
        "SERVER_NAME": "emulator",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **environ_extra,
    }
    captured: dict = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    status = int(captured["status"].split()[0])
    problems = checker.check(environ["REQUEST_METHOD"], environ["PATH_INFO"], status,
                             captured["headers"].get("Content-Type", ""), body)
    assert not problems, problems
    return captured["status"], captured["headers"], body


def test_body_over_limit_without_length_is_cut_off(
    small_app: ApiApp, store: NamespaceStore, checked: OpenApiChecker
) -> None:
    store.create_namespace(ACCOUNT, "ns")
    stream = CountingStream(10 * 2**20)
    status, _, body = call_wsgi(
        small_app,
        {"wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
         "CONTENT_TYPE": "multipart/form-data; boundary=abc"},
        checked,
    )
    assert status.startswith("413") and json.loads(body)["errors"][0]["code"] == 10413
    assert stream.consumed < 100 * 1024  # stopped soon after the limit, not at 10 MiB
    assert store.find_script(ACCOUNT, "ns", "big") is None


def test_huge_content_length_is_refused_unread(
    small_app: ApiApp, store: NamespaceStore, checked: OpenApiChecker
) -> None:
    store.create_namespace(ACCOUNT, "ns")
    stream = CountingStream(10 * 2**20)
    status, _, _ = call_wsgi(small_app, {"wsgi.input": stream, "CONTENT_LENGTH": str(10 * 2**20),
                                         "CONTENT_TYPE": "multipart/form-data; boundary=abc"}, checked)
    assert status.startswith("413") and stream.consumed == 0


def test_bad_content_length_is_400(app: ApiApp, store: NamespaceStore, checked: OpenApiChecker) -> None:
    store.create_namespace(ACCOUNT, "ns")
    status, _, body = call_wsgi(app, {"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "lots"}, checked)
    assert status.startswith("400") and json.loads(body)["errors"][0]["code"] == 10026


# ---------------------------------------------------------------------------- failures inside


def test_unexpected_exception_is_500_and_the_app_keeps_serving(
    http: httpx.Client, seeded: NamespaceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(seeded, "get_script", broken)
    response = http.get(script_path("ns", "w1"))
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == 10002 and error["message"].startswith("Internal error:") and "disk on fire" in error["message"]
    monkeypatch.undo()
    assert http.get(script_path("ns", "w1")).status_code == 200


def test_validator_error_is_400_10021_and_nothing_is_stored(http: httpx.Client, seeded: NamespaceStore) -> None:
    calls: list[tuple[str, str]] = []

    def no_wasm_magic(upload: ScriptUpload, account_id: str, namespace: str) -> None:
        calls.append((account_id, namespace))
        for module in upload.modules:
            if module.content_type == "application/wasm" and not module.content.startswith(b"\0asm"):
                raise ValidationError(f"Uncaught CompileError: {module.name} is not a WebAssembly module")

    seeded.validators.append(no_wasm_magic)
    before = seeded.snapshot()
    meta = json.dumps({"main_module": "index.js"}).encode()
    body, content_type = multipart(
        [("files", "index.js", None, MODULE_JS), ("files", "bad.wasm", None, b"not wasm"), ("metadata", None, None, meta)]
    )
    response = upload_raw(http, body, content_type, name="w1")  # would replace w1
    assert response.status_code == 400
    assert error_of(response) == {"code": 10021, "message": "Uncaught CompileError: bad.wasm is not a WebAssembly module"}
    assert seeded.snapshot() == before and calls == [(ACCOUNT, "ns")]
    content = http.put(script_path("ns", "w1", "content"), content=body, headers={"Content-Type": content_type})
    assert content.status_code == 400 and seeded.snapshot() == before
    good, content_type = multipart(
        [("files", "index.js", None, MODULE_JS), ("files", "ok.wasm", None, b"\0asm\x01\0\0\0"), ("metadata", None, None, meta)]
    )
    assert upload_raw(http, good, content_type, name="w1").status_code == 200


def test_concurrent_requests_from_threads(
    app: ApiApp, store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]
) -> None:
    """One app serves many threads at once (a threaded server shares it)."""
    from concurrent.futures import ThreadPoolExecutor

    store.create_namespace(ACCOUNT, "ns")
    body, content_type = simple_upload()

    def work(i: int) -> tuple[int, int, int]:
        client = client_for(app)  # checked against the OpenAPI extract like every client
        up = client.put(script_path("ns", f"t{i:03d}"), content=body, headers={"Content-Type": content_type})
        got = client.get(script_path("ns", f"t{i:03d}"))
        gone = client.delete(script_path("ns", f"t{i:03d}")) if i % 2 else got
        return up.status_code, got.status_code, gone.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(80)))
    assert results == [(200, 200, 200)] * 80
    assert store.get_namespace(ACCOUNT, "ns").script_count == 40
