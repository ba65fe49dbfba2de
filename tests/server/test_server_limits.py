"""The server's own bounds: a fixed worker pool, idle and slow connections cut off."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from dispatch_emu._serving import ServerLimits
from dispatch_emu.emulator import Emulator
from dispatch_emu.server import EmulatorServer
from tests.server.sockets import connect


@pytest.fixture(scope="module")
def emulator():
    with Emulator(load_entrypoints=False) as emu:
        yield emu


def _closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed ``sock`` (reads and discards what it sends)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {seconds} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_idle_keep_alive_connections_are_closed(emulator) -> None:
    with EmulatorServer(emulator, port=0, limits=ServerLimits(idle_timeout=1)) as server:
        sock = connect(server.url)
        sock.sendall(b"GET /__dispatch_emu/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        assert _closed_within(sock, 5) < 4  # idle past 1 s: closed, not held forever
        sock.close()


def test_a_client_dripping_its_headers_is_cut_off(emulator) -> None:
    limits = ServerLimits(header_timeout=1, idle_timeout=5)
    with EmulatorServer(emulator, port=0, limits=limits) as server:
        sock = connect(server.url)
        sock.sendall(b"GET /__dispatch_emu/health HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        closed = False
        try:
            while time.monotonic() - started < 6:  # each byte well inside the idle timeout
                sock.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            closed = True
        if not closed:
            closed = _closed_within(sock, 1) >= 0
        assert closed and time.monotonic() - started < 4
        sock.close()
        # and the server still answers others
        assert httpx.get(f"{server.url}/__dispatch_emu/health").status_code == 200


def test_worker_threads_are_bounded(emulator) -> None:
    running, peak, lock, release = [0], [0], threading.Lock(), threading.Event()

    def slow(environ, start_response):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(10)
        with lock:
            running[0] -= 1
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    with EmulatorServer(emulator, port=0, dispatcher=slow, limits=ServerLimits(threads=2)) as server:
        answers: list[int] = []

        def client() -> None:
            answers.append(httpx.get(f"{server.url}/", timeout=20).status_code)

        clients = [threading.Thread(target=client) for _ in range(6)]
        for c in clients:
            c.start()
        time.sleep(1.0)
        assert peak[0] == 2  # six requests in flight, two threads serving
        release.set()
        for c in clients:
            c.join(20)
        assert answers == [200] * 6 and peak[0] == 2


def test_server_limits_refuse_nonsense() -> None:
    for bad in ({"threads": 0}, {"idle_timeout": 0}, {"header_timeout": -1}, {"max_header_bytes": 10},
                {"turn_wait": -1}):
        with pytest.raises(ValueError):
            ServerLimits(**bad)


def test_serve_takes_the_limits_and_host_options() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    bad = subprocess.run([sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--threads", "0"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "threads must be at least 1" in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--turn-wait", "-1"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "turn_wait must be between 0 and idle_timeout" in bad.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--quiet", "--threads", "2",
         "--idle-timeout", "1", "--header-timeout", "1", "--turn-wait", "0.5",
         "--allow-host", "emu.internal"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        health = f"{url}/__dispatch_emu/health"
        assert httpx.get(health, headers={"Host": "emu.internal"}).status_code == 200
        assert httpx.get(health, headers={"Host": "rebind.example"}).status_code == 403
        assert httpx.get(f"{url}/", headers={"Host": "hello.example.com"}).status_code == 200
        sock = connect(url)
        sock.sendall(b"GET /__dispatch_emu/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_within(sock, 5) < 4  # --idle-timeout 1
        sock.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_server_nobody_stopped_does_not_keep_python_alive() -> None:
    import subprocess
    import sys

    code = ("from dispatch_emu.emulator import Emulator\n"
            "from dispatch_emu.server import EmulatorServer\n"
            "import httpx\n"
            "server = EmulatorServer(Emulator(load_entrypoints=False), port=0).start()\n"
            "assert httpx.get(server.url + '/__dispatch_emu/health').status_code == 200\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
