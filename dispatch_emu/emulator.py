"""The emulator: one store, one runtime, one plugin manager, and the apps over them.

:class:`Emulator` is what tests, the pytest plugin and the server hold. It owns

* ``store``: the :class:`~dispatch_emu.store.NamespaceStore` (accounts → namespaces → scripts);
* ``runtime``: the wasmtime :class:`~dispatch_emu.runtime.Runtime` (built on first use);
* ``plugins``: a private pluggy manager, so emulators never share plugin state;
* ``api``: the Cloudflare REST API as a WSGI app over the store;
* ``observer``: every line user workers wrote and every dispatch, for assertions.

From Python::

    emu = Emulator()
    ns = emu.namespace("customers")                 # created on first use
    ns.put_script("shop", wasm=wasm_bytes, bindings={"GREETING": "hi"})
    app = emu.dispatcher("customers")              # the seed's dispatcher as a WSGI app
    app = emu.app(app)                             # ... plus the REST API on the same app

An upload from Python goes through the same checks as one through the API, hooks included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from dispatch_emu._content import WASM_TYPE
from dispatch_emu._hooks import Hooks
from dispatch_emu._plugins import PluginManager, make_plugin_manager
from dispatch_emu.observe import Observer
from dispatch_emu.store import ACCOUNT_WORKERS, ModuleSource, NamespaceStore, Script, ScriptUpload

if TYPE_CHECKING:
    from pathlib import Path

    from dispatch_emu.api import ApiApp, ApiConfig
    from dispatch_emu.dispatch import Dispatcher, DispatchNamespace, FetchFunction, Routing
    from dispatch_emu.dispatch._entry import EntryWorker
    from dispatch_emu.dispatch._services import ServiceBinding
    from dispatch_emu.runtime import Runtime, RuntimeSettings

DEFAULT_ACCOUNT = "demo-account"
DEMO_NAMESPACE = "demo"


def bindings_from_mapping(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``{"NAME": "text"}`` → plain_text bindings; other JSON values → json bindings."""
    result = []
    for name, value in values.items():
        if isinstance(value, str):
            result.append({"name": name, "type": "plain_text", "text": value})
        else:
            result.append({"name": name, "type": "json", "json": value})
    return result


class NamespaceHandle:
    """A dispatch namespace seen from Python: upload, inspect and remove scripts."""

    def __init__(self, emulator: Emulator, account_id: str, name: str) -> None:
        self.emulator = emulator
        self.account_id = account_id
        self.name = name

    @property
    def store(self) -> NamespaceStore:
        return self.emulator.store

    def put_script(
        self,
        name: str,
        wasm: bytes | None = None,
        *,
        js: str | bytes | None = None,
        modules: Sequence[ModuleSource] | None = None,
        main_module: str | None = None,
        bindings: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        secrets: Mapping[str, str] | None = None,
        tags: Sequence[str] | None = None,
        limits: Mapping[str, int] | None = None,
        **metadata: Any,
    ) -> Script:
        """Upload a worker: ``wasm=`` bytes, ``js=`` the source of one JavaScript module (an
        ES module, or a service worker when it exports nothing), or explicit ``modules`` and
        ``main_module``. (Files and folders: :func:`dispatch_emu.testing.seed`.)

        ``bindings`` is either Cloudflare's list of binding objects or a plain mapping
        (strings become ``plain_text``, other values ``json``); ``secrets`` become
        ``secret_text`` bindings; ``limits={"cpu_ms": 50}`` is the script's CPU budget.
        """
        if sum(given is not None for given in (wasm, js, modules)) != 1:
            raise TypeError("put_script() takes one of wasm=, js= or modules=")
        if js is not None:
            from dispatch_emu.sources import js_upload

            upload = js_upload(js, name=name)
            modules, main_module = upload.modules, upload.main_module
            metadata = {**upload.metadata, **metadata}
        if wasm is not None:
            main_module = main_module or "worker.wasm"
            modules = [ModuleSource(main_module, WASM_TYPE, bytes(wasm))]
        assert modules is not None
        meta: dict[str, Any] = dict(metadata)
        meta["main_module"] = main_module or modules[0].name
        binding_list = (
            bindings_from_mapping(bindings) if isinstance(bindings, Mapping) else list(bindings or [])
        )
        binding_list += [
            {"name": k, "type": "secret_text", "text": v} for k, v in (secrets or {}).items()
        ]
        meta["bindings"] = binding_list
        if tags is not None:
            meta["tags"] = list(tags)
        if limits is not None:
            meta["limits"] = dict(limits)
        return self.store.put_script(self.account_id, self.name, name, ScriptUpload(list(modules), meta))

    def get_script(self, name: str) -> Script:
        return self.store.get_script(self.account_id, self.name, name)

    def delete_script(self, name: str) -> None:
        self.store.delete_script(self.account_id, self.name, name)

    def script_names(self) -> list[str]:
        names: list[str] = []
        cursor = None
        while True:
            page = self.store.list_scripts(self.account_id, self.name, cursor=cursor)
            names += [s.name for s in page.scripts]
            if not page.cursor:
                return names
            cursor = page.cursor

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.store.find_script(self.account_id, self.name, name) is not None

    def binding(self, **options: Any) -> DispatchNamespace:
        """The ``env.dispatcher`` object for this namespace (``get(name).fetch(request)``)."""
        return self.emulator.binding(self.name, account_id=self.account_id, **options)

    def __repr__(self) -> str:
        return f"<NamespaceHandle {self.account_id}/{self.name}>"


