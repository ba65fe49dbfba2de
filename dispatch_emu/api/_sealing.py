"""Sealed values: secrets a snapshot carries without carrying them in clear.

``GET /__dispatch_emu/snapshot`` replaces each secret's value with a *sealed* string
that only the app which produced it can open: a random nonce, the value encrypted with
a keystream of HMAC-SHA256 blocks under a key made at random when the app starts and
never written anywhere, and an HMAC-SHA256 tag over both (encrypt-then-MAC). So a
snapshot posted back to the same app restores every secret, and a snapshot that leaks
(a CI artefact, a log) reveals none, nor does it open in another process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

_NONCE = 16
_TAG = 32
_BLOCK = hashlib.sha256().digest_size


class Sealer:
    """Seals JSON values under a key of its own (random unless given)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else os.urandom(32)

    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (
            hmac.digest(self._key, b"stream" + nonce + i.to_bytes(8, "big"), "sha256")
            for i in range((length + _BLOCK - 1) // _BLOCK)
        )
        return b"".join(blocks)[:length]

    def seal(self, value: Any) -> str:
        plain = json.dumps(value, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        cipher = bytes(a ^ b for a, b in zip(plain, self._keystream(nonce, len(plain)), strict=True))
        tag = hmac.digest(self._key, b"tag" + nonce + cipher, "sha256")
        return base64.urlsafe_b64encode(nonce + cipher + tag).decode("ascii")

    def unseal(self, sealed: object) -> Any:
        """The value, or ``None`` when ``sealed`` is not something this sealer made."""
        if not isinstance(sealed, str):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            return None
        if len(raw) < _NONCE + _TAG:
            return None
        nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        if not hmac.compare_digest(tag, hmac.digest(self._key, b"tag" + nonce + cipher, "sha256")):
            return None
        plain = bytes(a ^ b for a, b in zip(cipher, self._keystream(nonce, len(cipher)), strict=True))
        return json.loads(plain)


__all__ = ["Sealer"]
