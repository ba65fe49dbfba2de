"""Binding and settings rules: what an upload or a settings patch may say.

Bindings are JSON objects ``{"name", "type", ...}`` (contract §3). The store keeps them
as sent, secret values included; whoever serializes a script for the outside world must
hide ``secret_text`` values (the API does). Two upload features refer to the previous
version of a script: ``keep_bindings`` (binding *types* to carry over) and bindings of
type ``inherit`` (one binding carried over by name; with ``bindings_inherit=strict`` a
missing one is an error, otherwise it is dropped).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dispatch_emu.errors import ValidationError

#: Per binding type, the fields it must carry and their JSON types.
REQUIRED_FIELDS: Mapping[str, Mapping[str, type | tuple[type, ...]]] = {
    "plain_text": {"text": str},
    "secret_text": {"text": str},
    "json": {"json": (dict, list, str, int, float, bool, type(None))},
    "kv_namespace": {"namespace_id": str},
    "service": {"service": str},
    "dispatch_namespace": {"namespace": str},
    "wasm_module": {"part": str},
    "text_blob": {"part": str},
    "data_blob": {"part": str},
    "inherit": {},
}

SECRET_TYPES = ("secret_text", "secret_key")

#: Binding types a worker can use in dispatch_emu. Others (KV, R2, D1, queues, Durable
#: Objects, secret keys, ...) are stored and listed as sent, but using one throws.
RUNNABLE_BINDING_TYPES = frozenset({"plain_text", "secret_text", "json", "dispatch_namespace", "service"})


def unsupported_binding_warnings(bindings: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per binding a worker cannot use here (an upload's ``messages``)."""
    return [
        f"Binding {b.get('name')!r} of type {b.get('type')!r} is stored, but {b.get('type')} bindings are"
        f" not available in dispatch_emu: any use of env.{b.get('name')} throws."
        for b in bindings
        if b.get("type") not in RUNNABLE_BINDING_TYPES
    ]
MAX_BINDINGS = 128  # Cloudflare's cap on environment variables per worker
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_binding(binding: object) -> dict[str, Any]:
    if not isinstance(binding, Mapping):
        raise ValidationError("Each binding must be an object with a name and a type.")
    name, kind = binding.get("name"), binding.get("type")
    if not isinstance(name, str) or not name:
        raise ValidationError("A binding has no name.")
    if not isinstance(kind, str) or not kind:
        raise ValidationError(f"Binding {name!r} has no type.")
    for field_name, field_type in REQUIRED_FIELDS.get(kind, {}).items():
        if field_name not in binding or not isinstance(binding[field_name], field_type):
            raise ValidationError(f"Binding {name!r} of type {kind!r} needs a {field_name!r} field.")
    return dict(binding)


def check_bindings(bindings: object) -> list[dict[str, Any]]:
    if not isinstance(bindings, list):
        raise ValidationError("bindings must be a list.")
    checked = [check_binding(b) for b in bindings]
    names = [b["name"] for b in checked]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(f"Binding name(s) used twice: {', '.join(duplicates)}.")
    if len(checked) > MAX_BINDINGS:
        raise ValidationError(f"A script may have at most {MAX_BINDINGS} bindings.")
    return checked


def resolve_upload_bindings(
    sent: object,
    previous: Sequence[Mapping[str, Any]],
    *,
    keep: object = (),
    strict: bool = False,
) -> list[dict[str, Any]]:
    """The bindings a new version gets: the sent ones, inherits resolved, kept types added."""
    bindings = check_bindings(sent)
    if not isinstance(keep, (list, tuple)) or not all(isinstance(k, str) for k in keep):
        raise ValidationError("keep_bindings must be a list of binding types.")
    by_name = {b["name"]: b for b in previous}
    resolved: list[dict[str, Any]] = []
    for binding in bindings:
        if binding["type"] != "inherit":
            resolved.append(binding)
            continue
        source = by_name.get(binding.get("old_name", binding["name"]))
        if source is not None:
            resolved.append({**source, "name": binding["name"]})
        elif strict:
            raise ValidationError(
                f"Binding {binding['name']!r} inherits from the previous version, which has no such binding."
            )
    names = {b["name"] for b in resolved}
    resolved += [dict(b) for b in previous if b.get("type") in keep and b["name"] not in names]
    return resolved


