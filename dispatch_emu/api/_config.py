"""Configuration of the REST API app.

:class:`ApiConfig` holds the few knobs the API has::

    from dispatch_emu.api import ApiApp, ApiConfig

    app = ApiApp(store, ApiConfig(required_token="s3cret", max_body_bytes=2 * 2**20))

``max_body_bytes``
    Request bodies above this size are refused with 413 (code 10413) before they are
    read: a ``Content-Length`` over the limit is refused at once, and a body without
    one is read only up to the limit. The default, 10 MiB, is Cloudflare's script
    size limit on paid plans.

``max_restore_bytes``
    The body limit of ``POST /__dispatch_emu/restore`` alone (default 512 MiB): a
    snapshot carries every module, hex-encoded, so it outgrows ``max_body_bytes`` as soon
    as a store holds a few large scripts, and any snapshot the server produced must load.

``required_token``
    ``None`` (the default) accepts any token or none at all. A string makes every
    request, the control endpoints included, carry ``Authorization: Bearer <token>``:
    a missing header gives 403 code 10000 ``Authentication error``, a wrong token 400
    code 9106 ``Authentication failed``. It also unlocks ``GET /snapshot?secrets=include``.

``allowed_hosts``
    Host names the control endpoints answer to besides loopback ones (``localhost``,
    ``*.localhost``, 127.0.0.0/8, ``::1``); ``("*",)`` allows any. ``None`` (the default)
    applies no Host check in process; a server sets its own list per request (see
    :mod:`dispatch_emu.api._auth`), which ``dispatch-emu serve`` always does.

``control_prefix``
    Where the emulator's own endpoints live (``/reset``, ``/state``, ``/snapshot``,
    ``/restore``, ``/health``). Must start with ``/`` and not end with one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The path prefix of Cloudflare's REST API; every API route lives below it.
API_PREFIX = "/client/v4"


@dataclass(frozen=True)
class ApiConfig:
    """Settings of one :class:`~dispatch_emu.api.ApiApp`."""

    max_body_bytes: int = 10 * 2**20
    required_token: str | None = None
    control_prefix: str = "/__dispatch_emu"
    max_restore_bytes: int = 512 * 2**20
    allowed_hosts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0 or self.max_restore_bytes < 0:
            raise ValueError("max_body_bytes and max_restore_bytes must be zero or more")
        prefix = self.control_prefix
        if not prefix.startswith("/") or prefix.endswith("/") or prefix == API_PREFIX:
            raise ValueError(f"control_prefix must look like '/__dispatch_emu'; got {prefix!r}")


__all__ = ["API_PREFIX", "ApiConfig"]
