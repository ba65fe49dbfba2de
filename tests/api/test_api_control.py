"""The control endpoints: reset, state, snapshot, restore, health."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from dispatch_emu import __version__
from dispatch_emu.api import ApiApp, ApiConfig
from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import NAMESPACES, script_path, simple_upload

CONTROL = "/__dispatch_emu"


def seed(http: httpx.Client) -> None:
    assert http.post(NAMESPACES, json={"name": "ns"}).status_code == 200
    body, content_type = simple_upload(
        tags=["t1"],
        bindings=[
            {"name": "TOKEN", "type": "secret_text", "text": "hunter2"},
            {"name": "MODE", "type": "plain_text", "text": "live"},
        ],
    )
    assert http.put(script_path("ns", "w1"), content=body, headers={"Content-Type": content_type}).status_code == 200


def test_health(http: httpx.Client) -> None:
    assert http.get(f"{CONTROL}/health").json()["result"] == {"status": "ok", "version": __version__}


def test_state_dump_shows_structure_not_secrets_or_bytes(http: httpx.Client, store: NamespaceStore) -> None:
    seed(http)
    raw = http.get(f"{CONTROL}/state")
    assert raw.status_code == 200
    assert "hunter2" not in raw.text and "new Response" not in raw.text
    state = raw.json()["result"]
    (namespace,) = state["accounts"]["acc"]["namespaces"]
    assert namespace["name"] == "ns" and namespace["script_count"] == 1
    (script,) = namespace["scripts"]
    stored = store.get_script("acc", "ns", "w1")
    assert script["name"] == "w1" and script["etag"] == stored.etag and script["tags"] == ["t1"]
    assert script["modules"] == [
        {"name": "index.js", "content_type": "application/javascript+module",
         "size": stored.modules[0].size, "digest": stored.modules[0].digest}
    ]
    assert script["bindings"] == [
        {"name": "TOKEN", "type": "secret_text"}, {"name": "MODE", "type": "plain_text", "text": "live"},
    ]


def test_state_includes_extra_state(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> None:
    app = ApiApp(store, extra_state=lambda: {"runtime": {"compiled": 3}, "accounts": "not allowed to replace"})
    state = client_for(app).get(f"{CONTROL}/state").json()["result"]
    assert state["runtime"] == {"compiled": 3} and state["accounts"] == {}


def test_reset_uses_store_reset_or_the_hook(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> None:
    http = client_for(ApiApp(store))
    seed(http)
    assert http.post(f"{CONTROL}/reset").status_code == 200
    assert store.accounts() == []
    calls: list[str] = []
    hooked = client_for(ApiApp(store, on_reset=lambda: calls.append("reset")))
    seed(hooked)
    assert hooked.post(f"{CONTROL}/reset").status_code == 200
    assert calls == ["reset"] and store.accounts() == ["acc"]  # the hook decides what reset means


def test_snapshot_and_restore_round_trip(http: httpx.Client, store: NamespaceStore) -> None:
    seed(http)
    snapshot = http.get(f"{CONTROL}/snapshot").json()
    before = store.snapshot()
    assert "hunter2" not in json.dumps(snapshot)  # secrets leave sealed, never in clear
    sealed = snapshot["result"]["accounts"]["acc"][0]["scripts"][0]["bindings"][0]
    assert sealed["name"] == "TOKEN" and "text" not in sealed and sealed["sealed"]
    unsealed = json.loads(json.dumps(before))
    del unsealed["accounts"]["acc"][0]["scripts"][0]["bindings"][0]["text"]
    del sealed["sealed"]
    assert snapshot["result"] == unsealed  # everything else as the store has it
    snapshot = http.get(f"{CONTROL}/snapshot").json()
    assert http.delete(script_path("ns", "w1")).status_code == 200
    # the whole envelope posted back works, and so does the bare snapshot
    assert http.post(f"{CONTROL}/restore", json=snapshot).status_code == 200
    assert store.snapshot() == before
    http.post(f"{CONTROL}/reset")
    assert http.post(f"{CONTROL}/restore", content=json.dumps(snapshot["result"])).status_code == 200
    assert http.get(script_path("ns", "w1", "content")).content == store.module_bytes(store.get_script("acc", "ns", "w1").main)


def test_bad_restore_leaves_the_state_alone(http: httpx.Client, store: NamespaceStore) -> None:
    seed(http)
    before = store.snapshot()
    broken = json.loads(json.dumps(before))
    del broken["accounts"]["acc"][0]["scripts"][0]["modules"][0]["digest"]  # fails half way through
    for body in (broken, {"version": 99}, {"version": 1}, [1, 2]):
        response = http.post(f"{CONTROL}/restore", json=body)
        assert response.status_code == 400, body
        assert store.snapshot() == before


def test_control_prefix_is_configurable(store: NamespaceStore, client_for: Callable[[ApiApp], httpx.Client]) -> None:
    app = ApiApp(store, ApiConfig(control_prefix="/_emu"))
    http = client_for(app)
    assert http.get("/_emu/health").status_code == 200
    assert http.get(f"{CONTROL}/health").status_code == 404
    assert app.handles("/_emu/state") and app.handles("/client/v4/accounts")
    assert not app.handles("/__dispatch_emu/state") and not app.handles("/client/v40") and not app.handles("/")
