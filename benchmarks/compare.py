"""A/B: full dispatches of this work tree against a git revision, side by side.

Run: ``python benchmarks/compare.py [REV] [ROUNDS]`` (default ``main``, 60 rounds). The
revision is exported (``git archive``) to a temporary directory; one process per tree
serves the same three dispatches as ``benchmarks/dispatch.py`` section 2 (reactor with a
reused instance, reactor with a fresh one, WAGI), and the two processes are commanded
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
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1] + "/benchmarks")
from _timing import call_wsgi, environ
from dispatch_emu.emulator import Emulator
from dispatch_emu.runtime import RuntimeSettings
workers = sys.argv[1] + "/tests/workers"
emu = Emulator(load_entrypoints=False)
fresh = Emulator(runtime_settings=RuntimeSettings(reuse_instances=False), load_entrypoints=False)
for e in (emu, fresh):
    ns = e.namespace("bench")
    ns.put_script("wagi", wasm=open(workers + "/wagi/hello.wasm", "rb").read())
    ns.put_script("reactor", wasm=open(workers + "/reactor/hello.wasm", "rb").read())
app, app_fresh = emu.dispatcher("bench"), fresh.dispatcher("bench")
cases = {"reuse": (app, environ("reactor")), "fresh": (app_fresh, environ("reactor")),
         "wagi": (app, environ("wagi"))}
for a, e in cases.values():
    for _ in range(200):
        call_wsgi(a, e)
print("ready", flush=True)
for line in sys.stdin:
    name, n = line.split()
    a, e = cases[name]
    started = time.process_time()
    for _ in range(int(n)):
        call_wsgi(a, e)
    print((time.process_time() - started) / int(n) * 1e6, flush=True)
"""

CHUNKS = {"reuse": 300, "fresh": 100, "wagi": 150}
LABELS = {"reuse": "reactor, instance reused", "fresh": "reactor, fresh instance", "wagi": "WAGI, fresh instance"}


def export(rev: str, into: str) -> None:
    archive = subprocess.run(["git", "archive", rev], cwd=HERE, check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as tmp:
        tmp.write(archive)
        tmp.seek(0)
        with tarfile.open(fileobj=tmp) as tar:
            tar.extractall(into, filter="data")


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "main"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    with tempfile.TemporaryDirectory(prefix="dispatch-emu-compare-") as other:
        export(rev, other)
        trees = {"this tree": str(HERE), rev: other}
        procs = {}
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=tree)
            procs[name] = subprocess.Popen(
                [sys.executable, "-c", CHILD, tree], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, env=env, cwd=tree,
            )
            assert procs[name].stdout is not None and procs[name].stdout.readline().strip() == "ready"
        samples: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in CHUNKS}
        for round_ in range(rounds):
            for case, n in CHUNKS.items():
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
    print(f"dispatch_emu A/B — this tree vs {rev}, {rounds} alternating rounds, CPU µs per full dispatch")
    for case in CHUNKS:
        mine, theirs = samples[("this tree", case)], samples[(rev, case)]
        paired = statistics.median(a / b for a, b in zip(mine, theirs, strict=True))
        print(f"   {LABELS[case]:26s} this {statistics.median(mine):8.1f}   {rev} {statistics.median(theirs):8.1f}"
              f"   ratio {paired:5.3f}")


if __name__ == "__main__":
    main()
