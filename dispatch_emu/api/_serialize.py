"""Store values → the JSON objects of Cloudflare's API.

Every function here takes an immutable store value and returns plain JSON-able data
shaped as the OpenAPI schema says (``workers_namespace-response``,
``workers_script-response``, ``workers_namespace-script-response``,
``workers_script-and-version-settings-item``). Times are RFC 3339 in UTC with
microseconds (``2024-01-31T12:00:00.123456Z``).

Secret values never leave through here: :func:`public_binding` drops the value fields
of ``secret_text`` and ``secret_key`` bindings, and every function that outputs
bindings goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from dispatch_emu.store import Namespace, Script, thaw

SECRET_TYPES = frozenset({"secret_text", "secret_key"})
#: The fields of a secret binding that hold its value.
SECRET_VALUE_FIELDS = ("text", "key_base64", "key_jwk")
#: Every emulated script answers fetch events; workerd would report more if it ran JS.
HANDLERS = ("fetch",)


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:  # the store's clock gives aware times; be safe with naive ones
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_binding(binding: Mapping[str, Any]) -> dict[str, Any]:
    """A binding as the API shows it: secrets without their values."""
    data = thaw(binding)
    if data.get("type") in SECRET_TYPES:
        for field in SECRET_VALUE_FIELDS:
            data.pop(field, None)
    return data


def public_bindings(bindings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [public_binding(b) for b in bindings]


def secret_json(binding: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": binding["name"], "type": binding["type"]}


def namespace_json(namespace: Namespace) -> dict[str, Any]:
    return {
        "namespace_id": namespace.namespace_id,
        "namespace_name": namespace.name,
        "created_on": rfc3339(namespace.created_on),
        "created_by": namespace.created_by,
        "modified_on": rfc3339(namespace.modified_on),
        "modified_by": namespace.modified_by,
        "script_count": namespace.script_count,
        "trusted_workers": namespace.trusted_workers,
    }


def script_json(script: Script) -> dict[str, Any]:
    """The bare ``Script`` object (the result of an upload, the ``script`` of a GET)."""
    settings = script.settings
    data: dict[str, Any] = {
        "id": script.name,
        "tag": script.tag,
        "etag": script.etag,
        "created_on": rfc3339(script.created_on),
        "modified_on": rfc3339(script.modified_on),
        "handlers": list(HANDLERS),
        "has_modules": script.has_modules,
        "has_assets": script.has_assets,
        "logpush": bool(settings.get("logpush", False)),
        "usage_model": settings.get("usage_model") or "standard",
        "compatibility_date": settings.get("compatibility_date") or "",
        "compatibility_flags": thaw(settings.get("compatibility_flags") or []),
        "tags": list(script.tags),
        "tail_consumers": thaw(settings.get("tail_consumers") or []),
    }
    placement = settings.get("placement")
    if placement:
        data["placement"] = thaw(placement)
        if placement.get("mode"):
            data["placement_mode"] = placement["mode"]
    migrations = script.extra.get("migrations")
    if isinstance(migrations, Mapping) and isinstance(migrations.get("new_tag"), str):
        data["migration_tag"] = migrations["new_tag"]
    if settings.get("observability") is not None:
        data["observability"] = thaw(settings["observability"])
    return data


def upload_json(script: Script) -> dict[str, Any]:
    """The result of an upload PUT: the script plus what wrangler prints."""
    data = script_json(script)
    data["startup_time_ms"] = script.startup_time_ms
    data["deployment_id"] = script.deployment_id
    return data


def script_wrapper_json(script: Script, namespace: str) -> dict[str, Any]:
    """The result of a script GET, and each item of a script listing."""
    return {
        "created_on": rfc3339(script.created_on),
        "modified_on": rfc3339(script.modified_on),
        "dispatch_namespace": namespace,
        "script": script_json(script),
    }


def settings_json(script: Script) -> dict[str, Any]:
    """The result of the settings GET and PATCH."""
    settings = script.settings
    data: dict[str, Any] = {
        "bindings": public_bindings(script.bindings),
        "compatibility_date": settings.get("compatibility_date") or "",
        "compatibility_flags": thaw(settings.get("compatibility_flags") or []),
        "limits": thaw(settings.get("limits") or {}),
        "logpush": bool(settings.get("logpush", False)),
        "tags": list(script.tags),
        "tail_consumers": thaw(settings.get("tail_consumers") or []),
        "usage_model": settings.get("usage_model") or "standard",
    }
    if settings.get("placement"):  # absent when unset: the SDK's models have no empty placement
        data["placement"] = thaw(settings["placement"])
    if settings.get("observability") is not None:
        data["observability"] = thaw(settings["observability"])
    return data


def module_summary(script: Script) -> list[dict[str, Any]]:
    """Module names, types and sizes (not bytes), for the control state dump."""
    return [
        {"name": m.name, "content_type": m.content_type, "size": m.size, "digest": m.digest}
        for m in script.modules
    ]


__all__ = [
    "HANDLERS",
    "SECRET_TYPES",
    "module_summary",
    "namespace_json",
    "public_binding",
    "public_bindings",
    "rfc3339",
    "script_json",
    "script_wrapper_json",
    "secret_json",
    "settings_json",
    "upload_json",
]
