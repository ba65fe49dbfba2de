"""Scripts in a namespace: ``.../namespaces/{ns}/scripts[/{name}[/content|/assets-upload-session]]``.

* ``PUT /scripts/{name}`` uploads (multipart, see :mod:`dispatch_emu.api._uploads`); the
  result is the bare Script plus ``startup_time_ms`` and ``deployment_id``. A binding of a
  type the emulator does not run (KV, R2, ...) is stored, and ``messages`` says so. The query
  flags ``bindings_inherit=strict`` and ``excludeScript=true`` are accepted (the
  answer never carries the code anyway).
* ``GET /scripts/{name}`` answers ``{created_on, modified_on, dispatch_namespace, script}``.
* ``DELETE /scripts/{name}`` (``?force=true`` accepted) answers ``null``.
* ``GET /scripts?limit=&cursor=&tags=`` lists in name order, items shaped like the GET;
  ``result_info`` carries ``count``, ``per_page`` and ``cursor`` (empty on the last page).
* ``DELETE /scripts?tags=...&limit=`` deletes by tag filter:
  ``{deleted: [{id}], deleted_count, has_more}``.
* ``GET /content`` answers the main module's raw bytes with its content type;
  ``PUT /content`` replaces the code only (bindings and settings stay).
* ``POST /assets-upload-session`` checks the manifest and answers ``{jwt, buckets: []}``:
  the emulator keeps no assets, so there is never anything to upload.

The account's regular Workers (``/accounts/{a}/workers/scripts/...``) reuse these
handlers: see :mod:`dispatch_emu.api._handlers.workers_scripts`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from werkzeug.wrappers import Response

from dispatch_emu.api._calls import ApiCall, json_kind
from dispatch_emu.api._envelope import Paged, WithMessages
from dispatch_emu.api._serialize import script_json, script_wrapper_json, upload_json
from dispatch_emu.api._uploads import parse_upload
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import Script
from dispatch_emu.store._bindings import unsupported_binding_warnings
from dispatch_emu.store._paging import check_limit

#: The code of an upload's notice about a binding the emulator cannot run (our own:
#: Cloudflare has no such notice, so it is outside Cloudflare's 10000s).
UNSUPPORTED_BINDING_CODE = 90001


def binding_notices(script: Script) -> tuple[dict[str, Any], ...]:
    """``messages`` of an upload: one per binding the emulator stores but cannot run."""
    return tuple({"code": UNSUPPORTED_BINDING_CODE, "message": text}
                 for text in unsupported_binding_warnings(script.bindings))


def upload_script(call: ApiCall) -> dict[str, Any] | WithMessages:
    call.flag("excludeScript")  # accepted (and checked), changes nothing
    upload = parse_upload(call)
    script = call.store.put_script(call.account, call.arg("namespace"), call.arg("script"), upload)
    notices = binding_notices(script)
    return WithMessages(upload_json(script), notices) if notices else upload_json(script)


def get_script(call: ApiCall) -> dict[str, Any]:
    namespace = call.arg("namespace")
    script = call.store.get_script(call.account, namespace, call.arg("script"))
    return script_wrapper_json(script, namespace)


def delete_script(call: ApiCall) -> None:
    call.flag("force")  # accepted: no script here is ever bound by another
    call.store.delete_script(call.account, call.arg("namespace"), call.arg("script"))
    return None


def list_scripts(call: ApiCall) -> Paged:
    namespace = call.arg("namespace")
    limit = call.query("limit")
    page = call.store.list_scripts(
        call.account, namespace, limit=limit, cursor=call.query("cursor"), tags=call.query("tags")
    )
    items = [script_wrapper_json(script, namespace) for script in page.scripts]
    info = {"count": page.count, "per_page": check_limit(limit), "cursor": page.cursor}
    return Paged(items, info)


def delete_scripts_by_tags(call: ApiCall) -> dict[str, Any]:
    names, has_more = call.store.delete_scripts_by_tags(
        call.account, call.arg("namespace"), call.query("tags") or "", limit=call.query("limit")
    )
    return {"deleted": [{"id": name} for name in names], "deleted_count": len(names), "has_more": has_more}


def get_content(call: ApiCall) -> Response:
    script = call.store.get_script(call.account, call.arg("namespace"), call.arg("script"))
    main = script.main
    return Response(call.store.module_bytes(main), status=200, content_type=main.content_type)


def put_content(call: ApiCall) -> dict[str, Any]:
    upload = parse_upload(call, content_only=True)
    script = call.store.put_content(call.account, call.arg("namespace"), call.arg("script"), upload)
    return script_json(script)


def _check_manifest(manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise ValidationError(f"manifest must be an object of path → {{hash, size}}; got {json_kind(manifest)}.")
    for path, entry in manifest.items():
        if not path.startswith("/"):
            raise ValidationError(f"Manifest path {path!r} must start with '/'.")
        if not isinstance(entry, dict) or not isinstance(entry.get("hash"), str):
            raise ValidationError(f"Manifest entry {path!r} needs a string 'hash'.")
        size = entry.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError(f"Manifest entry {path!r} needs a whole-number 'size'.")


def _session_token(account: str, namespace: str, script: str) -> str:
    """A JWT-shaped, unsigned token: clients only pass it back, never decode it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"account": account, "namespace": namespace, "script": script, "iat": int(time.time())}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


def create_asset_upload_session(call: ApiCall) -> dict[str, Any]:
    body = call.json_object()
    if "manifest" not in body:
        raise ValidationError("The body needs a 'manifest' object.")
    _check_manifest(body["manifest"])
    namespace, script = call.arg("namespace"), call.arg("script")
    call.store.get_namespace(call.account, namespace)  # the script may not exist yet
    return {"jwt": _session_token(call.account, namespace, script), "buckets": []}


__all__ = [
    "create_asset_upload_session",
    "delete_script",
    "delete_scripts_by_tags",
    "get_content",
    "get_script",
    "list_scripts",
    "put_content",
    "upload_script",
]
