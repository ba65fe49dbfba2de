"""Host calls of the JavaScript prelude: a table from op name to a Python function.

The prelude reaches the host through one function, ``host(op, ...args)``. The ops that
need a request's state (``fetch``, the subrequest counter, deadlines) are served by
:class:`~dispatch_emu.runtime.js._call.JsCall`; the stateless ones — crypto, compression,
text codecs, IDNA — are here, one module per concept, so that a new op is one entry in
:data:`HOST_OPS` and no change to the call path. Values cross packed (see
:mod:`dispatch_emu.runtime.js._hostwire`): ``bytes`` ↔ ``Uint8Array`` (any byte array or
view, from the guest), ``dict`` ↔ object, ``list`` ↔ array, ``undefined`` → ``None``.

A host function that fails for a reason the guest should see returns ``{"error":
{"name": ..., "message": ...}}`` (see :class:`HostError`); the prelude throws it as a
``DOMException`` or ``TypeError`` of that name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatch_emu.runtime.js._host.codecs import CODEC_OPS
from dispatch_emu.runtime.js._host.errors import HostError
from dispatch_emu.runtime.js._host.subtle import crypto_op
from dispatch_emu.runtime.js._host.vendor import vendored_source

#: op name → function of the op's arguments
HOST_OPS: dict[str, Callable[..., Any]] = {"crypto": crypto_op, "vendor": vendored_source}
HOST_OPS.update(CODEC_OPS)


def call_host_op(op: str, args: tuple[Any, ...]) -> Any:
    """Run a table op; a :class:`HostError` becomes the error record the prelude throws."""
    try:
        return HOST_OPS[op](*args)
    except HostError as error:
        return {"error": {"name": error.name, "message": error.message}}


__all__ = ["HOST_OPS", "HostError", "call_host_op"]
