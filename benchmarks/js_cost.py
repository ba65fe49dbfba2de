"""Where a JavaScript request's time goes, in figures the machine's load does not move.

Run: ``python benchmarks/js_cost.py [--tree DIR]`` (``--tree``: measure another checkout,
e.g. a revision exported with ``git archive``; default this one).

On a shared machine wall and CPU times swing with the load; the number of wasm
instructions the QuickJS guest executes does not. This script compiles the guest once
with wasmtime's fuel metering on (so it is slower than the real thing: only the counts
matter here, the engine cache is not used) and prints, for the JS hello with a reused
context:

* the guest's instructions per request, per call into the guest (the prelude's
  ``start``, the job queue, ``poll``, the reads and frees around them) and in all;
* the same for the fidelity corpus's Hono app (``GET /api/users/2``);
* a test's worth: ``Emulator.reset()``, an upload with its startup check, one dispatch;
* the number of calls into the guest a request makes.

Instructions are what the prelude's JavaScript costs; the Python around it (WSGI,
marshalling, the journal) is what ``benchmarks/js.py`` times on top. ``--stages`` prints
that instead: CPU µs per layer of a reused JS hello request (the normal engine, each
layer's own time, the layers below it taken off), the in-process cost breakdown.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUEL = 10**15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="the checkout to measure (default: this one)")
    parser.add_argument("--stages", action="store_true", help="CPU µs per layer instead of instructions")
    args = parser.parse_args()
    tree = str(Path(args.tree).resolve())
    sys.path[:0] = [tree, str(HERE)]
    if args.stages:
        stages(tree)
        return
    os.environ["DISPATCH_EMU_ENGINE_CACHE"] = "0"  # a fuel-metered engine is never cached

    import wasmtime
    from quickjs_rs import _wasmtime

    config = wasmtime.Config()
    config.consume_fuel = True
    _wasmtime._SHARED_ENGINE = wasmtime.Engine(config)  # quickjs-rs's engine, before anything compiles
    used: list[int] = []

    class MeteredStore(wasmtime.Store):  # every store of the guest starts with (practically) endless fuel
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, **k)
            self.set_fuel(FUEL)

        def close(self) -> None:
            try:
                used.append(FUEL - self.get_fuel())
            except Exception:
                pass
            super().close()

    wasmtime.Store = MeteredStore  # type: ignore[misc]

    import gc

    from _timing import call_wsgi, environ

    from dispatch_emu import Emulator
    from dispatch_emu.store import ModuleSource

    module = "application/javascript+module"
    hello = (Path(tree) / "tests" / "workers" / "js" / "hello.js").read_bytes()
    hono = (Path(tree) / "tests" / "fidelity" / "apps" / "hono" / "dist" / "index.js").read_bytes()
    emu = Emulator(load_entrypoints=False)
    namespace = emu.namespace("bench")
    for name, source in (("hello", hello), ("hono", hono)):
        namespace.put_script(name, modules=[ModuleSource("index.js", module, source)], main_module="index.js")
    app = emu.dispatcher("bench")

    def live_stores() -> list[MeteredStore]:
        return [o for o in gc.get_objects() if isinstance(o, MeteredStore)]

    def total() -> int:
        alive = 0
        for store in live_stores():
            try:
                alive += FUEL - store.get_fuel()
            except Exception:  # closed: counted in used
                pass
        return alive + sum(used)

    print(f"guest instructions (wasm fuel) of {tree}")
    for name, path in (("hello", "/hello"), ("hono", "/api/users/2")):
        env = environ(name, path)
        for _ in range(5):
            call_wsgi(app, env)
        before = total()
        for _ in range(20):
            body = call_wsgi(app, env)
        print(f"   {name:6} {(total() - before) / 20 / 1000:9.1f} k a request  ({body[:38]!r})")

    # per call into the guest, for the hello request
    per_call: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    env = environ("hello")
    instances = [o for o in gc.get_objects() if getattr(o, "_dispatch_emu_fast", False) and not o._closed]
    named: dict[int, str] = {}
    for vm in [o for o in gc.get_objects() if type(o).__name__ == "QuickJsVm"]:
        for attr in ("_start", "_poll", "_text", "_load", "_bytes"):
            if getattr(vm, attr, 0):
                named[getattr(vm, attr)] = attr.strip("_")
    for inst in instances:
        call = inst.c

        def counted(name: str, *a: object, call=call, inst=inst) -> object:
            before = inst.store.get_fuel()
            try:
                return call(name, *a)
            finally:
                key = f"call_function({named.get(a[0], a[0])})" if name == "call_function" else name
                per_call[key] += before - inst.store.get_fuel()
                calls[key] += 1

        inst.c = counted
    for vm in [o for o in gc.get_objects() if type(o).__name__ == "QuickJsVm"]:
        vm.c = vm.inst.c
    n = 20
    for _ in range(n):
        call_wsgi(app, env)
    print(f"   the hello request by call into the guest ({sum(calls.values()) / n:.0f} calls a request):")
    for key, fuel in per_call.most_common():
        print(f"      {key:32} {calls[key] / n:4.1f}x  {fuel / n / 1000:9.1f} k")

    def js_test() -> None:
        emu.reset()
        emu.namespace("t").put_script("js", modules=[ModuleSource("index.js", module, hello)], main_module="index.js")
        assert call_wsgi(emu.dispatcher("t"), environ("js")).startswith(b"Hello")

    for _ in range(3):
        js_test()
    before = total()
    for _ in range(10):
        js_test()
    print(f"   a test (reset, upload + startup check, one dispatch): {(total() - before) / 10 / 1000:9.1f} k")


def stages(tree: str, n: int = 3000) -> None:
    """CPU µs per layer of a reused JS hello request: each layer's time less the layers it calls."""
    import gc
    import time

    from _timing import call_wsgi, environ

    from dispatch_emu import Emulator
    from dispatch_emu.store import ModuleSource

    module = "application/javascript+module"
    hello = (Path(tree) / "tests" / "workers" / "js" / "hello.js").read_bytes()
    emu = Emulator(load_entrypoints=False)
    emu.namespace("bench").put_script("js", modules=[ModuleSource("index.js", module, hello)], main_module="index.js")
    app, env = emu.dispatcher("bench"), environ("js")
    call_wsgi(app, env)
    runner = emu.runtime.engines.select(module, b"").runner  # type: ignore[union-attr]
    vm_class = next(type(o) for o in gc.get_objects() if type(o).__name__ == "QuickJsVm")
    # (class, method, layer): found through the objects, so module renames do not matter
    layers = [
        (type(app), "__call__", "dispatcher: WSGI entry, edge limits, werkzeug request/response"),
        (type(app), "handle", "dispatcher: journal, routing, the seed's fetch"),
        (type(app.binding), "_call", "binding: dispatch hooks, journal"),
        (type(app.binding), "_run", "binding: store lookup, to_guest, from_guest, env"),
        (type(emu.runtime), "run", "runtime: execution, gate"),
        (type(runner), "run", "runner: context pool, keys, outcome"),
        (type(runner), "_execute", "runner: request JSON, limits"),
        (vm_class, "start", "guest start() with its crossings"),
        (type(runner), "_drive", "runner: outcome unpacking, logs"),
        (vm_class, "run_jobs", "guest job queue"),
        (vm_class, "poll", "guest poll() with its crossings"),
    ]
    spent = dict.fromkeys([label for _, _, label in layers], 0.0)
    stack: list[float] = []  # time the callees of each active layer took

    def timed(function, label):
        def wrapper(*a, **k):
            started = time.process_time()
            stack.append(0.0)
            try:
                return function(*a, **k)
            finally:
                took = time.process_time() - started
                inner = stack.pop()
                spent[label] += took - inner
                if stack:
                    stack[-1] += took
        return wrapper

    for cls, name, label in layers:
        setattr(cls, name, timed(getattr(cls, name), label))
    for _ in range(300):
        call_wsgi(app, env)
    for label in spent:
        spent[label] = 0.0
    started = time.process_time()
    for _ in range(n):
        call_wsgi(app, env)
    total = (time.process_time() - started) / n
    print(f"CPU µs per layer of a reused JS hello request ({tree}), {total * 1e6:.1f} µs in all"
          f" (timing each layer adds a little):")
    for label, seconds in spent.items():
        print(f"   {label:62} {seconds / n * 1e6:7.1f}")
    rest = "the rest (the benchmark's call, the wrappers)"
    print(f"   {rest:62} {(total - sum(spent.values()) / n) * 1e6:7.1f}")


if __name__ == "__main__":
    main()
