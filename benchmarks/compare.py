"""A/B: full dispatches of this work tree against a git revision, side by side.

Run: ``python benchmarks/compare.py [REV] [ROUNDS] [--js]`` (default ``main``, 60 rounds).
The revision is exported (``git archive``) to a temporary directory; one process per tree
serves the same three dispatches as ``benchmarks/dispatch.py`` section 2 (reactor with a
reused instance, reactor with a fresh one, WAGI), or with ``--js`` the JavaScript cases of
``benchmarks/js.py`` (the JS hello with a reused context and with a fresh one, and a
test's seed of a JS worker plus one dispatch, after ``Emulator.reset()``), and the two processes are commanded
alternately, a short chunk each, so the load of a shared machine hits both alike. Each
chunk is timed in *CPU time* of its process (``time.process_time``), which other
processes' load disturbs far less than wall time. Prints the medians per tree and the
median of the paired ratios (this tree / REV): within 1.05 is "within 5%".
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import export_revision

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1] + "/benchmarks")
from _timing import call_wsgi, environ
from dispatch_emu.emulator import Emulator
from dispatch_emu.runtime import RuntimeSettings
from dispatch_emu.store import ModuleSource
workers = sys.argv[1] + "/tests/workers"
if sys.argv[2] == "js":
    hello = open(workers + "/js/hello.js", "rb").read()
    modules = [ModuleSource("index.js", "application/javascript+module", hello)]
    emu, per_test = Emulator(load_entrypoints=False), Emulator(load_entrypoints=False)
    fresh = Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False)
    for e in (emu, fresh):
        e.namespace("bench").put_script("js", modules=modules, main_module="index.js")
    app, app_fresh, env = emu.dispatcher("bench"), fresh.dispatcher("bench"), environ("js")

    def js_test():
        per_test.reset()
        per_test.namespace("t").put_script("js", modules=modules, main_module="index.js")
        call_wsgi(per_test.dispatcher("t"), env)

    cases = {"js": lambda: call_wsgi(app, env), "jsfresh": lambda: call_wsgi(app_fresh, env), "jstest": js_test}
else:
    emu = Emulator(load_entrypoints=False)
    fresh = Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False)
    for e in (emu, fresh):
        ns = e.namespace("bench")
        ns.put_script("wagi", wasm=open(workers + "/wagi/hello.wasm", "rb").read())
        ns.put_script("reactor", wasm=open(workers + "/reactor/hello.wasm", "rb").read())
    app, app_fresh = emu.dispatcher("bench"), fresh.dispatcher("bench")
    calls = {"reuse": (app, environ("reactor")), "fresh": (app_fresh, environ("reactor")),
             "wagi": (app, environ("wagi"))}
    cases = {name: (lambda a=a, e=e: call_wsgi(a, e)) for name, (a, e) in calls.items()}
for fn in cases.values():
    for _ in range(200):
        fn()
print("ready", flush=True)
for line in sys.stdin:
    name, n = line.split()
    fn = cases[name]
    started = time.process_time()
    for _ in range(int(n)):
        fn()
    print((time.process_time() - started) / int(n) * 1e6, flush=True)
"""

CHUNKS = {"reuse": 300, "fresh": 100, "wagi": 150}
JS_CHUNKS = {"js": 100, "jsfresh": 40, "jstest": 20}
LABELS = {
    "reuse": "reactor, instance reused", "fresh": "reactor, fresh instance", "wagi": "WAGI, fresh instance",
    "js": "JS hello, context reused", "jsfresh": "JS hello, fresh context", "jstest": "JS test: seed + dispatch",
}




def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg != "--js"]
    js = "--js" in sys.argv[1:]
    rev = args[0] if args else "main"
    rounds = int(args[1]) if len(args) > 1 else 60
    chunks = JS_CHUNKS if js else CHUNKS
    with tempfile.TemporaryDirectory(prefix="dispatch-emu-compare-") as other:
        export_revision(rev, other)
        trees = {"this tree": str(HERE), rev: other}
        procs = {}
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=tree)
            procs[name] = subprocess.Popen(
                [sys.executable, "-c", CHILD, tree, "js" if js else "wasm"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, env=env, cwd=tree,
            )
            assert procs[name].stdout is not None and procs[name].stdout.readline().strip() == "ready"
        samples: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in chunks}
        for round_ in range(rounds):
            for case, n in chunks.items():
                order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
                for tree in order:
                    proc = procs[tree]
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(f"{case} {n}\n")
                    proc.stdin.flush()
                    samples[(tree, case)].append(float(proc.stdout.readline()))
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    print(f"dispatch_emu A/B — this tree vs {rev}, {rounds} alternating rounds, CPU µs per call"
          f" (load average {os.getloadavg()[0]:.1f} at the end)")
    for case in chunks:
        mine, theirs = samples[("this tree", case)], samples[(rev, case)]
        paired = statistics.median(a / b for a, b in zip(mine, theirs, strict=True))
        print(f"   {LABELS[case]:26s} this {statistics.median(mine):8.1f}   {rev} {statistics.median(theirs):8.1f}"
              f"   ratio {paired:5.3f}")


if __name__ == "__main__":
    main()
