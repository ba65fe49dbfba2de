"""Bindings that call other workers: ``dispatch_namespace`` and ``service``.

A worker's bindings become its ``env`` (:func:`script_env`): text, secret and JSON
bindings as values, for every worker; for a JavaScript worker also

* ``dispatch_namespace``: ``env.X.get(name, args, options)`` returns a stub at once; its
  ``fetch(request)`` runs the user worker ``name`` of the namespace the binding names, with
  ``options.limits`` (``cpuMs``, ``subRequests``) as its budget and ``options.outbound``
  as the params of the binding's outbound worker (a regular Worker of the account:
  ``outbound: {worker: {service}, params}``). A missing worker rejects with
  ``Error("Worker not found.")``; a worker that threw rejects with an error of the same
  standard type and message; a limit rejects with ``Error("Worker exceeded CPU time
  limit.")`` / ``Error("Too many subrequests.")``; its own response passes through as is.
* ``service``: ``env.X.fetch(request)`` runs the regular Worker ``service`` of the account.
* any other type (KV, R2, D1, queues, Durable Objects, ...): stored, but every use of
  ``env.X`` throws an error naming the type (see ``RUNNABLE_BINDING_TYPES``).

The called worker runs at once, nested in the caller's request, on its own CPU budget
and limits and with its own logs; its time is not the caller's CPU time. WebAssembly
workers get the values only (no ABI call reaches another worker). A Python dispatcher
gets the same objects from Python: :meth:`Emulator.binding
<dispatch_emu.emulator.Emulator.binding>` and :class:`ServiceBinding`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from werkzeug import Request, Response

from dispatch_emu.dispatch._calls import PLAIN_HOOKS, DispatchHooks
from dispatch_emu.dispatch._messages import guest_to_request, response_to_guest
from dispatch_emu.dispatch._outbound import Outbound, OutboundWorker
from dispatch_emu.errors import WorkerException, WorkerNotFound
from dispatch_emu.runtime import GuestResponse, ServiceCall, ServiceHandler
from dispatch_emu.runtime.js import BindingRef
from dispatch_emu.store import ACCOUNT_WORKERS, Script
from dispatch_emu.store._bindings import RUNNABLE_BINDING_TYPES


class Stub(Protocol):
    def fetch(self, request: Request | str) -> Response: ...


class Caller(Protocol):
    """What a binding call needs of the caller's binding (a :class:`~dispatch_emu.dispatch.DispatchNamespace`)."""

    @property
    def hooks(self) -> DispatchHooks: ...

    def get(self, name: str | None, args: dict[str, Any] | None = None,
            options: dict[str, Any] | None = None) -> Stub: ...

    def sibling(self, namespace: str, *, outbound: Outbound | None = None,
                hooks: DispatchHooks = PLAIN_HOOKS) -> Caller: ...

#: Binding types whose value is an object the worker calls, not a value.
CALLED_TYPES = frozenset({"dispatch_namespace", "service"})
VALUE_TYPES = frozenset({"plain_text", "secret_text", "json"})


def script_env(script: Script, *, javascript: bool) -> dict[str, Any]:
    """``env`` of a worker: values, plus (JavaScript) a :class:`BindingRef` per other binding."""
    env: dict[str, Any] = {}
    for binding in script.bindings:
        kind, name = binding.get("type"), binding["name"]
        if kind in ("plain_text", "secret_text"):
            env[name] = binding.get("text", "")
        elif kind == "json":
            env[name] = binding.get("json")
        elif javascript and isinstance(kind, str):
            env[name] = BindingRef(kind, runnable=kind in RUNNABLE_BINDING_TYPES)
    return env


def outbound_of(binding: Mapping[str, Any]) -> OutboundWorker | None:
    """The outbound worker a dispatch-namespace binding names: a regular Worker of the account."""
    spec = binding.get("outbound")
    if not isinstance(spec, Mapping) or not spec:
        return None
    worker = OutboundWorker.from_binding(spec)
    return OutboundWorker(worker.service, namespace=worker.namespace or ACCOUNT_WORKERS, params=worker.params)


def binding_handler(caller: Caller, script: Script) -> ServiceHandler | None:
    """The handler of ``script``'s calls through its bindings, or ``None`` if it has none to call."""
    bindings = {b["name"]: b for b in script.bindings if b.get("type") in CALLED_TYPES}
    if not bindings:
        return None

    def handle(call: ServiceCall) -> GuestResponse:
        binding = bindings.get(call.binding)
        if binding is None:  # the prelude only calls bindings it was given
            raise WorkerException(f"env.{call.binding} is not a binding of this worker")
        request = guest_to_request(call.request)
        if binding["type"] == "dispatch_namespace":
            namespace = caller.sibling(binding["namespace"], outbound=outbound_of(binding), hooks=caller.hooks)
            options = dict(call.options) if isinstance(call.options, Mapping) else {}
            args = call.args if isinstance(call.args, dict) else None
            return response_to_guest(namespace.get(call.target, args, options).fetch(request))
        return response_to_guest(ServiceBinding(caller, binding["service"]).fetch(request))

    return handle


class ServiceBinding:
    """A service binding: ``fetch(request)`` runs the regular Worker ``service`` of the account.

    What ``env.SVC`` is in a JavaScript worker, for a Python dispatcher::

        emu.dispatcher("customers", env={"AUTH": emu.service("auth")})
        # in fetch(request, env): env.AUTH.fetch(request) -> werkzeug Response
    """

    def __init__(self, caller: Caller, service: str) -> None:
        self.workers = caller.sibling(ACCOUNT_WORKERS, hooks=caller.hooks)
        self.service = service

    def fetch(self, request: Request | str) -> Response:
        try:
            return self.workers.get(self.service).fetch(request)
        except WorkerNotFound as missing:
            error = WorkerException(
                f"The service binding's Worker {self.service!r} is not deployed.",
                worker=self.service,
                cause="no such regular Worker in the account",
            )
            raise error from missing

    def __repr__(self) -> str:
        return f"<ServiceBinding {self.service}>"


__all__ = ["CALLED_TYPES", "ServiceBinding", "binding_handler", "outbound_of", "script_env"]
