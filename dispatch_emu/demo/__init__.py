"""A demo worker shipped with dispatch_emu, for examples and smoke tests.

:func:`demo_worker_wasm` returns the bytes of ``hello.wasm`` (source: ``hello.wat`` beside
it, reactor ABI). Uploaded under any name, it answers ``200`` with::

    Hello from dispatch_emu! Worker <name> answered <METHOD> <url>

::

    from dispatch_emu.demo import demo_worker_wasm
    from dispatch_emu.runtime import GuestRequest, Runtime, WorkerCode

    with Runtime() as runtime:
        code = WorkerCode.from_bytes("my-customer", demo_worker_wasm())
        print(runtime.run(code, GuestRequest("GET", "https://example.com/", [])).body)
"""

from __future__ import annotations

from importlib import resources

DEMO_WORKER = "hello.wasm"


def demo_worker_wasm() -> bytes:
    """The compiled demo worker (a few hundred bytes of wasm)."""
    return resources.files(__name__).joinpath(DEMO_WORKER).read_bytes()


def demo_worker_source() -> str:
    """The WAT source of the demo worker, for documentation."""
    return resources.files(__name__).joinpath("hello.wat").read_text(encoding="utf-8")


__all__ = ["DEMO_WORKER", "demo_worker_source", "demo_worker_wasm"]
