"""One call of a user worker, as the before/after-dispatch hooks see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request


@dataclass
class DispatchCall:
    """``env.dispatcher.get(worker_name, args, options).fetch(request)``, in flight.

    Hooks may replace ``request`` or edit ``options`` (``limits``, ``outbound``) before
    the worker runs.
    """

    account_id: str
    namespace: str
    worker_name: str
    request: Request
    args: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
