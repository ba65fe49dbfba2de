"""Hook specifications: the seams where plugins change how dispatch_emu behaves.

A plugin is any object or module with functions marked ``@dispatch_emu.hookimpl`` whose
names match the stubs below. Plugins are found three ways:

* installed packages that declare an entry point in the ``dispatch_emu`` group;
* ``emulator.plugins.register(obj)`` from a conftest, a test, or your own code;
* the built-in engines and ABIs, registered as the plugin ``builtin-runtime``
  (``dispatch_emu.runtime._builtin``) through these same hooks.

The dispatch hooks (routing, before/after, error rendering) have no built-in plugin:
when no plugin answers, the plain default applies (:class:`dispatch_emu._hooks.Hooks`).
A plugin whose ``@hookimpl`` matches no hook name is refused at registration.

Set ``DISPATCH_EMU_BLOCK_PLUGINS=name1,name2`` to keep named plugins from loading.

Every hook name starts with ``dispatch_emu_``. Hooks marked *first result* stop at the
first implementation that returns something other than ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch_emu._markers import PROJECT_NAME, hookimpl, hookspec

if TYPE_CHECKING:  # annotations only; the specs sit above runtime and dispatch, which import only markers
    import wasmtime
    from werkzeug import Request, Response

    from dispatch_emu.dispatch._calls import DispatchCall
    from dispatch_emu.dispatch.routing import Routing
    from dispatch_emu.runtime._abi import GuestAbi
    from dispatch_emu.runtime._engines import RuntimeView, WorkerEngine
    from dispatch_emu.runtime._settings import RuntimeSettings
    from dispatch_emu.store._models import ScriptUpload


@hookspec
def dispatch_emu_configure_engine(config: wasmtime.Config, settings: RuntimeSettings) -> None:
    """Adjust the wasmtime ``Config`` before the runtime builds its ``Engine``.

    Called once per runtime. The runtime sets fuel and epoch interruption itself
    afterwards, because its limits depend on them; anything else (SIMD, threads,
    optimisation level) is yours to change. Settings that change compiled code are part
    of the module cache key, so caches never mix artifacts from different configs.
    """


@hookspec
def dispatch_emu_register_abis() -> list[GuestAbi]:  # type: ignore[empty-body]
    """Return guest ABIs (objects following :class:`dispatch_emu.runtime._abi.GuestAbi`).

    The runtime asks every plugin once and keeps all answers in one registry; for each
    module it picks the ABI with the highest ``priority`` whose ``matches(module)`` is
    true. The built-in plugin contributes WAGI and the reactor ABI.
    """


@hookspec
def dispatch_emu_register_engines(runtime: RuntimeView) -> list[WorkerEngine]:  # type: ignore[empty-body]
    """Return worker engines (objects following :class:`dispatch_emu.runtime._engines.WorkerEngine`).

    Called once per runtime, with the runtime (``runtime.settings``, ``runtime.hooks``).
    For each main module the runtime runs it with the first engine whose
    ``accepts(content_type, content)`` is true, asking plugins registered later first and
    the built-in engines (WebAssembly, JavaScript) last.
    """


@hookspec(firstresult=True)
def dispatch_emu_resolve_worker(request: Request, routing: Routing) -> str | None:
    """Name the user worker a request is for (first result).

    ``routing`` is the dispatcher's configured routing strategy (a callable taking the
    request). Route some requests your own way and return ``None`` for the rest: when
    every implementation answers ``None`` (or there is none), the configured routing
    decides, and its ``None`` means "no worker": the dispatch is a 404.
    """


@hookspec(firstresult=True)
def dispatch_emu_before_dispatch(call: DispatchCall) -> Response | None:
    """Observe or change a call to a user worker before it runs (first result).

    ``call.request`` may be replaced, ``call.options`` edited. Returning a ``Response``
    answers the call without running the worker.
    """


@hookspec(firstresult=True)
def dispatch_emu_after_dispatch(call: DispatchCall, response: Response) -> Response | None:
    """Observe or replace the response of a user worker (first result).

    Return ``None`` to keep ``response``; return another ``Response`` to replace it.
    Not called when the worker failed: the stub raises instead.
    """


@hookspec(firstresult=True)
def dispatch_emu_render_error(error: Exception, request: Request) -> Response | None:
    """Turn a failed dispatch into the response the client sees (first result).

    When no implementation answers, the seed's rendering applies
    (:func:`dispatch_emu.dispatch._answers.default_error_response`): ``WorkerNotFound``
    gives 404 with an empty body, any other worker error 500 with the message as the
    body, and an exception from the dispatcher function itself Cloudflare's 1101 page.
    The assertion helpers of :mod:`dispatch_emu.testing` follow your rendering.
    """


@hookspec
def dispatch_emu_validate_upload(upload: ScriptUpload, account_id: str, namespace: str) -> None:
    """Check a script before it is stored; raise :class:`dispatch_emu.errors.ValidationError`.

    Called for every upload and content replacement, from the REST API and from Python
    alike, after the store's own checks (names, tags, main module) and before anything
    is written. The built-in runtime plugin compiles wasm modules here, so invalid wasm is
    refused with code 10021 and the compiled module is already cached for dispatch.
    """


__all__ = [
    "PROJECT_NAME",
    "dispatch_emu_after_dispatch",
    "dispatch_emu_before_dispatch",
    "dispatch_emu_configure_engine",
    "dispatch_emu_register_abis",
    "dispatch_emu_register_engines",
    "dispatch_emu_render_error",
    "dispatch_emu_resolve_worker",
    "dispatch_emu_validate_upload",
    "hookimpl",
    "hookspec",
]
