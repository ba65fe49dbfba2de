"""The HTTP server under :class:`~dispatch_emu.server.EmulatorServer`: cheroot, bounded and timed.

werkzeug's development server spends about a millisecond of Python on every request and
keeps one thread per connection for as long as the client likes; here it capped a
reactor worker (about 90 µs a dispatch) at roughly 1,000 requests a second. cheroot (the
CherryPy project's production WSGI server) parses HTTP/1.1 with keep-alive in a fixed
pool of worker threads and parks idle keep-alive connections in a selector, not a
thread; ``benchmarks/http_server.py`` compares it with werkzeug and waitress side by side.

What :class:`HttpServer` adds to cheroot:

``threads``
    The worker pool's size, fixed (default 16): at most that many requests run at once;
    further connections wait in the accept queue. Idle keep-alive connections cost a
    file descriptor, not a thread.
``idle_timeout``
    Seconds a keep-alive connection may sit idle, and the longest a single read of a
    request body may wait, before the connection is closed (default 10).
``header_timeout``
    Seconds a client has, from its first byte, to send the request line and all headers
    (default 10). A client that drips its headers a byte at a time is cut off here, so it
    cannot hold a worker thread (slowloris).
``max_header_bytes``
    Request line plus headers; past it cheroot answers 414 (in the request line) or 413
    (in the headers). The default leaves room for Cloudflare's 16 KB URL and 128 KB of
    headers, so the dispatcher gives the precise answers (see :mod:`dispatch_emu.edge`).
``turn_wait``
    The longest a request waits for its turn (default 0.02 s; 0 turns the turns off).
    Requests whose line and headers have arrived take turns: one runs its Python (cheroot's
    parsing, the emulator, the answer's writing) while the others sleep on a lock. Python
    runs one thread at a time anyway; eight threads that all want the interpreter hand it
    to each other at every socket call and every call into wasmtime, and each hand-off is
    a sleep and a wake-up of two threads (about 30 a request at 8 clients, against 4 with
    turns). A request whose turn has not come within ``turn_wait`` runs anyway, beside the
    one that holds it, so a guest that runs for seconds, a body that trickles in or a
    worker awaiting a slow subrequest delays the others by ``turn_wait`` at most. A request
    takes its turn only once its line and headers are in: a client dripping its headers
    never holds one.

Smaller savings on every request: an answer's head goes out in one send with the first
chunk of its body (cheroot sent them apart: two system calls, and two wake-ups of the
client), the ``Date`` header is formatted once a second, and the client's address, which
the watchdog keeps, is asked of the socket once a connection.

Request lines are logged by :mod:`dispatch_emu._requestlog`, above this module.
"""

from __future__ import annotations

import email.utils
import logging
import select
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cheroot import makefile as cheroot_makefile
from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi

from dispatch_emu.runtime._native_stack import guest_thread_stack

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger("dispatch_emu.server")

_LINGER_SECONDS = 0.002  # how long a worker waits for a keep-alive client's next request
_LINGER_REQUESTS = 64  # then the connection goes back to the selector, to be fair to others
_PEEK_BYTES = 16 * 1024  # a longer head is read outside the turn (correct, only slower)


@dataclass(frozen=True)
class ServerLimits:
    """How much the server gives each client (see the module docstring)."""

    threads: int = 16
    idle_timeout: float = 10.0
    header_timeout: float = 10.0
    max_header_bytes: int = 16 * 1024 + 128 * 1024 + 4 * 1024
    turn_wait: float = 0.02

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.idle_timeout <= 0 or self.header_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if not 0 <= self.turn_wait <= self.idle_timeout:
            raise ValueError("turn_wait must be between 0 and idle_timeout")
        if self.max_header_bytes < 1024:
            raise ValueError("max_header_bytes must be at least 1024")


