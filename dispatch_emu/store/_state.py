"""The store's internal structures: mutable namespace state, an interner, helpers.

Nothing here is public API: :class:`~dispatch_emu.store.NamespaceStore` builds and
guards these under its lock and hands out immutable snapshots
(:class:`~dispatch_emu.store._models.Namespace`, :class:`~dispatch_emu.store._models.Script`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from dispatch_emu.store._models import Namespace, Script


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class NamespaceState:
    namespace_id: str
    name: str
    created_on: datetime
    created_by: str
    modified_on: datetime
    modified_by: str
    trusted_workers: bool = False
    scripts: dict[str, Script] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # script names, sorted: the cursor order
    # script name → version id → an uploaded, not yet deployed version (insertion order: oldest first)
    pending: dict[str, dict[str, Script]] = field(default_factory=dict)

    def freeze(self, account_id: str) -> Namespace:
        return Namespace(
            account_id=account_id,
            namespace_id=self.namespace_id,
            name=self.name,
            created_on=self.created_on,
            created_by=self.created_by,
            modified_on=self.modified_on,
            modified_by=self.modified_by,
            script_count=len(self.scripts),
            trusted_workers=self.trusted_workers,
        )


class Interner:
    """Shares equal read-only mappings between scripts: 100,000 scripts, a few settings."""

    def __init__(self) -> None:
        self._seen: dict[str, Any] = {}

    def mapping(self, value: Mapping[str, Any]) -> Mapping[str, Any]:
        key = json.dumps(value, sort_keys=True, default=str)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = MappingProxyType(copy.deepcopy(dict(value)))
        return found

    def bindings(self, value: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.mapping(b) for b in value)

    def clear(self) -> None:
        self._seen.clear()


def thaw(value: Any) -> Any:
    """A plain, mutable deep copy of stored values (mapping proxies become dicts)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


__all__ = ["Interner", "NamespaceState", "thaw", "utcnow"]
