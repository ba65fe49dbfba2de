"""Regular Workers of an account (``/workers/scripts``), through the official SDK unchanged.

The SDK client here validates every answer strictly against its own pydantic models
(``_strict_response_validation=True``: a missing required field or a wrong type raises),
and its transport is the ``cf`` fixture's, so every answer is also held to Cloudflare's
envelope by the OpenAPI checker (the 2024 extract describes only dispatch namespaces, so
for these routes the envelope is what it checks). Methods called: ``cf.workers.scripts``
``update / get / list / delete``, ``content.update / content.get``,
``script_and_version_settings.get / edit``, ``settings.get / edit``,
``secrets.update / list / get / delete / bulk_update``, ``subdomain.get / create / delete``,
``versions.create``, ``deployments.create / list``, and ``cf.workers.subdomains.get``.
``versions.create`` is the one answer read raw: SDK 5.9 cannot build its own model for it.
"""

from __future__ import annotations

import json

import cloudflare
import httpx
import pytest

from dispatch_emu.store import ACCOUNT_WORKERS, NamespaceStore
from tests.api.api_bodies import ACCOUNT, NAMESPACES, multipart

JS = b'export default { async fetch() { return new Response("platform v1"); } };\n'
JS2 = b'export default { async fetch() { return new Response("platform v2"); } };\n'
MODULE = "application/javascript+module"
DISPATCH_BINDING = {
    "name": "dispatcher",
    "type": "dispatch_namespace",
    "namespace": "tenants",
    "outbound": {"worker": {"service": "outbound"}, "params": [{"name": "customer"}]},
}


@pytest.fixture
def sdk(http: httpx.Client) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(
        api_token="x",
        base_url="http://emulator/client/v4",
        http_client=http,
        max_retries=0,
        _strict_response_validation=True,
    )


@pytest.fixture
def scripts(sdk: cloudflare.Cloudflare):
    return sdk.workers.scripts


def upload(scripts, name: str = "platform", body: bytes = JS, **metadata):
    meta = {"main_module": "index.js", "compatibility_date": "2024-09-23", **metadata}
    return scripts.update(name, account_id=ACCOUNT, metadata=meta, files=[("index.js", body, MODULE)])


def test_upload_get_list_delete(scripts, store: NamespaceStore) -> None:
    result = upload(scripts, bindings=[DISPATCH_BINDING], tags=["platform"])
    assert result.id == "platform" and result.etag and result.compatibility_date == "2024-09-23"
    assert result.tags == ["platform"]

    assert scripts.get("platform", account_id=ACCOUNT) == JS.decode()
    listed = list(scripts.list(account_id=ACCOUNT))
    assert [s.id for s in listed] == ["platform"] and listed[0].etag == result.etag
    assert [s.id for s in scripts.list(account_id=ACCOUNT, tags="platform:no")] == []

    stored = store.get_script(ACCOUNT, ACCOUNT_WORKERS, "platform")
    assert stored.binding("dispatcher") == DISPATCH_BINDING
    assert store.list_namespaces(ACCOUNT) == []  # regular Workers are no dispatch namespace

    scripts.delete("platform", account_id=ACCOUNT, force=True)
    with pytest.raises(cloudflare.NotFoundError):
        scripts.get("platform", account_id=ACCOUNT)
    assert list(scripts.list(account_id=ACCOUNT)) == []


def test_content_get_and_update_keep_bindings(scripts) -> None:
    upload(scripts, bindings=[{"type": "plain_text", "name": "GREETING", "text": "hi"}])
    assert scripts.content.get("platform", account_id=ACCOUNT).read() == JS
    updated = scripts.content.update(
        "platform", account_id=ACCOUNT, metadata={"main_module": "index.js"},
        files=[("index.js", JS2, MODULE)],
    )
    assert updated.id == "platform"
    assert scripts.content.get("platform", account_id=ACCOUNT).read() == JS2
    got = scripts.script_and_version_settings.get("platform", account_id=ACCOUNT)
    assert [(b.name, b.type) for b in got.bindings] == [("GREETING", "plain_text")]


def test_settings_and_script_settings(scripts) -> None:
    upload(scripts)
    settings = scripts.script_and_version_settings.get("platform", account_id=ACCOUNT)
    assert settings.compatibility_date == "2024-09-23" and settings.usage_model == "standard"
    edited = scripts.script_and_version_settings.edit(
        "platform", account_id=ACCOUNT, settings={"logpush": True, "limits": {"cpu_ms": 50}}
    )
    assert edited.logpush is True and edited.limits.cpu_ms == 50

    script_settings = scripts.settings.edit(
        "platform", account_id=ACCOUNT, tags=["team-a"], observability={"enabled": False}
    )
    assert script_settings.tags == ["team-a"] and script_settings.observability.enabled is False
    again = scripts.settings.get("platform", account_id=ACCOUNT)
    assert again.tags == ["team-a"] and again.logpush is True


