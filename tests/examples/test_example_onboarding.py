import pytest

from dispatch_emu.testing import ACCOUNT_ID, assert_reached, assert_worker_not_found
from tests.examples.onboarding import Onboarding

WORKER = 'export default { fetch() { return new Response("Hello from acme") } };'


@pytest.mark.dispatch_namespace("customers", create=False)  # bind the dispatcher; the code creates it
def test_onboarding_creates_the_namespace_and_the_worker_answers(dispatch_emu_sdk, dispatch_emu_client):
    assert_worker_not_found(dispatch_emu_client.get("http://acme.localhost/"))  # nothing deployed yet

    Onboarding(dispatch_emu_sdk, ACCOUNT_ID).onboard("acme", WORKER, plan="paid")

    response = dispatch_emu_client.get("http://acme.localhost/")
    assert response.get_data(as_text=True) == "Hello from acme"
    assert_reached(response, "acme")
