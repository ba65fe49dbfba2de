"""Who may call the API and the control endpoints: the token, the Origin, the Host.

**The token.** With ``ApiConfig(required_token=None)`` (the default) every request
passes, with or without credentials, as tests usually want. With a token set, *every*
request of the app (``/client/v4`` and the control endpoints under ``/__dispatch_emu``,
health included) is checked the way Cloudflare answers:

================================================  ======  =====  ==========================
request                                           status  code   message
================================================  ======  =====  ==========================
``Authorization: Bearer <the token>``             passes
``Authorization: Bearer <anything else>``         400     9106   ``Authentication failed``
``Authorization`` that is not a Bearer token      400     9106   ``Authentication failed``
``X-Auth-Key`` / ``X-Auth-Email`` (global key)    403     10000  ``Authentication error``
no credentials                                    403     10000  ``Authentication error``
================================================  ======  =====  ==========================

**Browsers** (:func:`check_control_request`, control endpoints only). A web page the
developer happens to visit can make their browser send requests to the emulator on
loopback: a ``text/plain`` POST needs no CORS preflight (CSRF), and a DNS name the page
controls can be re-pointed at 127.0.0.1 (DNS rebinding). So a control endpoint refuses,
with 403 code 10403:

- a request whose ``Sec-Fetch-Site`` is anything but ``same-origin`` or ``none`` (every
  current browser sends it; curl, SDKs and wrangler do not);
- a request with an ``Origin`` other than its own ``Host`` (``Origin: null`` included);
- when the server names the hosts it answers to (``EmulatorServer`` always does: loopback
  names and addresses, ``*.localhost``, its ``--host`` and any ``--allow-host``), a
  request whose ``Host`` is none of them. In process (no socket, no DNS) no Host check
  applies unless ``ApiConfig.allowed_hosts`` asks for one.

What this leaves open, knowingly: a page served *by the emulator itself* on the same
origin (a user worker reached with path routing on ``127.0.0.1:8787``) is same-origin to
the control endpoints; with ``--token`` it still lacks the token. The ``/client/v4`` API
takes no Origin or Host checks (wrangler and the SDK send neither header a browser
would); protect it with ``--token``.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from dispatch_emu.errors import AuthenticationError, ControlForbidden, InvalidToken

#: The WSGI environ key a server sets to the host names it answers to (a collection of
#: lower-case names without port; ``"*"`` in it allows any).
ALLOWED_HOSTS_ENVIRON_KEY = "dispatch_emu.allowed_hosts"

_SAFE_FETCH_SITES = frozenset({"same-origin", "none"})


def check_auth(environ: Mapping[str, Any], required_token: str | None) -> None:
    """Raise the Cloudflare error for ``environ``'s credentials, or return if they pass."""
    if required_token is None:
        return
    header = environ.get("HTTP_AUTHORIZATION")
    if header is None:
        # The global-key style is not emulated: it never matches a token.
        raise AuthenticationError()
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken()
    # compare_digest: no timing hints, should the emulator ever face a network.
    if not hmac.compare_digest(token.strip().encode(), required_token.encode()):
        raise InvalidToken()


def host_name(host: str) -> str:
    """``Host`` header → lower-case name without port (``[::1]:80`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host.rstrip(".")


def is_loopback_name(name: str) -> bool:
    """``localhost``, a name under ``.localhost``, or a loopback address."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_control_request(environ: Mapping[str, Any], allowed_hosts: Collection[str] | None) -> None:
    """Refuse cross-origin browser requests and unexpected Hosts (see the module docstring)."""
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site.strip().lower() not in _SAFE_FETCH_SITES:
        raise ControlForbidden(
            f"Control endpoints refuse cross-site browser requests (Sec-Fetch-Site: {site})."
        )
    host = environ.get("HTTP_HOST") or ""
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        parts = urlsplit(origin.strip()) if origin.strip().lower() != "null" else None
        if parts is None or not parts.netloc or parts.netloc.lower() != host.strip().lower():
            raise ControlForbidden(f"Control endpoints refuse cross-origin requests (Origin: {origin}).")
    if allowed_hosts is not None and "*" not in allowed_hosts:
        name = host_name(host)
        if not (is_loopback_name(name) or name in allowed_hosts):
            raise ControlForbidden(
                f"Control endpoints answer to loopback names and the configured host, not {host!r}"
                " (use --allow-host to add one)."
            )


__all__ = [
    "ALLOWED_HOSTS_ENVIRON_KEY",
    "check_auth",
    "check_control_request",
    "host_name",
    "is_loopback_name",
]
