"""Node.js tooling for the tests that need it: pinned npm packages installed on first use.

Some tests drive real Node.js tools (wrangler, and through it workerd, Cloudflare's own
runtime). They must run in CI on any machine with node, so they install what they need
themselves instead of expecting it on PATH::

    from node_tools import wrangler_bin
    subprocess.run([wrangler_bin(), "deploy", ...])

- Each package is pinned (``PINNED``) and installed once per machine with npm into
  ``$DISPATCH_EMU_NODE_CACHE/<pkg>-<version>/`` (default ``~/.cache/dispatch_emu/node``).
  npm's own download cache (``~/.npm``) is used as usual, so a re-install is offline-fast.
- A file lock serialises the install, so ``pytest -n 2`` workers never race; the second
  worker waits and then finds the finished install (a ``.installed`` marker written last).
- Where node or npm is absent (or too old for the pinned wrangler) the calling test is
  skipped (``pytest.skip``). A failing ``npm install`` is an error, never a skip: CI must
  not turn green by skipping the tests it was meant to run.

Scripts outside pytest (``tests/fidelity/record.py``, ``benchmarks/js.py``) use the same
functions; they get ``NodeUnavailable`` instead of a skip when called through
``package_dir(..., skip=False)``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# wrangler 4.86.0 is the newest wrangler 4 that still runs on Node 20 (later releases
# need Node >= 22), and the release the facts in the workerd oracle notes were taken with.
WRANGLER_VERSION = "4.86.0"
WRANGLER_MIN_NODE = (20, 3)
PINNED: dict[str, str] = {"wrangler": WRANGLER_VERSION}
INSTALL_TIMEOUT = 900  # seconds; a cold install downloads workerd (~100 MB)


class NodeUnavailable(RuntimeError):
    """node or npm is missing (or too old) on this machine."""


class NpmInstallError(RuntimeError):
    """``npm install`` of a pinned package failed: an error to report, not a reason to skip."""


def cache_root() -> Path:
    """Where pinned npm packages are installed: ``$DISPATCH_EMU_NODE_CACHE`` or ``~/.cache/...``."""
    configured = os.environ.get("DISPATCH_EMU_NODE_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "dispatch_emu" / "node"
    return root.expanduser()


def node_version() -> tuple[int, int, int] | None:
    """The version of ``node`` on PATH, or None when there is none."""
    node = shutil.which("node")
    if not node:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
    if not match:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def check_node(min_version: tuple[int, int] = WRANGLER_MIN_NODE) -> None:
    """Raise ``NodeUnavailable`` unless node (at least ``min_version``) and npm are on PATH."""
    version = node_version()
    if version is None:
        raise NodeUnavailable("node is not installed (needed to run wrangler / workerd)")
    if version[:2] < min_version:
        found = ".".join(map(str, version))
        raise NodeUnavailable(f"node {found} is older than {'.'.join(map(str, min_version))}")
    if not shutil.which("npm"):
        raise NodeUnavailable("npm is not installed (needed to install wrangler)")


def node_env(**extra: str) -> dict[str, str]:
    """The environment for running node tools quietly and without telemetry."""
    return dict(
        os.environ,
        WRANGLER_SEND_METRICS="false",
        npm_config_update_notifier="false",
        npm_config_fund="false",
        npm_config_audit="false",
        **extra,
    )


def package_dir(name: str, version: str | None = None, *, skip: bool = True) -> Path:
    """The install prefix of ``name@version`` (``PINNED`` by default), installing it on first use.

    ``skip=True`` (tests) turns a missing node into ``pytest.skip``; ``skip=False`` (scripts)
    raises ``NodeUnavailable``. An npm failure raises ``NpmInstallError`` either way.
    """
    version = version or PINNED[name]
    try:
        check_node()
    except NodeUnavailable as missing:
        if skip:
            pytest.skip(str(missing))
        raise
    root = cache_root()
    target = root / f"{name.replace('/', '+')}-{version}"
    marker = target / ".installed"
    if marker.is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the install is complete
        if marker.is_file():  # another worker installed it while we waited
            return target
        _install(name, version, target)
        marker.write_text(f"{name}@{version}\n")
    return target


def _install(name: str, version: str, target: Path) -> None:
    if target.exists():  # a half-finished install from an interrupted run
        shutil.rmtree(target)
    target.mkdir(parents=True)
    # a package.json of our own keeps npm from walking up into an enclosing project
    (target / "package.json").write_text('{"name": "dispatch-emu-node-tools", "private": true}\n')
    command = [
        shutil.which("npm") or "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--save-exact",
        "--loglevel=error",
        f"{name}@{version}",
    ]
    try:
        result = subprocess.run(
            command, cwd=target, env=node_env(), capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
    except subprocess.TimeoutExpired as timeout:
        shutil.rmtree(target, ignore_errors=True)
        raise NpmInstallError(f"npm install {name}@{version} timed out after {INSTALL_TIMEOUT}s") from timeout
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise NpmInstallError(
            f"npm install {name}@{version} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def package_bin(
    name: str, bin_name: str | None = None, version: str | None = None, *, skip: bool = True
) -> Path:
    """The executable ``bin_name`` (default: ``name``) of the pinned package, installed on first use."""
    path = package_dir(name, version, skip=skip) / "node_modules" / ".bin" / (bin_name or name)
    if not path.exists():
        raise NpmInstallError(f"{name}@{version or PINNED[name]} installed but has no bin {path.name!r}")
    return path


def wrangler_bin(*, skip: bool = True) -> Path:
    """The pinned wrangler's executable (it brings workerd, Cloudflare's runtime)."""
    return package_bin("wrangler", skip=skip)
