"""Namespace PUT (rename) and PATCH, account isolation, and the token option, over raw HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import NAMESPACES, ns_path, script_path, simple_upload


def create(http: httpx.Client, name: str, **fields: object) -> dict:
    response = http.post(NAMESPACES, json={"name": name, **fields})
    assert response.status_code == 200, response.text
    return response.json()["result"]


def upload(http: httpx.Client, namespace: str, script: str) -> None:
    body, content_type = simple_upload()
    response = http.put(script_path(namespace, script), content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_rename_with_put_moves_the_scripts(http: httpx.Client) -> None:
    created = create(http, "old")
    upload(http, "old", "w1")
    response = http.put(ns_path("old"), json={"name": "new"})  # wrangler dispatch-namespace rename
    assert response.status_code == 200
    renamed = response.json()["result"]
    assert renamed["namespace_name"] == "new" and renamed["namespace_id"] == created["namespace_id"]
    assert renamed["script_count"] == 1 and renamed["modified_on"] >= created["modified_on"]
    assert http.get(ns_path("old")).status_code == 404
    assert http.get(script_path("new", "w1")).json()["result"]["dispatch_namespace"] == "new"


def test_put_replaces_trusted_workers_patch_keeps_it(http: httpx.Client) -> None:
    create(http, "ns", trusted_workers=True)
    assert http.get(ns_path("ns")).json()["result"]["trusted_workers"] is True
    patched = http.patch(ns_path("ns"), json={"name": "ns2"}).json()["result"]
    assert patched["namespace_name"] == "ns2" and patched["trusted_workers"] is True
    put = http.put(ns_path("ns2"), json={"name": "ns2"}).json()["result"]
    assert put["trusted_workers"] is False  # PUT: absent means the schema default
    patched = http.patch(ns_path("ns2"), json={"trusted_workers": True}).json()["result"]
    assert patched["namespace_name"] == "ns2" and patched["trusted_workers"] is True


def test_rename_onto_an_existing_name_is_refused(http: httpx.Client, store: NamespaceStore) -> None:
    create(http, "a")
    create(http, "b")
    before = store.snapshot()
    response = http.put(ns_path("a"), json={"name": "b"})
    assert response.status_code == 400 and "already exists" in response.json()["errors"][0]["message"]
    assert store.snapshot() == before


def test_put_and_patch_missing_namespace_are_404(http: httpx.Client) -> None:
    assert http.put(ns_path("ghost"), json={"name": "x"}).status_code == 404
    assert http.patch(ns_path("ghost"), json={}).status_code == 404
    assert http.delete(ns_path("ghost")).status_code == 404


def test_delete_namespace_deletes_its_scripts(http: httpx.Client, store: NamespaceStore) -> None:
    create(http, "ns")
    upload(http, "ns", "w1")
    assert http.delete(ns_path("ns")).json() == {"success": True, "errors": [], "messages": [], "result": None}
    create(http, "ns")
    assert http.get(script_path("ns", "w1")).status_code == 404
    assert store.blob_count == 0


def test_accounts_never_see_each_other(http: httpx.Client) -> None:
    create(http, "shared")
    upload(http, "shared", "w1")
    other = NAMESPACES.replace("/accounts/acc/", "/accounts/other/")
    assert http.get(other).json()["result"] == []
    assert http.get(f"{other}/shared").status_code == 404
    assert http.get(f"{other}/shared/scripts/w1").status_code == 404
    assert http.post(other, json={"name": "shared"}).status_code == 200  # same name, other account
    assert http.get(f"{other}/shared").json()["result"]["script_count"] == 0
    assert http.get(ns_path("shared")).json()["result"]["script_count"] == 1


# ---------------------------------------------------------------------------- auth


@pytest.fixture
def secured(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> httpx.Client:
    return client_for(ApiApp(store, ApiConfig(required_token="tok-123")))


def test_required_token_accepts_the_right_bearer(secured: httpx.Client) -> None:
    response = secured.get(NAMESPACES, headers={"Authorization": "Bearer tok-123"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "code", "message"),
    [
        ({}, 403, 10000, "Authentication error"),
        ({"X-Auth-Key": "k", "X-Auth-Email": "me@example.com"}, 403, 10000, "Authentication error"),
        ({"Authorization": "Bearer wrong"}, 400, 9106, "Authentication failed"),
        ({"Authorization": "Basic dG9rLTEyMw=="}, 400, 9106, "Authentication failed"),
        ({"Authorization": "Bearer "}, 400, 9106, "Authentication failed"),
    ],
)
def test_required_token_refusals(
    secured: httpx.Client, store: NamespaceStore, headers: dict, status: int, code: int, message: str
) -> None:
    response = secured.post(NAMESPACES, json={"name": "ns"}, headers=headers)
    assert response.status_code == status
    assert response.json()["errors"] == [{"code": code, "message": message}]
    assert store.list_namespaces("acc") == []


def test_auth_comes_before_routing_and_covers_control(secured: httpx.Client) -> None:
    assert secured.get("/client/v4/accounts/acc/nothing-here").status_code == 403
    for path in ("health", "state", "snapshot"):
        assert secured.get(f"/__dispatch_emu/{path}").status_code == 403
    for path in ("reset", "restore"):
        assert secured.post(f"/__dispatch_emu/{path}").status_code == 403


def test_no_required_token_accepts_anything(http: httpx.Client) -> None:
    assert http.get(NAMESPACES).status_code == 200
    assert http.get(NAMESPACES, headers={"Authorization": "Bearer whatever"}).status_code == 200
