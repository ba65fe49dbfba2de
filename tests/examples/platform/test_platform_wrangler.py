"""The platform example deployed with real wrangler, then called over a socket.

The same folder as ``test_platform.py``, deployed the way a platform team does it:
``wrangler deploy`` for the dispatcher and the outbound Worker (regular Workers of the
account), ``wrangler deploy --dispatch-namespace customers`` for each customer. The
server's entry Worker is ``platform``, so every request goes through the seed's
JavaScript. Runs the pinned wrangler that ``node_tools`` installs on first use; skipped
only where node is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ACCOUNT_WORKERS
from tests.node_tools import node_env, wrangler_bin

HERE = Path(__file__).resolve().parent
ACCOUNT = "acc-platform"


@pytest.fixture
def server():
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace("customers", account_id=ACCOUNT)
        entry = emu.entry("platform", account_id=ACCOUNT)
        with EmulatorServer(emu, port=0, dispatcher=entry) as srv:
            yield emu, srv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # wrangler writes .wrangler/ into a project: work on a copy, never in the repository
    shutil.copytree(HERE, tmp_path / "platform", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return tmp_path / "platform"


def wrangler(url: str, cwd: Path, *args: str) -> str:
    env = node_env(
        CLOUDFLARE_API_BASE_URL=f"{url}/client/v4", CLOUDFLARE_API_TOKEN="x", CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
        CI="true",
    )
    result = subprocess.run(
        [str(wrangler_bin()), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def get(url: str, host: str, path: str = "/") -> httpx.Response:
    return httpx.get(f"{url}{path}", headers={"Host": f"{host}.example.com"}, timeout=30)


def test_the_platform_deployed_with_wrangler_answers_over_http(server, project: Path) -> None:
    emu, srv = server
    assert get(srv.url, "shop").status_code == 503  # no dispatcher deployed yet

    out = wrangler(srv.url, project / "dispatcher", "deploy")
    assert "platform" in out and "workers.dev" in out
    wrangler(srv.url, project / "outbound", "deploy")
    for customer in ("shop", "broken"):
        wrangler(srv.url, project / "customers" / customer, "deploy", "--dispatch-namespace", "customers")
    dispatcher = emu.store.get_script(ACCOUNT, ACCOUNT_WORKERS, "platform")
    assert dispatcher.binding("dispatcher") == {
        "name": "dispatcher", "type": "dispatch_namespace", "namespace": "customers",
        "outbound": {"worker": {"service": "outbound"}, "params": [{"name": "customer"}]},
    }

    shop = get(srv.url, "shop")
    assert shop.status_code == 200 and shop.text == "Welcome to the shop"
    assert shop.headers["x-customer"] == "shop" and shop.headers["set-cookie"] == "cart=1"

    nobody = get(srv.url, "nobody")
    assert nobody.status_code == 404 and nobody.content == b""

    broken = get(srv.url, "broken")
    assert broken.status_code == 500 and broken.text == "payment backend unavailable"

    price = get(srv.url, "shop", "/price")
    assert price.headers["x-via"] == "platform-outbound"
    assert price.json() == {"url": "https://prices.example.com/v1/shop", "method": "GET", "customer": None}

    # a re-deploy of the dispatcher (wrangler's versions + deployments calls) is live at once
    index = project / "dispatcher" / "src" / "index.js"
    index.write_text(index.read_text().replace(
        "env.dispatcher.get(workerName)", "env.dispatcher.get(workerName, {}, { outbound: { customer: workerName } })"
    ))
    wrangler(srv.url, project / "dispatcher", "deploy")
    assert get(srv.url, "shop", "/price").json()["customer"] == "shop"

    deleted = httpx.delete(
        f"{srv.url}/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces/customers/scripts/shop"
    )
    assert deleted.status_code == 200
    gone = get(srv.url, "shop")
    assert gone.status_code == 404 and gone.content == b""
