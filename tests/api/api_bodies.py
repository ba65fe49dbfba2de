"""Request bodies and paths for the API tests: multipart uploads as each client builds them."""

from __future__ import annotations

import json
import uuid
from typing import Any

ACCOUNT = "acc"
NAMESPACES = f"/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces"

MODULE_JS = b'export default { fetch() { return new Response("hi"); } };\n'


def ns_path(namespace: str, *rest: str, account: str = ACCOUNT) -> str:
    base = f"/client/v4/accounts/{account}/workers/dispatch/namespaces/{namespace}"
    return "/".join([base, *rest])


def script_path(namespace: str, script: str, *rest: str) -> str:
    return ns_path(namespace, "scripts", script, *rest)


def multipart(parts: list[tuple[str, str | None, str | None, bytes]], boundary: str | None = None) -> tuple[bytes, str]:
    """Encode ``(name, filename, content_type, data)`` parts; returns (body, Content-Type)."""
    boundary = boundary or uuid.uuid4().hex
    out = bytearray()
    for name, filename, content_type, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def sdk_upload(metadata: dict[str, Any], modules: list[tuple[str, str, bytes]], part: str = "files") -> tuple[bytes, str]:
    """The SDK's shape: module parts named ``files`` first, ``metadata`` last (JSON)."""
    parts: list[tuple[str, str | None, str | None, bytes]] = [
        (part, name, content_type, data) for name, content_type, data in modules
    ]
    parts.append(("metadata", None, "application/json", json.dumps(metadata).encode()))
    return multipart(parts)


def simple_upload(tags: list[str] | None = None, body: bytes = MODULE_JS, **metadata: Any) -> tuple[bytes, str]:
    meta = {"main_module": "index.js", **metadata}
    if tags is not None:
        meta["tags"] = tags
    return sdk_upload(meta, [("index.js", "application/javascript+module", body)])
