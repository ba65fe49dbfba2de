"""JavaScript user workers, on QuickJS compiled to WebAssembly (the ``quickjs-rs`` package).

A worker wrangler deploys is an ES module (``export default { async fetch(request, env,
ctx) {...} }``), often one esbuild bundle, sometimes several modules that import each
other. :class:`JsRunner` runs one request of such a worker:

1. a QuickJS context (its own wasm instance and heap: nothing is shared between
   workers, nor between the contexts of one worker);
2. in a new context, the prelude (``prelude/*.js``, joined in order) adds the Workers
   runtime APIs QuickJS lacks (``Request``, ``Response``, ``fetch``, ``URL``, streams,
   ``crypto.subtle``, forms, events...; the table is ``docs/javascript.md``); then the
   main module is imported (its imports resolve by name among the script's modules);
3. the default export's ``fetch(request, env, ctx)`` is called; the returned
   ``Response`` (or a promise of one) becomes the :class:`GuestResponse`. Work the handler
   left to ``ctx.waitUntil()`` runs after that (:meth:`JsRunner.drain_pending`).

With ``RuntimeSettings.reuse_instances`` (the default), a context that served a request
successfully is kept, prepared, for the next request of the same worker version (name,
etag, main module, memory limit, bindings): steps 1 and 2 are skipped, and the worker's
module-level state persists between requests, as in a Cloudflare isolate. Per-request
state (deadlines, logs, the subrequest counter, timers, the outbound handler,
``request.cf``) is new for each request; a context is closed after any failure, when its
memory is near the cap, when a new version of its worker runs, and past the pool's bound
(:mod:`~.pool`). Without reuse every request gets a new context.

Service-worker scripts (``addEventListener("fetch", e => e.respondWith(...))``, uploaded
with ``body_part``) run too; their bindings are globals.

Limits (see ``docs/abi.md``, "JavaScript workers"): QuickJS calls an interrupt handler
from its interpreter loop (every few thousand bytecodes, ~50 µs in a tight loop); this
module's handler stops the guest once the request's CPU or wall deadline has passed, or
once it has broken a limit in a host call (too many subrequests). The CPU budget is the
thread's CPU time spent *in the guest* (requests on other threads do not count): time
in the outbound handler is excluded. Memory is
capped on the QuickJS instance's wasmtime store (quickjs-rs 0.2.6 does not enforce its own
``memory_limit``): a ``memory.grow`` past the limit fails and QuickJS throws out of memory.
The cap holds for a context's whole life, across the requests it serves.

Guest execution passes the gate of :mod:`dispatch_emu.runtime._execution`, like wasm
workers, and the gate is released around the outbound handler; requests run in parallel
(quickjs-rs's host imports route through a thread-local and catch their exceptions). The internals of quickjs-rs 0.2.x
this package uses are all in :mod:`dispatch_emu.runtime.js._quickjs`: the interrupt-handler
hook (the public runtime only offers one wall-clock timeout per eval), the guest's exports
called directly with their types resolved once (the request path: a dozen crossings a
request; promise jobs drained without an asyncio loop, which a nested run from an
outbound handler could not start), the instance's wasmtime store (the memory cap, the
prelude's image), and quickjs-rs's compiled-engine table, filled from the module cache on
disk so a new process does not compile QuickJS again.

What a new context costs is kept small: it restores an image of an instance that has
evaluated the prelude (:mod:`~.images`) instead of evaluating it, and an upload's startup
check leaves its context as a spare for the first request of a deployment of the same
modules (:mod:`~.pool`). Figures: ``docs/performance.md``.

The package: :mod:`~.engine` (the engine seam's face, :class:`~.engine.JsEngine`),
:mod:`~.modules` (content types, what an ``import`` evaluates, the prelude),
:mod:`~.quickjs` (the quickjs-rs adapter), :mod:`~.images` (the prelude's image),
:mod:`~.call` (one request's deadlines and host operations, over its execution),
:mod:`~.host` (the stateless host ops: crypto, codecs, IDNA, vendored libraries),
:mod:`~.pool` (prepared and spare contexts), :mod:`~.outcome` (what the prelude's outcome
becomes), :mod:`~.runner` (:class:`JsRunner`), :mod:`~.bindings` (bindings that are
objects in ``env``: dispatch namespaces, services).
"""

from __future__ import annotations

from dispatch_emu.runtime.js._bindings import BindingRef
from dispatch_emu.runtime.js._modules import (
    JS_MODULE_TYPES,
    JS_SCRIPT_TYPES,
    JS_TYPES,
    base_type,
    is_js,
    is_js_module,
    module_source,
)
from dispatch_emu.runtime.js._quickjs import QUICKJS_PACKAGE, quickjs_available
from dispatch_emu.runtime.js._runner import JsRunner

__all__ = [
    "BindingRef",
    "JS_MODULE_TYPES",
    "JS_SCRIPT_TYPES",
    "JS_TYPES",
    "QUICKJS_PACKAGE",
    "JsRunner",
    "base_type",
    "is_js",
    "is_js_module",
    "module_source",
    "quickjs_available",
]
