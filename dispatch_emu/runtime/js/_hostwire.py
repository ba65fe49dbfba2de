"""How a host call of the JavaScript prelude crosses: packed, so that it costs a few crossings.

quickjs-rs marshals a host function's arguments and result value by value, each value
several calls into the guest (its type, then its content through the guest's result
buffer, with allocations around them): a call with a few arguments took 20 to 60
crossings. The prelude's ``host(op, ...args)`` (``prelude/begin.js``) packs a call
instead as

- one string, ``op + "\\n" + JSON of the arguments``, where ``{"$b": i}`` stands for the
  i-th byte array (any ``ArrayBufferView`` or ``ArrayBuffer``, sent as a ``Uint8Array``);
- then the byte arrays, each a ``Uint8Array`` argument;

and the answer comes back as one value: ``bytes`` (a ``Uint8Array``), a string tagged
``"s"`` (the op returned a string) or ``"j"`` (JSON of anything else without bytes), or a
list ``[JSON, *bytes]`` whose ``{"$b": i}`` objects stand for the bytes. Only strings and
byte arrays cross, which :class:`~dispatch_emu.runtime.js._vm.QuickJsVm` reads and
makes in one or a few guest calls each (quickjs-rs's own marshalling still carries the same
values for a context without that fast path).

In JSON, ``undefined`` becomes ``null`` (``None``), as NaN and infinities do.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_DECODE = json.JSONDecoder().decode


def unpack(head: str, buffers: tuple[bytes, ...] | list[bytes]) -> tuple[str, list[Any]]:
    """The op and its arguments of a packed call."""
    op, _, packed = head.partition("\n")
    if not buffers:
        args = _DECODE(packed) if packed else []
    else:
        previous = getattr(_REVIVING, "buffers", None)  # (an op may run a nested worker: keep its caller's)
        _REVIVING.buffers = buffers
        try:
            args = _DECODE_REVIVING(packed)
        finally:
            _REVIVING.buffers = previous
    if type(args) is not list:
        raise TypeError("a host call's arguments must be a JSON array")
    return op, args


def _revive(value: dict[str, Any]) -> Any:
    index = value.get("$b")
    if type(index) is int and len(value) == 1:
        buffers = _REVIVING.buffers
        if 0 <= index < len(buffers):
            return bytes(buffers[index])
    return value


_REVIVING = threading.local()
_DECODE_REVIVING = json.JSONDecoder(object_hook=_revive).decode


def pack(result: Any) -> str | bytes | list[Any]:
    """An op's result as the value that crosses back (see the module's description)."""
    kind = type(result)
    if kind is bytes:
        return result
    if kind is str:
        return "s" + result
    if kind is bytearray or kind is memoryview:
        return bytes(result)
    buffers: list[bytes] = []
    plain = _without_bytes(result, buffers)
    if not buffers:
        return "j" + _ENCODE(plain)
    return [_ENCODE(plain), *buffers]


def _without_bytes(value: Any, buffers: list[bytes]) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        buffers.append(bytes(value))
        return {"$b": len(buffers) - 1}
    if isinstance(value, dict):
        return {key: _without_bytes(item, buffers) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_bytes(item, buffers) for item in value]
    return value


def wired(host: Callable[..., Any]) -> Callable[..., Any]:
    """``host(op, *args)`` as the function the prelude's packed calls reach: ``(head, *buffers)``."""

    def call(head: str, *buffers: bytes) -> Any:
        op, args = unpack(head, buffers)
        return pack(host(op, *args))

    call.host = host  # type: ignore[attr-defined]
    return call


__all__ = ["pack", "unpack", "wired"]
