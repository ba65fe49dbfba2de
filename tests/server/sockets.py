"""A raw socket to a running server, for tests that speak HTTP byte by byte."""

from __future__ import annotations

import socket


def connect(url: str, timeout: float = 10) -> socket.socket:
    """A TCP connection to ``url``'s host and port (``http://HOST:PORT``)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=timeout)
