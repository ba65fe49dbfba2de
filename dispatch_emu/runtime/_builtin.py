"""The runtime's built-in plugin: the WebAssembly and JavaScript engines, WAGI and the reactor ABI.

``dispatch_emu._plugins`` registers this module as ``builtin-runtime``. It is the only
source of the built-in engines and ABIs: block the name
(``DISPATCH_EMU_BLOCK_PLUGINS=builtin-runtime``) and a runtime has only the engines and
ABIs other plugins register. A :class:`~dispatch_emu.runtime.Runtime` made without a
plugin manager asks this plugin alone (:data:`BUILTIN_HOOKS`).

The emulator checks uploads with :meth:`Runtime.validate_upload
<dispatch_emu.runtime.Runtime.validate_upload>` before it asks the plugins. With a plugin
manager of your own, register the same check as a plugin object::

    pm.register(RuntimeValidator(runtime), name="runtime-validator")

Every wasm module must compile (cached, so the first dispatch does not compile again),
and the main module must pass its engine's check (a supported ABI for wasm; a global
scope that starts for JavaScript).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dispatch_emu._markers import hookimpl
from dispatch_emu.runtime._abi import GuestAbi
from dispatch_emu.runtime._reactor import ReactorAbi
from dispatch_emu.runtime._wagi import WagiAbi
from dispatch_emu.runtime._wasm import WasmEngine
from dispatch_emu.runtime.js._engine import JsEngine

if TYPE_CHECKING:
    import wasmtime

    from dispatch_emu.runtime._engines import RuntimeView, WorkerEngine
    from dispatch_emu.runtime._messages import Upload
    from dispatch_emu.runtime._settings import RuntimeSettings


@hookimpl
def dispatch_emu_register_abis() -> list[GuestAbi]:
    return [WagiAbi(), ReactorAbi()]


@hookimpl
def dispatch_emu_register_engines(runtime: RuntimeView) -> list[WorkerEngine]:
    return [WasmEngine(runtime.settings, runtime.hooks), JsEngine(runtime.settings)]


class _BuiltinHooks:
    """The runtime hooks of a plugin manager holding only this plugin."""

    def configure_engine(self, config: wasmtime.Config, settings: RuntimeSettings) -> None:
        return None

    def abis(self) -> list[GuestAbi]:
        return dispatch_emu_register_abis()

    def engines(self, runtime: RuntimeView) -> list[WorkerEngine]:
        return dispatch_emu_register_engines(runtime)


#: What a runtime made without a plugin manager asks.
BUILTIN_HOOKS = _BuiltinHooks()


class _ValidatesUploads(Protocol):
    def validate_upload(self, upload: Upload) -> None: ...


class RuntimeValidator:
    """A plugin object refusing uploads the runtime cannot run."""

    def __init__(self, runtime: _ValidatesUploads) -> None:
        self.runtime = runtime

    @hookimpl
    def dispatch_emu_validate_upload(self, upload: Upload, account_id: str, namespace: str) -> None:
        self.runtime.validate_upload(upload)


__all__ = [
    "BUILTIN_HOOKS",
    "RuntimeValidator",
    "dispatch_emu_register_abis",
    "dispatch_emu_register_engines",
]