class Emulator:
    """One emulated Cloudflare account space: store, runtime, plugins, API and dispatchers."""

    def __init__(
        self,
        *,
        runtime_settings: RuntimeSettings | None = None,
        api_config: ApiConfig | None = None,
        plugins: Iterable[object] = (),
        load_entrypoints: bool = True,
        block_plugins: Iterable[str] = (),
        store: NamespaceStore | None = None,
    ) -> None:
        self.plugins: PluginManager = make_plugin_manager(load_entrypoints=load_entrypoints, block=block_plugins)
        for plugin in plugins:
            self.plugins.register(plugin)
        self.hooks = Hooks(self.plugins)
        self.store = store if store is not None else NamespaceStore()
        self.store.removal_listeners.append(self._drop_unreachable)
        self.store.validators.append(self._validate_upload)
        self.observer = Observer()
        self._runtime_settings = runtime_settings
        self._api_config = api_config
        self._runtime: Runtime | None = None
        self._api: ApiApp | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ parts

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                from dispatch_emu.runtime import Runtime

                self._runtime = Runtime(self._runtime_settings, hooks=self.hooks)
            return self._runtime

    def _drop_unreachable(self) -> None:
        """After a delete, replacement, reset or restore in the store: close the idle reused
        instances and contexts of versions no dispatch can reach any more (their memory
        comes back at once, not when the pool's bound pushes them out)."""
        runtime = self._runtime
        if runtime is not None and not runtime.closed:
            runtime.drop_instances(keep=self._deployed)

    def _deployed(self, identity: str, version: str) -> bool:
        # identity is "account/namespace\0name" (WorkerCode.identity, as the binding builds it)
        scope, _, name = identity.partition("\0")
        account_id, _, namespace = scope.partition("/")
        found = self.store.find_script(account_id, namespace, name)
        return found is not None and found.deployment_id == version

    @property
    def api(self) -> ApiApp:
        with self._lock:
            if self._api is None:
                from dispatch_emu.api import ApiApp

                self._api = ApiApp(
                    self.store, self._api_config, on_reset=self.reset, extra_state=self._extra_state,
                    logs=self._logs_page,
                )
            return self._api

    def _validate_upload(self, upload: ScriptUpload, account_id: str, namespace: str) -> None:
        # the runtime refuses what it cannot run (and compiles wasm now), then the plugins judge
        self.runtime.validate_upload(upload)
        self.hooks.validate_upload(upload, account_id, namespace)

    def _logs_page(self, worker: str | None, since: int, wait: float) -> dict[str, Any]:
        """The control endpoint ``GET /__dispatch_emu/logs``: records after ``since``."""
        from dispatch_emu.observe import log_dict

        if wait > 0:
            self.observer.wait(since, wait)
        newest = self.observer.position()
        return {
            "logs": [log_dict(r) for r in self.observer.log_records(worker, since) if r.seq <= newest],
            "requests": [r.as_dict() for r in self.observer.requests(worker, since) if r.done <= newest],
            "next": max(newest, since),
        }

    def _extra_state(self) -> dict[str, Any]:
        return {"logs": [asdict(record) for record in self.observer.log_records()]}

    # ------------------------------------------------------------------ namespaces

    def namespace(
        self,
        name: str = DEMO_NAMESPACE,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        create: bool = True,
        trusted_workers: bool | None = None,
    ) -> NamespaceHandle:
        """A handle on a namespace, created when missing (unless ``create=False``)."""
        if not self.store.has_namespace(account_id, name):
            if not create:
                self.store.get_namespace(account_id, name)  # raises NamespaceNotFound
            self.store.create_namespace(account_id, name, trusted_workers=bool(trusted_workers))
        elif trusted_workers is not None:
            self.store.update_namespace(account_id, name, trusted_workers=trusted_workers)
        return NamespaceHandle(self, account_id, name)

    # ------------------------------------------------------------------ dispatch

    def binding(
        self, namespace: str = DEMO_NAMESPACE, *, account_id: str = DEFAULT_ACCOUNT, **options: Any
    ) -> DispatchNamespace:
        """The dispatch-namespace binding (``env.dispatcher``) for ``namespace``."""
        from dispatch_emu.dispatch import DispatchNamespace

        return DispatchNamespace(
            self.store,
            self.runtime,
            account_id,
            namespace,
            hooks=self.hooks,
            observer=self.observer,
            **options,
        )

    def dispatcher(
        self,
        namespace: str = DEMO_NAMESPACE,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        fetch: FetchFunction | None = None,
        routing: Routing | str | None = None,
        outbound: Any = None,
        env: Mapping[str, Any] | None = None,
    ) -> Dispatcher:
        """A WSGI dispatcher bound to ``namespace``; by default the seed's (subdomain routing)."""
        from dispatch_emu.dispatch import Dispatcher

        binding = self.binding(namespace, account_id=account_id, outbound=outbound)
        return Dispatcher(binding, fetch=fetch, routing=routing, env=env)

    def app(
        self,
        dispatcher: Callable[..., Any] | None = None,
        *,
        entry: str | None = None,
        account_id: str = DEFAULT_ACCOUNT,
    ) -> Callable[..., Any]:
        """One WSGI app: the REST API and control endpoints, and ``dispatcher`` for the rest.

        ``entry="platform"`` hands the rest to the regular Worker ``platform`` of
        ``account_id`` instead (the platform's own dispatch Worker; 503 until it exists).
        """
        from dispatch_emu._combined import CombinedApp

        if entry is not None:
            if dispatcher is not None:
                raise TypeError("app() takes a dispatcher or an entry Worker, not both")
            dispatcher = self.entry(entry, account_id=account_id)
        return CombinedApp(self.api, dispatcher)

    # ------------------------------------------------------------------ regular Workers

    def workers(self, *, account_id: str = DEFAULT_ACCOUNT) -> NamespaceHandle:
        """The account's regular Workers (outside any namespace), as a namespace-like handle."""
        return NamespaceHandle(self, account_id, ACCOUNT_WORKERS)

    def deploy(
        self, path: str | Path, *, dispatch_namespace: str | None = None, account_id: str = DEFAULT_ACCOUNT
    ) -> Script:
        """Deploy a wrangler project folder as ``wrangler deploy`` would, without node
        (see :mod:`dispatch_emu._projects`): a regular Worker, or into ``dispatch_namespace``."""
        from dispatch_emu._projects import deploy_project

        return deploy_project(self.store, path, dispatch_namespace=dispatch_namespace, account_id=account_id)

    def entry(self, name: str, *, account_id: str = DEFAULT_ACCOUNT) -> EntryWorker:
        """A WSGI app answering every request with the regular Worker ``name``."""
        from dispatch_emu.dispatch._entry import EntryWorker

        return EntryWorker(
            self.store, self.runtime, account_id, name, hooks=self.hooks, observer=self.observer
        )

    def service(self, name: str, *, account_id: str = DEFAULT_ACCOUNT) -> ServiceBinding:
        """A service binding to the regular Worker ``name``, for a Python dispatcher's ``env``."""
        from dispatch_emu.dispatch._services import ServiceBinding

        return ServiceBinding(self.binding(ACCOUNT_WORKERS, account_id=account_id), name)

    # ------------------------------------------------------------------ lifecycle

    def wait_for_pending(self) -> None:
        """Run the ``ctx.waitUntil()`` work of JavaScript requests already answered.

        A response never waits for its worker's ``waitUntil()`` work (as on Cloudflare):
        in server mode the work runs once the answer is sent; in process, call this before
        checking what the work did. Its failures are in the request's logs.
        """
        if self._runtime is not None:
            self._runtime.wait_for_pending()

    def reset(self) -> None:
        """Forget all namespaces, scripts and logs, and every pooled instance and context.

        Compiled modules stay cached (they are keyed by content, so nothing of the old
        scripts can leak through them).
        """
        self.store.reset()
        self.observer.clear()
        with self._lock:
            runtime = self._runtime
        if runtime is not None:
            runtime.reset()

    def close(self) -> None:
        """Close the runtime (pooled instances, contexts, the epoch timer's claim).

        The emulator stays usable: the next dispatch or upload builds a new runtime.
        """
        with self._lock:
            runtime, self._runtime = self._runtime, None
        if runtime is not None:
            runtime.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = [
    "DEFAULT_ACCOUNT",
    "DEMO_NAMESPACE",
    "Emulator",
    "NamespaceHandle",
    "bindings_from_mapping",
]
