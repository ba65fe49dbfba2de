"""``dispatch_emu._projects``: a wrangler.toml project read as wrangler 4 would upload it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_emu import Emulator
from dispatch_emu._projects import read_project
from dispatch_emu.emulator import DEFAULT_ACCOUNT
from dispatch_emu.store import ACCOUNT_WORKERS

CONFIG = """
name = "platform"
main = "src/index.js"
compatibility_date = "2024-09-23"
compatibility_flags = ["nodejs_compat"]

[vars]
GREETING = "hi"
LIMITS = { max = 3 }

[[dispatch_namespaces]]
binding = "dispatcher"
namespace = "customers"
outbound = { service = "outbound", parameters = ["customer", "plan"] }

[[services]]
binding = "AUTH"
service = "auth"

[[kv_namespaces]]
binding = "CACHE"
id = "abc123"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "wrangler.toml").write_text(CONFIG)
    (tmp_path / "src" / "index.js").write_text('import { hi } from "./lib/hi.js";\nexport default { fetch() { return new Response(hi); } };\n')
    (tmp_path / "src" / "lib" / "hi.js").write_text('export const hi = "hi from a module";\n')
    (tmp_path / "src" / "notes.md").write_text("not a module")
    return tmp_path


def test_bindings_and_modules_as_wrangler_sends_them(project: Path) -> None:
    read = read_project(project)
    assert read.name == "platform" and read.main_module == "index.js"
    assert sorted(m.name for m in read.modules) == ["index.js", "lib/hi.js"]
    assert read.metadata["compatibility_flags"] == ["nodejs_compat"]
    assert read.metadata["bindings"] == [
        {"name": "GREETING", "type": "plain_text", "text": "hi"},
        {"name": "LIMITS", "type": "json", "json": {"max": 3}},
        {"name": "dispatcher", "type": "dispatch_namespace", "namespace": "customers",
         "outbound": {"worker": {"service": "outbound"}, "params": [{"name": "customer"}, {"name": "plan"}]}},
        {"name": "AUTH", "type": "service", "service": "auth"},
        {"name": "CACHE", "type": "kv_namespace", "namespace_id": "abc123"},
    ]


def test_deploy_runs_with_relative_imports(project: Path) -> None:
    from werkzeug.test import Client

    with Emulator(load_entrypoints=False) as emu:
        script = emu.deploy(project)
        assert emu.store.get_script(DEFAULT_ACCOUNT, ACCOUNT_WORKERS, "platform") == script
        assert Client(emu.app(entry="platform")).get("/").get_data() == b"hi from a module"


@pytest.mark.parametrize(
    ("config", "message"),
    [("name = 'x'\n", "needs a 'name' and a 'main'"), ("name = 'x'\nmain = 'gone.js'\n", "not found"),
     ("name = [", "cannot read")],
)
def test_unusable_projects_say_why(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "wrangler.toml").write_text(config)
    with pytest.raises(ValueError, match=message):
        read_project(tmp_path)
