"""wrangler's dispatch deploy, replayed byte for byte from tests/data.

``wrangler deploy --dispatch-namespace ns`` makes two requests: the non-namespaced
settings probe (a 404 with code 10007 means "new script") and the multipart upload with
``metadata`` first and one part per module, including a ``./<sha1>-data.txt`` text module.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import NAMESPACES, multipart, script_path

DATA = Path(__file__).resolve().parents[1] / "data"
RECORD = json.loads((DATA / "wrangler-deploy-upload.json").read_text())
BODY = (DATA / RECORD["body_file"]).read_bytes()


def test_fixture_is_intact() -> None:
    # CRLF framing survives checkout (tests/data/.gitattributes marks it binary)
    assert BODY.count(b"\r\n------formdata-undici-") == 3 and BODY.endswith(b"--\r\n")


def replay(http: httpx.Client) -> httpx.Response:
    return http.request(
        RECORD["method"],
        f"{RECORD['path']}?{RECORD['query']}",
        content=BODY,
        headers=RECORD["headers"],
    )


def test_settings_probe_answers_script_not_found(http: httpx.Client) -> None:
    probe = RECORD["preflight"]
    response = http.request(probe["method"], probe["path"], headers={"Authorization": "Bearer x"})
    assert response.status_code == 404
    assert response.json()["errors"] == [{"code": 10007, "message": "workers.api.error.script_not_found"}]


def test_wrangler_upload_is_stored_as_sent(http: httpx.Client, store: NamespaceStore) -> None:
    assert http.post(NAMESPACES, json={"name": "ns"}).status_code == 200
    response = replay(http)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    # what wrangler prints after a deploy
    assert result["deployment_id"] and isinstance(result["startup_time_ms"], int)
    assert result["id"] == "hello-worker" and result["compatibility_date"] == "2024-09-23"

    script = store.get_script("acc", "ns", "hello-worker")
    assert script.main_module == "index.js" and script.has_modules
    stored = {m.name: m for m in script.modules}
    assert set(stored) == set(RECORD["modules"])
    for name, expected in RECORD["modules"].items():
        assert stored[name].content_type == expected["content_type"]
        assert hashlib.sha256(store.module_bytes(stored[name])).hexdigest() == expected["sha256"]
    text_module = next(n for n in stored if n.endswith("-data.txt"))
    content = store.module_bytes(stored[text_module])
    assert text_module == f"./{hashlib.sha1(content).hexdigest()}-data.txt"
    assert [dict(b) for b in script.bindings] == [{"name": "GREETING", "type": "plain_text", "text": "hi"}]

    main = http.get(script_path("ns", "hello-worker", "content"))
    assert main.headers["content-type"] == "application/javascript+module"
    assert hashlib.sha256(main.content).hexdigest() == RECORD["modules"]["index.js"]["sha256"]


def test_wrangler_redeploy_replaces_and_keeps_created_on(http: httpx.Client, store: NamespaceStore) -> None:
    http.post(NAMESPACES, json={"name": "ns"})
    first = replay(http).json()["result"]
    second = replay(http).json()["result"]
    assert second["created_on"] == first["created_on"]
    assert second["etag"] == first["etag"]  # same content, same etag
    assert second["deployment_id"] != first["deployment_id"]
    assert store.get_namespace("acc", "ns").script_count == 1


@pytest.mark.parametrize(
    "params",
    [["customer_id", "plan"], [{"name": "customer_id"}, {"name": "plan"}]],
    ids=["strings", "wrangler-objects"],
)
def test_dispatch_namespace_outbound_params_both_shapes(
    http: httpx.Client, store: NamespaceStore, params: list
) -> None:
    http.post(NAMESPACES, json={"name": "ns"})
    binding = {
        "type": "dispatch_namespace",
        "name": "DISPATCHER",
        "namespace": "customers",
        "outbound": {"worker": {"service": "outbound"}, "params": params},
    }
    metadata = {"main_module": "index.js", "bindings": [binding]}
    body, content_type = multipart(
        [
            ("metadata", None, None, json.dumps(metadata).encode()),
            ("index.js", "index.js", "application/javascript+module", b"export default {}"),
        ]
    )
    response = http.put(script_path("ns", "dispatcher"), content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert dict(store.get_script("acc", "ns", "dispatcher").bindings[0])["outbound"]["params"] == params
    shown = http.get(script_path("ns", "dispatcher", "bindings")).json()["result"]
    assert shown == [binding]
