"""Token checks, when the emulator is told to require one.

With ``ApiConfig(required_token=None)`` (the default) every request passes, with or
without credentials, as tests usually want. With a token set, requests are checked
the way Cloudflare answers them:

================================================  ======  =====  ==========================
request                                           status  code   message
================================================  ======  =====  ==========================
``Authorization: Bearer <the token>``             passes
``Authorization: Bearer <anything else>``         400     9106   ``Authentication failed``
``Authorization`` that is not a Bearer token      400     9106   ``Authentication failed``
``X-Auth-Key`` / ``X-Auth-Email`` (global key)    403     10000  ``Authentication error``
no credentials                                    403     10000  ``Authentication error``
================================================  ======  =====  ==========================
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from dispatch_emu.errors import AuthenticationError, InvalidToken


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


__all__ = ["check_auth"]
