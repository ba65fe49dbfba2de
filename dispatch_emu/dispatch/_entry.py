"""The entry worker: a regular Worker of the account that answers every request.

Instead of the built-in Python dispatcher, the platform's own dispatch Worker (JavaScript
or WebAssembly, deployed with a plain ``wrangler deploy``) can front the namespace::

    app = emu.app(entry="platform")              # REST API + the Worker 'platform' for the rest
    dispatch-emu serve --entry platform          # the same, on a port

The Worker is looked up on every request, so a re-deploy takes effect at once. Until it
exists the answer is 503 naming it. Its bindings (``[[dispatch_namespaces]]``,
``[[services]]``, vars, secrets) are its ``env``; see :mod:`dispatch_emu.dispatch._services`.
An exception it does not catch is Cloudflare's error 1101 (status 500, ``error code:
1101`` and the message); a limit it breaks, error 1102 (status 503).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug import Request, Response

from dispatch_emu.dispatch._binding import DispatchNamespace
from dispatch_emu.dispatch._calls import PLAIN_HOOKS, DispatchHooks
from dispatch_emu.dispatch._messages import wsgi_answer
from dispatch_emu.errors import LimitExceeded, WorkerError
from dispatch_emu.store import ACCOUNT_WORKERS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from dispatch_emu.observe import Observer
    from dispatch_emu.runtime import Runtime
    from dispatch_emu.store import NamespaceStore


def missing_entry_response(name: str, account_id: str) -> Response:
    return Response(
        f"dispatch_emu: the entry Worker {name!r} is not deployed in account {account_id!r} yet."
        f" Deploy it (a plain `wrangler deploy` of a project named {name!r}) and retry.\n",
        status=503,
        mimetype="text/plain",
        headers={"Retry-After": "1"},
    )


def entry_error_response(error: WorkerError) -> Response:
    """Cloudflare's answer when the Worker itself failed: 1101 (an exception) or 1102 (a limit)."""
    if isinstance(error, LimitExceeded):
        return Response(f"error code: 1102\n{error.message}", status=503, mimetype="text/plain")
    return Response(f"error code: 1101\n{error.message}", status=500, mimetype="text/plain")


class EntryWorker:
    """A WSGI app that hands every request to the regular Worker ``name`` of ``account_id``."""

    def __init__(
        self,
        store: NamespaceStore,
        runtime: Runtime,
        account_id: str,
        name: str,
        *,
        hooks: DispatchHooks = PLAIN_HOOKS,
        observer: Observer | None = None,
    ) -> None:
        self.name = name
        self.account_id = account_id
        self.workers = DispatchNamespace(store, runtime, account_id, ACCOUNT_WORKERS, hooks=hooks, observer=observer)

    def handle(self, request: Request) -> Response:
        if self.workers.store.find_script(self.account_id, ACCOUNT_WORKERS, self.name) is None:
            return missing_entry_response(self.name, self.account_id)
        try:
            return self.workers.get(self.name).fetch(request)
        except WorkerError as error:
            if error.message == "Worker not found.":  # deleted between the check and the run
                return missing_entry_response(self.name, self.account_id)
            return entry_error_response(error)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return wsgi_answer(self.handle(Request(environ)), environ, start_response)

    def __repr__(self) -> str:
        return f"<EntryWorker {self.account_id}/{self.name}>"


__all__ = ["EntryWorker", "entry_error_response", "missing_entry_response"]
