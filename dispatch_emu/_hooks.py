"""The typed façade over an emulator's plugin manager: what the runtime and dispatch call.

:class:`Hooks` wraps one ``pluggy.PluginManager`` and offers each hook as a method with
real types and one answer: lists of ABIs and engines come flattened, first-result hooks
fall back to their plain default when no plugin answers (the configured routing, no
interception, the seed's error rendering from :mod:`dispatch_emu.dispatch._answers`). The
built-in behaviour of the dispatch hooks is these defaults and nothing else; the
built-in engines and ABIs come from the ``builtin-runtime`` plugin only.

It is also the fast path: a dispatch asks three hooks, and a hook with no
implementation is not called at all (asked per call, so a plugin registered later is
seen at once). The runtime and the dispatch layer see it through their own protocols,
:class:`~dispatch_emu.runtime._engines.RuntimeHooks` and
:class:`~dispatch_emu.dispatch._calls.DispatchHooks`, so they import nothing of this layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch_emu.dispatch._answers import default_error_response

if TYPE_CHECKING:
    import pluggy
    import wasmtime
    from werkzeug import Request, Response

    from dispatch_emu.dispatch._calls import DispatchCall
    from dispatch_emu.dispatch.routing import Routing
    from dispatch_emu.runtime._abi import GuestAbi
    from dispatch_emu.runtime._engines import RuntimeView, WorkerEngine
    from dispatch_emu.runtime._settings import RuntimeSettings
    from dispatch_emu.store._models import ScriptUpload


class Hooks:
    """Every ``dispatch_emu_*`` hook of ``plugins``, typed (see the module documentation)."""

    def __init__(self, plugins: pluggy.PluginManager) -> None:
        self.plugins = plugins
        self._relay = plugins.hook

    # -- the runtime

    def configure_engine(self, config: wasmtime.Config, settings: RuntimeSettings) -> None:
        self._relay.dispatch_emu_configure_engine(config=config, settings=settings)

    def abis(self) -> list[GuestAbi]:
        return [abi for group in self._relay.dispatch_emu_register_abis() for abi in group or ()]

    def engines(self, runtime: RuntimeView) -> list[WorkerEngine]:
        return [engine for group in self._relay.dispatch_emu_register_engines(runtime=runtime) for engine in group or ()]

    # -- uploads

    def validate_upload(self, upload: ScriptUpload, account_id: str, namespace: str) -> None:
        self._relay.dispatch_emu_validate_upload(upload=upload, account_id=account_id, namespace=namespace)

    # -- dispatch

    def resolve_worker(self, request: Request, routing: Routing | None) -> str | None:
        caller = self._relay.dispatch_emu_resolve_worker
        if caller.get_hookimpls():
            name: str | None = caller(request=request, routing=routing)
            if name is not None:
                return name
        return routing(request) if routing is not None else None

    def before_dispatch(self, call: DispatchCall) -> Response | None:
        caller = self._relay.dispatch_emu_before_dispatch
        return caller(call=call) if caller.get_hookimpls() else None

    def after_dispatch(self, call: DispatchCall, response: Response) -> Response | None:
        caller = self._relay.dispatch_emu_after_dispatch
        return caller(call=call, response=response) if caller.get_hookimpls() else None

    def render_error(self, error: Exception, request: Request) -> Response:
        caller = self._relay.dispatch_emu_render_error
        rendered: Response | None = caller(error=error, request=request) if caller.get_hookimpls() else None
        return rendered if rendered is not None else default_error_response(error)


__all__ = ["Hooks"]
