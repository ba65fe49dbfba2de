"""Routing: how a dispatcher finds the user worker's name in a request.

A routing is any callable ``(request) -> str | None``; ``None`` means "no worker here"
and the dispatch answers 404. Four are ready-made, matching the seed's list (subdomain,
request header, path, a lookup):

* :func:`subdomain` — ``my-customer.example.com`` → ``my-customer`` (the seed's rule:
  the first label of the host, port dropped);
* :func:`header` — the value of a header, ``X-Worker-Name`` by default;
* :func:`path_prefix` — the first path segment, ``/my-customer/rest`` → ``my-customer``;
* :func:`lookup` — a table from host (or any key you compute) to worker name.

:func:`routing_from_spec` builds one from a short string, for the command line:
``subdomain``, ``header:X-Customer``, ``path``, ``lookup:table.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from werkzeug import Request

Routing = Callable[[Request], "str | None"]


def request_host(request: Request) -> str:
    """The Host as a URL parser gives it: lower-cased, port kept, nothing rejected.

    werkzeug's ``request.host`` answers ``""`` for a host with ``_`` (not a valid DNS
    name), but script names may contain ``_`` and the seed's ``new URL(url).host``
    keeps it; so routing reads the raw header.
    """
    environ = request.environ
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    if not environ.get("HTTP_HOST") and environ.get("SERVER_PORT"):
        host = f"{host}:{environ['SERVER_PORT']}"
    return host.strip().lower()


def _host_name(request: Request) -> str:
    """:func:`request_host` without the port."""
    host = request_host(request)
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def subdomain() -> Routing:
    """The seed's rule: ``new URL(request.url).host.split('.')[0]``."""

    def route(request: Request) -> str | None:
        first = _host_name(request).split(".")[0]
        return first or None

    route.__name__ = route.__qualname__ = "subdomain"
    return route


def header(name: str = "X-Worker-Name") -> Routing:
    def route(request: Request) -> str | None:
        return request.headers.get(name) or None

    route.__name__ = route.__qualname__ = f"header[{name}]"
    return route


def path_prefix() -> Routing:
    def route(request: Request) -> str | None:
        first = request.path.lstrip("/").split("/", 1)[0]
        return first or None

    route.__name__ = route.__qualname__ = "path_prefix"
    return route


def lookup(table: Mapping[str, str], key: Callable[[Request], str] | None = None) -> Routing:
    """Route by a table; the key is the host name unless ``key`` computes another."""
    table = dict(table)
    get_key = key or _host_name

    def route(request: Request) -> str | None:
        return table.get(get_key(request))

    route.__name__ = route.__qualname__ = "lookup"
    return route


def routing_from_spec(spec: str | Routing | None) -> Routing:
    """``None``/``"subdomain"``, ``"header[:NAME]"``, ``"path"``, ``"lookup:FILE.json"``."""
    if spec is None:
        return subdomain()
    if callable(spec):
        return spec
    kind, _, arg = spec.partition(":")
    if kind == "subdomain" and not arg:
        return subdomain()
    if kind == "header":
        return header(arg or "X-Worker-Name")
    if kind in ("path", "path_prefix") and not arg:
        return path_prefix()
    if kind == "lookup" and arg:
        table = json.loads(Path(arg).read_text())
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ValueError(f"{arg}: a lookup table is a JSON object of key → worker name")
        return lookup(table)
    raise ValueError(
        f"unknown routing {spec!r}: use subdomain, header[:NAME], path, or lookup:FILE.json"
    )


__all__ = ["Routing", "header", "lookup", "path_prefix", "request_host", "routing_from_spec", "subdomain"]