class _Watchdog:
    """Closes connections whose request line and headers take longer than allowed."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._reading: dict[int, tuple[float, socket.socket, object]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dispatch-emu-header-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def begin(self, key: int, sock: socket.socket, peer: object) -> None:
        with self._lock:
            self._reading[key] = (time.monotonic() + self.timeout, sock, peer)

    def end(self, key: int) -> None:
        with self._lock:
            self._reading.pop(key, None)

    def _run(self) -> None:
        interval = min(0.5, self.timeout / 4)
        while not self._stop.wait(interval):
            now = time.monotonic()
            with self._lock:
                late = [k for k, (deadline, _, _) in self._reading.items() if deadline <= now]
                entries = [self._reading.pop(k) for k in late]
            for _, sock, peer in entries:
                try:
                    # Only the connection we registered: never a descriptor reused since
                    # (a listening socket, another client) after the connection closed.
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) or sock.getpeername() != peer:
                        continue
                    sock.shutdown(socket.SHUT_RDWR)  # the reader sees end-of-stream and drops it
                except OSError:
                    pass


class _Turns:
    """Requests take turns at the interpreter; none waits for its turn longer than ``wait``."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Wait for the turn, at most ``wait`` seconds: True if taken (give it back), False if not."""
        return self.wait > 0 and self._lock.acquire(timeout=self.wait)

    def give_back(self, taken: bool) -> None:
        if taken:
            self._lock.release()


