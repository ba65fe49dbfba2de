"""What a JavaScript worker's calls into the host cost: crypto, codecs, fetch(), bindings.

Run: ``python benchmarks/js_hostops.py [--baseline REV] [--rounds N]``.

Each case is a worker whose ``fetch`` makes N host calls of one kind in a loop; a second
worker runs the same loop without the call, and the case's figure is the difference per
call, so the loop itself and the request around it are left out. All run through
``Runtime.run`` in process with the context reused (the outbound handler and the service
handler answer at once, in Python). With ``--baseline REV`` the revision is exported
(``git archive``) and the same cases run there too: one process per tree and round,
alternately, and the medians over the rounds printed side by side with their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import export_revision  # noqa: E402

HERE = Path(__file__).resolve().parents[1]

# name → (calls per request, the loop's body with the host call, the same loop without it)
CASES: dict[str, tuple[int, str, str]] = {
    "getRandomValues(Uint8Array(4))": (1000, "crypto.getRandomValues(new Uint8Array(4));", "new Uint8Array(4);"),
    "crypto.randomUUID()": (1000, "crypto.randomUUID();", "new Uint8Array(16);"),
    "TextEncoder, 4 KB string": (200, "enc.encode(TEXT);", "TEXT.length;"),
    "TextDecoder, 4 KB": (200, "dec.decode(BYTES);", "BYTES.length;"),
    "HMAC-SHA-256 sign, 1 KB": (1000, "await crypto.subtle.sign('HMAC', key, DATA);", "await null;"),
    "fetch() to the outbound handler": (200, "await (await fetch('https://up.example.com/x')).text();", "await null;"),
    "service binding call": (200, "await (await env.SVC.fetch('https://svc.example.com/x')).text();", "await null;"),
}

PROLOGUE = """
const enc = new TextEncoder(), dec = new TextDecoder();
const TEXT = "h\\u00e9llo w\\u00f6rld ".repeat(300);
const BYTES = enc.encode(TEXT);
const DATA = new Uint8Array(1024).map((_, i) => i & 255);
const SECRET = new TextEncoder().encode("benchmark-secret");
let key = null;
"""

CHILD_WORKER = """
export default {{
  async fetch(request, env) {{
    if (key === null) key = await crypto.subtle.importKey("raw", SECRET, {{ name: "HMAC", hash: "SHA-256" }}, false, ["sign"]);
    for (let i = 0; i < {n}; i++) {{ {body} }}
    return new Response("ok");
  }},
}};
"""


def measure(rounds: int) -> dict[str, float]:
    """µs per host call of each case in this process (median of ``rounds``)."""
    from dispatch_emu.runtime import GuestRequest, GuestResponse, Runtime, RuntimeSettings, WorkerCode
    from dispatch_emu.runtime.js._bindings import BindingRef

    module = "application/javascript+module"

    def code(name: str, n: int, body: str) -> object:
        source = (PROLOGUE + CHILD_WORKER.format(n=n, body=body)).encode()
        return WorkerCode.javascript(name, {"index.js": (module, source)}, "index.js", "v1")

    def outbound(request: object) -> GuestResponse:
        return GuestResponse(status=200, headers=[("content-type", "text/plain")], body=b"up")

    def services(call: object) -> GuestResponse:
        return GuestResponse(status=200, headers=[("content-type", "text/plain")], body=b"svc")

    settings = RuntimeSettings(cpu_ms=60_000, wall_ms=120_000)
    request = GuestRequest(method="GET", url="https://bench.example.com/", headers=[], body=b"")
    env = {"SVC": BindingRef("service")}
    results: dict[str, float] = {}
    with Runtime(settings) as runtime:
        for index, (name, (n, body, empty)) in enumerate(CASES.items()):
            with_call, without = code(f"op{index}", n, body), code(f"loop{index}", n, empty)

            def run(worker: object) -> float:
                started = time.perf_counter()
                response = runtime.run(worker, request, env=env, outbound=outbound, services=services)  # type: ignore[arg-type]
                elapsed = time.perf_counter() - started
                assert response.status == 200 and response.body == b"ok", response
                return elapsed

            run(with_call), run(without)  # warm: contexts, lazy prelude sections
            samples = []
            for _ in range(rounds):
                samples.append(run(with_call) - run(without))
            results[name] = statistics.median(samples) / n * 1e6
    return results


def child(tree: Path | str, rounds: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--rounds", str(rounds)],
        check=True, capture_output=True, text=True, env=env, cwd=str(tree),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", help="also run the cases on this git revision, alternately")
    parser.add_argument("--rounds", type=int, default=5, help="requests per case and process (median)")
    parser.add_argument("--processes", type=int, default=3, help="processes per tree, alternately (with --baseline)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds)))
        return
    import quickjs_rs  # noqa: F401

    print(f"JavaScript host calls — Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("µs per host call: (a request of N calls − the same loop without them) / N, median")
    if not args.baseline:
        mine = measure(args.rounds)
        for name, value in mine.items():
            print(f"   {name:34} {value:9.1f} µs")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        export_revision(args.baseline, tree)
        ours: dict[str, list[float]] = {}
        theirs: dict[str, list[float]] = {}
        for _ in range(args.processes):
            for results, where in ((ours, HERE), (theirs, tree)):
                for name, value in child(where, args.rounds).items():
                    results.setdefault(name, []).append(value)
    print(f"   {'':34} {'this tree':>12} {args.baseline:>12}   ratio")
    for name in CASES:
        a, b = statistics.median(ours[name]), statistics.median(theirs[name])
        print(f"   {name:34} {a:9.1f} µs {b:9.1f} µs   {b / a:5.1f}x faster")


if __name__ == "__main__":
    main()
