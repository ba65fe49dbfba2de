"""The values the store hands out: namespaces, scripts, uploads and pages.

:class:`Script` and :class:`Namespace` are immutable snapshots: the store replaces a
script wholesale on every change, so whoever holds one (a dispatch in flight, a test)
sees a consistent version while others write. An :class:`ScriptUpload` is what callers
give the store to create or replace a script: the parsed modules and the metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch_emu.store._blobs import ModuleRef

#: Settings fields a script carries, with their defaults (contract §2, settings).
SETTINGS_DEFAULTS: Mapping[str, Any] = {
    "compatibility_date": "",
    "compatibility_flags": [],
    "usage_model": "standard",
    "logpush": False,
    "placement": {},
    "tail_consumers": [],
    "observability": None,
    "limits": {},
}

#: Metadata fields that are stored and returned as they were sent.
EXTRA_METADATA = ("migrations", "annotations")

#: The key in ``Script.extra`` of the workers.dev route: ``{"enabled", "previews_enabled"}``
#: (absent: both off). A trigger of the script, so a new upload keeps it.
WORKERS_DEV = "workers_dev"


class _AccountWorkers(str):
    """The type of :data:`ACCOUNT_WORKERS`: equal to its text, but no request can make one."""

    __slots__ = ()


#: The namespace-like container of an account's regular Workers (outside any dispatch
#: namespace). Pass it wherever the store takes a namespace name: uploads, listings,
#: settings and secrets then act on regular Workers. It is told apart by type, so a
#: namespace that a client names with the same text stays a different, ordinary one.
ACCOUNT_WORKERS: str = _AccountWorkers("(account workers)")


def is_account_workers(namespace: str) -> bool:
    """True for :data:`ACCOUNT_WORKERS`, never for a name that came from outside."""
    return type(namespace) is _AccountWorkers


@dataclass(frozen=True, slots=True)
class ModuleSource:
    """One module as uploaded: its name (path), content type and bytes."""

    name: str
    content_type: str
    content: bytes


@dataclass(slots=True)
class ScriptUpload:
    """A script to store: modules plus the upload's ``metadata`` JSON.

    ``main_module`` is the entry module's name: ``metadata.main_module`` (ES modules),
    or ``metadata.body_part`` (service-worker syntax), or the only module when there is
    one. ``bindings_inherit="strict"`` makes an ``inherit`` binding with no previous
    binding of that name an error instead of a silent drop.
    """

    modules: list[ModuleSource]
    metadata: dict[str, Any] = field(default_factory=dict)
    bindings_inherit: str | None = None

    @property
    def main_module(self) -> str | None:
        name = self.metadata.get("main_module") or self.metadata.get("body_part")
        if name is None and len(self.modules) == 1:
            return self.modules[0].name
        return name if isinstance(name, str) else None

    @property
    def uses_modules(self) -> bool:
        """True for ES-module syntax (``main_module``), False for ``body_part`` scripts."""
        return "body_part" not in self.metadata

    def module(self, name: str) -> ModuleSource | None:
        for module in self.modules:
            if module.name == name:
                return module
        return None


@dataclass(frozen=True, slots=True)
class Script:
    """One version of a user worker, as stored."""

    name: str
    tag: str  # Cloudflare's per-script id (hex), stable across versions
    etag: str  # sha256 over the modules: changes exactly when the content does
    deployment_id: str
    modules: tuple[ModuleRef, ...]
    main_module: str
    has_modules: bool
    bindings: tuple[Mapping[str, Any], ...]  # secret_text values included: never serialize raw
    settings: Mapping[str, Any]
    extra: Mapping[str, Any]  # migrations, annotations: kept and returned as sent
    tags: tuple[str, ...]
    created_on: datetime
    modified_on: datetime
    startup_time_ms: int = 0
    has_assets: bool = False

    @property
    def main(self) -> ModuleRef:
        for module in self.modules:
            if module.name == self.main_module:
                return module
        raise LookupError(self.main_module)  # the store never builds such a script

    def binding(self, name: str) -> Mapping[str, Any] | None:
        for binding in self.bindings:
            if binding.get("name") == name:
                return binding
        return None

    @property
    def secrets(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(b for b in self.bindings if b.get("type") in ("secret_text", "secret_key"))


@dataclass(frozen=True, slots=True)
class Namespace:
    """A snapshot of one dispatch namespace."""

    account_id: str
    namespace_id: str
    name: str
    created_on: datetime
    created_by: str
    modified_on: datetime
    modified_by: str
    script_count: int
    trusted_workers: bool


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a script listing; ``cursor`` is empty on the last page."""

    scripts: tuple[Script, ...]
    cursor: str
    count: int

    @property
    def has_more(self) -> bool:
        return bool(self.cursor)