def _head_in_hand(conn: cheroot_server.HTTPConnection) -> bool:
    """Whether the connection's next request line and headers can be read without waiting."""
    if conn.rfile.has_data():  # pipelined: cheroot has read past the last request already
        return True
    try:
        waiting = conn.socket.recv(_PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (OSError, ValueError):  # nothing yet, or a socket that cannot peek (TLS)
        return False
    return not waiting or b"\r\n\r\n" in waiting  # end of stream reads at once, too


class _Writer(cheroot_makefile.StreamWriter):
    """cheroot's socket writer, able to keep one write back to send it with the next."""

    _holding = False

    def hold_next(self) -> None:
        """Buffer the next write instead of sending it: the one after (or ``flush()``) sends both."""
        self._holding = True

    def write(self, val: bytes) -> int:  # type: ignore[override]
        if not self._holding:
            return int(super().write(val))
        self._holding = False
        with self._write_lock:  # type: ignore[attr-defined]  # _pyio's BufferedWriter
            self._write_buf.extend(val)  # type: ignore[attr-defined]
        self.bytes_written += len(val)
        return len(val)


_date: tuple[int, bytes] = (0, b"")


def _http_date() -> bytes:
    """The ``Date`` header's value, formatted once a second rather than once a request."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, email.utils.formatdate(now, usegmt=True).encode("ascii"))
    return _date[1]


class _Request(cheroot_server.HTTPRequest):
    """A request whose line and headers must arrive within the watchdog's timeout, answered in its turn."""

    def parse_request(self) -> None:
        watchdog: _Watchdog = self.server.dispatch_emu_watchdog
        key = id(self)
        watchdog.begin(key, self.conn.socket, self.conn.peer())
        try:
            super().parse_request()
        finally:
            watchdog.end(key)

    def respond(self) -> None:
        # a request whose head came slowly takes its turn now, to run the app and answer
        if self.conn.dispatch_emu_turn_decided:
            self._respond()
            return
        turns: _Turns = self.server.dispatch_emu_turns
        taken = turns.take()
        try:
            self._respond()
        finally:
            turns.give_back(taken)

    def _respond(self) -> None:
        super().respond()
        self.conn.wfile.flush()  # headers kept back for a body that never came (an empty one)

    def send_headers(self) -> None:
        # cheroot writes the head, then at once the body's first chunk: one send for both
        # (one wake-up of the client, too). And a Date header made once a second.
        if not any(name.lower() == b"date" for name, _ in self.outheaders):
            self.outheaders.append((b"Date", _http_date()))
        self.conn.wfile.hold_next()
        super().send_headers()


class _Connection(cheroot_server.HTTPConnection):
    """A keep-alive connection whose requests take turns (``turn_wait``) and linger briefly."""

    RequestHandlerClass = _Request
    dispatch_emu_turn_decided = False  # this exchange has taken its turn, or waited for it in vain
    wfile: _Writer
    _peer: object = None

    def __init__(self, server: cheroot_server.HTTPServer, sock: socket.socket,
                 makefile: object = cheroot_makefile.MakeFile) -> None:
        super().__init__(server, sock, makefile)
        self.wfile = _Writer(sock, "wb", self.wbufsize)

    def peer(self) -> object:
        """The client's address, asked of the socket once (a system call every request, else)."""
        if self._peer is None:
            try:
                self._peer = self.socket.getpeername()
            except OSError:  # already gone
                return None
        return self._peer

    def _exchange(self) -> bool:
        """One request and its answer, in the request's turn (see ``turn_wait``)."""
        turns: _Turns = self.server.dispatch_emu_turns
        if not turns.wait:
            return super().communicate()
        # the turn first: peeking releases the interpreter, and whoever holds the turn goes on
        taken = turns.take()
        if not _head_in_hand(self):
            turns.give_back(taken)
            return super().communicate()  # its respond() takes the turn once the head is in
        self.dispatch_emu_turn_decided = True
        try:
            return super().communicate()
        finally:
            self.dispatch_emu_turn_decided = False
            turns.give_back(taken)

    def communicate(self) -> bool:
        keep = self._exchange()
        # A busy keep-alive client sends its next request right after the answer: wait
        # for it briefly on this thread rather than hand the socket back to the selector
        # thread and wake a worker again (two thread switches a request).
        served = 1
        while keep and served < _LINGER_REQUESTS and (
            self.rfile.has_data() or select.select([self.socket], [], [], _LINGER_SECONDS)[0]
        ):
            keep = self._exchange()
            served += 1
        return keep


class _Server(cheroot_wsgi.Server):
    ConnectionClass = _Connection
    dispatch_emu_watchdog: _Watchdog
    dispatch_emu_turns: _Turns

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # cheroot prints to stderr by default; route it to logging, quietly for the usual noise
        logger.log(logging.ERROR if level >= logging.ERROR else logging.DEBUG, "%s", msg, exc_info=traceback)


class HttpServer:
    """A WSGI app served over HTTP/1.1 in a background thread: start, port, stop."""

    def __init__(self, app: WSGIApplication, host: str, port: int, limits: ServerLimits | None = None) -> None:
        self.limits = limits or ServerLimits()
        self._server = _Server(
            (host, port), app,
            numthreads=self.limits.threads, max=self.limits.threads,
            timeout=int(max(1, round(self.limits.idle_timeout))),
            server_name="dispatch-emu",
            request_queue_size=64,
        )
        self._server.max_request_header_size = self.limits.max_header_bytes
        self._server.keep_alive_conn_limit = 256
        self._server.shutdown_timeout = 2
        self._server.dispatch_emu_watchdog = self._watchdog = _Watchdog(self.limits.header_timeout)
        self._server.dispatch_emu_turns = _Turns(self.limits.turn_wait)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    def start(self) -> None:
        # prepare() binds (so the port is known when start() returns) and starts the worker
        # pool; run it on a daemon thread so the pool's threads are daemons too, and a
        # server nobody stopped does not keep the interpreter from exiting.
        failed: list[BaseException] = []

        def prepare() -> None:
            try:
                # the pool's threads run guests: give them the stack a guest needs
                with guest_thread_stack():
                    self._server.prepare()
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        preparing = threading.Thread(target=prepare, name="dispatch-emu-server-prepare", daemon=True)
        preparing.start()
        preparing.join()
        if failed:
            raise failed[0]
        self._watchdog.start()
        self._thread = threading.Thread(
            target=self._server.serve, name=f"dispatch-emu-server:{self.port}", daemon=True
        )
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._watchdog.stop()
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)


__all__ = ["HttpServer", "ServerLimits"]
