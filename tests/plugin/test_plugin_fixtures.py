"""The fixtures of the pytest plugin, used the way a user's test uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_emu.programs import worker_program
from dispatch_emu.testing import ACCOUNT_ID

HELLO = worker_program("respond", body=b"hello", logs=["greeting"])
BYE = worker_program("respond", status=410, body=b"bye")


def test_function_fixture_is_the_session_emulator(dispatch_emu, dispatch_emu_session):
    assert dispatch_emu is dispatch_emu_session
    assert dispatch_emu.store.accounts() == []  # reset before the test


def test_seed_from_bytes(dispatch_emu, dispatch_emu_seed):
    handle = dispatch_emu_seed(HELLO.wasm, name="hello", tags=["free"])
    assert handle.name == "demo" and handle.account_id == ACCOUNT_ID
    assert handle.script_names() == ["hello"]
    assert handle.get_script("hello").tags == ("free",)


def test_seed_from_bytes_needs_a_name(dispatch_emu_seed):
    with pytest.raises(TypeError, match="name="):
        dispatch_emu_seed(HELLO.wasm)


def test_seed_from_file_directory_mapping_and_list(dispatch_emu_seed, tmp_path: Path):
    (tmp_path / "shop.wasm").write_bytes(HELLO.wasm)
    (tmp_path / "blog.wasm").write_bytes(BYE.wasm)
    (tmp_path / "notes.txt").write_text("not a worker")
    one = dispatch_emu_seed(tmp_path / "shop.wasm", namespace="one")
    assert one.script_names() == ["shop"]
    renamed = dispatch_emu_seed(str(tmp_path / "shop.wasm"), namespace="renamed", name="store")
    assert renamed.script_names() == ["store"]
    every = dispatch_emu_seed(tmp_path, namespace="every", tags={"blog": ["news"]})
    assert every.script_names() == ["blog", "shop"]
    assert every.get_script("blog").tags == ("news",) and every.get_script("shop").tags == ()
    mapping = dispatch_emu_seed({"a": HELLO.wasm, "b": tmp_path / "blog.wasm"}, namespace="mapping")
    assert mapping.script_names() == ["a", "b"]
    listed = dispatch_emu_seed([tmp_path / "blog.wasm"], namespace="listed", account_id="other")
    assert listed.account_id == "other" and listed.script_names() == ["blog"]


def test_seed_reports_missing_files_and_empty_directories(dispatch_emu_seed, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="missing.wasm"):
        dispatch_emu_seed(tmp_path / "missing.wasm")
    with pytest.raises(FileNotFoundError, match="no \\*.wasm"):
        dispatch_emu_seed(tmp_path)


def test_seed_passes_bindings_secrets_and_limits(dispatch_emu_seed):
    handle = dispatch_emu_seed({"w": HELLO.wasm}, bindings={"GREETING": "hi"}, secrets={"TOKEN": "s3"},
                               limits={"cpu_ms": 7})
    script = handle.get_script("w")
    names = {b["name"]: b["type"] for b in script.bindings}
    assert names == {"GREETING": "plain_text", "TOKEN": "secret_text"}
    assert script.settings["limits"] == {"cpu_ms": 7}


@pytest.mark.dispatch_namespace("customers", scripts={"shop": HELLO.wasm, "blog": BYE.wasm},
                                tags={"shop": ["paid"]}, trusted_workers=True)
def test_marker_seeds_a_namespace(dispatch_emu, dispatch_emu_namespace):
    assert dispatch_emu_namespace.name == "customers"
    assert dispatch_emu_namespace.script_names() == ["blog", "shop"]
    assert dispatch_emu_namespace.get_script("shop").tags == ("paid",)
    assert dispatch_emu.store.get_namespace(ACCOUNT_ID, "customers").trusted_workers is True


@pytest.mark.dispatch_namespace("a", scripts={"x": HELLO.wasm}, account_id="acc-1", tags=["t1", "t2"])
@pytest.mark.dispatch_namespace("b")
def test_several_markers_seed_several_namespaces(dispatch_emu):
    assert [n.name for n in dispatch_emu.store.list_namespaces("acc-1")] == ["a"]
    assert dispatch_emu.namespace("a", account_id="acc-1").get_script("x").tags == ("t1", "t2")
    assert [n.name for n in dispatch_emu.store.list_namespaces(ACCOUNT_ID)] == ["b"]



@pytest.mark.dispatch_namespace(scripts={"hello": HELLO.wasm})
def test_marker_without_a_name_uses_demo(dispatch_emu_namespace):
    assert dispatch_emu_namespace.name == "demo"
    assert "hello" in dispatch_emu_namespace


@pytest.mark.dispatch_namespace("customers", scripts={"shop": HELLO.wasm, "blog": BYE.wasm})
def test_werkzeug_client_routes_by_subdomain(dispatch_emu_client, dispatch_emu_logs):
    shop = dispatch_emu_client.get("http://shop.localhost/any/path?q=1")
    assert (shop.status_code, shop.get_data()) == (200, b"hello")
    blog = dispatch_emu_client.post("/", base_url="http://blog.localhost", data=b"x")
    assert (blog.status_code, blog.get_data()) == (410, b"bye")
    assert dispatch_emu_logs("shop") == ["greeting"]
    assert dispatch_emu_logs("blog") == []


@pytest.mark.dispatch_namespace("customers", scripts={"shop": HELLO.wasm})
def test_httpx_client_routes_by_subdomain(dispatch_emu_httpx):
    assert str(dispatch_emu_httpx.base_url) == "http://demo.localhost"
    response = dispatch_emu_httpx.get("http://shop.localhost/")
    assert (response.status_code, response.content) == (200, b"hello")
    assert dispatch_emu_httpx.get("/").status_code == 404  # worker "demo" does not exist


def test_clients_reach_the_rest_api(dispatch_emu, dispatch_emu_httpx):
    dispatch_emu.namespace("customers")
    listed = dispatch_emu_httpx.get(f"/client/v4/accounts/{ACCOUNT_ID}/workers/dispatch/namespaces").json()
    assert listed["success"] is True
    assert [n["namespace_name"] for n in listed["result"]] == ["customers"]


def test_sdk_is_wired_to_the_emulator(dispatch_emu, dispatch_emu_sdk):
    namespaces = dispatch_emu_sdk.workers_for_platforms.dispatch.namespaces
    created = namespaces.create(account_id=ACCOUNT_ID, name="from-sdk")
    assert created.namespace_name == "from-sdk"
    assert dispatch_emu.store.has_namespace(ACCOUNT_ID, "from-sdk")


@pytest.mark.dispatch_namespace(scripts={"hello": HELLO.wasm})
def test_live_server_serves_the_test_state(dispatch_emu_url, dispatch_emu_server):
    import httpx

    assert dispatch_emu_url == dispatch_emu_server.url
    assert dispatch_emu_url.startswith("http://127.0.0.1:")
    response = httpx.get(dispatch_emu_url + "/", headers={"Host": "hello.localhost"})
    assert (response.status_code, response.content) == (200, b"hello")
    missing = httpx.get(dispatch_emu_url + "/", headers={"Host": "nobody.localhost"})
    assert (missing.status_code, missing.content) == (404, b"")


def test_plugins_fixture_registers_for_one_test(dispatch_emu, dispatch_emu_plugins):
    class Marker:
        pass

    plugin = dispatch_emu_plugins.register(Marker(), name="only-here")
    assert dispatch_emu.plugins.get_plugin("only-here") is plugin
    dispatch_emu_plugins.unregister_all()
    assert dispatch_emu.plugins.get_plugin("only-here") is None


@pytest.mark.dispatch_namespace("later", create=False)
def test_marker_create_false_binds_without_creating(dispatch_emu, dispatch_emu_namespace, dispatch_emu_client):
    assert not dispatch_emu.store.has_namespace(ACCOUNT_ID, "later")
    assert dispatch_emu_namespace.name == "later"
    assert dispatch_emu_client.get("http://w.localhost/").status_code == 404
    dispatch_emu.namespace("later").put_script("w", wasm=HELLO.wasm)  # what the code under test would do
    assert dispatch_emu_client.get("http://w.localhost/").get_data() == b"hello"
    assert "w" in dispatch_emu_namespace


def test_marker_create_false_refuses_scripts(pytester: pytest.Pytester):
    pytester.makepyfile('''
        import pytest

        @pytest.mark.dispatch_namespace("later", create=False, scripts={"w": b"x"})
        def test_it(dispatch_emu):
            pass
    ''')
    # in a subprocess: an in-process pytest session would reset the signal handlers wasmtime traps on
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*create=False, ...) only binds the dispatcher; it cannot also take scripts*"])
