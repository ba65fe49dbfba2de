"""Outbound: where a user worker's subrequests go. Never the real network by default.

A dispatch-namespace binding may name an *outbound worker* (Cloudflare's
``outbound: {worker: {service}, params: [...]}``): every ``fetch()`` a user worker makes
goes through it, and the values the dispatcher passed as ``options.outbound`` appear in
its ``env`` under the declared param names. Here an outbound can be:

* :class:`OutboundWorker` — a worker of this emulator, looked up by ``service`` in
  ``namespace`` (by default the dispatch namespace itself) of the same account;
* a Python callable ``handler(request: werkzeug.Request) -> werkzeug.Response``;
* Cloudflare's binding JSON, ``{"worker": {"service": "..."}, "params": ["a"]}``
  (params as strings or as ``[{"name": "a"}]``, as the spec and wrangler send them).

Without an outbound, a subrequest fails inside the guest with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug import Request, Response

from dispatch_emu.dispatch._calls import DispatchCall
from dispatch_emu.dispatch._messages import guest_to_request, response_to_guest
from dispatch_emu.runtime._messages import GuestRequest, GuestResponse, OutboundHandler


class Binding(Protocol):
    """What an outbound needs of the binding it serves (a :class:`~dispatch_emu.dispatch.DispatchNamespace`)."""

    namespace: str

    @property
    def outbound(self) -> Outbound | None: ...

    def run_worker(self, name: str, request: Request, *, extra_env: Mapping[str, Any] | None = None) -> Response:
        """Run a worker with no hooks and no journal entry."""
        ...

    def sibling(self, namespace: str) -> Binding:
        """A binding of ``namespace`` in the same account, with no hooks and no outbound."""
        ...


@dataclass(frozen=True)
class OutboundWorker:
    """An outbound worker: ``service`` in ``namespace`` (default: the dispatch namespace)."""

    service: str
    namespace: str | None = None
    params: Sequence[str] = field(default_factory=tuple)

    @classmethod
    def from_binding(cls, data: Mapping[str, Any]) -> OutboundWorker:
        worker = data.get("worker") or {}
        service = worker.get("service")
        if not isinstance(service, str) or not service:
            raise ValueError("an outbound binding needs worker.service")
        params = [p["name"] if isinstance(p, Mapping) else str(p) for p in data.get("params") or []]
        return cls(service=service, namespace=worker.get("namespace"), params=tuple(params))


PythonOutbound = Callable[[Request], Response]
Outbound = OutboundWorker | PythonOutbound | Mapping[str, Any]


def make_outbound(binding: Binding, call: DispatchCall) -> OutboundHandler:
    """The runtime's subrequest handler for one call through ``binding``."""
    spec = binding.outbound
    if isinstance(spec, Mapping):
        spec = OutboundWorker.from_binding(spec)
    if isinstance(spec, OutboundWorker):
        return _worker_handler(binding, spec, call)
    if callable(spec):
        python_handler = spec

        def handle(request: GuestRequest) -> GuestResponse:
            return response_to_guest(python_handler(guest_to_request(request)))

        return handle
    raise TypeError(f"unsupported outbound {spec!r}")


def _worker_handler(binding: Binding, spec: OutboundWorker, call: DispatchCall) -> OutboundHandler:
    values = call.options.get("outbound") or {}
    params = {name: values[name] for name in spec.params if name in values}
    # The outbound worker's own subrequests go nowhere (no loops through itself), and no
    # hooks run for it: the same binding type, with the plain hooks and no outbound.
    target = binding.sibling(spec.namespace or binding.namespace)

    def handle(request: GuestRequest) -> GuestResponse:
        response = target.run_worker(spec.service, guest_to_request(request), extra_env=params)
        return response_to_guest(response)

    return handle


__all__ = ["Outbound", "OutboundWorker", "PythonOutbound", "make_outbound"]
