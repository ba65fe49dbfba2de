"""tests/node_tools.py: skips only without node, fails loudly on npm errors, installs once.

A stand-in ``npm`` (a shell script on PATH) replaces the real one, so these run offline
and fast; the real install is exercised by the wrangler tests themselves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import node_tools

FAKE_NPM = """#!{python}
# stand-in npm: count installs, take a while, lay out node_modules/.bin like npm does
import os, sys, time
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
time.sleep(0.5)
{extra}
os.makedirs("node_modules/.bin", exist_ok=True)
with open("node_modules/.bin/faketool", "w") as tool:
    tool.write("#!/bin/sh\\necho fake-tool\\n")
os.chmod("node_modules/.bin/faketool", 0o755)
"""


def fake_path(tmp_path: Path, *, with_node: bool, npm_body: str = "") -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable, log=str(tmp_path / "npm.log"), extra=npm_body))
    npm.chmod(0o755)
    if with_node:
        real_node = shutil.which("node")
        if not real_node:
            pytest.skip("node is not installed")
        (bin_dir / "node").symlink_to(real_node)
    return str(bin_dir)  # nothing else: no real node or npm leaks in


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("DISPATCH_EMU_NODE_CACHE", str(root))
    return root


def test_missing_node_skips(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", fake_path(tmp_path, with_node=False))
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        node_tools.package_bin("faketool", version="1.0.0")
    with pytest.raises(node_tools.NodeUnavailable):
        node_tools.package_bin("faketool", version="1.0.0", skip=False)
    assert not (tmp_path / "npm.log").exists()


def test_npm_failure_is_an_error_not_a_skip(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PATH", fake_path(tmp_path, with_node=True, npm_body="sys.exit('E404 no such package')")
    )
    with pytest.raises(node_tools.NpmInstallError, match="E404 no such package"):
        node_tools.package_bin("faketool", version="1.0.0")
    # nothing half-installed is left to be mistaken for an install next time
    assert not (cache / "faketool-1.0.0").exists()


def test_installs_once_into_the_cache_and_reuses_it(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", fake_path(tmp_path, with_node=True))
    tool = node_tools.package_bin("faketool", version="1.0.0")
    assert tool == cache / "faketool-1.0.0" / "node_modules" / ".bin" / "faketool"
    assert subprocess.run([tool], capture_output=True, text=True).stdout == "fake-tool\n"
    assert node_tools.package_bin("faketool", version="1.0.0") == tool
    assert (tmp_path / "npm.log").read_text().split("\n")[0].endswith("faketool@1.0.0")
    assert len((tmp_path / "npm.log").read_text().splitlines()) == 1


def test_concurrent_workers_install_once(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what pytest -n 2 does: two processes ask for the same package at the same moment
    path = fake_path(tmp_path, with_node=True)
    code = "import node_tools; print(node_tools.package_bin('faketool', version='2.0.0', skip=False))"
    env = dict(os.environ, PATH=path, PYTHONPATH=str(Path(node_tools.__file__).parent))
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert len(set(outputs)) == 1 and outputs[0].endswith("faketool-2.0.0/node_modules/.bin/faketool")
    assert len((tmp_path / "npm.log").read_text().splitlines()) == 1


def test_old_node_is_treated_as_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_tools, "node_version", lambda: (18, 19, 0))
    with pytest.raises(node_tools.NodeUnavailable, match="node 18.19.0 is older than 20.3"):
        node_tools.check_node()
