"""JavaScript worker benchmark: a reused QuickJS context against a fresh one per request.

Run: ``python benchmarks/js.py``. Full dispatches through the dispatcher WSGI app of the
JavaScript hello worker (``tests/workers/js/hello.js``) with context reuse on (the
default) and off (``RuntimeSettings(reuse_instances=False)``: a new context, the prelude
evaluated and the main module imported for every request), and a reused wasm reactor
hello for scale. Prints medians of interleaved rounds (``_timing.interleaved``) and the
reuse/fresh ratio, measured side by side in this one run.

Then ``against_workerd()``: three workers — the JS hello, the fidelity corpus's Hono app
(``GET /api/users/2`` through its middleware) and a crypto-heavy worker
(``benchmarks/workers/hmac.js``: HMAC-SHA-256 of 1 KB, 1,000 times) — on dispatch_emu (in
process, the dispatcher app) and, where node is present, on workerd (``wrangler dev``,
over a kept-alive loopback connection), interleaved in the same rounds; it prints the
medians and the dispatch_emu/workerd ratio. A worker dispatch_emu cannot run yet (an API it
lacks) is reported as such instead of timed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import call_wsgi, environ, interleaved, per_op, us  # noqa: E402
from _workerd import WorkerdServer, available  # noqa: E402

from dispatch_emu import Emulator, RuntimeSettings  # noqa: E402
from dispatch_emu.store import ModuleSource  # noqa: E402

WORKERS = Path(__file__).resolve().parents[1] / "tests" / "workers"
HONO_BUNDLE = Path(__file__).resolve().parents[1] / "tests" / "fidelity" / "apps" / "hono" / "dist" / "index.js"
HMAC_WORKER = Path(__file__).resolve().parent / "workers" / "hmac.js"
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
    against_workerd()


def _ms(seconds: float | None) -> str:
    return f"{seconds * 1e3:10.2f} ms" if seconds is not None else "       n/a   "


def _hmac_answer() -> bytes:
    data = bytes(i & 255 for i in range(1024))
    return hmac.new(b"benchmark-secret", data, hashlib.sha256).hexdigest().encode()


def against_workerd() -> None:
    """Hello, Hono and HMAC×1000 on dispatch_emu and on workerd, in the same interleaved rounds."""
    cases = {  # name: (module source, path, the body both must answer)
        "JS hello": ((WORKERS / "js" / "hello.js").read_bytes(), "/", b"Hello from a JavaScript worker!\n"),
        "Hono GET /api/users/2": (HONO_BUNDLE.read_bytes(), "/api/users/2", b'{"id":2,"name":"Grace","role":"user"}'),
        "HMAC 1 KB x1000": (HMAC_WORKER.read_bytes(), "/", _hmac_answer()),
    }
    print("\nthe same requests on workerd where node is present (dispatch_emu in process;")
    print(" workerd through wrangler dev, each request one kept-alive loopback HTTP round trip)")
    # a generous CPU budget: this measures speed, not the limit
    emu = Emulator(runtime_settings=RuntimeSettings(cpu_ms=120_000, wall_ms=240_000), load_entrypoints=False)
    ns = emu.namespace("against")
    app = emu.dispatcher("against")
    names = {case: f"w{i}" for i, case in enumerate(cases)}
    ours: dict[str, Callable[[], bytes]] = {}
    for case, (source, path, answer) in cases.items():
        ns.put_script(names[case], modules=[ModuleSource("index.js", MODULE, source)], main_module="index.js")
        env = environ(names[case], path)
        body = call_wsgi(app, env)
        if body == answer:
            ours[case] = lambda env=env: call_wsgi(app, env)
        else:
            print(f"   {case}: dispatch_emu cannot run it yet: {body[:120]!r}")
    missing = available()
    with contextlib.ExitStack() as stack:
        theirs: dict[str, Callable[[], bytes]] = {}
        if missing:
            print(f"   workerd not measured: {missing}")
        else:
            for case, (source, path, answer) in cases.items():
                server = stack.enter_context(WorkerdServer(names[case], source))
                assert server.get(path) == answer, (case, server.get(path)[:200])
                theirs[case] = lambda server=server, path=path: server.get(path)
        for case in cases:
            timed = {f"emu {case}": ours[case]} if case in ours else {}
            if case in theirs:
                timed[f"workerd {case}"] = theirs[case]
            if not timed:
                continue
            slowest = max(per_op(fn, 1) for fn in timed.values())
            n = max(1, min(40, round(0.2 / slowest)))  # ~0.2 s per case and round
            t = interleaved(timed, n=n, rounds=7 if slowest < 1 else 3)
            emu_t, wd_t = t.get(f"emu {case}"), t.get(f"workerd {case}")
            line = f"   {case:24} dispatch_emu {_ms(emu_t)}   workerd {_ms(wd_t)}"
            if emu_t and wd_t:
                line += f"   dispatch_emu/workerd {emu_t / wd_t:7.2f}x"
            print(line, flush=True)
    emu.close()


if __name__ == "__main__":
    main()
