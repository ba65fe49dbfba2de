"""workerd beside dispatch_emu in one benchmark run: ``wrangler dev`` serving a given worker.

``WorkerdServer(name, source)`` writes the worker (an ES module, bundled already) into a
temporary folder with a ``wrangler.toml`` (``no_bundle``), starts the wrangler pinned in
``tests/node_tools.py`` (installed on first use) with ``wrangler dev --local`` in a process
group of its own, and stops the group on exit. ``get(path)`` sends one request over a
kept-alive loopback connection, so a timing includes one local HTTP round trip.
``available()`` says why workerd cannot run here (no node), or None.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from node_tools import NodeUnavailable, check_node, node_env, wrangler_bin  # noqa: E402


def available() -> str | None:
    """None when workerd can run here, else the reason it cannot."""
    try:
        check_node()
    except NodeUnavailable as missing:
        return str(missing)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WorkerdServer:
    def __init__(self, name: str, source: bytes) -> None:
        self.name = name
        self.folder = Path(tempfile.mkdtemp(prefix=f"bench-workerd-{name}-"))
        (self.folder / "index.js").write_bytes(source)
        (self.folder / "wrangler.toml").write_text(
            f'name = "{name}"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\nno_bundle = true\n'
        )
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: http.client.HTTPConnection | None = None

    def __enter__(self) -> WorkerdServer:
        command = [
            str(wrangler_bin(skip=False)), "dev", "--local", "--ip", "127.0.0.1", "--port", str(self.port),
            "--inspector-port", str(_free_port()), "--show-interactive-dev-session=false", "--log-level", "warn",
        ]  # fmt: skip
        log = (self.folder / "wrangler.log").open("wb")
        self.proc = subprocess.Popen(
            command, cwd=self.folder, env=node_env(CI="true"), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 180  # a loaded machine starts workerd slowly
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.get("/")
                return self
            except OSError:
                time.sleep(0.3)
        log = (self.folder / "wrangler.log").read_text()
        self.__exit__()
        raise RuntimeError(f"wrangler dev did not start:\n{log}")

    def get(self, path: str) -> bytes:
        assert self.conn is not None
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
            return self._get(path)

    def _get(self, path: str) -> bytes:
        assert self.conn is not None
        self.conn.request("GET", path, headers={"Host": f"{self.name}.example.com"})
        return self.conn.getresponse().read()

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
