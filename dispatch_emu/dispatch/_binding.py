"""The dispatch-namespace binding: ``env.dispatcher.get(name).fetch(request)``.

:class:`DispatchNamespace` is what a dispatcher's ``env.dispatcher`` is. Its
:meth:`~DispatchNamespace.get` returns a :class:`WorkerStub` at once and never fails,
as on Cloudflare; the stub's :meth:`~WorkerStub.fetch` looks the script up in the store
*at call time* (so an upload or a delete is visible to the very next dispatch), hands
its main module to the runtime, and returns the worker's response, whatever its status.

``fetch()`` raises a :class:`~dispatch_emu.errors.WorkerError` when the worker could not
answer: :class:`~dispatch_emu.errors.WorkerNotFound` (message exactly
``Worker not found.``), a limit error (``Worker exceeded CPU time limit.``,
``Too many subrequests.``, ...), or :class:`~dispatch_emu.errors.WorkerException` when it
trapped, exited non-zero or wrote something that is not HTTP.

``get(name, args, options)`` takes Cloudflare's options: ``limits={"cpuMs", "subRequests"}``
and ``outbound={param: value}`` for the namespace's outbound worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug import Request, Response

from dispatch_emu._content import is_js
from dispatch_emu.dispatch._calls import PLAIN_HOOKS, DispatchCall, DispatchHooks
from dispatch_emu.dispatch._messages import from_guest, make_request, to_guest
from dispatch_emu.dispatch._outbound import Outbound, make_outbound
from dispatch_emu.dispatch._services import binding_handler, script_env
from dispatch_emu.errors import WorkerError, WorkerException, WorkerNotFound
from dispatch_emu.observe import DispatchRecord, Observer
from dispatch_emu.runtime._messages import WorkerCode
from dispatch_emu.runtime._settings import ExecutionLimits
from dispatch_emu.store import is_account_workers

if TYPE_CHECKING:
    from dispatch_emu.runtime import Runtime
    from dispatch_emu.store import NamespaceStore, Script


def worker_env(script: Script) -> dict[str, Any]:
    """The values a worker's bindings give it: text for plain/secret text, JSON for json."""
    return script_env(script, javascript=False)


def _limits_key(limits: Mapping[str, Any] | None) -> Any:
    if not limits:
        return None
    try:
        return tuple(sorted(limits.items()))
    except TypeError:  # unhashable or unorderable values: do not memoise
        return object()


