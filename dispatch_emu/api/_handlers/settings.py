"""Script settings and bindings: ``.../scripts/{name}/settings`` and ``/bindings``.

``GET /settings`` answers ``{bindings, compatibility_date, compatibility_flags, limits,
logpush, placement, tags, tail_consumers, usage_model[, observability]}``;
``PATCH /settings`` takes a partial object of the same fields (as the SDK sends it: one
multipart part named ``settings``; a JSON body works too) and answers the new settings.
A secret binding sent without its ``text`` keeps its value. ``GET /bindings`` answers
the binding list. Secret values never appear in either answer.
"""

from __future__ import annotations

from typing import Any

from dispatch_emu.api._calls import ApiCall
from dispatch_emu.api._serialize import public_bindings, settings_json
from dispatch_emu.api._uploads import parse_settings


def get_settings(call: ApiCall) -> dict[str, Any]:
    script = call.store.get_script(call.account, call.arg("namespace"), call.arg("script"))
    return settings_json(script)


def patch_settings(call: ApiCall) -> dict[str, Any]:
    patch = parse_settings(call)
    script = call.store.update_settings(call.account, call.arg("namespace"), call.arg("script"), patch)
    return settings_json(script)


def get_bindings(call: ApiCall) -> list[dict[str, Any]]:
    script = call.store.get_script(call.account, call.arg("namespace"), call.arg("script"))
    return public_bindings(script.bindings)


__all__ = ["get_bindings", "get_settings", "patch_settings"]
