"""What a module is, from its content type and its first bytes: the rules, in one place.

Cloudflare names a module's kind by its content type (contract §3): ES modules
(``application/javascript+module``), service-worker scripts (``application/javascript``),
WebAssembly (``application/wasm``), and data modules (text, JSON, bytes). Parameters such
as ``; charset=utf-8`` never change the kind. A part whose bytes start with the wasm
magic ``\\0asm`` is WebAssembly whatever its type says, as the runtime sees it.

The store checks uploads against :data:`MODULE_CONTENT_TYPES`, the API infers a missing
type from the file extension (:data:`EXTENSION_TYPES`), and the runtime's engines decide
what they run with :func:`is_wasm` and :func:`is_js`: nobody else parses a content type.
"""

from __future__ import annotations

#: The content type of WebAssembly modules, and the bytes every binary module starts with.
WASM_TYPE = "application/wasm"
WASM_MAGIC = b"\0asm"

#: ES-module workers (``main_module``).
JS_MODULE_TYPES = ("application/javascript+module", "text/javascript+module")
#: Service-worker scripts (``body_part``).
JS_SCRIPT_TYPES = ("application/javascript", "text/javascript")
JS_TYPES = JS_MODULE_TYPES + JS_SCRIPT_TYPES

#: Content types a module part may carry (contract §3).
MODULE_CONTENT_TYPES = frozenset(
    {
        *JS_TYPES,
        WASM_TYPE,
        "text/plain",
        "application/octet-stream",
        "application/json",
        "application/source-map",
        "text/x-python",
        "text/x-python-requirement",
    }
)

#: Content types for module parts sent without one, by file extension.
EXTENSION_TYPES = {
    ".js": "application/javascript+module",
    ".mjs": "application/javascript+module",
    ".wasm": WASM_TYPE,
    ".txt": "text/plain",
}
DEFAULT_MODULE_TYPE = "application/octet-stream"


def base_type(content_type: str | None) -> str:
    """``text/javascript+module; charset=utf-8`` → ``text/javascript+module``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_wasm(content_type: str | None, content: bytes | bytearray | memoryview = b"") -> bool:
    """Whether a module is WebAssembly: by its content type, or by its magic bytes."""
    return base_type(content_type) == WASM_TYPE or bytes(content[:4]) == WASM_MAGIC


def is_js(content_type: str | None) -> bool:
    """Whether a module of this content type is JavaScript a worker can start from."""
    return base_type(content_type) in JS_TYPES


def is_js_module(content_type: str | None) -> bool:
    """Whether it is an ES module (as opposed to a service-worker script)."""
    return base_type(content_type) in JS_MODULE_TYPES


def infer_content_type(name: str) -> str:
    """The content type of a module part that came without one, from its extension."""
    base = name.rsplit("/", 1)[-1].lower()
    dot = base.rfind(".")
    return EXTENSION_TYPES.get(base[dot:], DEFAULT_MODULE_TYPE) if dot >= 0 else DEFAULT_MODULE_TYPE


__all__ = [
    "DEFAULT_MODULE_TYPE",
    "EXTENSION_TYPES",
    "JS_MODULE_TYPES",
    "JS_SCRIPT_TYPES",
    "JS_TYPES",
    "MODULE_CONTENT_TYPES",
    "WASM_MAGIC",
    "WASM_TYPE",
    "base_type",
    "infer_content_type",
    "is_js",
    "is_js_module",
    "is_wasm",
]
