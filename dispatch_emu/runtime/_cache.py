"""The compiled-module cache: in memory for the process, optionally on disk across processes.

Compiling a module takes milliseconds to seconds; loading a serialized one takes
microseconds. :class:`ModuleCache` keys modules by the sha256 of their bytes and the
engine fingerprint (which includes the wasmtime version), because an artifact compiled
for one engine configuration must never load into another.

On disk (``RuntimeSettings.cache_dir`` or ``DISPATCH_EMU_CACHE_DIR``) artefacts live in a
:class:`DiskCache`, a general store of *bytes in, authenticated bytes out* keyed by a
source digest and an engine fingerprint (the JavaScript engine's compiled module can use
it too)::

    key                                  32 random bytes, mode 0600, made on first use
    <digest>-<fingerprint prefix>.cwasm  b"DEMUCACHE1\n" + HMAC-SHA256 tag + artefact

**Trust model.** Deserializing an artefact runs native code, so a cache entry is trusted
only if this user's process wrote it for exactly this module and engine. The directory
must belong to the current user and be writable by no one else (else it is refused: no
file is read from it or written to it, and modules are compiled in memory); a missing
one is created with mode 0700. The tag is an HMAC, keyed by the directory's own secret
``key`` (0600, same owner checks), over the module's sha256, the engine fingerprint and
the artefact bytes; it is checked before anything is deserialized. So an artefact
copied over another module's name, a truncated or edited file, or one planted with a
fresh checksum is recompiled, not run. What this does not protect against is someone
who can already read the key or write as your user: they can run code as you anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import stat
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

import wasmtime

#: Modules kept in memory per engine; the least recently used is dropped past it.
MEMORY_LIMIT = 1024

MAGIC = b"DEMUCACHE1\n"
KEY_FILE = "key"
_TAG = 32

logger = logging.getLogger("dispatch_emu.runtime._cache")


class UnsafeCacheDir(OSError):
    """A cache directory (or its key) that another user could write: refused."""


def _check_private(path: str, st: os.stat_result, what: str) -> None:
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafeCacheDir(f"{what} {path!r} belongs to another user (uid {st.st_uid}); refusing to use it.")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheDir(
            f"{what} {path!r} is writable by others (mode {stat.S_IMODE(st.st_mode):o}); refusing to use it."
        )


class DiskCache:
    """Authenticated artefacts in one private directory (see the module docstring).

    :meth:`open` checks (or creates) the directory and its key and raises
    :class:`UnsafeCacheDir` when another user could write either. :meth:`load` returns
    the artefact stored for ``(digest, fingerprint)`` only when its tag verifies;
    :meth:`store` writes one atomically. ``digest`` is the sha256 (hex) of the *source*
    bytes the artefact was made from, so an artefact is bound to its module.
    """

    def __init__(self, path: str, key: bytes) -> None:
        self.path = path
        self._key = key

    @classmethod
    def open(cls, path: str) -> DiskCache:
        path = os.path.abspath(path)
        if not os.path.exists(path):
            os.makedirs(path, mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)  # makedirs' mode is filtered by the umask
        st = os.stat(path)
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeCacheDir(f"cache directory {path!r} is not a directory.")
        _check_private(path, st, "cache directory")
        return cls(path, cls._key_in(path))

    @staticmethod
    def _key_in(path: str) -> bytes:
        key_path = os.path.join(path, KEY_FILE)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
        fd = os.open(key_path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            _check_private(key_path, st, "cache key")
            if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
                raise UnsafeCacheDir(f"cache key {key_path!r} is readable by others; refusing to use it.")
            key = f.read()
        if len(key) != 32:
            raise UnsafeCacheDir(f"cache key {key_path!r} is not 32 bytes; remove it to start afresh.")
        return key

    def path_for(self, digest: str, fingerprint: str) -> str:
        return os.path.join(self.path, f"{digest}-{fingerprint[:24]}.cwasm")

    def _tag(self, digest: str, fingerprint: str, artefact: bytes) -> bytes:
        mac = hmac.new(self._key, digestmod="sha256")
        mac.update(b"dispatch_emu cache v1\0" + digest.encode() + b"\0" + fingerprint.encode() + b"\0")
        mac.update(artefact)
        return mac.digest()

    def load(self, digest: str, fingerprint: str) -> bytes | None:
        """The artefact for ``(digest, fingerprint)``; ``None`` if absent.

        Raises :class:`ArtefactRejected` when a file is there but its tag does not verify.
        """
        try:
            with open(self.path_for(digest, fingerprint), "rb") as f:
                data = f.read()
        except OSError:
            return None
        head = len(MAGIC) + _TAG
        if len(data) < head or not data.startswith(MAGIC):
            raise ArtefactRejected()
        tag, artefact = data[len(MAGIC):head], data[head:]
        if not hmac.compare_digest(tag, self._tag(digest, fingerprint, artefact)):
            raise ArtefactRejected()
        return artefact

    def store(self, digest: str, fingerprint: str, artefact: bytes) -> None:
        blob = MAGIC + self._tag(digest, fingerprint, artefact) + artefact
        _write_atomically(self.path_for(digest, fingerprint), blob)


class ArtefactRejected(Exception):
    """A cache file that is there but not authentic (:meth:`DiskCache.load`): recompile."""


@dataclass
class CacheStats:
    """Counters since the cache was created."""

    hits: int = 0  # served from memory
    misses: int = 0  # not in memory: loaded from disk or compiled
    disk_hits: int = 0  # misses served by a verified .cwasm
    disk_rejects: int = 0  # .cwasm files ignored (tag does not verify, failed to load)
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
        self._disks: dict[str, DiskCache | None] = {}

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
        return os.path.join(os.path.abspath(cache_dir), f"{digest}-{self.fingerprint[:24]}.cwasm")

    # -- disk

    def disk(self, cache_dir: str) -> DiskCache | None:
        """The checked disk cache at ``cache_dir``; ``None`` (logged once) when it is refused."""
        with self._lock:
            if cache_dir in self._disks:
                return self._disks[cache_dir]
        try:
            disk: DiskCache | None = DiskCache.open(cache_dir)
        except OSError as exc:  # UnsafeCacheDir, or a path we cannot create
            logger.warning("not using the compile cache: %s", exc)
            disk = None
        with self._lock:
            self._disks[cache_dir] = disk
        return disk

    def _load(self, digest: str, cache_dir: str) -> wasmtime.Module | None:
        disk = self.disk(cache_dir)
        if disk is None:
            return None
        try:
            artifact = disk.load(digest, self.fingerprint)
        except ArtefactRejected:
            self._count_reject()
            return None
        if artifact is None:
            return None  # absent or unreadable: compile instead
        try:
            module = wasmtime.Module.deserialize(self.engine, artifact)
        except wasmtime.WasmtimeError:
            self._count_reject()
            return None
        with self._lock:
            self.stats.disk_hits += 1
        return module

    def _store(self, digest: str, module: wasmtime.Module, cache_dir: str) -> None:
        disk = self.disk(cache_dir)
        if disk is None:
            return
        try:
            disk.store(digest, self.fingerprint, bytes(module.serialize()))
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


__all__ = ["MEMORY_LIMIT", "ArtefactRejected", "CacheStats", "DiskCache", "ModuleCache", "UnsafeCacheDir"]
