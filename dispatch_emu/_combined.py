"""One WSGI app for the REST API and a dispatcher: what ``Emulator.app()`` and the server serve.

Paths under ``/client/v4`` and ``/__dispatch_emu`` go to the REST API and its control
endpoints; every other request goes to the dispatcher (or to the API, which answers
404, when there is none). It sits below the emulator and the server: it knows the API
app and any WSGI callable, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from dispatch_emu.api import ApiApp


class CombinedApp:
    """The API (and control endpoints) where it answers; the dispatcher everywhere else."""

    def __init__(self, api: ApiApp, dispatcher: WSGIApplication | None = None) -> None:
        self.api = api
        self.dispatcher = dispatcher

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.dispatcher is None or self.api.handles(environ.get("PATH_INFO", "")):
            return self.api(environ, start_response)
        return self.dispatcher(environ, start_response)


__all__ = ["CombinedApp"]
