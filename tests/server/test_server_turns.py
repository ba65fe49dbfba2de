"""Requests take turns at the interpreter (``ServerLimits.turn_wait``), and never wait long for one."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.server import EmulatorServer, ServerLimits
from tests.server.sockets import connect


@pytest.fixture(scope="module")
def emulator():
    with Emulator(load_entrypoints=False) as emu:
        yield emu


class _Recorder:
    """A WSGI app that counts the requests inside it at once; ``/hold`` waits for ``release``."""

    def __init__(self, pause: float = 0.05) -> None:
        self.pause = pause
        self.running = self.peak = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.holding = threading.Event()

    def __call__(self, environ, start_response):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if environ["PATH_INFO"] == "/hold":
                self.holding.set()
                self.release.wait(20)
            else:
                time.sleep(self.pause)  # sleeping releases the interpreter: others could run
        finally:
            with self.lock:
                self.running -= 1
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]


def _concurrent_gets(url: str, clients: int) -> list[int]:
    answers: list[int] = []

    def get() -> None:
        answers.append(httpx.get(url, timeout=30).status_code)

    threads = [threading.Thread(target=get) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers


def test_requests_whose_heads_are_in_run_one_at_a_time(emulator) -> None:
    app = _Recorder()
    limits = ServerLimits(threads=8, turn_wait=5)
    with EmulatorServer(emulator, port=0, dispatcher=app, limits=limits) as server:
        assert _concurrent_gets(f"{server.url}/", 6) == [200] * 6
    assert app.peak == 1


def test_without_turns_the_same_requests_overlap(emulator) -> None:
    # the near miss of the test above: the recorder does see requests that overlap
    app = _Recorder()
    limits = ServerLimits(threads=8, turn_wait=0)
    with EmulatorServer(emulator, port=0, dispatcher=app, limits=limits) as server:
        assert _concurrent_gets(f"{server.url}/", 6) == [200] * 6
    assert app.peak > 1


def test_a_request_that_holds_its_turn_delays_others_by_turn_wait_at_most(emulator) -> None:
    app = _Recorder(pause=0)
    limits = ServerLimits(threads=4, turn_wait=0.3)
    with EmulatorServer(emulator, port=0, dispatcher=app, limits=limits) as server:
        holder = threading.Thread(target=httpx.get, args=(f"{server.url}/hold",), kwargs={"timeout": 30})
        holder.start()
        try:
            assert app.holding.wait(10)
            started = time.monotonic()
            assert httpx.get(f"{server.url}/", timeout=30).status_code == 200
            waited = time.monotonic() - started
            assert not app.release.is_set() and holder.is_alive()  # answered beside the holder
            assert 0.3 <= waited < 5  # it waited for its turn, then ran anyway
        finally:
            app.release.set()
            holder.join(30)


def test_a_client_dripping_its_headers_holds_no_turn(emulator) -> None:
    app = _Recorder(pause=0)
    limits = ServerLimits(threads=4, turn_wait=5, header_timeout=30, idle_timeout=30)
    with EmulatorServer(emulator, port=0, dispatcher=app, limits=limits) as server:
        dripper = connect(server.url)
        try:
            dripper.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # no blank line: the head is not in
            time.sleep(0.3)  # a worker thread is now reading it
            started = time.monotonic()
            assert httpx.get(f"{server.url}/", timeout=30).status_code == 200
            assert time.monotonic() - started < 4  # had the dripper held the turn: 5 s
            dripper.sendall(b"\r\n")  # the head completes: it is answered in its turn
            assert dripper.recv(65536).startswith(b"HTTP/1.1 200")
        finally:
            dripper.close()


def test_turn_wait_is_checked() -> None:
    for bad in (-0.1, 11.0):
        with pytest.raises(ValueError, match="turn_wait"):
            ServerLimits(turn_wait=bad, idle_timeout=10)
    assert ServerLimits(turn_wait=0).turn_wait == 0


class _CountingSocket:
    """What ``socket.SocketIO`` needs of a socket, recording each send."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []

    def send(self, data) -> int:
        self.sends.append(bytes(data))
        return len(data)

    def _decref_socketios(self) -> None:
        pass


