"""wrangler itself against the live server: deploy into a namespace, manage namespaces.

Runs the pinned wrangler that ``node_tools`` installs with npm on first use (into a cache
shared by later runs); skipped only where node/npm are absent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.server import EmulatorServer
from tests.node_tools import node_env, wrangler_bin

ACCOUNT = "acc-wrangler"


@pytest.fixture
def server():
    with Emulator(load_entrypoints=False) as emu, EmulatorServer(emu, port=0) as srv:
        emu.namespace("customers", account_id=ACCOUNT)
        yield emu, srv


def wrangler(url: str, cwd: Path, *args: str) -> str:
    env = node_env(
        CLOUDFLARE_API_BASE_URL=f"{url}/client/v4",
        CLOUDFLARE_API_TOKEN="x",
        CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
        CI="true",
    )
    result = subprocess.run(
        [str(wrangler_bin()), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wrangler_deploy_into_a_dispatch_namespace(server, tmp_path: Path) -> None:
    emu, srv = server
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text(
        'export default { async fetch() { return new Response("hi from wrangler"); } };\n'
    )
    (tmp_path / "wrangler.toml").write_text(
        'name = "customer-one"\nmain = "src/index.js"\ncompatibility_date = "2025-01-01"\n'
    )
    out = wrangler(srv.url, tmp_path, "deploy", "--dispatch-namespace", "customers")
    script = emu.store.get_script(ACCOUNT, "customers", "customer-one")
    assert script.deployment_id in out  # wrangler prints the version id we answered
    assert script.main_module == "index.js" and script.settings["compatibility_date"] == "2025-01-01"
    content = httpx.get(
        f"{srv.url}/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces/customers/scripts/customer-one/content"
    )
    assert "hi from wrangler" in content.text


def test_wrangler_dispatch_namespace_commands(server, tmp_path: Path) -> None:
    emu, srv = server
    wrangler(srv.url, tmp_path, "dispatch-namespace", "create", "staging")
    assert "staging" in wrangler(srv.url, tmp_path, "dispatch-namespace", "list")
    assert "staging" in wrangler(srv.url, tmp_path, "dispatch-namespace", "get", "staging")
    wrangler(srv.url, tmp_path, "dispatch-namespace", "rename", "staging", "prod")
    assert [n.name for n in emu.store.list_namespaces(ACCOUNT)] == ["customers", "prod"]
    wrangler(srv.url, tmp_path, "dispatch-namespace", "delete", "prod")
    assert [n.name for n in emu.store.list_namespaces(ACCOUNT)] == ["customers"]