def resolve_settings_bindings(
    sent: object, previous: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Bindings from a settings patch: a secret sent without its text keeps its value."""
    if not isinstance(sent, list):
        raise ValidationError("bindings must be a list.")
    by_name = {b["name"]: b for b in previous}
    filled = []
    for binding in sent:
        if (
            isinstance(binding, Mapping)
            and binding.get("type") in SECRET_TYPES
            and "text" not in binding
            and binding.get("name") in by_name
        ):
            binding = {**binding, "text": by_name[binding["name"]].get("text")}
        filled.append(binding)
    return resolve_upload_bindings(filled, previous)


SECRET_KEY_FIELDS = ("format", "algorithm", "usages", "key_base64", "key_jwk")


def check_secret(
    name: object, text: object = None, kind: object = "secret_text", extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A secret binding: ``secret_text`` needs ``text``; ``secret_key`` needs
    ``key_base64`` or ``key_jwk`` (plus ``format``, ``algorithm``, ``usages`` as sent)."""
    if not isinstance(name, str) or not name:
        raise ValidationError("A secret needs a non-empty name.")
    if kind == "secret_key":
        fields = {k: v for k, v in (extra or {}).items() if k in SECRET_KEY_FIELDS}
        if not isinstance(fields.get("key_base64"), str) and not isinstance(fields.get("key_jwk"), Mapping):
            raise ValidationError(f"Secret key {name!r} needs key_base64 (a string) or key_jwk (an object).")
        return {"name": name, "type": kind, **fields}
    if kind != "secret_text":
        raise ValidationError(f"Secret {name!r} has type {kind!r}; expected 'secret_text' or 'secret_key'.")
    if not isinstance(text, str):
        raise ValidationError(f"Secret {name!r} needs a text value.")
    return {"name": name, "type": kind, "text": text}


def check_settings(settings: Mapping[str, Any]) -> None:
    """Type checks of the settings fields that an upload or a patch may carry."""
    date = settings.get("compatibility_date")
    if date not in (None, "") and not (isinstance(date, str) and DATE_RE.match(date)):
        raise ValidationError(f"compatibility_date must look like 2024-01-31; got {date!r}.")
    flags = settings.get("compatibility_flags")
    if flags is not None and not (isinstance(flags, list) and all(isinstance(f, str) for f in flags)):
        raise ValidationError("compatibility_flags must be a list of strings.")
    usage = settings.get("usage_model")
    if usage is not None and usage not in ("standard", "bundled", "unbound"):
        raise ValidationError(f"usage_model must be 'standard'; got {usage!r}.")
    limits = settings.get("limits")
    if limits is not None:
        if not isinstance(limits, Mapping):
            raise ValidationError("limits must be an object like {\"cpu_ms\": 50}.")
        cpu = limits.get("cpu_ms")
        if cpu is not None and (isinstance(cpu, bool) or not isinstance(cpu, int) or cpu < 1):
            raise ValidationError(f"limits.cpu_ms must be a positive whole number; got {cpu!r}.")
    if "logpush" in settings and settings["logpush"] is not None and not isinstance(settings["logpush"], bool):
        raise ValidationError("logpush must be true or false.")
    for key in ("placement",):
        if settings.get(key) is not None and not isinstance(settings[key], Mapping):
            raise ValidationError(f"{key} must be an object.")
    tails = settings.get("tail_consumers")
    if tails is not None and not isinstance(tails, list):
        raise ValidationError("tail_consumers must be a list.")
