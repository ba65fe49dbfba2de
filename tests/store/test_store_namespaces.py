from __future__ import annotations

import threading

import pytest

from dispatch_emu.errors import NamespaceAlreadyExists, NamespaceNotFound, ScriptNotFound, ValidationError
from dispatch_emu.store import ModuleSource, NamespaceStore, ScriptUpload

JS = "application/javascript+module"


def upload(body: bytes = b"export default {}", **metadata) -> ScriptUpload:
    return ScriptUpload([ModuleSource("index.js", JS, body)], {"main_module": "index.js", **metadata})


@pytest.fixture
def store() -> NamespaceStore:
    s = NamespaceStore()
    s.create_namespace("acc", "ns")
    return s


def test_namespace_lifecycle(store: NamespaceStore) -> None:
    ns = store.get_namespace("acc", "ns")
    assert ns.name == "ns" and ns.script_count == 0 and not ns.trusted_workers
    assert len(ns.namespace_id) == 36
    store.put_script("acc", "ns", "w1", upload())
    assert store.get_namespace("acc", "ns").script_count == 1
    renamed = store.update_namespace("acc", "ns", new_name="ns2", trusted_workers=True)
    assert renamed.namespace_id == ns.namespace_id and renamed.trusted_workers
    assert store.get_script("acc", "ns2", "w1").name == "w1"
    with pytest.raises(NamespaceNotFound):
        store.get_namespace("acc", "ns")
    store.delete_namespace("acc", "ns2")
    assert store.list_namespaces("acc") == []
    assert store.blob_count == 0  # the scripts' bytes went with the namespace


def test_duplicate_namespace_and_generated_name(store: NamespaceStore) -> None:
    with pytest.raises(NamespaceAlreadyExists, match="already exists"):
        store.create_namespace("acc", "ns")
    generated = store.create_namespace("acc")
    assert generated.name.startswith("namespace-")


def test_accounts_are_isolated(store: NamespaceStore) -> None:
    store.create_namespace("other", "ns")
    store.put_script("acc", "ns", "w1", upload())
    assert store.find_script("other", "ns", "w1") is None
    assert [n.name for n in store.list_namespaces("other")] == ["ns"]


@pytest.mark.parametrize("name", ["", "UPPER", "-lead", "a/b", "x" * 64, "sp ace"])
def test_bad_script_names_are_refused(store: NamespaceStore, name: str) -> None:
    with pytest.raises(ValidationError):
        store.put_script("acc", "ns", name, upload())
    assert store.get_namespace("acc", "ns").script_count == 0


def test_upload_replaces_and_keeps_identity(store: NamespaceStore) -> None:
    first = store.put_script("acc", "ns", "w1", upload(b"v1", tags=["a"]))
    second = store.put_script("acc", "ns", "w1", upload(b"v2"))
    assert second.tag == first.tag and second.created_on == first.created_on
    assert second.etag != first.etag and second.deployment_id != first.deployment_id
    assert second.tags == ("a",)  # an upload without tags keeps them
    assert store.module_bytes(second.main) == b"v2"
    assert store.blob_count == 1  # v1 was released


def test_etag_is_a_hash_of_the_content(store: NamespaceStore) -> None:
    a = store.put_script("acc", "ns", "w1", upload(b"same"))
    b = store.put_script("acc", "ns", "w2", upload(b"same", tags=["x"]))
    assert a.etag == b.etag


@pytest.mark.parametrize(
    "metadata,match",
    [
        ({"main_module": "missing.js"}, "names no uploaded part"),
        ({"main_module": "index.js", "tags": ["a,b"]}, "may not contain"),
        ({"main_module": "index.js", "tags": [str(i) for i in range(9)]}, "at most 8"),
        ({"main_module": "index.js", "bindings": [{"name": "X", "type": "plain_text"}]}, "needs a 'text'"),
        ({"main_module": "index.js", "compatibility_date": "yesterday"}, "compatibility_date"),
        ({"main_module": "index.js", "limits": {"cpu_ms": -1}}, "cpu_ms"),
    ],
)
def test_invalid_uploads_store_nothing(store: NamespaceStore, metadata, match: str) -> None:
    store.put_script("acc", "ns", "keep", upload(b"kept"))
    before = store.snapshot()
    bad = ScriptUpload([ModuleSource("index.js", JS, b"x")], metadata)
    with pytest.raises(ValidationError, match=match):
        store.put_script("acc", "ns", "w1", bad)
    assert store.snapshot() == before


def test_validators_run_before_anything_is_written(store: NamespaceStore) -> None:
    def refuse(up: ScriptUpload, account: str, namespace: str) -> None:
        raise ValidationError(f"refused {namespace}")

    store.validators.append(refuse)
    with pytest.raises(ValidationError, match="refused ns"):
        store.put_script("acc", "ns", "w1", upload())
    assert store.find_script("acc", "ns", "w1") is None and store.blob_count == 0


def test_module_bytes_are_stored_once(store: NamespaceStore) -> None:
    for i in range(50):
        store.put_script("acc", "ns", f"w{i}", upload(b"shared body"))
    assert store.blob_count == 1
    refs = {id(store.get_script("acc", "ns", f"w{i}").main) for i in range(50)}
    assert len(refs) == 1  # the ModuleRef itself is shared too
    for i in range(49):
        store.delete_script("acc", "ns", f"w{i}")
    assert store.module_bytes(store.get_script("acc", "ns", "w49").main) == b"shared body"


