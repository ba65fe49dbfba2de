"""Deploy customer workers with the official Cloudflare SDK, then check them."""

from dispatch_emu.programs import worker_program
from dispatch_emu.testing import ACCOUNT_ID, assert_reached

SHOP = worker_program("respond", body=b"Welcome to the shop")


def test_deploy_customer_workers_with_the_sdk(dispatch_emu_sdk, dispatch_emu_httpx):
    namespaces = dispatch_emu_sdk.workers_for_platforms.dispatch.namespaces
    namespaces.create(account_id=ACCOUNT_ID, name="demo")

    for customer in ("acme", "globex"):
        namespaces.scripts.update(
            customer,
            account_id=ACCOUNT_ID,
            dispatch_namespace="demo",
            metadata={"main_module": "worker.wasm", "tags": ["paid"]},
            files=[("worker.wasm", SHOP.wasm, "application/wasm")],
        )

    assert namespaces.get("demo", account_id=ACCOUNT_ID).script_count == 2
    assert list(namespaces.scripts.tags.list("acme", account_id=ACCOUNT_ID, dispatch_namespace="demo")) == ["paid"]

    response = dispatch_emu_httpx.get("http://acme.localhost/")  # the seed's dispatcher: subdomain → worker
    assert response.text == "Welcome to the shop"
    assert_reached(response, "acme")
