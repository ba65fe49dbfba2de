"""Cursors and tag filters for listing scripts.

Scripts are listed in name order. A cursor is an opaque token naming the last script of
the previous page, so the next page starts strictly after that name: scripts that exist
throughout a walk are never skipped or repeated, whatever is added or deleted between
pages (added ones show up when they sort after the cursor). Cursors are tied to the
namespace they came from; a cursor from elsewhere, or not ours at all, is a 10021 error.

A tag filter is Cloudflare's ``tags=customer-123:yes,production:no``: ``:yes`` requires
the tag, ``:no`` forbids it; a bare tag means ``:yes``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass

from dispatch_emu.errors import ValidationError
from dispatch_emu.store._names import check_tag

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000


def encode_cursor(namespace_id: str, after: str) -> str:
    raw = json.dumps({"n": namespace_id, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, namespace_id: str) -> str:
    """The script name a cursor resumes after; raises ValidationError if it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after, owner = data["a"], data["n"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ValidationError(f"Invalid cursor {cursor!r}.") from None
    if owner != namespace_id or not isinstance(after, str):
        raise ValidationError(f"Cursor {cursor!r} does not belong to this namespace.")
    return after


def check_limit(limit: object, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if limit is None or limit == "":
        return default
    try:
        value = int(limit)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValidationError(f"limit must be a whole number; got {limit!r}.") from None
    if value < 1:
        raise ValidationError(f"limit must be at least 1; got {value}.")
    return min(value, maximum)


@dataclass(frozen=True, slots=True)
class TagFilter:
    required: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> TagFilter | None:
        """Parse ``a:yes,b:no``; ``None`` or an empty string means no filter."""
        if text is None or not text.strip():
            return None
        required: set[str] = set()
        excluded: set[str] = set()
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            tag, sep, wanted = item.rpartition(":")
            if not sep:
                tag, wanted = item, "yes"
            wanted = wanted.strip().lower()
            if wanted not in ("yes", "no"):
                raise ValidationError(
                    f"Tag filter {item!r} must end in ':yes' or ':no' (e.g. customer-123:yes)."
                )
            (required if wanted == "yes" else excluded).add(check_tag(tag.strip()))
        if required & excluded:
            both = ", ".join(sorted(required & excluded))
            raise ValidationError(f"Tag filter asks both yes and no for: {both}.")
        return cls(frozenset(required), frozenset(excluded))

    def matches(self, tags: Iterable[str]) -> bool:
        have = set(tags)
        return self.required <= have and not (self.excluded & have)

    def __str__(self) -> str:
        parts = [f"{t}:yes" for t in sorted(self.required)]
        parts += [f"{t}:no" for t in sorted(self.excluded)]
        return ",".join(parts)
