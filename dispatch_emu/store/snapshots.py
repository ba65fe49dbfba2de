"""Snapshots: the whole store as a JSON-able dict, and back.

``snapshot()`` writes every account, namespace and script with its module references;
module bytes appear once each, hex-encoded, keyed by sha256. :func:`load_snapshot`
parses one into fresh structures without touching a live store, so a malformed
snapshot can be refused before anything is replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dispatch_emu.errors import ValidationError
from dispatch_emu.store.blobs import BlobStore, ModuleRef
from dispatch_emu.store.models import Script
from dispatch_emu.store.state import Interner, NamespaceState, thaw

SNAPSHOT_VERSION = 1

Accounts = dict[str, dict[str, NamespaceState]]


def dump_snapshot(
    accounts: Accounts, store: BlobStore, workers: Mapping[str, NamespaceState] | None = None
) -> dict[str, Any]:
    """``workers`` (account → its regular Workers) is written under ``"workers"``."""
    blobs: dict[str, str] = {}
    dumped = {
        account_id: [namespace_to_json(state, blobs, store) for state in spaces.values()]
        for account_id, spaces in accounts.items()
    }
    snapshot = {"version": SNAPSHOT_VERSION, "blobs": blobs, "accounts": dumped}
    if workers:
        snapshot["workers"] = {
            account_id: namespace_to_json(state, blobs, store) for account_id, state in workers.items()
        }
    return snapshot


def load_snapshot(data: Mapping[str, Any]) -> tuple[Accounts, dict[str, NamespaceState], BlobStore, Interner]:
    """Fresh structures from a snapshot; raises ValidationError, never half-loads."""
    if not isinstance(data, Mapping) or data.get("version") != SNAPSHOT_VERSION:
        version = data.get("version") if isinstance(data, Mapping) else None
        raise ValidationError(f"Unsupported snapshot version {version!r}.")
    blobs, interner = BlobStore(), Interner()
    accounts: Accounts = {}
    workers: dict[str, NamespaceState] = {}

    def load_namespace(item: Mapping[str, Any]) -> NamespaceState:
        state = namespace_from_json(item)
        for raw in item["scripts"]:
            modules = tuple(
                blobs.add(m["name"], m["content_type"], raw_blobs[m["digest"]]) for m in raw["modules"]
            )
            script = script_from_json(raw, modules, interner)
            state.scripts[script.name] = script
        state.order = sorted(state.scripts)
        return state

    try:
        raw_blobs = {digest: bytes.fromhex(text) for digest, text in data["blobs"].items()}
        for account_id, spaces in data["accounts"].items():
            target = accounts.setdefault(account_id, {})
            for item in spaces:
                state = load_namespace(item)
                target[state.name] = state
        for account_id, item in (data.get("workers") or {}).items():
            workers[account_id] = load_namespace(item)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(f"Malformed snapshot: {type(exc).__name__}: {exc}") from None
    return accounts, workers, blobs, interner


def namespace_to_json(state: NamespaceState, blobs: dict[str, str], store: BlobStore) -> dict[str, Any]:
    scripts = []
    for name in state.order:
        script = state.scripts[name]
        for module in script.modules:
            blobs.setdefault(module.digest, store.get(module.digest).hex())
        scripts.append(
            {
                "name": script.name,
                "tag": script.tag,
                "etag": script.etag,
                "deployment_id": script.deployment_id,
                "modules": [
                    {"name": m.name, "content_type": m.content_type, "digest": m.digest}
                    for m in script.modules
                ],
                "main_module": script.main_module,
                "has_modules": script.has_modules,
                "bindings": thaw(script.bindings),
                "settings": thaw(script.settings),
                "extra": thaw(script.extra),
                "tags": list(script.tags),
                "created_on": script.created_on.isoformat(),
                "modified_on": script.modified_on.isoformat(),
                "has_assets": script.has_assets,
            }
        )
    return {
        "namespace_id": state.namespace_id,
        "name": state.name,
        "created_on": state.created_on.isoformat(),
        "created_by": state.created_by,
        "modified_on": state.modified_on.isoformat(),
        "modified_by": state.modified_by,
        "trusted_workers": state.trusted_workers,
        "scripts": scripts,
    }


def namespace_from_json(item: Mapping[str, Any]) -> NamespaceState:
    return NamespaceState(
        namespace_id=item["namespace_id"],
        name=item["name"],
        created_on=datetime.fromisoformat(item["created_on"]),
        created_by=item["created_by"],
        modified_on=datetime.fromisoformat(item["modified_on"]),
        modified_by=item["modified_by"],
        trusted_workers=item["trusted_workers"],
    )


def script_from_json(raw: Mapping[str, Any], modules: tuple[ModuleRef, ...], interner: Interner) -> Script:
    return Script(
        name=raw["name"],
        tag=raw["tag"],
        etag=raw["etag"],
        deployment_id=raw["deployment_id"],
        modules=modules,
        main_module=raw["main_module"],
        has_modules=raw["has_modules"],
        bindings=interner.bindings(raw["bindings"]),
        settings=interner.mapping(raw["settings"]),
        extra=interner.mapping(raw["extra"]),
        tags=tuple(raw["tags"]),
        created_on=datetime.fromisoformat(raw["created_on"]),
        modified_on=datetime.fromisoformat(raw["modified_on"]),
        has_assets=raw["has_assets"],
    )




__all__ = ["SNAPSHOT_VERSION", "dump_snapshot", "load_snapshot"]
