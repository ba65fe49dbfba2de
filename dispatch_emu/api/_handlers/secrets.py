"""Script secrets: ``.../scripts/{name}/secrets[/{secret}]`` and ``/secrets-bulk``.

Secrets are ``secret_text`` bindings. Every answer shows ``{name, type}`` only, never the
value. ``GET`` and ``DELETE`` of one secret take ``?url_encoded=true`` to say the name in
the path is itself URL-encoded (so names with ``/`` can be addressed); it is decoded
once more. ``PATCH /secrets-bulk`` takes ``{"secrets": {NAME: {name, type, text} | null}}``
(``null`` deletes) and answers the script's secrets afterwards.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from dispatch_emu.api._calls import ApiCall
from dispatch_emu.api._serialize import secret_json
from dispatch_emu.errors import ValidationError


def _secret_name(call: ApiCall) -> str:
    name = call.arg("secret")
    return unquote(name) if call.flag("url_encoded") else name


def list_secrets(call: ApiCall) -> list[dict[str, Any]]:
    script = call.store.get_script(call.account, call.arg("namespace"), call.arg("script"))
    return [secret_json(b) for b in script.secrets]


def put_secret(call: ApiCall) -> dict[str, Any]:
    body = call.json_object()
    name: Any = body.get("name")  # any JSON value: the store checks name, text and type
    script = call.store.put_secret(
        call.account, call.arg("namespace"), call.arg("script"),
        name, body.get("text"), type=body.get("type", "secret_text"), extra=body,
    )
    binding = script.binding(name)
    assert binding is not None  # put_secret just stored it
    return secret_json(binding)


def get_secret(call: ApiCall) -> dict[str, Any]:
    binding = call.store.get_secret(
        call.account, call.arg("namespace"), call.arg("script"), _secret_name(call)
    )
    return secret_json(binding)


def delete_secret(call: ApiCall) -> None:
    call.store.delete_secret(call.account, call.arg("namespace"), call.arg("script"), _secret_name(call))
    return None


def bulk_secrets(call: ApiCall) -> list[dict[str, Any]]:
    body = call.json_object()
    if "secrets" not in body:
        raise ValidationError("The body needs a 'secrets' object: {NAME: {name, type, text} | null}.")
    script = call.store.bulk_secrets(call.account, call.arg("namespace"), call.arg("script"), body["secrets"])
    return [secret_json(b) for b in script.secrets]


__all__ = ["bulk_secrets", "delete_secret", "get_secret", "list_secrets", "put_secret"]
