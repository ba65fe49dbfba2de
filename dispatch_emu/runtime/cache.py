"""The compiled-module cache: in memory for the process, optionally on disk across processes.

Compiling a module takes milliseconds to seconds; loading a serialized one takes
microseconds. :class:`ModuleCache` keys modules by the sha256 of their bytes and the
engine fingerprint (which includes the wasmtime version), because an artifact compiled
for one engine configuration must never load into another.

On disk (``RuntimeSettings.cache_dir`` or ``DISPATCH_EMU_CACHE_DIR``) each module is two
files, both written atomically (temporary file + rename)::

    <sha256 of wasm>-<fingerprint prefix>.cwasm         the serialized artifact
    <sha256 of wasm>-<fingerprint prefix>.cwasm.sha256  sha256 of the artifact, hex

A ``.cwasm`` is deserialized only when its name is the expected key and its sidecar holds
its hash, i.e. a file this cache wrote and nobody truncated or replaced; anything else is
ignored and recompiled over. Deserializing runs native code, so keep the directory
private to your user (it is created with mode 0700): the sidecar detects corruption, not
an attacker who can write both files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

import wasmtime

#: Modules kept in memory per engine; the least recently used is dropped past it.
MEMORY_LIMIT = 1024


@dataclass
class CacheStats:
    """Counters since the cache was created."""

    hits: int = 0  # served from memory
    misses: int = 0  # not in memory: loaded from disk or compiled
    disk_hits: int = 0  # misses served by a verified .cwasm
    disk_rejects: int = 0  # .cwasm files ignored (bad sidecar, failed to load)
    disk_writes: int = 0
    compiles: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class ModuleCache:
    """Compiled modules of one engine, by sha256 of their bytes."""

    def __init__(self, engine: wasmtime.Engine, fingerprint: str) -> None:
        self.engine = engine
        self.fingerprint = fingerprint
        self.stats = CacheStats()
        self._modules: OrderedDict[str, wasmtime.Module] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, wasm: bytes, *, digest: str | None = None, cache_dir: str | None = None) -> wasmtime.Module:
        """The compiled module for ``wasm``; raises ``wasmtime.WasmtimeError`` if it does not compile.

        ``digest`` (sha256 hex of ``wasm``) saves hashing when the caller knows it.
        """
        digest = digest or hashlib.sha256(wasm).hexdigest()
        with self._lock:
            module = self._modules.get(digest)
            if module is not None:
                self._modules.move_to_end(digest)
                self.stats.hits += 1
                return module
            key_lock = self._key_locks.setdefault(digest, threading.Lock())
        # one compile per key even when many threads miss at once
        with key_lock:
            with self._lock:
                module = self._modules.get(digest)
                if module is not None:
                    self.stats.hits += 1
                    return module
                self.stats.misses += 1
            module = self._load(digest, cache_dir) if cache_dir else None
            if module is None:
                module = wasmtime.Module(self.engine, wasm)
                with self._lock:
                    self.stats.compiles += 1
                if cache_dir:
                    self._store(digest, module, cache_dir)
            with self._lock:
                self._modules[digest] = module
                while len(self._modules) > MEMORY_LIMIT:
                    self._modules.popitem(last=False)
                self._key_locks.pop(digest, None)
        return module

    def clear_memory(self) -> None:
        """Forget the in-memory modules (what a new process would see); disk files stay."""
        with self._lock:
            self._modules.clear()

    def path_for(self, digest: str, cache_dir: str) -> str:
        return os.path.join(cache_dir, f"{digest}-{self.fingerprint[:24]}.cwasm")

    # -- disk

    def _load(self, digest: str, cache_dir: str) -> wasmtime.Module | None:
        path = self.path_for(digest, cache_dir)
        try:
            with open(path, "rb") as f:
                artifact = f.read()
            with open(path + ".sha256", encoding="ascii") as f:
                expected = f.read().strip()
        except (OSError, UnicodeDecodeError):
            return None  # absent or unreadable: compile instead
        if hashlib.sha256(artifact).hexdigest() != expected:
            self._count_reject()
            return None
        try:
            module = wasmtime.Module.deserialize(self.engine, artifact)
        except wasmtime.WasmtimeError:
            self._count_reject()
            return None
        with self._lock:
            self.stats.disk_hits += 1
        return module

    def _store(self, digest: str, module: wasmtime.Module, cache_dir: str) -> None:
        artifact = module.serialize()
        path = self.path_for(digest, cache_dir)
        try:
            os.makedirs(cache_dir, mode=0o700, exist_ok=True)
            _write_atomically(path, bytes(artifact))
            _write_atomically(path + ".sha256", hashlib.sha256(artifact).hexdigest().encode("ascii"))
        except OSError:
            return  # a read-only or full disk only costs a recompile next time
        with self._lock:
            self.stats.disk_writes += 1

    def _count_reject(self) -> None:
        with self._lock:
            self.stats.disk_rejects += 1


def _write_atomically(path: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


__all__ = ["MEMORY_LIMIT", "CacheStats", "ModuleCache"]