def test_a_held_write_goes_out_with_the_next_in_one_send() -> None:
    from dispatch_emu._serving import _Writer

    sock = _CountingSocket()
    writer = _Writer(sock, "wb")
    writer.write(b"first")
    assert sock.sends == [b"first"]  # an ordinary write is sent at once
    writer.hold_next()
    writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert sock.sends == [b"first"]  # kept back
    writer.write(b"body")
    assert sock.sends == [b"first", b"HTTP/1.1 200 OK\r\n\r\nbody"]
    writer.hold_next()
    writer.write(b"head only")
    writer.flush()
    assert sock.sends[-1] == b"head only" and writer.bytes_written == len(b"firstHTTP/1.1 200 OK\r\n\r\nbodyhead only")


def _streaming(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/dated":
        start_response("200 OK", [("Content-Length", "2"), ("Date", "Tue, 01 Dec 2026 00:00:00 GMT")])
        return [b"ok"]
    start_response("200 OK", [("Content-Type", "text/plain")])  # no length: chunked

    def chunks():
        yield b"first"
        time.sleep(1.0)
        yield b"second"

    return chunks()


def _read_until(sock: socket.socket, marker: bytes, seconds: float) -> bytes:
    sock.settimeout(seconds)
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_answers_are_whole_and_streams_are_not_held_back() -> None:
    # the HTTP layer itself: EmulatorServer's error trap gathers a body before it is sent
    from dispatch_emu._serving import HttpServer

    server = HttpServer(_streaming, "127.0.0.1", 0)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /empty HTTP/1.1\r\nHost: localhost\r\n\r\n")
            head = _read_until(sock, b"\r\n\r\n", 5)  # a head with no body after it is sent too
            assert head.startswith(b"HTTP/1.1 204") and b"\r\nDate: " in head
            sock.sendall(b"GET /dated HTTP/1.1\r\nHost: localhost\r\n\r\n")
            dated = _read_until(sock, b"ok", 5)
            assert dated.count(b"Date: ") == 1 and b"Date: Tue, 01 Dec 2026 00:00:00 GMT" in dated
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
            started = time.monotonic()
            first = _read_until(sock, b"first", 5)
            assert b"Transfer-Encoding: chunked" in first and time.monotonic() - started < 0.9
            rest = _read_until(sock, b"0\r\n\r\n", 5)
            assert b"second" in rest
    finally:
        server.stop()


def test_a_healthy_worker_is_answered_over_http_while_spinning_guests_hold_threads(worker_wasm) -> None:
    # issue 11's isolation, through the server: eight guests spinning until their 3 s wall
    # limit hold eight threads, and the first of them the turn; five hellos are answered
    # one after another before any of the spinners ends
    from dispatch_emu.runtime import RuntimeSettings

    settings = RuntimeSettings(cpu_ms=10_000, wall_ms=3000)
    with Emulator(runtime_settings=settings, load_entrypoints=False) as emu:
        ns = emu.namespace("demo")
        ns.put_script("spin", wasm=worker_wasm("reactor/spin"))
        ns.put_script("hello", wasm=worker_wasm("reactor/hello"))
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            ended: list[float] = []

            def spin() -> None:
                httpx.get(server.url, headers={"Host": "spin.example.com"}, timeout=30)
                ended.append(time.monotonic())

            spinners = [threading.Thread(target=spin) for _ in range(8)]
            for t in spinners:
                t.start()
            time.sleep(0.5)  # all eight are in their guests by now
            with httpx.Client(base_url=server.url, headers={"Host": "hello.example.com"}, timeout=30) as client:
                answers = [client.get("/").text for _ in range(5)]
            done = time.monotonic()
            for t in spinners:
                t.join(30)
    assert answers == ["Hello from the reactor ABI!\n"] * 5
    assert len(ended) == 8 and min(ended) > done  # not one spinner had ended


def test_pipelined_requests_are_answered_in_order(emulator) -> None:
    # the second request is already in cheroot's buffer when the first is answered: it is
    # taken in its turn without peeking at the socket
    def path_echo(environ, start_response):
        body = environ["PATH_INFO"].encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    with EmulatorServer(emulator, port=0, dispatcher=path_echo) as server:
        with connect(server.url) as sock:
            sock.sendall(b"".join(f"GET /{n} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode() for n in range(3)))
            answers = _read_until(sock, b"\r\n\r\n/2", 5)
    bodies = [part.split(b"\r\n\r\n", 1)[1][:2] for part in answers.split(b"HTTP/1.1 200 OK")[1:]]
    assert bodies == [b"/0", b"/1", b"/2"]
