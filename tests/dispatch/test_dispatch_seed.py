"""The seed's dispatcher, end to end: subdomain routing, 404 empty, 500 with the message."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug import Response
from werkzeug.test import Client

from dispatch_emu.errors import WorkerNotFound

WORKERS = Path(__file__).parents[1] / "workers"


def client(emu, **options) -> Client:
    return Client(emu.dispatcher("customers", **options))


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_subdomain_reaches_the_worker(emu, ns, worker_wasm, abi) -> None:
    ns.put_script("shop", wasm=_load(abi, "hello"))
    response = client(emu).get("/cart?x=1", base_url="https://shop.example.com")
    assert response.status_code == 200
    assert response.get_data(as_text=True)
    assert [c.worker for c in emu.observer.calls()] == ["shop"]


def test_missing_worker_is_404_with_empty_body(emu, ns) -> None:
    response = client(emu).get("/", base_url="https://nobody.example.com")
    assert response.status_code == 404 and response.data == b""
    assert isinstance(emu.observer.last_call().error, WorkerNotFound)


@pytest.mark.parametrize("abi", ["reactor", "wagi"])
def test_trapping_worker_is_500_with_the_message(emu, ns, worker_wasm, abi) -> None:
    ns.put_script("broken", wasm=_load(abi, "trap"))
    response = client(emu).get("/", base_url="https://broken.example.com")
    error = emu.observer.last_call().error
    assert response.status_code == 500
    assert response.get_data(as_text=True) == error.message
    assert error.worker == "broken" and error.trap_code


def test_a_500_the_worker_returns_passes_through(emu, ns, worker_wasm) -> None:
    ns.put_script("picky", wasm=worker_wasm("reactor/status"))
    response = client(emu).get("/", base_url="https://picky.example.com")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "the worker chose to fail\n"
    assert response.headers["x-worker"] == "status"
    assert emu.observer.last_call().ok


def test_upload_and_delete_are_visible_to_the_next_dispatch(emu, ns, worker_wasm) -> None:
    app = client(emu)
    assert app.get("/", base_url="https://late.example.com").status_code == 404
    ns.put_script("late", wasm=worker_wasm("reactor/hello"))
    assert app.get("/", base_url="https://late.example.com").status_code == 200
    ns.put_script("late", wasm=worker_wasm("reactor/status"))
    assert app.get("/", base_url="https://late.example.com").status_code == 500
    ns.delete_script("late")
    assert app.get("/", base_url="https://late.example.com").status_code == 404


def test_get_returns_a_stub_at_once_and_fetch_raises_exactly(emu, ns) -> None:
    stub = ns.binding().get("ghost")
    with pytest.raises(WorkerNotFound) as caught:
        stub.fetch("https://ghost.example.com/")
    assert str(caught.value) == "Worker not found."
    assert caught.value.message.startswith("Worker not found")


def test_dispatcher_exception_is_cloudflare_1101(emu, ns) -> None:
    def fetch(request, env):
        raise KeyError("tenant")

    response = client(emu, fetch=fetch).get("/", base_url="https://shop.example.com")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert body.startswith("error code: 1101") and "KeyError" in body


def test_dispatcher_returning_garbage_is_1101(emu, ns) -> None:
    response = client(emu, fetch=lambda request, env: "not a response").get("/")
    assert response.status_code == 500 and "error code: 1101" in response.get_data(as_text=True)


def test_custom_dispatcher_sees_env_bindings(emu, ns, worker_wasm) -> None:
    ns.put_script("shop", wasm=worker_wasm("reactor/hello"))

    def fetch(request, env):
        if request.headers.get("Authorization") != env.TOKEN:
            return Response("denied", status=401)
        return env.dispatcher.get("shop").fetch(request)

    app = client(emu, fetch=fetch, env={"TOKEN": "s3cret"})
    assert app.get("/").status_code == 401
    assert app.get("/", headers={"Authorization": "s3cret"}).status_code == 200


def test_javascript_main_module_gives_a_clear_error(emu, ns) -> None:
    from dispatch_emu.store import ModuleSource

    ns.put_script("js", modules=[ModuleSource("index.js", "application/javascript+module", b"export default {}")])
    response = client(emu).get("/", base_url="https://js.example.com")
    assert response.status_code == 500
    # JavaScript workers run (tests/dispatch/test_dispatch_js.py); one with no handler fails clearly
    assert response.get_data(as_text=True) == (
        "Worker returned no Response: the default export has no fetch() handler."
    )


def _load(abi: str, name: str) -> bytes:
    return (WORKERS / abi / f"{name}.wasm").read_bytes()


def test_observer_keeps_a_bounded_history() -> None:
    from dispatch_emu.observe import DispatchRecord, Observer

    observer = Observer(max_records=3)
    for i in range(5):
        observer.logged("a", "n", "w", [f"line {i}"])
        observer.dispatched(DispatchRecord("a", "n", f"w{i}", 200, None, 0.0))
    assert observer.lines() == ["line 2", "line 3", "line 4"]
    assert [c.worker for c in observer.calls()] == ["w2", "w3", "w4"]


@pytest.mark.parametrize("host", ["my_shop.example.com", "MY_SHOP.Example.COM:8443"])
def test_subdomain_routing_reads_the_raw_host_like_a_url_parser(emu, ns, worker_wasm, host) -> None:
    # '_' is valid in script names; werkzeug's request.host rejects it, the seed's URL does not
    ns.put_script("my_shop", wasm=worker_wasm("reactor/echo"))
    response = client(emu).get("/p?q=1", headers={"Host": host})
    assert response.status_code == 200
    url = response.get_data(as_text=True).split("\n--\n")[1]
    assert url == f"http://{host.lower()}/p?q=1"


def _count(handle, name: str) -> str:
    return handle.binding().get(name).fetch(f"https://{name}.example.com/").get_data(as_text=True).strip()


def test_every_upload_is_a_new_deployment_with_fresh_instances(emu, ns, worker_wasm) -> None:
    counter = worker_wasm("reactor/counter")  # counts requests in a global while its instance lives
    ns.put_script("counter", wasm=counter)
    assert [_count(ns, "counter") for _ in range(3)] == ["1", "2", "3"]
    ns.put_script("counter", wasm=counter)  # the same bytes again: still a new deployment
    assert _count(ns, "counter") == "1"


def test_same_named_workers_of_two_namespaces_keep_their_own_instances(emu, worker_wasm) -> None:
    counter = worker_wasm("reactor/counter")
    first, second = emu.namespace("first"), emu.namespace("second")
    first.put_script("counter", wasm=counter)
    second.put_script("counter", wasm=counter)
    answers = [(_count(first, "counter"), _count(second, "counter")) for _ in range(3)]
    assert answers == [("1", "1"), ("2", "2"), ("3", "3")]