def test_delete_script(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload())
    store.delete_script("acc", "ns", "w1")
    with pytest.raises(ScriptNotFound):
        store.get_script("acc", "ns", "w1")
    with pytest.raises(ScriptNotFound):
        store.delete_script("acc", "ns", "w1")


def test_bindings_keep_and_inherit(store: NamespaceStore) -> None:
    store.put_script(
        "acc", "ns", "w1",
        upload(bindings=[{"name": "A", "type": "plain_text", "text": "a"},
                         {"name": "S", "type": "secret_text", "text": "s"}]),
    )
    store.put_secret("acc", "ns", "w1", "T", "t")
    second = store.put_script(
        "acc", "ns", "w1",
        upload(bindings=[{"name": "A2", "type": "inherit", "old_name": "A"}], keep_bindings=["secret_text"]),
    )
    assert {b["name"]: b.get("text") for b in second.bindings} == {"A2": "a", "S": "s", "T": "t"}
    with pytest.raises(ValidationError, match="inherits"):
        up = upload(bindings=[{"name": "Z", "type": "inherit"}])
        up.bindings_inherit = "strict"
        store.put_script("acc", "ns", "w1", up)


def test_secrets(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload())
    store.put_secret("acc", "ns", "w1", "A", "1")
    store.bulk_secrets("acc", "ns", "w1", {"B": {"name": "B", "type": "secret_text", "text": "2"}, "A": None})
    assert [s["name"] for s in store.get_script("acc", "ns", "w1").secrets] == ["B"]
    assert store.get_secret("acc", "ns", "w1", "B")["text"] == "2"
    store.delete_secret("acc", "ns", "w1", "B")
    with pytest.raises(Exception, match="not found"):
        store.get_secret("acc", "ns", "w1", "B")


def test_settings_patch_is_partial(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload(compatibility_date="2024-01-01",
                                              bindings=[{"name": "S", "type": "secret_text", "text": "v"}]))
    script = store.update_settings("acc", "ns", "w1", {"limits": {"cpu_ms": 50}, "logpush": True,
                                                        "bindings": [{"name": "S", "type": "secret_text"}]})
    assert script.settings["limits"] == {"cpu_ms": 50} and script.settings["logpush"] is True
    assert script.settings["compatibility_date"] == "2024-01-01"
    assert script.binding("S")["text"] == "v"  # a secret sent without text keeps its value
    with pytest.raises(ValidationError, match="Unknown settings"):
        store.update_settings("acc", "ns", "w1", {"bogus": 1})


def test_tags(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload())
    store.set_tags("acc", "ns", "w1", ["a", "b"])
    store.add_tag("acc", "ns", "w1", "c")
    store.remove_tag("acc", "ns", "w1", "a")
    assert store.get_script("acc", "ns", "w1").tags == ("b", "c")
    store.set_tags("acc", "ns", "w1", [str(i) for i in range(8)])
    with pytest.raises(ValidationError, match="at most 8"):
        store.add_tag("acc", "ns", "w1", "one-more")


def test_content_replacement_keeps_settings(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload(b"v1", bindings=[{"name": "A", "type": "plain_text", "text": "a"}]))
    new = store.put_content("acc", "ns", "w1", ScriptUpload([ModuleSource("main.js", JS, b"v2")], {"main_module": "main.js"}))
    assert new.main_module == "main.js" and new.binding("A") is not None
    assert store.module_bytes(new.main) == b"v2"


def test_snapshot_restore_round_trip(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload(b"\x00asm binary", tags=["t"]))
    store.put_secret("acc", "ns", "w1", "S", "secret")
    snap = store.snapshot()
    import json
    restored = NamespaceStore()
    restored.restore(json.loads(json.dumps(snap)))
    script = restored.get_script("acc", "ns", "w1")
    assert script == store.get_script("acc", "ns", "w1")
    assert restored.module_bytes(script.main) == b"\x00asm binary"
    store.reset()
    assert store.list_namespaces("acc") == []
    store.restore(snap)
    assert store.get_script("acc", "ns", "w1").tags == ("t",)


def test_concurrent_writers_lose_nothing(store: NamespaceStore) -> None:
    def writer(worker: int) -> None:
        for i in range(100):
            store.put_script("acc", "ns", f"w{worker}-{i}", upload(f"{worker}".encode(), tags=[f"t{worker}"]))
            if i % 3 == 0:
                store.delete_script("acc", "ns", f"w{worker}-{i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get_namespace("acc", "ns").script_count == 8 * 66
    assert store.blob_count == 8


def test_restore_of_a_bad_snapshot_changes_nothing(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload(b"kept"))
    before = store.snapshot()
    broken = store.snapshot()
    broken["accounts"]["acc"][0]["scripts"][0]["modules"][0]["digest"] = "0" * 64  # no such blob
    with pytest.raises(ValidationError, match="Malformed snapshot"):
        store.restore(broken)
    with pytest.raises(ValidationError, match="version"):
        store.restore({"version": 99})
    assert store.snapshot() == before


def test_secret_keys_are_stored_with_their_fields(store: NamespaceStore) -> None:
    store.put_script("acc", "ns", "w1", upload())
    store.put_secret("acc", "ns", "w1", "K", type="secret_key",
                     extra={"format": "raw", "algorithm": {"name": "HMAC"}, "usages": ["sign"], "key_base64": "AAAA"})
    secret = store.get_secret("acc", "ns", "w1", "K")
    assert secret["type"] == "secret_key" and secret["key_base64"] == "AAAA"
    with pytest.raises(ValidationError, match="key_base64"):
        store.put_secret("acc", "ns", "w1", "K2", type="secret_key", extra={"format": "raw"})
