"""mock_cloudflare: the moto-style switch, as decorator, context manager and start/stop."""

from __future__ import annotations

import os

import cloudflare
import httpx
import pytest

from dispatch_emu import Emulator
from dispatch_emu.switch import ENV_BASE_URL, ENV_TOKEN, ENV_WRANGLER_BASE_URL, mock_cloudflare


def deploy_customer(name: str) -> None:
    """Application code: it builds its own client and knows nothing of the emulator."""
    client = cloudflare.Cloudflare(max_retries=0)
    client.workers_for_platforms.dispatch.namespaces.create(account_id="demo-account", name=name)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (ENV_BASE_URL, ENV_WRANGLER_BASE_URL, ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)


def test_context_manager_routes_the_sdk_and_restores_the_environment() -> None:
    with mock_cloudflare() as emu:
        deploy_customer("acme")
        assert [n.name for n in emu.store.list_namespaces("demo-account")] == ["acme", "demo"]
        assert os.environ[ENV_WRANGLER_BASE_URL] == os.environ[ENV_BASE_URL]
    for name in (ENV_BASE_URL, ENV_WRANGLER_BASE_URL, ENV_TOKEN):
        assert name not in os.environ


def test_decorator_gives_each_call_a_fresh_emulator() -> None:
    seen = []

    @mock_cloudflare()
    def run() -> None:
        deploy_customer("acme")  # would fail with 'already exists' if state leaked between calls
        seen.append(os.environ[ENV_BASE_URL])

    run()
    run()
    assert len(seen) == 2 and ENV_BASE_URL not in os.environ


def test_start_stop_with_a_given_emulator_and_dispatch(worker_wasm, monkeypatch) -> None:
    monkeypatch.setenv(ENV_TOKEN, "mine")
    emu = Emulator(load_entrypoints=False)
    switch = mock_cloudflare(emu)
    assert switch.start() is emu
    try:
        assert os.environ[ENV_TOKEN] == "mine"  # an existing token is kept
        emu.namespace("demo").put_script("shop", wasm=worker_wasm("reactor/hello"))
        assert httpx.get(switch.url, headers={"Host": "shop.example.com"}).status_code == 200
        with pytest.raises(RuntimeError, match="already started"):
            switch.start()
    finally:
        switch.stop()
    assert os.environ[ENV_TOKEN] == "mine" and ENV_BASE_URL not in os.environ
    assert emu.store.has_namespace("demo-account", "demo")  # a given emulator is not closed or reset
    emu.close()
