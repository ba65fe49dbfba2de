"""Parsing script uploads and settings patches (contract §3).

Two clients, two multipart dialects, one result: a
:class:`~dispatch_emu.store.ScriptUpload`.

* The Python SDK names every module part ``files`` (or ``files[]``), puts the module
  name in the filename and sends the ``metadata`` part last, as ``application/json``.
* wrangler sends ``metadata`` first, with neither filename nor content type, then one
  part per module named after it (``index.js``, ``./<sha1>-data.txt``).

So: the part named ``metadata`` is the metadata, every other part is a module, and a
module's name is its filename, or its part name when it has none. A module part
without a content type gets one from its extension (see :func:`infer_content_type`).

The upload endpoint also takes the SDK's file-less form (a JSON body
``{"metadata": {...}}``, which the store refuses for having no module) and a raw
service-worker script (``Content-Type: application/javascript``), stored as one module
``worker.js`` named by ``body_part``.

Parsing is all-or-nothing and happens before the store is touched, so a broken
request never leaves anything behind. Broken framing is a 400
:class:`~dispatch_emu.errors.MalformedRequest`; missing or unusable metadata is a 400
:class:`~dispatch_emu.errors.ValidationError` (code 10021).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from dispatch_emu._content import DEFAULT_MODULE_TYPE, EXTENSION_TYPES, JS_SCRIPT_TYPES, infer_content_type
from dispatch_emu.api._calls import ApiCall, json_kind
from dispatch_emu.errors import MalformedRequest, ValidationError
from dispatch_emu.store import ModuleSource, ScriptUpload

METADATA_PART = "metadata"
SETTINGS_PART = "settings"
RAW_SCRIPT_NAME = "worker.js"
RAW_SCRIPT_TYPES = frozenset(JS_SCRIPT_TYPES)

@dataclass(frozen=True)
class Part:
    """One part of a multipart body, as sent."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a ``multipart/form-data`` body into parts; broken framing is a 400."""
    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if mimetype != "multipart/form-data" or not boundary:
        raise MalformedRequest("Expected a multipart/form-data body with a boundary.")
    decoder = MultipartDecoder(boundary.encode("latin-1"))
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[Part] = []
    current: Field | File | None = None
    chunks: list[bytes] = []
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, (Field, File)):
                if not event.name:
                    raise MalformedRequest("A multipart part has no name in its Content-Disposition.")
                current, chunks = event, []
            elif isinstance(event, Data):
                chunks.append(event.data)
                if not event.more_data and current is not None:
                    filename = current.filename if isinstance(current, File) else None
                    part_type = current.headers.get("Content-Type")
                    parts.append(Part(current.name, filename, part_type, b"".join(chunks)))
                    current = None
            elif isinstance(event, Epilogue):
                return parts
            elif isinstance(event, NeedData):  # pragma: no cover - the whole body is fed at once
                raise MalformedRequest("The multipart body ended in the middle of a part.")
    except MalformedRequest:
        raise
    # The sans-IO decoder signals broken framing with ValueError (and, on some inputs,
    # lets an AttributeError escape); either way the body is not valid multipart.
    except (ValueError, AttributeError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"The multipart body is malformed: {exc}.") from None


def parse_metadata(data: bytes) -> dict[str, Any]:
    try:
        metadata = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationError(f"The metadata part is not valid JSON: {exc!r}.") from None
    if not isinstance(metadata, dict):
        raise ValidationError(f"The metadata part must be a JSON object; got {json_kind(metadata)}.")
    return metadata


def modules_from_parts(parts: Iterable[Part]) -> list[ModuleSource]:
    modules = []
    for part in parts:
        name = part.filename or part.name
        content_type = part.content_type or infer_content_type(name)
        modules.append(ModuleSource(name, content_type, part.data))
    return modules


