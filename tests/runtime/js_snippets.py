"""Run a JavaScript snippet as a worker's fetch handler and get back what it returns.

``run(runtime, body)`` wraps ``body`` (the statements of an ``async fetch(request, env,
ctx)`` handler that ``return`` a JSON-able value) in a module worker and answers the
decoded JSON; ``worker(runtime, source)`` runs a whole module. Each snippet is its own
worker (a new QuickJS context, a few ms).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from dispatch_emu.runtime import GuestRequest, GuestResponse, Runtime, WorkerCode

MODULE = "application/javascript+module"
_names = itertools.count()

#: helpers every snippet can use
PREAMBLE = """
const hex = (b) => Array.from(new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));
const utf8 = (s) => new TextEncoder().encode(s);
const caught = async (f) => { try { await f(); return null; } catch (e) { return [e.constructor.name, e.name, e.message]; } };
"""


def request(url: str = "https://app.example.com/", method: str = "GET", headers=None, body: bytes = b"") -> GuestRequest:
    return GuestRequest(method=method, url=url, headers=list(headers or []), body=body)


def worker(runtime: Runtime, source: str, req: GuestRequest | None = None, **kwargs: Any) -> GuestResponse:
    name = f"snippet-{next(_names)}"
    code = WorkerCode.javascript(name, {"index.js": (MODULE, source.encode())}, "index.js", "v1")
    return runtime.run(code, req or request(), **kwargs)


def run(runtime: Runtime, body: str, req: GuestRequest | None = None, **kwargs: Any) -> Any:
    source = (
        PREAMBLE
        + "async function handler(request, env, ctx) {\n" + body + "\n}\n"
        + "export default { async fetch(request, env, ctx) { return Response.json(await handler(request, env, ctx)); } };\n"
    )
    response = worker(runtime, source, req, **kwargs)
    assert response.status == 200, response.body
    return json.loads(response.body)


__all__ = ["MODULE", "PREAMBLE", "request", "run", "worker"]
