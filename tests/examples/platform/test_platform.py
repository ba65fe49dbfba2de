"""A whole platform, in process: the seed's JavaScript dispatcher in front of the namespace.

The folder holds what a platform team's repository would: ``dispatcher/`` (the seed's
``src/index.js``, unchanged, with a ``[[dispatch_namespaces]]`` binding whose outbound is
``outbound/``) and two customer workers. ``dispatch_emu.deploy(path)`` uploads each
project as ``wrangler deploy`` would (no node needed); ``@pytest.mark.dispatch_emu_entry``
makes the dispatcher answer the test clients' requests. ``test_platform_wrangler.py``
deploys the same folder with real wrangler over a socket and checks the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch_emu.store import ModuleSource
from dispatch_emu.testing import ACCOUNT_ID

HERE = Path(__file__).resolve().parent
CUSTOMERS = ("shop", "broken")

pytestmark = pytest.mark.dispatch_emu_entry("platform")


@pytest.fixture
def platform(dispatch_emu):
    dispatch_emu.namespace("customers")
    dispatch_emu.deploy(HERE / "dispatcher")
    dispatch_emu.deploy(HERE / "outbound")
    for customer in CUSTOMERS:
        dispatch_emu.deploy(HERE / "customers" / customer, dispatch_namespace="customers")
    return dispatch_emu


def test_a_customer_answers_through_the_seed_dispatcher(platform, dispatch_emu_client) -> None:
    response = dispatch_emu_client.get("http://shop.example.com/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Welcome to the shop"
    assert response.headers["x-customer"] == "shop"
    assert response.headers.getlist("set-cookie") == ["cart=1"]


def test_an_unknown_customer_is_404_with_an_empty_body(platform, dispatch_emu_client) -> None:
    response = dispatch_emu_client.get("http://nobody.example.com/")
    assert response.status_code == 404 and response.get_data() == b""


def test_a_throwing_customer_is_500_with_its_message(platform, dispatch_emu_client, dispatch_emu_logs) -> None:
    response = dispatch_emu_client.get("http://broken.example.com/")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "payment backend unavailable"
    assert dispatch_emu_logs("broken") == ["charging card"]  # the customer's own log, attributed to it
    assert dispatch_emu_logs("platform") == []


def test_a_deleted_customer_is_404_at_once(platform, dispatch_emu_client) -> None:
    assert dispatch_emu_client.get("http://shop.example.com/").status_code == 200
    path = f"/client/v4/accounts/{ACCOUNT_ID}/workers/dispatch/namespaces/customers/scripts/shop"
    assert dispatch_emu_client.delete(path).status_code == 200
    response = dispatch_emu_client.get("http://shop.example.com/")
    assert response.status_code == 404 and response.get_data() == b""


def test_customer_subrequests_go_through_the_outbound_worker(platform, dispatch_emu_client) -> None:
    response = dispatch_emu_client.get("http://shop.example.com/price")
    assert response.headers["x-via"] == "platform-outbound"
    # the seed's dispatcher passes no outbound params: the declared one is absent
    assert json.loads(response.get_data()) == {
        "url": "https://prices.example.com/v1/shop", "method": "GET", "customer": None,
    }


def test_outbound_params_from_the_dispatcher_are_seen(platform, dispatch_emu_client) -> None:
    # the seed, with its one get() call passing the customer's name as the outbound param
    seed = (HERE / "dispatcher" / "src" / "index.js").read_text()
    call = "env.dispatcher.get(workerName)"
    assert seed.count(call) == 1
    variant = seed.replace(call, "env.dispatcher.get(workerName, {}, { outbound: { customer: workerName } })")
    workers = platform.workers()
    bindings = list(workers.get_script("platform").bindings)
    workers.put_script("platform", modules=[ModuleSource("index.js", "application/javascript+module",
                                                         variant.encode())], bindings=bindings)
    response = dispatch_emu_client.get("http://shop.example.com/price")
    assert json.loads(response.get_data())["customer"] == "shop"


def test_the_dispatcher_must_be_deployed_first(dispatch_emu, dispatch_emu_client) -> None:
    response = dispatch_emu_client.get("http://shop.example.com/")
    assert response.status_code == 503 and "'platform'" in response.get_data(as_text=True)


def test_the_same_over_the_live_server(platform, dispatch_emu_url) -> None:
    import httpx

    shop = httpx.get(f"{dispatch_emu_url}/", headers={"Host": "shop.example.com"})
    assert shop.status_code == 200 and shop.text == "Welcome to the shop"
    nobody = httpx.get(f"{dispatch_emu_url}/", headers={"Host": "nobody.example.com"})
    assert nobody.status_code == 404 and nobody.content == b""
