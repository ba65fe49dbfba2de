"""Request handlers, one module per resource.

A handler takes an :class:`~dispatch_emu.api._calls.ApiCall` and returns the value of
the envelope's ``result`` (or a :class:`~dispatch_emu.api._envelope.Paged` list, or a
ready ``Response`` for raw bodies); failures are raised as
:class:`~dispatch_emu.errors.ApiError`. Handlers validate and parse everything before
their single store call, so an error never leaves a partial change behind.

=====================  ============================================================
module                 resource
=====================  ============================================================
``namespaces``         dispatch namespaces (list, create, get, put, patch, delete)
``scripts``            scripts: upload, get, delete, list, delete by tags, content,
                       asset upload sessions
``workers_scripts``    the account's regular Workers (outside namespaces), wrangler's
                       deploy calls (services, deployments, workers.dev subdomain)
``settings``           script settings and bindings
``secrets``            script secrets
``tags``               script tags
``control``            the emulator's own endpoints (reset, state, snapshot, ...)
=====================  ============================================================
"""

from __future__ import annotations

__all__: list[str] = []
