"""The OpenAPI checker itself: it catches bad answers, and one scenario covers every operation.

The coverage test drives each operation of the extract to a 200 and to a 4XX through a
fresh checker, so adding an endpoint to the extract without exercising it fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import NAMESPACES, ns_path, script_path, simple_upload
from tests.api.openapi_check import CORRECTIONS, OpenApiChecker

NS_TEMPLATE = "/accounts/{account_id}/workers/dispatch/namespaces/{dispatch_namespace}"


def envelope(result: object) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result}).encode()


@pytest.fixture
def fresh() -> OpenApiChecker:
    return OpenApiChecker()


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "problem"),
    [
        ("GET", ns_path("n"), 200, envelope({"namespace_id": "x", "created_on": "yesterday"}), "is not a 'date-time'"),
        ("GET", ns_path("n"), 200, envelope({"created_on": "2024-02-30T00:00:00Z"}), "date-time"),
        ("GET", ns_path("n"), 200, envelope({"script_count": "3"}), "is not of type 'integer'"),
        ("GET", ns_path("n"), 404, json.dumps({"success": False, "errors": [], "messages": [], "result": None}).encode(), "non-empty"),
        ("GET", ns_path("n"), 404, envelope(None), "True is not one of [False]"),
        ("GET", NAMESPACES, 200, b'{"success": true}', "'errors' is a required property"),
        ("DELETE", script_path("n", "s", "tags", "t"), 200, envelope({}), "is not one of [None]"),
        ("GET", script_path("n", "s", "settings"), 200, envelope({"usage_model": "gigantic"}), "is not one of"),
        ("GET", script_path("n", "s", "bindings"), 200, envelope([{"name": "S", "type": "secret_text", "text": "leak"}]), "not valid under any"),
        ("GET", script_path("n", "s", "bindings"), 200, envelope([{"name": "K", "type": "kv_namespace"}]), "not valid under any"),
        ("GET", ns_path("n"), 418, envelope(None), "True is not one of [False]"),
        ("GET", ns_path("n"), 302, envelope(None), "not a documented answer"),
    ],
)
def test_checker_catches_bad_answers(
    fresh: OpenApiChecker, method: str, path: str, status: int, body: bytes, problem: str
) -> None:
    problems = fresh.check(method, path, status, "application/json", body)
    assert any(problem in p.problem for p in problems), problems


def test_checker_wants_raw_content_and_json_elsewhere(fresh: OpenApiChecker) -> None:
    content = script_path("n", "s", "content")
    assert fresh.check("GET", content, 200, "application/javascript+module", b"x") == []
    assert fresh.check("GET", content, 200, "application/json", envelope("x"))
    assert fresh.check("GET", NAMESPACES, 200, "text/plain", envelope([]))


def test_checker_accepts_good_answers(fresh: OpenApiChecker) -> None:
    good = envelope([{"name": "S", "type": "secret_text"}, {"name": "P", "type": "plain_text", "text": "v"},
                     {"name": "D", "type": "dispatch_namespace", "namespace": "n", "outbound": {"params": [{"name": "x"}, "y"]}}])
    assert fresh.check("GET", script_path("n", "s", "bindings"), 200, "application/json", good) == []


def test_corrections_target_existing_locations() -> None:
    # OpenApiChecker() raises KeyError if a corrected location vanished from the file
    assert OpenApiChecker().document and all(why for _, why in CORRECTIONS.values())


def test_one_scenario_covers_every_operation_both_ways(
    store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client], fresh: OpenApiChecker
) -> None:
    http = client_for(ApiApp(store))
    # route this client's answers through the fresh checker too
    http.event_hooks["response"].append(
        lambda r: fresh.check(r.request.method, r.request.url.path, r.status_code, r.headers.get("content-type", ""), r.read())
    )
    body, content_type = simple_upload(tags=["a"])
    upload = {"content": body, "headers": {"Content-Type": content_type}}
    w = lambda *rest: script_path("ns", "w1", *rest)  # noqa: E731
    ok = [
        ("POST", NAMESPACES, {"json": {"name": "ns"}}),
        ("GET", NAMESPACES, {}),
        ("GET", ns_path("ns"), {}),
        ("PATCH", ns_path("ns"), {"json": {"trusted_workers": True}}),
        ("PUT", ns_path("ns"), {"json": {"name": "ns"}}),
        ("PUT", w(), upload),
        ("GET", w(), {}),
        ("GET", ns_path("ns", "scripts"), {}),
        ("GET", w("content"), {}),
        ("PUT", w("content"), upload),
        ("GET", w("settings"), {}),
        ("PATCH", w("settings"), {"json": {"logpush": True}}),
        ("GET", w("bindings"), {}),
        ("PUT", w("secrets"), {"json": {"name": "S", "text": "v", "type": "secret_text"}}),
        ("GET", w("secrets"), {}),
        ("GET", w("secrets", "S"), {}),
        ("DELETE", w("secrets", "S"), {}),
        ("GET", w("tags"), {}),
        ("PUT", w("tags"), {"json": ["a", "b"]}),
        ("PUT", w("tags", "c"), {}),
        ("DELETE", w("tags", "c"), {}),
        ("POST", w("assets-upload-session"), {"json": {"manifest": {"/a.txt": {"hash": "h", "size": 1}}}}),
        ("DELETE", w(), {}),
        ("DELETE", ns_path("ns", "scripts"), {"params": {"tags": "a:yes"}}),
        ("DELETE", ns_path("ns"), {}),
    ]
    for method, path, kwargs in ok:
        response = http.request(method, path, **kwargs)
        assert response.status_code == 200, (method, path, response.text)
    g = lambda *rest: script_path("ghost", "w1", *rest)  # noqa: E731
    failing = [
        ("POST", NAMESPACES, {"content": b"{"}),
        ("GET", NAMESPACES.replace("/acc/", "/acc/x/"), {}),  # unknown route under an operation's prefix
        ("GET", ns_path("ghost"), {}),
        ("PATCH", ns_path("ghost"), {"json": {}}),
        ("PUT", ns_path("ghost"), {"json": {}}),
        ("DELETE", ns_path("ghost"), {}),
        ("PUT", g(), upload),
        ("GET", g(), {}),
        ("DELETE", g(), {}),
        ("GET", ns_path("ghost", "scripts"), {}),
        ("DELETE", ns_path("ghost", "scripts"), {"params": {"tags": "a:yes"}}),
        ("GET", g("content"), {}),
        ("PUT", g("content"), upload),
        ("GET", g("settings"), {}),
        ("PATCH", g("settings"), {"json": {}}),
        ("GET", g("bindings"), {}),
        ("PUT", g("secrets"), {"json": {"name": "S", "text": "v"}}),
        ("GET", g("secrets"), {}),
        ("GET", g("secrets", "S"), {}),
        ("DELETE", g("secrets", "S"), {}),
        ("GET", g("tags"), {}),
        ("PUT", g("tags"), {"json": ["a"]}),
        ("PUT", g("tags", "c"), {}),
        ("DELETE", g("tags", "c"), {}),
        ("POST", g("assets-upload-session"), {"json": {"manifest": {}}}),
    ]
    for method, path, kwargs in failing:
        response = http.request(method, path, **kwargs)
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
    # listing namespaces only fails when a token is required and missing
    secured = client_for(ApiApp(store, ApiConfig(required_token="t")))
    secured.event_hooks["response"].append(http.event_hooks["response"][-1])
    assert secured.get(NAMESPACES).status_code == 403
    assert fresh.violations == []
    wanted = {(m, t, c) for m, t in fresh.operations() for c in ("200", "4XX")}
    missing = wanted - fresh.covered
    assert not missing, sorted(missing)