def test_secrets(scripts) -> None:
    upload(scripts)
    scripts.secrets.update("platform", account_id=ACCOUNT, name="TOKEN", text="s3cret", type="secret_text")
    listed = list(scripts.secrets.list("platform", account_id=ACCOUNT))
    assert [(s.name, s.type) for s in listed] == [("TOKEN", "secret_text")]
    got = scripts.secrets.get("TOKEN", account_id=ACCOUNT, script_name="platform")
    assert got.name == "TOKEN" and "s3cret" not in got.model_dump_json()
    result = scripts.secrets.bulk_update(
        "platform", account_id=ACCOUNT,
        secrets={"A": {"name": "A", "type": "secret_text", "text": "1"}, "TOKEN": None},
    )
    assert {name: (s.name, s.type) for name, s in result.items()} == {"A": ("A", "secret_text")}
    assert [s.name for s in scripts.secrets.list("platform", account_id=ACCOUNT)] == ["A"]
    scripts.secrets.delete("A", account_id=ACCOUNT, script_name="platform")
    assert list(scripts.secrets.list("platform", account_id=ACCOUNT)) == []
    with pytest.raises(cloudflare.NotFoundError):
        scripts.secrets.get("A", account_id=ACCOUNT, script_name="platform")


def test_workers_dev_subdomain(scripts, sdk: cloudflare.Cloudflare) -> None:
    assert sdk.workers.subdomains.get(account_id=ACCOUNT).subdomain == ACCOUNT
    upload(scripts)
    assert scripts.subdomain.get("platform", account_id=ACCOUNT).enabled is False
    on = scripts.subdomain.create("platform", account_id=ACCOUNT, enabled=True, previews_enabled=False)
    assert (on.enabled, on.previews_enabled) == (True, False)
    upload(scripts, body=JS2)  # a trigger: a new upload keeps it
    assert scripts.subdomain.get("platform", account_id=ACCOUNT).enabled is True
    off = scripts.subdomain.delete("platform", account_id=ACCOUNT)
    assert off.enabled is False


def test_version_upload_then_deployment_goes_live_at_once(scripts, store: NamespaceStore) -> None:
    upload(scripts)
    # SDK 5.9 cannot parse this answer at all (its ResourcesBindings is no pydantic model,
    # so even the lenient client fails), so the raw answer is read and the fields wrangler
    # reads are checked here.
    raw = scripts.versions.with_raw_response.create(
        "platform", account_id=ACCOUNT, metadata={"main_module": "index.js"},
        files=[("index.js", JS2, MODULE)],
    )
    version = raw.http_response.json()["result"]
    assert version["id"] and version["resources"]["script"]["etag"] and version["startup_time_ms"] == 0
    assert scripts.get("platform", account_id=ACCOUNT) == JS.decode()  # uploaded, not yet live

    deployment = scripts.deployments.create(
        "platform", account_id=ACCOUNT, strategy="percentage",
        versions=[{"version_id": version["id"], "percentage": 100}],
    )
    assert [v.version_id for v in deployment.versions] == [version["id"]]
    assert scripts.get("platform", account_id=ACCOUNT) == JS2.decode()
    # wrangler reads result.deployments; SDK 5.9 parses the page and keeps that field as sent
    listed = scripts.deployments.list("platform", account_id=ACCOUNT).result.deployments
    assert [d["versions"] for d in listed] == [[{"version_id": version["id"], "percentage": 100.0}]]
    assert store.blob_count == 1  # the old version's module is released


def test_gradual_deployment_is_refused_clearly(scripts, http: httpx.Client) -> None:
    upload(scripts)
    response = http.post(
        f"/client/v4/accounts/{ACCOUNT}/workers/scripts/platform/deployments",
        json={"strategy": "percentage", "versions": [{"version_id": "a", "percentage": 50},
                                                     {"version_id": "b", "percentage": 50}]},
    )
    assert response.status_code == 400
    assert "one version at 100 %" in response.json()["errors"][0]["message"]


