"""dispatch_emu.clients without pytest fixtures: what the plugin's clients are made of."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from dispatch_emu.clients import DispatcherSlot, LiveProxy, dispatch_client, httpx_client
from dispatch_emu.emulator import Emulator
from dispatch_emu.programs import worker_program
from dispatch_emu.server import EmulatorServer

SHOP = worker_program("respond", body=b"shop")


@pytest.fixture(scope="module")
def emulator():
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace().put_script("shop", wasm=SHOP.wasm)
        yield emu


def test_the_absolute_url_client_keeps_the_host(emulator):
    app = emulator.app(emulator.dispatcher())
    assert dispatch_client(app).get("http://shop.localhost/?a=1").get_data() == b"shop"
    assert Client(app).get("http://shop.localhost/").status_code == 404  # werkzeug's own drops the host


def test_httpx_in_process_and_over_a_live_server(emulator):
    app = emulator.app(emulator.dispatcher())
    with httpx_client(app) as http:
        assert http.get("http://shop.localhost/").text == "shop"
    with EmulatorServer(emulator, dispatcher=emulator.dispatcher()) as server:
        assert server.port != 0 and server.url.endswith(f":{server.port}")
        with httpx_client(server_url=server.url) as http:
            assert http.get("http://shop.localhost/").text == "shop"  # Host kept, socket to 127.0.0.1
        with LiveProxy(server.url) as proxy:
            assert dispatch_client(proxy).get("http://shop.localhost/").get_data() == b"shop"
        assert proxy.http.is_closed
    with pytest.raises(TypeError, match="either app or server_url"):
        httpx_client()


def test_the_server_port_is_the_bound_one_after_start(emulator):
    server = EmulatorServer(emulator, port=0)
    assert server.port == 0
    with server:
        assert server.port > 0


def test_the_slot_serves_what_is_put_in_it(emulator):
    slot = DispatcherSlot()
    client = dispatch_client(slot)
    assert client.get("http://shop.localhost/").status_code == 503
    slot.app = emulator.dispatcher()
    assert client.get("http://shop.localhost/").get_data() == b"shop"


def test_the_live_mode_proxy_is_closed_after_the_test(pytester: pytest.Pytester):
    pytester.makepyfile('''
        import dispatch_emu.clients as clients

        OPENED = []
        real_init = clients.LiveProxy.__init__

        def recording_init(self, url):
            real_init(self, url)
            OPENED.append(self)

        clients.LiveProxy.__init__ = recording_init

        def test_one(dispatch_emu_client):
            assert dispatch_emu_client.get("http://nobody.localhost/").status_code == 404

        def test_after():
            assert OPENED and all(proxy.http.is_closed for proxy in OPENED)
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--dispatch-emu-live")
    result.assert_outcomes(passed=2)
