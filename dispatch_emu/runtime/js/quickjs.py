"""The quickjs-rs adapter: importing it, and the internals this package relies on.

Everything that reaches below quickjs-rs's public API is here, so an upgrade has one
place to check (hence the ``<0.3`` pin in setup.cfg).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatch_emu.errors import WorkerException

#: The package a JavaScript worker needs.
QUICKJS_PACKAGE = "quickjs-rs"


def import_quickjs() -> Any:
    try:
        import quickjs_rs
    except ImportError as error:
        raise WorkerException(
            f"JavaScript workers need the {QUICKJS_PACKAGE} package: pip install {QUICKJS_PACKAGE}",
            cause=f"{QUICKJS_PACKAGE} is not installed",
        ) from error
    return quickjs_rs


def quickjs_available() -> bool:
    try:
        import quickjs_rs  # noqa: F401
    except ImportError:
        return False
    return True


class QuickJsInternals:
    """The quickjs-rs internals this package needs, in one place."""

    @staticmethod
    def set_interrupt_handler(runtime: Any, handler: Callable[[], bool]) -> None:
        engine_rt = getattr(runtime, "_engine_rt", None)
        if engine_rt is None or not hasattr(engine_rt, "set_interrupt_handler"):
            raise WorkerException(
                f"this {QUICKJS_PACKAGE} version has no interrupt handler hook; dispatch_emu needs {QUICKJS_PACKAGE} 0.2.x",
                cause="incompatible quickjs-rs",
            )
        engine_rt.set_interrupt_handler(handler)

    @staticmethod
    def run_pending_jobs(context: Any) -> None:
        context._engine_ctx.run_pending_jobs()

    @staticmethod
    def limit_memory(context: Any, limit: int) -> None:
        """Cap the context's linear memory: ``memory.grow`` past it fails, so QuickJS's
        allocator fails and QuickJS throws its out-of-memory error. (quickjs-rs 0.2.6's
        own ``memory_limit`` is not enforced: a hog grows to 4 GiB.)"""
        inst = context._engine_ctx._inst
        inst.store.set_limits(memory_size=limit)

    @staticmethod
    def memory_size(context: Any) -> int:
        inst = context._engine_ctx._inst
        try:
            return int(inst.mem.data_len(inst.store))
        except Exception:
            return 0


__all__ = ["QUICKJS_PACKAGE", "QuickJsInternals", "import_quickjs", "quickjs_available"]
