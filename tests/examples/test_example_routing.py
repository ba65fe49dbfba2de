"""The seed's dispatcher: subdomain → worker, 404 for a missing worker, 500 for a failing one."""

import pytest

from dispatch_emu.programs import worker_program
from dispatch_emu.testing import assert_dispatch_failed, assert_reached, assert_worker_not_found

HELLO = worker_program("respond", body=b"Hello from my-customer")
BROKEN = worker_program("trap", logs=["charging card"])


@pytest.mark.dispatch_namespace("customers", scripts={"my-customer": HELLO.wasm, "broken": BROKEN.wasm})
def test_routing(dispatch_emu_client, dispatch_emu_logs):
    response = dispatch_emu_client.get("http://my-customer.example.com/")
    assert response.get_data(as_text=True) == "Hello from my-customer"
    assert_reached(response, "my-customer")

    assert_worker_not_found(dispatch_emu_client.get("http://nobody.example.com/"))

    assert_dispatch_failed(dispatch_emu_client.get("http://broken.example.com/"), "Worker threw exception")
    assert dispatch_emu_logs("broken") == ["charging card"]
