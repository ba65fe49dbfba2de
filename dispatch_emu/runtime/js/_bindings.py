"""Bindings that are objects in a JavaScript worker's ``env``, not plain values.

Text, secret and JSON bindings reach ``env`` as values. A binding the worker *calls*
(``dispatch_namespace``, ``service``) is passed as a :class:`BindingRef`; the prelude
builds the object (``env.X.get(name, args, options).fetch(...)``, ``env.X.fetch(...)``)
whose calls come back to the host as :class:`~dispatch_emu.runtime.ServiceCall`\\ s. A
binding of a type the emulator does not run (KV, R2, ...) is a :class:`BindingRef` with
``runnable=False``: any use of it throws an error naming its type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The key that marks a binding in the JSON the prelude receives (no JSON binding value
#: a worker is given can be mistaken for one: this key starts with a NUL character).
BINDING_MARK = "\u0000dispatch_emu_binding"


@dataclass(frozen=True)
class BindingRef:
    """A binding of ``type`` in a JavaScript worker's ``env``."""

    type: str
    runnable: bool = True

    def to_json(self) -> dict[str, Any]:
        return {BINDING_MARK: {"type": self.type, "runnable": self.runnable}}


def env_default(value: Any) -> Any:
    """``json.dumps(env, default=env_default)``: a :class:`BindingRef` as the prelude reads it."""
    if isinstance(value, BindingRef):
        return value.to_json()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


__all__ = ["BINDING_MARK", "BindingRef", "env_default"]
