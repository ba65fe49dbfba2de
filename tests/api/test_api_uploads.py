"""Upload dialects: module naming, content types, service-worker scripts, content PUT headers."""

from __future__ import annotations

import json

import httpx
import pytest

from dispatch_emu.api import infer_content_type, parse_multipart
from dispatch_emu.errors import MalformedRequest
from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import MODULE_JS, NAMESPACES, multipart, script_path


@pytest.fixture(autouse=True)
def namespace(http: httpx.Client) -> None:
    assert http.post(NAMESPACES, json={"name": "ns"}).status_code == 200


def put(http: httpx.Client, parts: list, name: str = "w1", path: str = "", headers: dict | None = None) -> httpx.Response:
    body, content_type = multipart(parts)
    url = script_path("ns", name, path) if path else script_path("ns", name)
    return http.put(url, content=body, headers={"Content-Type": content_type, **(headers or {})})


def meta(**fields: object) -> tuple[str, None, str, bytes]:
    return ("metadata", None, "application/json", json.dumps(fields).encode())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.js", "application/javascript+module"),
        ("lib/util.mjs", "application/javascript+module"),
        ("./3f2a-data.txt", "text/plain"),
        ("add.wasm", "application/wasm"),
        ("INDEX.JS", "application/javascript+module"),
        ("blob.bin", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
        ("dir.d/file", "application/octet-stream"),
    ],
)
def test_infer_content_type(name: str, expected: str) -> None:
    assert infer_content_type(name) == expected


def test_parse_multipart_keeps_bytes_names_and_types() -> None:
    binary = bytes(range(256)) + b"\r\n--not-the-boundary\r\n"
    body, content_type = multipart([("a", "x.wasm", "application/wasm", binary), ("metadata", None, None, b"{}")])
    parts = parse_multipart(body, content_type)
    assert [(p.name, p.filename, p.content_type, p.data) for p in parts] == [
        ("a", "x.wasm", "application/wasm", binary), ("metadata", None, None, b"{}"),
    ]
    with pytest.raises(MalformedRequest):
        parse_multipart(body[:-10], content_type)


@pytest.mark.parametrize("part_name", ["files", "files[]"])
def test_sdk_dialect_names_modules_by_filename(http: httpx.Client, store: NamespaceStore, part_name: str) -> None:
    response = put(http, [
        (part_name, "index.js", "application/javascript+module", MODULE_JS),
        (part_name, "lib.js", "text/javascript+module", b"export const x = 1;"),
        meta(main_module="index.js"),
    ])
    assert response.status_code == 200, response.text
    modules = store.get_script("acc", "ns", "w1").modules
    assert [(m.name, m.content_type) for m in modules] == [
        ("index.js", "application/javascript+module"), ("lib.js", "text/javascript+module"),
    ]


def test_parts_without_content_type_get_one_from_the_extension(http: httpx.Client, store: NamespaceStore) -> None:
    response = put(http, [
        meta(main_module="index.js"),
        ("index.js", "index.js", None, MODULE_JS),
        ("add.wasm", "add.wasm", None, b"\0asm\x01\0\0\0"),
        ("./abc-data.txt", None, None, b"text"),  # no filename either: named by the part
        ("blob", None, None, b"\x00\x01"),
    ])
    assert response.status_code == 200, response.text
    types = {m.name: m.content_type for m in store.get_script("acc", "ns", "w1").modules}
    assert types == {
        "index.js": "application/javascript+module", "add.wasm": "application/wasm",
        "./abc-data.txt": "text/plain", "blob": "application/octet-stream",
    }


def test_service_worker_upload_with_body_part(http: httpx.Client, store: NamespaceStore) -> None:
    code = b"addEventListener('fetch', e => e.respondWith(new Response('ok')))"
    response = put(http, [("worker.js", "worker.js", "application/javascript", code), meta(body_part="worker.js")])
    assert response.status_code == 200, response.text
    script = store.get_script("acc", "ns", "w1")
    assert script.main_module == "worker.js" and not script.has_modules
    assert response.json()["result"]["has_modules"] is False
    assert http.get(script_path("ns", "w1", "content")).content == code


def test_raw_javascript_body_is_a_service_worker(http: httpx.Client, store: NamespaceStore) -> None:
    code = b"addEventListener('fetch', e => e.respondWith(new Response('raw')))"
    response = http.put(script_path("ns", "raw"), content=code, headers={"Content-Type": "application/javascript"})
    assert response.status_code == 200, response.text
    got = http.get(script_path("ns", "raw", "content"))
    assert got.content == code and got.headers["content-type"] == "application/javascript"


