"""HTTP server benchmark: the server alone, then a reactor hello through ``EmulatorServer``.

Run: ``python benchmarks/http_server.py`` (``--seconds 1.5 --rounds 3`` by default).

Load comes from ``benchmarks/_load.py`` in a separate process (raw keep-alive sockets,
one thread per client), so the client does not share the server's GIL. Each figure is
the median of ``--rounds`` interleaved rounds: within a round every server is measured
in turn at every client count, so load from elsewhere on the machine hits all alike.

1. **The server alone**: a trivial WSGI app ("hello", 6 bytes) behind werkzeug's
   development server (what ``dispatch-emu serve`` used before), cheroot as shipped,
   cheroot as ``dispatch_emu._serving`` runs it ("_serving.py": header watchdog, a worker
   that waits 2 ms for a keep-alive client's next request) and waitress, each with 16
   threads, at 1 and 8 keep-alive clients.
2. **Before/after**: the reactor hello worker through the emulator's full stack (error
   trap, API/dispatcher split, seed dispatcher, wasm), served by werkzeug's development
   server as ``EmulatorServer`` did before ("before"), by today's ``EmulatorServer`` with
   its requests' turns off (``ServerLimits(turn_wait=0)``, "no turns") and as shipped
   ("after"), at 1, 2 and 8 keep-alive clients, with the after/before and after/no-turns
   ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

# This file is named like the standard library's ``http`` package: take its directory off
# the path before anything imports ``http.server`` or ``http.client`` (werkzeug, below).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

HERE = Path(__file__).resolve().parent
WORKERS = HERE.parent / "tests" / "workers"


def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]


def serve_werkzeug(app) -> tuple[int, Callable[[], None]]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):  # EmulatorServer's handler logged nothing without a stream
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return server.server_port, stop


def serve_cheroot(app) -> tuple[int, Callable[[], None]]:
    from cheroot import wsgi

    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=16, max=16)
    server.prepare()
    threading.Thread(target=server.serve, daemon=True).start()
    return server.bind_addr[1], server.stop


def serve_ours(app) -> tuple[int, Callable[[], None]]:
    """cheroot as ``EmulatorServer`` runs it (``dispatch_emu._serving``: watchdog, keep-alive linger)."""
    from dispatch_emu._serving import HttpServer

    server = HttpServer(app, "127.0.0.1", 0)
    server.start()
    return server.port, server.stop


def serve_waitress(app) -> tuple[int, Callable[[], None]] | None:
    try:
        import waitress
    except ImportError:
        return None
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    return server.effective_port, server.close


def load(port: int, clients: int, seconds: float, host: str) -> float:
    """Requests per second of ``clients`` keep-alive clients for ``seconds``."""
    out = subprocess.run(
        [sys.executable, str(HERE / "_load.py"), "127.0.0.1", str(port), str(clients), str(seconds), host],
        capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(out)
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} failed requests on port {port}")
    return result["requests"] / result["seconds"]


def measure(ports: dict[str, int], counts: tuple[int, ...], seconds: float, rounds: int,
            host: str) -> dict[tuple[str, int], float]:
    samples: dict[tuple[str, int], list[float]] = {(n, c): [] for n in ports for c in counts}
    for port in ports.values():  # warm up: instance pools, caches, thread pools
        load(port, max(counts), 0.3, host)
    for _ in range(rounds):
        for clients in counts:
            for name, port in ports.items():
                samples[(name, clients)].append(load(port, clients, seconds, host))
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import dispatch_emu
    from dispatch_emu import Emulator
    from dispatch_emu.server import CombinedApp, EmulatorServer, ServerLimits, _ErrorTrap

    print(f"dispatch_emu HTTP benchmark ({Path(dispatch_emu.__file__).parent.parent}) — Python {sys.version.split()[0]}, werkzeug {version('werkzeug')},"
          f" cheroot {version('cheroot')}", end="")
    stops: list[Callable[[], None]] = []

    print("\n\n1. the server alone: a trivial WSGI app, req/s (median of rounds)")
    servers = {"werkzeug dev": serve_werkzeug(hello_app), "cheroot": serve_cheroot(hello_app),
               "_serving.py": serve_ours(hello_app)}
    waitress = serve_waitress(hello_app)
    if waitress is not None:
        print(f"   (waitress {version('waitress')})")
        servers["waitress"] = waitress
    stops += [stop for _, stop in servers.values()]
    counts = (1, 8)
    alone = measure({n: p for n, (p, _) in servers.items()}, counts, args.seconds, args.rounds, "localhost")
    print("   server          " + "".join(f"{c:>3} client{'s' if c > 1 else ' '}" for c in counts))
    for name in servers:
        print(f"   {name:<15} " + "".join(f"{alone[(name, c)]:11.0f}" for c in counts))

    # Part 1's servers stop before part 2: a served emulator does not share its process
    # with them (whether their idle threads lower the 8-client figure is not settled:
    # see docs/performance.md).
    for stop in stops:
        stop()
    stops = []

    print("\n2. reactor hello through the emulator's whole stack, req/s (median of rounds)")
    emulator = Emulator(load_entrypoints=False)
    emulator.namespace("bench").put_script("hello", wasm=(WORKERS / "reactor" / "hello.wasm").read_bytes())
    dispatcher = emulator.dispatcher("bench")
    before_port, before_stop = serve_werkzeug(_ErrorTrap(CombinedApp(emulator.api, dispatcher)))
    unturned = EmulatorServer(emulator, port=0, dispatcher=dispatcher, limits=ServerLimits(turn_wait=0)).start()
    after = EmulatorServer(emulator, port=0, dispatcher=dispatcher).start()
    stops += [before_stop, unturned.stop, after.stop]
    counts = (1, 2, 8)
    ports = {"before": before_port, "no turns": unturned.bound_port, "after": after.bound_port}
    stack = measure(ports, counts, args.seconds, args.rounds, "hello.example.com")
    print("   clients   before (werkzeug dev)   no turns   after (EmulatorServer)   after/before   after/no turns")
    for c in counts:
        b, u, a = stack[("before", c)], stack[("no turns", c)], stack[("after", c)]
        print(f"   {c:>7} {b:23.0f} {u:10.0f} {a:24.0f} {a / b:14.2f}x {a / u:16.2f}x")
    for stop in stops:
        stop()
    emulator.close()


if __name__ == "__main__":
    main()
