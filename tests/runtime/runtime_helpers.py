"""Shared helpers of the runtime tests: fixture workers, requests, unique module bytes.

Imported by the test modules as ``tests.runtime.runtime_helpers`` (``tests`` is a package); there is no
conftest so that these tests can run alone and beside other folders' tests.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from dispatch_emu.runtime import GuestRequest, WorkerCode

WORKERS = Path(__file__).resolve().parent.parent / "workers"


def wasm(name: str) -> bytes:
    """Bytes of a fixture, e.g. ``wasm("reactor/hello")`` or ``wasm("wagi/echo")``."""
    return (WORKERS / f"{name}.wasm").read_bytes()


def unique(module: bytes) -> bytes:
    """The same module with a fresh custom section appended: same behaviour, new digest.

    The compile cache is process-wide, so tests that count compiles need bytes no other
    test has compiled.
    """
    name = uuid.uuid4().hex.encode()  # 32 bytes: every length fits one LEB128 byte
    payload = bytes([len(name)]) + name
    return module + bytes([0, len(payload)]) + payload


def code(name: str, *, worker: str | None = None, version: str = "v1", fresh: bool = False) -> WorkerCode:
    module = wasm(name)
    return WorkerCode.from_bytes(worker or name.replace("/", "-"), unique(module) if fresh else module, version)


def request(
    method: str = "GET",
    url: str = "https://customer.example.com/path/here?q=1",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    cf: dict[str, object] | None = None,
) -> GuestRequest:
    return GuestRequest(method=method, url=url, headers=headers or [], body=body, cf=cf)
