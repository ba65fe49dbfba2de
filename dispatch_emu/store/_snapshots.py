"""Snapshots: the whole store as a JSON-able dict, and back.

``snapshot()`` writes every account, namespace and script with its module references;
module bytes appear once each, hex-encoded, keyed by sha256. :func:`load_snapshot`
parses one into fresh structures without touching a live store, so a malformed
snapshot can be refused before anything is replaced. It holds what it loads to the
rules an upload meets (:func:`check_loaded`: names, tags, settings such as
``limits.cpu_ms``, bindings, module types and digests, the main module); the store then
runs its upload validators (the runtime's module check) on every script, so a snapshot
cannot smuggle in what the API would have refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dispatch_emu.errors import ValidationError
from dispatch_emu.store import _bindings as binding_rules
from dispatch_emu.store._blobs import BlobStore, ModuleRef
from dispatch_emu.store._models import ModuleSource, Script, ScriptUpload
from dispatch_emu.store._names import check_namespace_name, check_script_name, check_tags
from dispatch_emu.store._state import Interner, NamespaceState, thaw
from dispatch_emu.store._uploads import check_upload

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
            if script.name in state.scripts:
                raise ValidationError(f"Snapshot names script {script.name!r} twice.")
            check_loaded(script, raw_blobs)
            state.scripts[script.name] = script
        state.order = sorted(state.scripts)
        return state

    try:
        raw_blobs = {digest: bytes.fromhex(text) for digest, text in data["blobs"].items()}
        for digest, content in raw_blobs.items():
            if hashlib.sha256(content).hexdigest() != digest:
                raise ValidationError(f"Snapshot blob {digest[:16]}... does not match its sha256.")
        for account_id, spaces in data["accounts"].items():
            if not isinstance(account_id, str) or not account_id:
                raise ValidationError("Snapshot account ids must be non-empty strings.")
            target = accounts.setdefault(account_id, {})
            for item in spaces:
                state = load_namespace(item)
                check_namespace_name(state.name)
                if state.name in target:
                    raise ValidationError(f"Snapshot names namespace {state.name!r} twice.")
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


def as_upload(script: Script, content: Mapping[str, bytes]) -> ScriptUpload:
    """The upload that would have produced ``script`` (for the checks uploads go through)."""
    metadata: dict[str, Any] = {**thaw(script.settings), "bindings": thaw(script.bindings),
                                "tags": list(script.tags)}
    metadata["main_module" if script.has_modules else "body_part"] = script.main_module
    modules = [ModuleSource(m.name, m.content_type, content[m.digest]) for m in script.modules]
    return ScriptUpload(modules=modules, metadata=metadata)


def check_loaded(script: Script, content: Mapping[str, bytes]) -> None:
    """Hold a loaded script to an upload's rules; raises ValidationError naming it."""
    try:
        check_script_name(script.name)
        check_tags(list(script.tags))
        upload = as_upload(script, content)
        check_upload(upload)  # module types, main module, settings (limits.cpu_ms, ...)
        binding_rules.check_bindings(upload.metadata["bindings"])
    except ValidationError as exc:
        raise ValidationError(f"Snapshot script {script.name!r}: {exc.message}") from None


__all__ = ["SNAPSHOT_VERSION", "as_upload", "check_loaded", "dump_snapshot", "load_snapshot"]
