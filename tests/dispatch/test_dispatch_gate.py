"""The gate is released around user Python: an outbound handler may call the emulator's own
live server, whose thread must dispatch another worker while the first one waits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from werkzeug import Response

from dispatch_emu.emulator import Emulator
from dispatch_emu.runtime import RuntimeSettings
from dispatch_emu.server import EmulatorServer

JS = Path(__file__).resolve().parents[1] / "workers" / "js"


@pytest.fixture
def live(worker_wasm):
    settings = RuntimeSettings(cpu_ms=1000, wall_ms=3000)
    with Emulator(runtime_settings=settings, load_entrypoints=False) as emu:
        ns = emu.namespace("customers")
        ns.put_script("hello", wasm=worker_wasm("reactor/hello"))
        with EmulatorServer(emu, dispatcher=emu.dispatcher("customers")) as server:
            yield emu, ns, server


def through_the_server(server: EmulatorServer, calls: list[float]):
    """A Python outbound handler that forwards every subrequest to ``hello`` on the live server."""

    def handler(request) -> Response:
        started = time.monotonic()
        answer = httpx.get(f"{server.url}/", headers={"Host": "hello.localhost"}, timeout=10)
        calls.append(time.monotonic() - started)
        return Response(answer.content, status=answer.status_code)

    return handler


def test_a_wasm_worker_reaches_the_live_server_through_a_python_outbound(live, worker_wasm) -> None:
    emu, ns, server = live
    calls: list[float] = []
    ns.put_script("caller", wasm=worker_wasm("reactor/subrequest"))
    binding = ns.binding(outbound=through_the_server(server, calls))
    response = binding.get("caller").fetch("https://caller.example.com/")
    hello = httpx.get(f"{server.url}/", headers={"Host": "hello.localhost"}).content
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == hello + b"\n"  # one line per subrequest: its body
    assert len(calls) == 1 and calls[0] < 2.0  # answered, not after the 3 s wall limit


def test_a_javascript_worker_reaches_the_live_server_through_a_python_outbound(live) -> None:
    pytest.importorskip("quickjs_rs")
    emu, ns, server = live
    calls: list[float] = []
    from dispatch_emu.store import ModuleSource

    source = (JS / "subrequests.js").read_bytes()
    ns.put_script("caller", modules=[ModuleSource("index.js", "application/javascript+module", source)])
    binding = ns.binding(outbound=through_the_server(server, calls))
    response = binding.get("caller").fetch("https://caller.example.com/?n=2")
    assert response.status_code == 200, response.get_data(as_text=True)
    results = json.loads(response.get_data())
    hello = httpx.get(f"{server.url}/", headers={"Host": "hello.localhost"}).text
    assert [r["text"] for r in results] == [hello, hello]
    assert len(calls) == 2 and max(calls) < 2.0
