"""The JavaScript engine: the seam's face of :class:`~dispatch_emu.runtime.js._runner.JsRunner`.

:class:`JsEngine` accepts main modules whose content type is JavaScript (ES modules and
service-worker scripts, :func:`dispatch_emu._content.is_js`). The runner (one quickjs-rs
runtime and its pool of prepared contexts) is created on the first JavaScript request or
upload check, so a runtime that never meets JavaScript never loads quickjs-rs. Without
quickjs-rs installed, uploads are not checked and a dispatch fails with a message naming
the package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from dispatch_emu._content import is_js
from dispatch_emu.runtime.js._quickjs import engine_stack, quickjs_available

if TYPE_CHECKING:
    from dispatch_emu.runtime._execution import Execution
    from dispatch_emu.runtime._messages import GuestResponse, WorkerCode
    from dispatch_emu.runtime._settings import RuntimeSettings
    from dispatch_emu.runtime.js._runner import JsRunner


class JsEngine:
    """Runs JavaScript workers (see the module documentation)."""

    name = "javascript"

    def __init__(self, settings: RuntimeSettings) -> None:
        self.settings = settings
        self._runner: JsRunner | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def runner(self) -> JsRunner:
        """The runner, created on first use."""
        if self._closed:
            raise RuntimeError("this JsEngine is closed")
        with self._lock:
            if self._runner is None:
                from dispatch_emu.runtime._execution import gate_for
                from dispatch_emu.runtime.js._runner import JsRunner

                self._runner = JsRunner(
                    cache_dir=self.settings.cache_dir,
                    pool_bytes=self.settings.pool_bytes,
                    gate=gate_for(self.settings.serialize_guests),
                )
            return self._runner

    @property
    def wasm_stack(self) -> int | None:
        """The native stack its guests may use, once the QuickJS engine exists (the runner
        checks again when it makes it), see :mod:`~dispatch_emu.runtime._native_stack`."""
        return engine_stack() if self._runner is not None else None

    def accepts(self, content_type: str, content: bytes) -> bool:
        return is_js(content_type)

    def validate(self, code: WorkerCode) -> None:
        """Start the worker's global scope, as Cloudflare does at upload (skipped without quickjs-rs)."""
        if not quickjs_available():
            return
        modules = dict(code.modules or {})
        main = code.main_module or "worker.js"
        modules.setdefault(main, (code.content_type, code.wasm))
        assert self.settings.memory_bytes is not None
        self.runner.check(code.name, main, modules, memory_limit=self.settings.memory_bytes)

    def run(self, execution: Execution) -> GuestResponse:
        return self.runner.run(execution, reuse=self.settings.reuse_instances)

    @property
    def pooled(self) -> int:
        return len(self._runner.contexts) if self._runner is not None else 0

    @property
    def has_pending(self) -> bool:
        """Whether a request's ``ctx.waitUntil()`` work is still to run (after its response)."""
        return self._runner is not None and self._runner.has_pending

    def wait_for_pending(self) -> None:
        """Run the ``ctx.waitUntil()`` work of answered requests to its end."""
        if self._runner is not None:
            self._runner.drain_pending()

    def reset(self) -> None:
        """Close the pooled contexts and drop pending waitUntil() work: the next request of
        every worker starts afresh. (Spare contexts stay: they never served a request, see
        ``js/_pool.py``.)"""
        if self._runner is not None:
            self._runner.drop_pending()
            self._runner.contexts.close()

    def drop(self, keep: Callable[[str, str], bool] | None = None) -> int:
        """Close the pooled contexts of the versions ``keep(identity, version)`` refuses."""
        return self._runner.contexts.drop(keep) if self._runner is not None else 0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()


__all__ = ["JsEngine"]
