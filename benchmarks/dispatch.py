"""Dispatch benchmark: a full dispatch against its floor, reactor reuse, module caching.

Run: ``python benchmarks/dispatch.py``. Prints medians of interleaved rounds, and ratios
measured side by side in this one run (machines here have 2 shared cores: absolute
figures move, ratios much less).

1. floor = bare wasmtime-py WAGI run (new Store, InstancePre, ``_start``, stdout in
   memory) + one raw WSGI call of a bare werkzeug app; vs a full WAGI dispatch through
   the dispatcher WSGI app. Target ratio ≤ 1.3.
2. reactor ABI with and without instance reuse, as full dispatches. Targets: reuse ≥ 5×
   the fresh-instance WAGI dispatch rate, and ≥ 5,000 full dispatches a second.
3. compiling a module vs an in-memory cache hit vs loading from the on-disk cache.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import wasmtime
from werkzeug import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import call_wsgi, environ, interleaved, us  # noqa: E402

from dispatch_emu import Emulator, RuntimeSettings  # noqa: E402
from dispatch_emu.runtime import GuestRequest  # noqa: E402
from dispatch_emu.runtime._cache import ModuleCache  # noqa: E402
from dispatch_emu.runtime._cgi import cgi_environ  # noqa: E402

WORKERS = Path(__file__).resolve().parents[1] / "tests" / "workers"


def bare_wagi(wasm: bytes, engine: wasmtime.Engine | None = None, *, sandboxed: bool = False):
    """The floor: what any WAGI host must do per request with wasmtime-py.

    It passes the same CGI variables our runtime passes (precomputed: building them is
    overhead, passing them is not). ``engine`` is the emulator's own (fuel and epoch
    interruption on, the sandbox's price) or, when None, a default engine; with
    ``sandboxed`` the store also gets a fuel budget and an epoch deadline.
    """
    engine = engine or wasmtime.Engine()
    module = wasmtime.Module(engine, wasm)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    pre = linker.instantiate_pre(module)
    request = GuestRequest("GET", "http://wagi.example.com/hello", [("Host", "wagi.example.com")])
    cgi_env = cgi_environ(request, {})

    def run() -> bytes:
        out: list[bytes] = []
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["/hello"]
        wasi.env = cgi_env
        wasi.stdout_custom = out.append
        store = wasmtime.Store(engine)
        if sandboxed:
            store.set_fuel(10**12)
            store.set_epoch_deadline(10**6)
        store.set_wasi(wasi)
        instance = pre.instantiate(store)
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as exit_trap:
            assert exit_trap.code == 0
        return b"".join(out)

    return run


@Request.application
def bare_app(request: Request) -> Response:
    return Response("ok")


def main() -> None:
    wagi_hello = (WORKERS / "wagi" / "hello.wasm").read_bytes()
    reactor_hello = (WORKERS / "reactor" / "hello.wasm").read_bytes()

    print(f"dispatch_emu dispatch benchmark — Python {sys.version.split()[0]}, wasmtime-py {version('wasmtime')}")
    emu = Emulator(load_entrypoints=False)
    fresh = Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False)
    for e in (emu, fresh):
        ns = e.namespace("bench")
        ns.put_script("wagi", wasm=wagi_hello)
        ns.put_script("reactor", wasm=reactor_hello)
    app = emu.dispatcher("bench")
    app_fresh = fresh.dispatcher("bench")
    env_wagi, env_reactor = environ("wagi"), environ("reactor")
    bare_env = environ("bare")
    floor_wagi = bare_wagi(wagi_hello, emu.runtime.engine, sandboxed=True)
    plain_wagi = bare_wagi(wagi_hello)
    assert b"Hello" in call_wsgi(app, env_wagi) and b"Hello" in floor_wagi() and b"Hello" in plain_wagi()

    print("\n1. full WAGI dispatch vs the floor (bare wasmtime WAGI run + one bare werkzeug WSGI call)")
    t = interleaved(
        {
            "floor": lambda: (floor_wagi(), call_wsgi(bare_app, bare_env)),
            "plain": lambda: (plain_wagi(), call_wsgi(bare_app, bare_env)),
            "dispatch": lambda: call_wsgi(app, env_wagi),
        },
        n=300,
        rounds=11,
    )
    print(f"   floor, sandboxed engine (fuel + epoch, as ours)  {us(t['floor'])}")
    print(f"   floor, default engine (no CPU/wall sandbox)      {us(t['plain'])}")
    print(f"   full dispatch through the dispatcher app         {us(t['dispatch'])}")
    print(f"   ratio dispatch / sandboxed floor                 {t['dispatch'] / t['floor']:8.2f}   (target ≤ 1.3)")
    print(f"   ratio dispatch / default-engine floor            {t['dispatch'] / t['plain']:8.2f}   (the sandbox's price included)")

    print("\n2. reactor ABI, full dispatches")
    r = interleaved(
        {
            "reuse": lambda: call_wsgi(app, env_reactor),
            "fresh": lambda: call_wsgi(app_fresh, env_reactor),
            "wagi": lambda: call_wsgi(app, env_wagi),
        },
        n=500,
    )
    print(f"   reactor, instance reused       {us(r['reuse'])}  {1 / r['reuse']:8.0f}/s   (target ≥ 5,000/s)")
    print(f"   reactor, fresh instance        {us(r['fresh'])}  {1 / r['fresh']:8.0f}/s")
    print(f"   WAGI, fresh instance           {us(r['wagi'])}  {1 / r['wagi']:8.0f}/s")
    print(f"   reuse / fresh reactor          {r['fresh'] / r['reuse']:8.2f}x")
    print(f"   reuse / fresh WAGI             {r['wagi'] / r['reuse']:8.2f}x   (target ≥ 5x)")

    print("\n3. module compile vs caches (the WAGI hello module)")
    runtime = emu.runtime
    with tempfile.TemporaryDirectory() as cache_dir:
        def compile_fresh() -> None:
            wasmtime.Module(runtime.engine, wagi_hello)

        digest = hashlib.sha256(wagi_hello).hexdigest()
        runtime.compile(wagi_hello)  # in-memory hit from here on
        disk = ModuleCache(runtime.engine, runtime.host.fingerprint)
        disk.get(wagi_hello, digest=digest, cache_dir=cache_dir)  # write the artifact once

        def disk_load() -> None:
            disk.clear_memory()
            disk.get(wagi_hello, digest=digest, cache_dir=cache_dir)

        c = interleaved(
            {"compile": compile_fresh, "memory": lambda: runtime.compile(wagi_hello), "disk": disk_load},
            n=20,
            rounds=5,
        )
        assert disk.stats.disk_hits > 0, disk.stats
    print(f"   compile from bytes             {us(c['compile'])}")
    print(f"   in-memory cache hit            {us(c['memory'])}   ({c['compile'] / c['memory']:,.0f}x faster)")
    print(f"   on-disk cache load             {us(c['disk'])}   ({c['compile'] / c['disk']:,.1f}x faster)")
    emu.close()
    fresh.close()


if __name__ == "__main__":
    main()
