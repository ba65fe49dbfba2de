"""Content-addressed module bytes: each distinct module is held once.

A :class:`BlobStore` keeps bytes keyed by their sha256 with a reference count, so
100,000 scripts that upload the same module share one copy, and the bytes go away when
the last script using them does. It is not locked on its own: the namespace store calls
it under its lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """One module of a script: its name, content type, and the digest of its bytes."""

    name: str
    content_type: str
    digest: str
    size: int


class BlobStore:
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._refs: dict[str, int] = {}
        # Interned refs: identical (name, type, digest) modules share one ModuleRef object.
        self._interned: dict[str, dict[tuple[str, str], ModuleRef]] = {}

    def add(self, name: str, content_type: str, content: bytes) -> ModuleRef:
        digest = sha256_hex(content)
        if digest not in self._data:
            self._data[digest] = bytes(content)
            self._refs[digest] = 0
        self._refs[digest] += 1
        refs = self._interned.setdefault(digest, {})
        ref = refs.get((name, content_type))
        if ref is None:
            ref = refs[(name, content_type)] = ModuleRef(name, content_type, digest, len(content))
        return ref

    def release(self, ref: ModuleRef) -> None:
        count = self._refs.get(ref.digest, 0) - 1
        if count > 0:
            self._refs[ref.digest] = count
            return
        self._refs.pop(ref.digest, None)
        self._data.pop(ref.digest, None)
        self._interned.pop(ref.digest, None)

    def get(self, digest: str) -> bytes:
        return self._data[digest]

    def __contains__(self, digest: object) -> bool:
        return digest in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()
        self._refs.clear()
        self._interned.clear()
