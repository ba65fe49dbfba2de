"""The runtime's built-in plugin: the WAGI and reactor ABIs, and upload validation.

``dispatch_emu.plugins`` registers this module as ``builtin-runtime``; block that name
(``DISPATCH_EMU_BLOCK_PLUGINS=builtin-runtime``) to replace the built-in ABIs with your
own. Validation needs a runtime, so it lives on an object the emulator registers::

    pm.register(RuntimeValidator(runtime), name="runtime-validator")

Its ``dispatch_emu_validate_upload`` compiles every wasm module of an upload (the compile
is cached, so the first dispatch does not compile again). The main module must follow a
supported ABI; other wasm modules only have to compile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dispatch_emu.content import is_js, is_wasm
from dispatch_emu.errors import InvalidModule
from dispatch_emu.markers import hookimpl
from dispatch_emu.runtime.abi import GuestAbi
from dispatch_emu.runtime.js import quickjs_available
from dispatch_emu.runtime.reactor import ReactorAbi
from dispatch_emu.runtime.wagi import WagiAbi

if TYPE_CHECKING:
    from dispatch_emu.runtime.runtime import Runtime

@hookimpl
def dispatch_emu_register_abis() -> list[GuestAbi]:
    return [WagiAbi(), ReactorAbi()]


def is_wasm_module(module: Any) -> bool:
    """Whether an upload part is a wasm module (by content type or by its magic bytes)."""
    return is_wasm(getattr(module, "content_type", ""), getattr(module, "content", b"") or b"")


class RuntimeValidator:
    """A plugin object refusing uploads whose wasm the runtime cannot run."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @hookimpl
    def dispatch_emu_validate_upload(self, upload: Any, account_id: str, namespace: str) -> None:
        for module in upload.modules:
            if not is_wasm_module(module):
                continue
            try:
                if module.name == upload.main_module:
                    self.runtime.validate(module.content)
                else:
                    self.runtime.compile(module.content)
            except InvalidModule as error:
                raise InvalidModule(f"Module {module.name!r}: {error.message}") from error
        self._validate_javascript(upload)

    def _validate_javascript(self, upload: Any) -> None:
        """A JavaScript main module must start: its global scope runs, as on Cloudflare.

        Skipped without quickjs-rs (the dispatch then fails with a message naming it).
        """
        main = next((m for m in upload.modules if m.name == upload.main_module), None)
        if main is None or not is_js(getattr(main, "content_type", "")) or not quickjs_available():
            return
        modules = {m.name: (m.content_type or "", bytes(m.content or b"")) for m in upload.modules}
        try:
            self.runtime.validate_js(getattr(upload, "name", "") or "worker", main.name, modules)
        except InvalidModule as error:
            raise InvalidModule(f"Module {main.name!r}: {error.message}") from error


__all__ = ["RuntimeValidator", "dispatch_emu_register_abis", "is_wasm_module"]
