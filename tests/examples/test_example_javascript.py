import pytest

from dispatch_emu.testing import assert_dispatch_failed, assert_reached, assert_worker_not_found


@pytest.mark.dispatch_namespace("customers", scripts="workers/")  # shop.js, and greeter/ with its wrangler.toml
def test_javascript_workers(dispatch_emu_client, dispatch_emu_logs):
    response = dispatch_emu_client.get("http://greeter.example.com/")
    assert response.get_data(as_text=True) == "Hello from greeter!"  # GREETING comes from [vars]
    assert_reached(response, "greeter")

    assert_worker_not_found(dispatch_emu_client.get("http://nobody.example.com/"))

    failed = dispatch_emu_client.get("http://greeter.example.com/boom")
    assert_dispatch_failed(failed, "Error: no greeting for /boom", worker="greeter")
    assert dispatch_emu_logs("greeter") == ["greeting /", "greeting /boom"]
