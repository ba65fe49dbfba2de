"""The dispatcher's built-in behaviour, registered as a plugin like any other.

* routing: ``dispatch_emu_resolve_worker`` calls the dispatcher's configured routing;
* errors: ``dispatch_emu_render_error`` gives the seed's answers (404 empty for
  ``Worker not found``, 500 with the message otherwise, 1101 for a failing dispatcher).

Both run *after* third-party implementations (``trylast``), so a plugin can answer first.
"""

from __future__ import annotations

from typing import Any

from werkzeug import Request, Response

from dispatch_emu.markers import hookimpl


@hookimpl(trylast=True)
def dispatch_emu_resolve_worker(request: Request, routing: Any) -> str | None:
    return routing(request) if routing is not None else None


@hookimpl(trylast=True)
def dispatch_emu_render_error(error: Exception, request: Request) -> Response | None:
    from dispatch_emu.dispatch.app import default_error_response

    return default_error_response(error)
