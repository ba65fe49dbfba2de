"""The official ``cloudflare`` SDK (5.9), unchanged, against the emulator in process.

Every method under ``client.workers_for_platforms.dispatch.namespaces`` is called here
(21 in SDK 5.9: clients.md counts 24, but the installed SDK has these), and every answer
is also validated against the OpenAPI extract by the ``cf`` fixture's transport hook.
"""

from __future__ import annotations

from pathlib import Path

import cloudflare
import pytest

from dispatch_emu.store import NamespaceStore
from tests.api.api_bodies import ACCOUNT

JS = b'export default { async fetch() { return new Response("hello"); } };\n'
JS2 = b'export default { async fetch() { return new Response("bye"); } };\n'


@pytest.fixture
def ns(cf: cloudflare.Cloudflare):
    return cf.workers_for_platforms.dispatch.namespaces


@pytest.fixture
def uploaded(ns) -> str:
    ns.create(account_id=ACCOUNT, name="prod")
    ns.scripts.update(
        "shop",
        account_id=ACCOUNT,
        dispatch_namespace="prod",
        metadata={
            "main_module": "index.js",
            "compatibility_date": "2024-09-23",
            "bindings": [
                {"type": "plain_text", "name": "GREETING", "text": "hi"},
                {"type": "secret_text", "name": "API_KEY", "text": "s3cret-value"},
            ],
            "tags": ["free", "customer-1"],
        },
        files=[("index.js", JS, "application/javascript+module")],
    )
    return "shop"


def test_create_list_get_delete_namespace(ns, store: NamespaceStore) -> None:
    created = ns.create(account_id=ACCOUNT, name="customers")
    assert created is not None and created.namespace_name == "customers"
    assert created.script_count == 0 and created.namespace_id
    listed = list(ns.list(account_id=ACCOUNT))
    assert [n.namespace_name for n in listed] == ["customers"]
    got = ns.get("customers", account_id=ACCOUNT)
    assert got is not None and got.namespace_id == created.namespace_id
    ns.delete("customers", account_id=ACCOUNT)
    assert list(ns.list(account_id=ACCOUNT)) == []
    with pytest.raises(cloudflare.NotFoundError):
        ns.get("customers", account_id=ACCOUNT)


def test_create_without_name_generates_one(ns) -> None:
    created = ns.create(account_id=ACCOUNT)
    assert created is not None and created.namespace_name
    assert ns.get(created.namespace_name, account_id=ACCOUNT).namespace_id == created.namespace_id


def test_create_duplicate_is_bad_request(ns) -> None:
    ns.create(account_id=ACCOUNT, name="dup")
    with pytest.raises(cloudflare.BadRequestError) as info:
        ns.create(account_id=ACCOUNT, name="dup")
    assert "already exists" in str(info.value)


def test_upload_then_get_and_content(ns, uploaded: str) -> None:
    script = ns.scripts.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    assert script.dispatch_namespace == "prod"
    assert script.script is not None and script.script.id == "shop"
    assert script.script.compatibility_date == "2024-09-23"
    assert script.created_on is not None
    content = ns.scripts.content.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    assert content.read() == JS
    assert ns.get("prod", account_id=ACCOUNT).script_count == 1


def test_upload_result_has_deployment_fields(ns) -> None:
    ns.create(account_id=ACCOUNT, name="prod")
    result = ns.scripts.update(
        "w1",
        account_id=ACCOUNT,
        dispatch_namespace="prod",
        metadata={"main_module": "index.js"},
        files=[("index.js", JS, "application/javascript+module")],
        bindings_inherit="strict",
    )
    assert result.id == "w1" and result.etag and result.startup_time_ms == 0
    assert result.to_dict()["deployment_id"]
    again = ns.scripts.update(
        "w1", account_id=ACCOUNT, dispatch_namespace="prod",
        metadata={"main_module": "index.js"}, files=[("index.js", JS2, "application/javascript+module")],
    )
    assert again.etag != result.etag
    assert again.to_dict()["deployment_id"] != result.to_dict()["deployment_id"]


def test_upload_without_files_is_bad_request(ns, store: NamespaceStore) -> None:
    ns.create(account_id=ACCOUNT, name="prod")
    with pytest.raises(cloudflare.BadRequestError):
        ns.scripts.update("w1", account_id=ACCOUNT, dispatch_namespace="prod", metadata={"main_module": "index.js"})
    assert store.find_script(ACCOUNT, "prod", "w1") is None


def test_upload_to_missing_namespace_is_not_found(ns) -> None:
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.update(
            "w1", account_id=ACCOUNT, dispatch_namespace="nope",
            metadata={"main_module": "index.js"}, files=[("index.js", JS, "application/javascript+module")],
        )


