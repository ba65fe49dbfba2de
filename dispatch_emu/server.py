"""Server mode: the REST API and a dispatcher on one local port, in a thread.

:class:`EmulatorServer` serves an :class:`~dispatch_emu.emulator.Emulator` over real HTTP
for clients that are not Python (wrangler, curl, a browser) or that want a socket::

    with EmulatorServer(emulator, port=0) as server:     # port 0: a free port
        print(server.url)                                # http://127.0.0.1:53211
        ...                                              # talk to it
    # leaving the block stops the server and re-raises any error from its thread

Paths under ``/client/v4`` and ``/__dispatch_emu`` go to the REST API and its control
endpoints; every other request goes to the dispatcher, so
``curl -H 'Host: my-customer.example.com' http://127.0.0.1:8787/`` and
``curl http://my-customer.localhost:8787/`` both reach the worker ``my-customer``.

An exception escaping the app in the server thread is answered with a 500, kept, and
re-raised by :meth:`EmulatorServer.check` (and by ``stop()``), so a test sees it.

The control endpoints answer only to loopback Host names, the server's own ``host`` and
``allowed_hosts`` (``("*",)`` for any), against DNS rebinding; see
:mod:`dispatch_emu.api._auth`. ``limits`` bounds threads and timeouts
(:class:`~dispatch_emu._serving.ServerLimits`).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from dispatch_emu._combined import CombinedApp
from dispatch_emu._serving import HttpServer, ServerLimits
from dispatch_emu._version import __version__
from dispatch_emu.api._auth import ALLOWED_HOSTS_ENVIRON_KEY, host_name

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from dispatch_emu.emulator import Emulator

_logger = logging.getLogger("dispatch_emu.server")


class _ErrorTrap:
    """Answers 500 for an exception escaping ``app`` and keeps it for ``check()``."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            # Materialise the body here so an error while iterating is caught too.
            return list(self.app(environ, start_response))
        except Exception as exc:
            with self._lock:
                self.errors.append(exc)
            _logger.exception("unhandled error in the emulator")
            body = f"dispatch_emu internal error: {type(exc).__name__}: {exc}".encode()
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                 ("x-dispatch-emu", __version__)],
                sys.exc_info(),
            )
            return [body]

    def take(self) -> list[BaseException]:
        with self._lock:
            errors, self.errors = self.errors, []
            return errors


class _HostPolicy:
    """Tells the API which Host names this server answers to on its control endpoints."""

    def __init__(self, app: WSGIApplication, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[ALLOWED_HOSTS_ENVIRON_KEY] = self.hosts
        return self.app(environ, start_response)


class EmulatorServer:
    """A threaded HTTP server for an emulator: start/stop/url, or a context manager."""

    def __init__(
        self,
        emulator: Emulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dispatcher: WSGIApplication | None = None,
        log_stream: TextIO | None = None,
        log_format: str = "text",
        limits: ServerLimits | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        from dispatch_emu._requestlog import RequestLog

        self.emulator = emulator
        self.host = host
        self._port = port
        self.dispatcher = dispatcher
        self.log_stream = log_stream
        self.limits = limits or ServerLimits()
        hosts = {host_name(h) for h in allowed_hosts}
        if host not in ("0.0.0.0", "::", ""):  # a wildcard bind names no host
            hosts.add(host_name(host if ":" not in host else f"[{host}]"))
        self.allowed_hosts = frozenset(hosts)
        app: WSGIApplication = CombinedApp(emulator.api, dispatcher)
        if log_stream is not None:  # what happened to each request: dispatch_emu._requestlog
            app = RequestLog(app, emulator.observer, log_stream, format=log_format)
        self._trap = _ErrorTrap(app)
        self._server: HttpServer | None = None

    @property
    def port(self) -> int:
        """The port the server listens on once started (the one asked for before that; 0: any)."""
        return self._server.port if self._server is not None else self._port

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running; call start() first")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def bound_port(self) -> int:
        """The port actually listened on (the free one picked for ``port=0``)."""
        if self._server is None:
            raise RuntimeError("the server is not running; call start() first")
        return self._server.port

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.alive()

    def start(self) -> EmulatorServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        app: WSGIApplication = _HostPolicy(self._trap, self.allowed_hosts)
        server = HttpServer(app, self.host, self._port, self.limits)
        server.start()
        self._server = server
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (the CLI uses this)."""
        if self._server is None:
            self.start()
        server = self._server
        assert server is not None
        try:
            while server.alive():
                server.join(0.5)
        finally:
            self.stop(check=False)

    def check(self) -> None:
        """Re-raise the first error the server thread met since the last check."""
        errors = self._trap.take()
        if errors:
            raise errors[0]

    def stop(self, *, check: bool = True) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if check:
            self.check()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.stop(check=exc_type is None)

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<EmulatorServer {where}>"


__all__ = ["CombinedApp", "EmulatorServer", "ServerLimits"]
