"""JavaScript worker benchmark: a reused QuickJS context against a fresh one per request.

Run: ``python benchmarks/js.py``. Full dispatches through the dispatcher WSGI app of the
JavaScript hello worker (``tests/workers/js/hello.js``) with context reuse on (the
default) and off (``RuntimeSettings(reuse_instances=False)``: a new context, the prelude
evaluated and the main module imported for every request), and a reused wasm reactor
hello for scale. Prints medians of interleaved rounds (``_timing.interleaved``) and the
reuse/fresh ratio, measured side by side in this one run.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import call_wsgi, environ, interleaved, us  # noqa: E402

from dispatch_emu import Emulator, RuntimeSettings  # noqa: E402
from dispatch_emu.store import ModuleSource  # noqa: E402

WORKERS = Path(__file__).resolve().parents[1] / "tests" / "workers"
MODULE = "application/javascript+module"


def main() -> None:
    js_hello = (WORKERS / "js" / "hello.js").read_bytes()
    reactor_hello = (WORKERS / "reactor" / "hello.wasm").read_bytes()
    print(f"dispatch_emu JavaScript benchmark — Python {sys.version.split()[0]}, quickjs-rs {version('quickjs-rs')}")

    reuse = Emulator(load_entrypoints=False)
    fresh = Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False)
    for emu in (reuse, fresh):
        ns = emu.namespace("bench")
        ns.put_script("js", modules=[ModuleSource("index.js", MODULE, js_hello)], main_module="index.js")
        ns.put_script("reactor", wasm=reactor_hello)
    app, app_fresh = reuse.dispatcher("bench"), fresh.dispatcher("bench")
    env_js, env_reactor = environ("js"), environ("reactor")
    assert call_wsgi(app, env_js) == call_wsgi(app_fresh, env_js) == b"Hello from a JavaScript worker!\n"
    assert b"Hello" in call_wsgi(app, env_reactor)

    print("\nfull dispatches through the dispatcher app")
    t = interleaved(
        {
            "reuse": lambda: call_wsgi(app, env_js),
            "fresh": lambda: call_wsgi(app_fresh, env_js),
            "reactor": lambda: call_wsgi(app, env_reactor),
        },
        n=40,
    )
    print(f"   JS hello, context reused          {us(t['reuse'])}  {1 / t['reuse']:8.0f}/s")
    print(f"   JS hello, fresh context           {us(t['fresh'])}  {1 / t['fresh']:8.0f}/s")
    print(f"   wasm reactor hello, reused        {us(t['reactor'])}  {1 / t['reactor']:8.0f}/s")
    print(f"   fresh / reused JS                 {t['fresh'] / t['reuse']:8.2f}x")
    print(f"   reused JS / reused reactor        {t['reuse'] / t['reactor']:8.2f}x")
    reuse.close()
    fresh.close()


if __name__ == "__main__":
    main()
