"""JavaScript module types, what an ``import`` of each evaluates, and the prelude's text."""

from __future__ import annotations

import base64
import json
from importlib import resources

from dispatch_emu._content import (
    JS_MODULE_TYPES,
    JS_SCRIPT_TYPES,
    JS_TYPES,
    WASM_TYPE,
    base_type,
    is_js,
    is_js_module,
)

#: The prelude's files (``runtime/js/prelude/``), in the order they are joined: one
#: function body, opened by the first and closed by the last; each file defines what later
#: ones use.
PRELUDE_FILES = (
    "begin.js",
    "encoding.js",
    "console.js",
    "events.js",
    "streams.js",
    "searchparams.js",
    "url.js",
    "headers.js",
    "body.js",
    "forms.js",
    "clone.js",
    "request.js",
    "response.js",
    "fetch.js",
    "bindings.js",
    "timers.js",
    "subtle.js",
    "crypto.js",
    "service-worker.js",
    "entry.js",
    "sandbox.js",
    "end.js",
)


#: Prelude files joined as text and compiled only when a worker first needs them (QuickJS
#: compiles a script whole, so a new context pays for every line it evaluates): each is a
#: function body of ``$`` (the internals it imports) that returns its exports.
LAZY_FILES = frozenset({"subtle.js", "forms.js"})


def prelude_part(name: str, text: str) -> str:
    """A prelude file as it is joined: itself, or for a lazy one, its text registered."""
    if name in LAZY_FILES:
        return f"  sections.set({json.dumps(name)}, {json.dumps(text)});\n"
    return text


def prelude() -> str:
    """The prelude's source: its files joined in :data:`PRELUDE_FILES` order, read once."""
    global _PRELUDE
    if _PRELUDE is None:
        folder = resources.files("dispatch_emu.runtime.js").joinpath("prelude")
        _PRELUDE = "".join(prelude_part(name, folder.joinpath(name).read_text("utf-8")) for name in PRELUDE_FILES)
    return _PRELUDE


_PRELUDE: str | None = None


def module_source(name: str, content_type: str, content: bytes) -> str | None:
    """The JavaScript an ``import`` of this module evaluates, or ``None`` if not importable.

    JavaScript modules are themselves; Cloudflare's other module types become a default
    export: ``text/plain`` a string, ``application/json`` the parsed value,
    ``application/octet-stream`` an ArrayBuffer. A wasm module cannot be imported (QuickJS
    has no WebAssembly), so importing one throws.
    """
    kind = base_type(content_type)
    if kind in JS_TYPES:
        # quickjs-rs treats an empty source as "not found": give it a newline instead
        return content.decode("utf-8", "replace") or "\n"
    if kind == "text/plain":
        return f"export default {json.dumps(content.decode('utf-8', 'replace'))};\n"
    if kind == "application/json":
        return f"export default JSON.parse({json.dumps(content.decode('utf-8', 'replace'))});\n"
    if kind == "application/octet-stream":
        data = base64.b64encode(content).decode("ascii")
        return (
            f'const s = atob("{data}"); const b = new Uint8Array(s.length);\n'
            "for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);\n"
            "export default b.buffer;\n"
        )
    if kind == WASM_TYPE:
        return (
            f"throw new Error({json.dumps(f'cannot import {name}: dispatch_emu runs JavaScript workers on QuickJS, which has no WebAssembly')});\n"
        )
    return None


__all__ = [
    "JS_MODULE_TYPES",
    "JS_SCRIPT_TYPES",
    "JS_TYPES",
    "LAZY_FILES",
    "PRELUDE_FILES",
    "base_type",
    "is_js",
    "is_js_module",
    "module_source",
    "prelude",
    "prelude_part",
]