def upload_from_parts(
    parts: list[Part],
    *,
    metadata_required: bool = True,
    main_module: str | None = None,
    body_part: str | None = None,
    bindings_inherit: str | None = None,
) -> ScriptUpload:
    """Build the upload: the ``metadata`` part plus every other part as a module.

    ``main_module`` / ``body_part`` (the content endpoint's ``CF-WORKER-*`` headers)
    override the metadata's fields of the same name.
    """
    found = [p for p in parts if p.name == METADATA_PART]
    if len(found) > 1:
        raise ValidationError("The upload has more than one metadata part.")
    if found:
        metadata = parse_metadata(found[0].data)
    elif metadata_required:
        raise ValidationError("The upload has no metadata part (a JSON part named 'metadata').")
    else:
        metadata = {}
    if main_module:
        metadata["main_module"] = main_module
    if body_part:
        metadata["body_part"] = body_part
    modules = modules_from_parts(p for p in parts if p.name != METADATA_PART)
    return ScriptUpload(modules=modules, metadata=metadata, bindings_inherit=bindings_inherit)


def parse_upload(call: ApiCall, *, content_only: bool = False) -> ScriptUpload:
    """The :class:`ScriptUpload` of a script PUT (or, with ``content_only``, a content PUT)."""
    headers = call.request.headers
    main_module = headers.get("CF-WORKER-MAIN-MODULE-PART") if content_only else None
    body_part = headers.get("CF-WORKER-BODY-PART") if content_only else None
    inherit = call.query("bindings_inherit")
    kind = call.content_type
    if kind == "multipart/form-data":
        parts = parse_multipart(call.body(), headers.get("Content-Type", ""))
        return upload_from_parts(
            parts,
            metadata_required=not (content_only and (main_module or body_part)),
            main_module=main_module,
            body_part=body_part,
            bindings_inherit=inherit,
        )
    if kind == "application/json":
        body = call.json_object()
        metadata = body.get(METADATA_PART, {})
        if not isinstance(metadata, dict):
            raise ValidationError(f"metadata must be a JSON object; got {json_kind(metadata)}.")
        return ScriptUpload(modules=[], metadata=metadata, bindings_inherit=inherit)
    if kind in RAW_SCRIPT_TYPES and not content_only:
        module = ModuleSource(RAW_SCRIPT_NAME, kind, call.body())
        return ScriptUpload([module], {"body_part": RAW_SCRIPT_NAME}, bindings_inherit=inherit)
    raise MalformedRequest(
        f"Unsupported Content-Type {kind or '(none)'!r}: upload scripts as multipart/form-data."
    )


def parse_settings(call: ApiCall) -> dict[str, Any]:
    """The patch of a settings PATCH: one multipart part ``settings``, or a JSON body.

    A JSON body may be the settings object itself or ``{"settings": {...}}``.
    """
    if call.content_type == "multipart/form-data":
        parts = parse_multipart(call.body(), call.request.headers.get("Content-Type", ""))
        others = sorted({p.name for p in parts if p.name != SETTINGS_PART})
        if others:
            raise ValidationError(
                f"Unexpected part(s) {', '.join(others)}: send one part named 'settings'."
            )
        found = [p for p in parts if p.name == SETTINGS_PART]
        if len(found) != 1:
            raise ValidationError("Send exactly one multipart part named 'settings' (JSON).")
        try:
            settings = json.loads(found[0].data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ValidationError(f"The settings part is not valid JSON: {exc}.") from None
    else:
        settings = call.json()
        if isinstance(settings, dict) and set(settings) == {SETTINGS_PART}:
            settings = settings[SETTINGS_PART]
    if not isinstance(settings, dict):
        raise ValidationError(f"Settings must be a JSON object; got {json_kind(settings)}.")
    return settings


__all__ = [
    "DEFAULT_MODULE_TYPE",
    "EXTENSION_TYPES",
    "Part",
    "infer_content_type",
    "modules_from_parts",
    "parse_metadata",
    "parse_multipart",
    "parse_settings",
    "parse_upload",
    "upload_from_parts",
]