def test_delete_script(ns, uploaded: str) -> None:
    ns.scripts.delete(uploaded, account_id=ACCOUNT, dispatch_namespace="prod", force=True)
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.content.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.delete(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")


def test_content_update_keeps_bindings(ns, uploaded: str) -> None:
    before = ns.scripts.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod").script
    result = ns.scripts.content.update(
        uploaded,
        account_id=ACCOUNT,
        dispatch_namespace="prod",
        metadata={"main_module": "main.js"},
        files=[("main.js", JS2, "application/javascript+module")],
        cf_worker_main_module_part="main.js",
    )
    assert result.id == uploaded and result.etag != before.etag
    assert ns.scripts.content.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod").read() == JS2
    names = [b.name for b in ns.scripts.bindings.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")]
    assert names == ["GREETING", "API_KEY"]


def test_settings_get_and_edit(ns, uploaded: str) -> None:
    settings = ns.scripts.settings.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    assert settings.compatibility_date == "2024-09-23" and settings.logpush is False
    assert settings.tags == ["free", "customer-1"]
    edited = ns.scripts.settings.edit(
        uploaded,
        account_id=ACCOUNT,
        dispatch_namespace="prod",
        settings={"logpush": True, "compatibility_flags": ["nodejs_compat"], "limits": {"cpu_ms": 50}},
    )
    assert edited.logpush is True and edited.compatibility_flags == ["nodejs_compat"]
    assert edited.limits is not None and edited.limits.cpu_ms == 50
    again = ns.scripts.settings.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")
    assert again.logpush is True and again.compatibility_date == "2024-09-23"
    # a secret in the settings answer shows no value
    secret = [b for b in again.bindings if b.name == "API_KEY"]
    assert secret and "text" not in secret[0].to_dict()


def test_settings_edit_rejects_bad_values(ns, uploaded: str, store: NamespaceStore) -> None:
    before = store.snapshot()
    with pytest.raises(cloudflare.BadRequestError):
        ns.scripts.settings.edit(
            uploaded, account_id=ACCOUNT, dispatch_namespace="prod", settings={"compatibility_date": "soon"}
        )
    assert store.snapshot() == before


def test_bindings_hide_secret_values(ns, uploaded: str) -> None:
    bindings = [b.to_dict() for b in ns.scripts.bindings.get(uploaded, account_id=ACCOUNT, dispatch_namespace="prod")]
    assert {"name": "GREETING", "type": "plain_text", "text": "hi"} in bindings
    assert {"name": "API_KEY", "type": "secret_text"} in bindings
    assert "s3cret-value" not in repr(bindings)


def test_secrets_update_list_get_delete(ns, uploaded: str, store: NamespaceStore) -> None:
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    put = ns.scripts.secrets.update(uploaded, name="TOKEN", text="t0ken", type="secret_text", **kw)
    assert put.name == "TOKEN" and put.type == "secret_text" and "t0ken" not in repr(put)
    listed = [s.to_dict() for s in ns.scripts.secrets.list(uploaded, **kw)]
    assert listed == [{"name": "API_KEY", "type": "secret_text"}, {"name": "TOKEN", "type": "secret_text"}]
    got = ns.scripts.secrets.get("TOKEN", script_name=uploaded, **kw)
    assert got.to_dict() == {"name": "TOKEN", "type": "secret_text"}
    # the value reached the store, where the dispatcher reads it
    assert store.get_secret(ACCOUNT, "prod", uploaded, "TOKEN")["text"] == "t0ken"
    ns.scripts.secrets.delete("TOKEN", script_name=uploaded, **kw)
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.secrets.get("TOKEN", script_name=uploaded, **kw)


def test_secret_key_through_the_sdk(ns, uploaded: str, store: NamespaceStore) -> None:
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    put = ns.scripts.secrets.update(
        uploaded, name="SIGNING", type="secret_key", format="raw", algorithm={"name": "HMAC", "hash": "SHA-256"},
        usages=["sign", "verify"], key_base64="c2VjcmV0LWtleQ==", **kw,
    )
    assert put.name == "SIGNING" and "c2VjcmV0" not in repr(put)
    stored = store.get_secret(ACCOUNT, "prod", uploaded, "SIGNING")
    assert stored["key_base64"] == "c2VjcmV0LWtleQ==" and stored["usages"] == ["sign", "verify"]
    listed = [s if isinstance(s, dict) else s.to_dict() for s in ns.scripts.secrets.list(uploaded, **kw)]
    assert {"name": "SIGNING", "type": "secret_key"} in [{k: v for k, v in d.items() if k in ("name", "type")} for d in listed]
    assert "c2VjcmV0" not in repr(listed)


def test_secret_names_url_encoded(ns, uploaded: str, store: NamespaceStore) -> None:
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    ns.scripts.secrets.update(uploaded, name="odd name", text="v", type="secret_text", **kw)
    got = ns.scripts.secrets.get("odd%20name", script_name=uploaded, url_encoded=True, **kw)
    assert got.name == "odd name"
    ns.scripts.secrets.delete("odd%20name", script_name=uploaded, url_encoded=True, **kw)
    assert [b["name"] for b in store.get_script(ACCOUNT, "prod", uploaded).secrets] == ["API_KEY"]


def test_secrets_bulk_update(ns, uploaded: str, store: NamespaceStore) -> None:
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    result = ns.scripts.secrets.bulk_update(
        uploaded,
        secrets={"A": {"name": "A", "type": "secret_text", "text": "1"}, "API_KEY": None},
        **kw,
    )
    # SDK 5.9 leaves this discriminated union as plain dicts
    assert [s if isinstance(s, dict) else s.to_dict() for s in result] == [{"name": "A", "type": "secret_text"}]
    assert store.get_secret(ACCOUNT, "prod", uploaded, "A")["text"] == "1"
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.secrets.get("API_KEY", script_name=uploaded, **kw)


def test_tags_round_trip(ns, uploaded: str) -> None:
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    assert list(ns.scripts.tags.list(uploaded, **kw)) == ["free", "customer-1"]
    assert list(ns.scripts.tags.update(uploaded, body=["a", "b"], **kw)) == ["a", "b"]
    assert list(ns.scripts.tags.list(uploaded, **kw)) == ["a", "b"]
    ns.scripts.tags.delete("a", script_name=uploaded, **kw)
    assert list(ns.scripts.tags.list(uploaded, **kw)) == ["b"]
    with pytest.raises(cloudflare.BadRequestError):
        ns.scripts.tags.update(uploaded, body=[f"t{i}" for i in range(9)], **kw)
    assert list(ns.scripts.tags.list(uploaded, **kw)) == ["b"]


def test_asset_upload_session(ns, uploaded: str) -> None:
    session = ns.scripts.asset_upload.create(
        uploaded,
        account_id=ACCOUNT,
        dispatch_namespace="prod",
        manifest={"/index.html": {"hash": "0" * 32, "size": 3}},
    )
    assert session is not None and session.jwt and session.jwt.count(".") == 2
    assert session.buckets == []
    with pytest.raises(cloudflare.NotFoundError):
        ns.scripts.asset_upload.create(
            uploaded, account_id=ACCOUNT, dispatch_namespace="missing",
            manifest={"/index.html": {"hash": "0" * 32, "size": 3}},
        )


def test_missing_script_sub_resources_are_not_found(ns) -> None:
    ns.create(account_id=ACCOUNT, name="prod")
    kw = {"account_id": ACCOUNT, "dispatch_namespace": "prod"}
    for call in (
        lambda: ns.scripts.get("ghost", **kw),
        lambda: ns.scripts.settings.get("ghost", **kw),
        lambda: list(ns.scripts.bindings.get("ghost", **kw)),
        lambda: list(ns.scripts.secrets.list("ghost", **kw)),
        lambda: list(ns.scripts.tags.list("ghost", **kw)),
    ):
        with pytest.raises(cloudflare.NotFoundError) as info:
            call()
        assert info.value.status_code == 404
        assert info.value.body["errors"][0]["code"] == 10007  # type: ignore[index]


#: Every dispatch-namespace method of the SDK, each driven by a test in this file.
SDK_METHODS_COVERED = {
    "create", "delete", "get", "list",
    "scripts.update", "scripts.get", "scripts.delete",
    "scripts.asset_upload.create", "scripts.bindings.get",
    "scripts.content.get", "scripts.content.update",
    "scripts.secrets.bulk_update", "scripts.secrets.delete", "scripts.secrets.get",
    "scripts.secrets.list", "scripts.secrets.update",
    "scripts.settings.edit", "scripts.settings.get",
    "scripts.tags.delete", "scripts.tags.list", "scripts.tags.update",
}


def test_every_sdk_method_is_covered() -> None:
    """Walk the installed SDK's resource tree: a new method must get a test here."""
    import inspect

    client = cloudflare.Cloudflare(api_token="x", base_url="http://emulator/client/v4")
    found: set[str] = set()

    def walk(resource: object, prefix: str) -> None:
        for name in dir(resource):
            if name.startswith("_") or name.startswith("with_"):
                continue
            attr = getattr(resource, name)
            if inspect.ismethod(attr) and attr.__self__ is resource:
                found.add(prefix + name)
            elif type(attr).__module__.startswith("cloudflare.resources"):
                walk(attr, f"{prefix}{name}.")

    walk(client.workers_for_platforms.dispatch.namespaces, "")
    assert found == SDK_METHODS_COVERED
    source = Path(__file__).read_text()
    for method in SDK_METHODS_COVERED:
        leaf = method.rsplit(".", 1)[-1]
        parent = method.rsplit(".", 1)[0] if "." in method else ""
        assert f"{parent}.{leaf}(" in source or (not parent and f"ns.{leaf}(" in source), method
