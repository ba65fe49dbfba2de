"""The values that cross the runtime's boundary: code in, a request in, a response out.

The runtime knows nothing of HTTP frameworks: the dispatcher turns a WSGI request into a
:class:`GuestRequest`, hands it to :meth:`Runtime.run` with the :class:`WorkerCode` it
looked up, and turns the :class:`GuestResponse` back into a WSGI response. Headers are
lists of pairs because HTTP allows a name to repeat (``set-cookie``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class GuestRequest:
    """A request as a guest sees it. ``cf`` is ``None`` unless the namespace is trusted."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    cf: dict[str, Any] | None = None


@dataclass
class GuestResponse:
    """What a guest answered, plus the log lines it wrote while answering."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    logs: list[str] = field(default_factory=list)
    #: called with the lines a JavaScript worker's ``ctx.waitUntil()`` work writes after
    #: this response was returned (they are also appended to ``logs``)
    on_late_logs: Callable[[list[str]], None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class WorkerCode:
    """A worker's main module.

    ``digest`` is the sha256 of ``wasm`` (hex) and keys the compile cache; ``version``
    names the deployment (the dispatcher passes the upload's ``deployment_id``) and keys
    reused instances, so a re-upload never meets an instance of the code it replaced, even
    when the bytes are the same. ``scope`` says whose worker it is (the dispatcher passes
    ``account/namespace``): workers of the same name in two namespaces never share, or
    retire, each other's reused instances.

    ``content_type`` says what the main module is: ``application/wasm`` (the default), or
    JavaScript (``application/javascript+module`` and ``text/javascript+module`` for ES
    modules, ``application/javascript`` for service-worker scripts), in which case
    ``wasm`` holds the source. A JavaScript worker's ``main_module`` names it, and
    ``modules`` maps every module it may import to ``(content_type, bytes)``.
    """

    name: str
    wasm: bytes
    digest: str
    version: str = ""
    scope: str = ""
    content_type: str = "application/wasm"
    main_module: str = ""
    modules: Mapping[str, tuple[str, bytes]] | None = field(default=None, compare=False, repr=False)

    @property
    def identity(self) -> str:
        """The worker's identity for instance reuse: its scope and name."""
        return f"{self.scope}\0{self.name}" if self.scope else self.name

    @classmethod
    def from_bytes(cls, name: str, wasm: bytes, version: str = "") -> WorkerCode:
        return cls(name=name, wasm=wasm, digest=hashlib.sha256(wasm).hexdigest(), version=version)

    @classmethod
    def javascript(
        cls,
        name: str,
        modules: Mapping[str, tuple[str, bytes]],
        main_module: str,
        version: str = "",
    ) -> WorkerCode:
        """A JavaScript worker: ``modules`` maps names to ``(content_type, bytes)``."""
        content_type, source = modules[main_module]
        return cls(
            name=name,
            wasm=source,
            digest=hashlib.sha256(source).hexdigest(),
            version=version,
            content_type=content_type,
            main_module=main_module,
            modules=dict(modules),
        )


class UploadModule(Protocol):
    """One module of an upload, as the runtime checks it (the store's ``ModuleSource``)."""

    @property
    def name(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    @property
    def content(self) -> bytes: ...


class Upload(Protocol):
    """An upload, as the runtime checks it (the store's ``ScriptUpload``)."""

    @property
    def modules(self) -> Sequence[UploadModule]: ...

    @property
    def main_module(self) -> str | None: ...


#: Receives every subrequest a guest makes; the dispatcher routes it (an outbound worker,
#: another service) and never lets it reach the real network.
OutboundHandler = Callable[[GuestRequest], GuestResponse]


@dataclass(frozen=True)
class ServiceCall:
    """A JavaScript worker's call through one of its bindings: ``env.X.fetch(request)`` of a
    service binding, or ``env.X.get(target, args, options).fetch(request)`` of a
    dispatch-namespace binding."""

    binding: str
    request: GuestRequest
    target: str | None = None
    args: Any = None
    options: Mapping[str, Any] | None = None


#: Runs a :class:`ServiceCall` (another worker) and returns its response, or raises the
#: :class:`~dispatch_emu.errors.WorkerError` the caller's ``fetch()`` rejects with.
ServiceHandler = Callable[[ServiceCall], GuestResponse]

__all__ = [
    "GuestRequest", "GuestResponse", "OutboundHandler", "ServiceCall", "ServiceHandler", "Upload", "UploadModule", "WorkerCode",
]