class WorkerStub:
    """A handle on one user worker; :meth:`fetch` runs it."""

    def __init__(
        self,
        namespace: DispatchNamespace,
        name: str | None,
        args: dict[str, Any] | None,
        options: dict[str, Any],
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.args = args
        self.options = options

    def fetch(
        self,
        request: Request | str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes | str = b"",
    ) -> Response:
        """Send ``request`` (a werkzeug Request, or a URL) to the worker."""
        if isinstance(request, str):
            request = make_request(request, method=method, headers=headers, body=body)
        return self.namespace._call(self, request)

    def __repr__(self) -> str:
        return f"<WorkerStub {self.namespace.namespace}/{self.name}>"


class DispatchNamespace:
    """The binding of one dispatch namespace, over a store and a runtime."""

    def __init__(
        self,
        store: NamespaceStore,
        runtime: Runtime,
        account_id: str,
        namespace: str,
        *,
        hooks: DispatchHooks = PLAIN_HOOKS,
        observer: Observer | None = None,
        outbound: Outbound | None = None,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.account_id = account_id
        self.namespace = namespace
        self.hooks = hooks
        self.observer = observer or Observer()
        self.outbound = outbound
        self._limits_memo: dict[tuple[Any, Any], ExecutionLimits] = {}

    def get(
        self, name: str | None, args: dict[str, Any] | None = None, options: dict[str, Any] | None = None
    ) -> WorkerStub:
        """A stub for ``name``, at once; a missing worker shows up when it is fetched."""
        return WorkerStub(self, name, args, dict(options or {}))

    # The dispatch itself. Kept here, not in the stub, so the binding owns its policy.
    def _call(self, stub: WorkerStub, request: Request) -> Response:
        call = DispatchCall(
            account_id=self.account_id,
            namespace=self.namespace,
            worker_name=stub.name or "",
            request=request,
            args=stub.args,
            options=stub.options,
        )
        # the dispatch hooks see calls into namespaces, not runs of regular Workers (the entry
        # worker, a service binding's target): those are no dispatch
        hooks = PLAIN_HOOKS if is_account_workers(self.namespace) else self.hooks
        early = hooks.before_dispatch(call)
        if early is not None:
            return early
        started = time.perf_counter()
        try:
            response = self._run(call)
        except WorkerError as error:
            if error.worker is None:
                error.worker = call.worker_name
            self.observer.logged(self.account_id, self.namespace, call.worker_name, error.logs)
            self.observer.dispatched(
                DispatchRecord(self.account_id, self.namespace, call.worker_name, None, error,
                               time.perf_counter() - started)
            )
            raise
        self.observer.dispatched(
            DispatchRecord(self.account_id, self.namespace, call.worker_name, response.status_code,
                           None, time.perf_counter() - started)
        )
        replaced = hooks.after_dispatch(call, response)
        return response if replaced is None else replaced

    def run_worker(
        self, name: str, request: Request, *, extra_env: Mapping[str, Any] | None = None
    ) -> Response:
        """Run a worker with no hooks and no journal entry (outbound workers use this)."""
        call = DispatchCall(self.account_id, self.namespace, name, request)
        return self._run(call, extra_env=extra_env)

    def sibling(
        self, namespace: str, *, outbound: Outbound | None = None, hooks: DispatchHooks = PLAIN_HOOKS
    ) -> DispatchNamespace:
        """A binding of ``namespace`` (or of the account's regular Workers) over the same
        store, runtime and journal; no hooks and no outbound unless given."""
        return DispatchNamespace(
            self.store, self.runtime, self.account_id, namespace, hooks=hooks, observer=self.observer,
            outbound=outbound,
        )

    def _run(self, call: DispatchCall, *, extra_env: Mapping[str, Any] | None = None) -> Response:
        name = call.worker_name
        found = self.store.find_worker(self.account_id, self.namespace, name) if name else None
        if found is None:
            raise WorkerNotFound(worker=name or None, cause="no such script in the namespace")
        script, main_bytes, trusted = found
        main = script.main
        modules = None
        if len(script.modules) > 1:  # every module of the script can be imported by name
            modules = {ref.name: (ref.content_type, self.store.module_bytes(ref)) for ref in script.modules}
        # a new deployment, even of identical bytes, gets fresh instances (as a new isolate);
        # which engine runs the main module is the runtime's decision (Runtime.engine_for)
        code = WorkerCode(
            name=name, wasm=main_bytes, digest=main.digest, version=script.deployment_id,
            scope=f"{self.account_id}/{self.namespace}", content_type=main.content_type,
            main_module=main.name, modules=modules,
        )
        limits = self._limits(name, script.settings.get("limits"), call.options.get("limits"))
        outbound = make_outbound(self, call) if self.outbound is not None else None
        javascript = is_js(main.content_type)
        env = script_env(script, javascript=javascript)
        env.update(extra_env or {})
        result = self.runtime.run(
            code, to_guest(call.request, trusted=trusted), env=env, limits=limits, outbound=outbound,
            services=binding_handler(self, script) if javascript else None,
        )
        self.observer.logged(self.account_id, self.namespace, name, result.logs)
        # what ctx.waitUntil() work logs after the response reaches the same log
        result.on_late_logs = lambda lines: self.observer.logged(self.account_id, self.namespace, name, lines)
        return from_guest(result)

    def _limits(
        self, name: str, script_limits: Mapping[str, Any] | None, dispatch_limits: Mapping[str, Any] | None
    ) -> ExecutionLimits:
        """Resolved limits, memoised: most dispatches repeat a handful of combinations."""
        key = (_limits_key(script_limits), _limits_key(dispatch_limits))
        limits = self._limits_memo.get(key)
        if limits is None:
            try:
                limits = ExecutionLimits.resolve(self.runtime.settings, script_limits, dispatch_limits)
            except ValueError as exc:
                raise WorkerException(
                    f"Invalid dispatch limits: {exc}", worker=name, cause="bad options"
                ) from None
            if len(self._limits_memo) < 256:
                self._limits_memo[key] = limits
        return limits

    def __repr__(self) -> str:
        return f"<DispatchNamespace {self.account_id}/{self.namespace}>"


__all__ = ["DispatchNamespace", "WorkerStub", "worker_env"]