def test_content_put_with_header_and_no_metadata(http: httpx.Client, store: NamespaceStore) -> None:
    assert put(http, [("files", "index.js", None, MODULE_JS), meta(main_module="index.js", tags=["keep"])]).status_code == 200
    new = b"export default { fetch() { return new Response('v2'); } };"
    response = put(http, [("files[]", "v2.js", None, new)], path="content",
                   headers={"CF-WORKER-MAIN-MODULE-PART": "v2.js"})
    assert response.status_code == 200, response.text
    script = store.get_script("acc", "ns", "w1")
    assert script.main_module == "v2.js" and script.tags == ("keep",)
    assert http.get(script_path("ns", "w1", "content")).content == new
    body_part = put(http, [("files[]", "sw.js", "application/javascript", b"addEventListener('fetch', () => {})")],
                    path="content", headers={"CF-WORKER-BODY-PART": "sw.js"})
    assert body_part.status_code == 200 and not store.get_script("acc", "ns", "w1").has_modules


def test_content_put_needs_metadata_or_header(http: httpx.Client, store: NamespaceStore) -> None:
    assert put(http, [("files", "index.js", None, MODULE_JS), meta(main_module="index.js")]).status_code == 200
    before = store.snapshot()
    response = put(http, [("files[]", "v2.js", None, MODULE_JS)], path="content")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 10021
    assert store.snapshot() == before


def test_content_put_on_missing_script_is_404(http: httpx.Client) -> None:
    response = put(http, [("files[]", "index.js", None, MODULE_JS), meta(main_module="index.js")], name="ghost", path="content")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == 10007


def test_metadata_fields_are_kept_and_returned(http: httpx.Client, store: NamespaceStore) -> None:
    fields = {
        "main_module": "index.js",
        "compatibility_date": "2024-01-31",
        "compatibility_flags": ["nodejs_compat"],
        "usage_model": "standard",
        "logpush": True,
        "placement": {"mode": "smart"},
        "tail_consumers": [{"service": "tail", "environment": "production"}],
        "limits": {"cpu_ms": 30},
        "observability": {"enabled": True},
        "migrations": {"new_tag": "v1", "new_classes": ["Counter"]},
        "annotations": {"workers/message": "deploy 7"},
    }
    response = put(http, [("files", "index.js", None, MODULE_JS), meta(**fields)])
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["placement_mode"] == "smart" and result["placement"] == {"mode": "smart"}
    assert result["migration_tag"] == "v1" and result["logpush"] is True
    assert result["tail_consumers"] == fields["tail_consumers"]
    settings = http.get(script_path("ns", "w1", "settings")).json()["result"]
    assert settings["limits"] == {"cpu_ms": 30} and settings["observability"] == {"enabled": True}
    assert dict(store.get_script("acc", "ns", "w1").extra) == {
        "migrations": fields["migrations"], "annotations": fields["annotations"],
    }


def test_upload_query_flags_are_accepted(http: httpx.Client) -> None:
    body, content_type = multipart([("files", "index.js", None, MODULE_JS), meta(main_module="index.js")])
    url = script_path("ns", "w1") + "?excludeScript=true&bindings_inherit=strict"
    assert http.put(url, content=body, headers={"Content-Type": content_type}).status_code == 200
    bad = http.put(script_path("ns", "w1") + "?excludeScript=maybe", content=body, headers={"Content-Type": content_type})
    assert bad.status_code == 400


def test_strict_inherit_refuses_a_missing_previous_binding(http: httpx.Client, store: NamespaceStore) -> None:
    binding = [{"name": "KV", "type": "inherit"}]
    parts = [("files", "index.js", None, MODULE_JS), meta(main_module="index.js", bindings=binding)]
    body, content_type = multipart(parts)
    strict = http.put(script_path("ns", "w1") + "?bindings_inherit=strict", content=body, headers={"Content-Type": content_type})
    assert strict.status_code == 400 and store.find_script("acc", "ns", "w1") is None
    lenient = http.put(script_path("ns", "w1"), content=body, headers={"Content-Type": content_type})
    assert lenient.status_code == 200 and store.get_script("acc", "ns", "w1").bindings == ()


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "wrapped"])
def test_settings_patch_as_json_body(http: httpx.Client, store: NamespaceStore, wrapped: bool) -> None:
    bindings = [{"name": "S", "type": "secret_text", "text": "keep-me"}, {"name": "P", "type": "plain_text", "text": "1"}]
    assert put(http, [("files", "index.js", None, MODULE_JS), meta(main_module="index.js", bindings=bindings)]).status_code == 200
    # a secret sent back without its text (as GET /settings shows it) keeps its value
    patch = {"logpush": True, "bindings": [{"name": "S", "type": "secret_text"}, {"name": "P", "type": "plain_text", "text": "2"}]}
    response = http.patch(script_path("ns", "w1", "settings"), json={"settings": patch} if wrapped else patch)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["logpush"] is True and result["bindings"] == [
        {"name": "S", "type": "secret_text"}, {"name": "P", "type": "plain_text", "text": "2"},
    ]
    assert store.get_secret("acc", "ns", "w1", "S")["text"] == "keep-me"
