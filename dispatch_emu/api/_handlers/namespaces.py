"""Dispatch namespaces: ``/accounts/{account_id}/workers/dispatch/namespaces[/{ns}]``.

``POST`` with ``{}`` (the SDK's ``name`` is optional) generates a name. ``PUT`` replaces
the namespace's writable fields (``name`` renames it, as ``wrangler dispatch-namespace
rename`` does; an absent ``trusted_workers`` means ``false``, the schema's default),
``PATCH`` changes only the fields it carries. ``DELETE`` removes the namespace and all
its scripts at once.
"""

from __future__ import annotations

from typing import Any

from dispatch_emu.api._calls import ApiCall, json_kind
from dispatch_emu.api._serialize import namespace_json
from dispatch_emu.errors import ValidationError


def _field(body: dict[str, Any], key: str, kind: type, label: str) -> Any:
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise ValidationError(f"{key} must be {label}; got {json_kind(value)}.")
    return value


def list_namespaces(call: ApiCall) -> list[dict[str, Any]]:
    return [namespace_json(ns) for ns in call.store.list_namespaces(call.account)]


def create_namespace(call: ApiCall) -> dict[str, Any]:
    body = call.json_object(empty={})
    name = _field(body, "name", str, "a string")
    trusted = _field(body, "trusted_workers", bool, "true or false")
    namespace = call.store.create_namespace(call.account, name, trusted_workers=bool(trusted))
    return namespace_json(namespace)


def get_namespace(call: ApiCall) -> dict[str, Any]:
    return namespace_json(call.store.get_namespace(call.account, call.arg("namespace")))


def put_namespace(call: ApiCall) -> dict[str, Any]:
    body = call.json_object()
    name = _field(body, "name", str, "a string")
    trusted = _field(body, "trusted_workers", bool, "true or false")
    namespace = call.store.update_namespace(
        call.account, call.arg("namespace"), new_name=name, trusted_workers=bool(trusted)
    )
    return namespace_json(namespace)


def patch_namespace(call: ApiCall) -> dict[str, Any]:
    body = call.json_object()
    name = _field(body, "name", str, "a string")
    trusted = _field(body, "trusted_workers", bool, "true or false")
    namespace = call.store.update_namespace(
        call.account, call.arg("namespace"), new_name=name, trusted_workers=trusted
    )
    return namespace_json(namespace)


def delete_namespace(call: ApiCall) -> None:
    call.store.delete_namespace(call.account, call.arg("namespace"))
    return None


__all__ = [
    "create_namespace",
    "delete_namespace",
    "get_namespace",
    "list_namespaces",
    "patch_namespace",
    "put_namespace",
]
