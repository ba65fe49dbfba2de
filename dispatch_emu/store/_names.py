"""Name and tag rules of dispatch namespaces (contract §2), in one place.

Each ``check_*`` function returns the value unchanged when it is valid and raises
:class:`~dispatch_emu.errors.ValidationError` (code 10021) with a sentence naming the
problem otherwise, so callers can write ``name = check_script_name(name)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dispatch_emu.errors import ValidationError

SCRIPT_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")
SCRIPT_NAME_MAX = 63
NAMESPACE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NAMESPACE_NAME_MAX = 63  # Cloudflare publishes no cap; this one keeps URLs sane
MAX_TAGS = 8
TAG_MAX = 255
TAG_FORBIDDEN = (",", "&")


def check_script_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ValidationError("Script name must be a non-empty string.")
    if len(name) > SCRIPT_NAME_MAX:
        raise ValidationError(f"Script name {name!r} is longer than {SCRIPT_NAME_MAX} characters.")
    if not SCRIPT_NAME_RE.match(name):
        raise ValidationError(
            f"Script name {name!r} is invalid: use lowercase letters, digits, '-' and '_',"
            " not starting with '-'."
        )
    return name


def check_namespace_name(name: object) -> str:
    """Namespace names use the script-name alphabet (plus capitals, which namespaces have
    always taken here): they end up in URL paths, where ``.``, ``..`` or ``a%2Fb`` would
    walk or break them."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("Dispatch namespace name must be a non-empty string.")
    if len(name) > NAMESPACE_NAME_MAX:
        raise ValidationError(
            f"Dispatch namespace name {name!r} is longer than {NAMESPACE_NAME_MAX} characters."
        )
    if not NAMESPACE_NAME_RE.match(name):
        raise ValidationError(
            f"Dispatch namespace name {name!r} is invalid: use letters, digits, '-' and '_'."
        )
    return name


def check_tag(tag: object) -> str:
    if not isinstance(tag, str) or not tag:
        raise ValidationError("A tag must be a non-empty string.")
    if len(tag) > TAG_MAX:
        raise ValidationError(f"Tag {tag[:20]!r}... is longer than {TAG_MAX} characters.")
    for bad in TAG_FORBIDDEN:
        if bad in tag:
            raise ValidationError(f"Tag {tag!r} may not contain {bad!r}.")
    return tag


def check_tags(tags: object) -> tuple[str, ...]:
    """Validate a whole tag set: a list of valid tags, at most 8, duplicates folded."""
    if not isinstance(tags, (list, tuple)):
        raise ValidationError("Tags must be a list of strings.")
    unique = tuple(dict.fromkeys(check_tag(tag) for tag in tags))
    if len(unique) > MAX_TAGS:
        raise ValidationError(f"A script may have at most {MAX_TAGS} tags; got {len(unique)}.")
    return unique


def with_tag(tags: Iterable[str], tag: str) -> tuple[str, ...]:
    return check_tags([*tags, tag])