def test_errors_have_the_namespace_api_shape(scripts, http: httpx.Client) -> None:
    with pytest.raises(cloudflare.NotFoundError):
        scripts.get("ghost", account_id=ACCOUNT)
    with pytest.raises(cloudflare.BadRequestError, match="invalid"):
        upload(scripts, name="Bad_Name")
    with pytest.raises(cloudflare.BadRequestError, match="main_module"):
        scripts.update("p", account_id=ACCOUNT, metadata={"main_module": "missing.js"},
                       files=[("index.js", JS, MODULE)])
    response = http.get(f"/client/v4/accounts/{ACCOUNT}/workers/scripts/ghost/settings")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == 10007


def test_wrangler_style_upload_metadata_first(http: httpx.Client, store: NamespaceStore) -> None:
    body, content_type = multipart(
        [
            ("metadata", None, None, b'{"main_module":"index.js","bindings":[],"compatibility_date":"2024-09-23"}'),
            ("index.js", "index.js", MODULE, JS),
        ]
    )
    response = http.put(
        f"/client/v4/accounts/{ACCOUNT}/workers/scripts/platform?excludeScript=true&bindings_inherit=strict",
        content=body, headers={"Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["deployment_id"]
    assert store.get_script(ACCOUNT, ACCOUNT_WORKERS, "platform").main_module == "index.js"


def test_account_workers_and_namespaces_stay_apart(scripts, http: httpx.Client, store: NamespaceStore) -> None:
    upload(scripts, name="shop")
    # a namespace whose name is spelled like the container is an ordinary, missing one
    response = http.get(f"{NAMESPACES}/(account workers)/scripts/shop")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] != 10007
    assert http.post(NAMESPACES, json={"name": "(account workers)"}).status_code == 200
    assert store.find_script(ACCOUNT, "(account workers)", "shop") is None
    assert store.find_script(ACCOUNT, ACCOUNT_WORKERS, "shop") is not None


def test_snapshot_keeps_account_workers(scripts, store: NamespaceStore) -> None:
    upload(scripts, bindings=[DISPATCH_BINDING])
    snapshot = store.snapshot()
    store.reset()
    assert store.find_script(ACCOUNT, ACCOUNT_WORKERS, "platform") is None
    store.restore(snapshot)
    assert scripts.get("platform", account_id=ACCOUNT) == JS.decode()
    assert store.list_namespaces(ACCOUNT) == []


KV = {"type": "kv_namespace", "name": "CACHE", "namespace_id": "abc123"}


@pytest.mark.parametrize("where", ["account", "namespace"])
def test_upload_names_bindings_the_emulator_cannot_run(where: str, http: httpx.Client) -> None:
    if where == "account":
        path = f"/client/v4/accounts/{ACCOUNT}/workers/scripts/platform"
    else:
        assert http.post(NAMESPACES, json={"name": "ns"}).status_code == 200
        path = f"{NAMESPACES}/ns/scripts/platform"
    metadata = {"main_module": "index.js", "bindings": [KV, {"type": "plain_text", "name": "A", "text": "a"}]}
    body, content_type = multipart(
        [("metadata", None, None, json.dumps(metadata).encode()), ("index.js", "index.js", MODULE, JS)]
    )
    answer = http.put(path, content=body, headers={"Content-Type": content_type}).json()
    assert answer["success"] is True
    [notice] = answer["messages"]
    assert notice["message"] == (
        "Binding 'CACHE' of type 'kv_namespace' is stored, but kv_namespace bindings are not available"
        " in dispatch_emu: any use of env.CACHE throws."
    )
    assert isinstance(notice["code"], int)
    # the binding is kept and listed as sent
    listed = http.get(f"{path}/bindings").json()["result"]
    assert KV in listed

    metadata["bindings"] = []
    body, content_type = multipart(
        [("metadata", None, None, json.dumps(metadata).encode()), ("index.js", "index.js", MODULE, JS)]
    )
    assert http.put(path, content=body, headers={"Content-Type": content_type}).json()["messages"] == []


def test_state_dump_lists_regular_workers(scripts, http: httpx.Client, store: NamespaceStore) -> None:
    upload(scripts, bindings=[{"type": "secret_text", "name": "TOKEN", "text": "hunter2"}])
    raw = http.get("/__dispatch_emu/state")
    assert "hunter2" not in raw.text
    account = raw.json()["result"]["accounts"][ACCOUNT]
    assert account["namespaces"] == []
    assert [w["name"] for w in account["workers"]] == ["platform"]
    assert store.accounts() == [ACCOUNT]
    scripts.delete("platform", account_id=ACCOUNT)
    assert store.accounts() == []
