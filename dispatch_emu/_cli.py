"""The command line: ``dispatch-emu serve`` (also ``python -m dispatch_emu serve``).

``serve`` runs the REST API and a dispatcher on one loopback port, seeded with a demo
namespace and worker so that a first ``curl`` works::

    dispatch-emu serve --port 8787
    curl http://hello.localhost:8787/                        # the demo worker
    curl -H 'Host: hello.example.com' http://127.0.0.1:8787/ # the same, by Host header
    curl http://127.0.0.1:8787/client/v4/accounts/demo-account/workers/dispatch/namespaces

Options name the account and namespace the dispatcher is bound to (created when
missing), the routing (``subdomain``, ``header:NAME``, ``path``, ``lookup:FILE.json``),
your own dispatcher function (``module:function``), or ``--entry NAME``: your own dispatch
Worker (a regular Worker of the account, e.g. the seed's JavaScript deployed with a plain
``wrangler deploy``) answers every request outside the API instead, 503 until it exists;
an outbound Worker (``--outbound
WORKER --outbound-param NAME``: a regular Worker of the account, deployed with a plain
``wrangler deploy``, that every ``fetch()`` of a user worker goes through), a required API token, and the
workers' default budgets. ``--port 0`` picks a free port; the URL is printed either way.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from dispatch_emu._version import __version__
from dispatch_emu.emulator import DEFAULT_ACCOUNT, DEMO_NAMESPACE, Emulator
from dispatch_emu.errors import DispatchEmuError

DEMO_WORKER = "hello"


def load_function(spec: str) -> Any:
    """``package.module:function`` → the function; modules of the current folder are found too.

    Like uvicorn and gunicorn, the current working directory is searched first, so
    ``dispatch-emu serve --dispatcher mydispatcher:fetch`` finds ``./mydispatcher.py``.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected module:function")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot load {spec!r}: {exc}") from None
    if not callable(target):
        raise argparse.ArgumentTypeError(f"{spec!r} is not callable")
    return target


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch-emu", description="A local emulator of Cloudflare Workers for Platforms."
    )
    parser.add_argument("--version", action="version", version=f"dispatch-emu {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the REST API and a dispatcher on one port")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=int, default=8787, help="port; 0 picks a free one (default 8787)")
    serve.add_argument("--account", default=DEFAULT_ACCOUNT, help="account the dispatcher is bound to")
    serve.add_argument("--namespace", default=DEMO_NAMESPACE, help="namespace the dispatcher is bound to")
    serve.add_argument("--routing", default="subdomain",
                       help="subdomain | header:NAME | path | lookup:FILE.json (default subdomain)")
    serve.add_argument("--dispatcher", type=load_function, default=None, metavar="MODULE:FUNCTION",
                       help="your fetch(request, env) function instead of the seed's")
    serve.add_argument("--entry", default=None, metavar="NAME",
                       help="send every request outside the API to the account's regular Worker NAME (your"
                            " own dispatch Worker, deployed with a plain `wrangler deploy`) instead of the"
                            " built-in dispatcher; 503 until it exists")
    serve.add_argument("--outbound", default=None, metavar="WORKER",
                       help="the account's regular Worker that every subrequest of a user worker goes through")
    serve.add_argument("--outbound-param", action="append", default=[], metavar="NAME",
                       help="a parameter the outbound worker gets in env (repeatable; set by the dispatcher"
                            " through get(name, args, {outbound: {NAME: value}}))")
    serve.add_argument("--no-demo", action="store_true", help="do not seed the demo worker")
    serve.add_argument("--token", default=None, help="require this API token (Bearer)")
    serve.add_argument("--cpu-ms", type=int, default=None, help="default CPU budget per request")
    serve.add_argument("--wall-ms", type=int, default=None, help="default wall-clock budget per request")
    serve.add_argument("--cache-dir", default=None, help="on-disk cache of compiled modules")
    serve.add_argument("--threads", type=int, default=16,
                       help="worker threads: requests served at once (default 16)")
    serve.add_argument("--idle-timeout", type=float, default=10.0, metavar="SECONDS",
                       help="close keep-alive connections idle this long; also bounds each body read (default 10)")
    serve.add_argument("--header-timeout", type=float, default=10.0, metavar="SECONDS",
                       help="time a client has to send the request line and headers (default 10)")
    serve.add_argument("--turn-wait", type=float, default=0.02, metavar="SECONDS",
                       help="longest a request waits for its turn at the interpreter before it runs"
                            " beside the one holding it; 0: no turns (default 0.02)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="a Host name the control endpoints answer to besides loopback ones and --host;"
                            " repeatable; '*' allows any")
    serve.add_argument("--quiet", action="store_true", help="do not log requests")
    serve.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="request log: one readable line per request (text) or one JSON object (json)")
    tail = commands.add_parser("tail", help="follow a running server's requests and worker logs")
    tail.add_argument("--url", default="http://127.0.0.1:8787", help="the server (default http://127.0.0.1:8787)")
    tail.add_argument("--worker", default=None, help="only the requests that called this worker")
    tail.add_argument("--since", type=int, default=None, help="start after this sequence number (default: now)")
    tail.add_argument("--once", action="store_true", help="print what is there and stop")
    tail.add_argument("--log-format", choices=("text", "json"), default="text")
    tail.add_argument("--token", default=None, help="the API token, when the server requires one")
    return parser


def make_emulator(args: argparse.Namespace) -> Emulator:
    from dispatch_emu.api import ApiConfig
    from dispatch_emu.runtime import RuntimeSettings

    if args.cache_dir is not None:
        from dispatch_emu.runtime._cache import DiskCache

        try:  # refuse an unsafe directory at start-up, not silently at the first compile
            DiskCache.open(args.cache_dir)
        except OSError as exc:
            raise ValueError(f"--cache-dir: {exc}") from None
    overrides = {
        key: value
        for key, value in (("cpu_ms", args.cpu_ms), ("wall_ms", args.wall_ms), ("cache_dir", args.cache_dir))
        if value is not None
    }
    return Emulator(
        runtime_settings=RuntimeSettings.from_env(**overrides),
        api_config=ApiConfig(required_token=args.token),
    )


def seed_demo(emulator: Emulator, account_id: str, namespace: str, *, demo: bool) -> None:
    handle = emulator.namespace(namespace, account_id=account_id)
    if demo and DEMO_WORKER not in handle:
        from dispatch_emu.demo import demo_worker_wasm

        handle.put_script(
            DEMO_WORKER,
            wasm=demo_worker_wasm(),
            bindings={"GREETING": "Hello from dispatch_emu"},
            tags=["demo"],
        )


def outbound_worker(args: argparse.Namespace) -> Any:
    """``--outbound WORKER --outbound-param NAME``: a regular Worker of the account, as the
    ``outbound`` of a ``[[dispatch_namespaces]]`` binding names one."""
    if args.outbound is None:
        if args.outbound_param:
            raise ValueError("--outbound-param needs --outbound WORKER")
        return None
    from dispatch_emu.dispatch import OutboundWorker
    from dispatch_emu.store import ACCOUNT_WORKERS, check_script_name

    check_script_name(args.outbound)
    return OutboundWorker(args.outbound, namespace=ACCOUNT_WORKERS, params=tuple(args.outbound_param))


def try_lines(url: str, args: argparse.Namespace, port: int) -> list[str]:
    """Example commands that work with these options: the routing, the token, the entry worker."""
    api = f"{url}/client/v4/accounts/{args.account}/workers/dispatch/namespaces"
    auth = f"-H 'Authorization: Bearer {args.token}' " if args.token else ""
    worker = DEMO_WORKER if not args.no_demo else "WORKER"
    routing = args.routing or "subdomain"
    kind, _, arg = routing.partition(":")
    if getattr(args, "entry", None):  # the platform's own entry worker answers first
        dispatch = [f"curl {url}/   # the entry worker {args.entry} decides where a request goes"]
    elif kind == "subdomain":
        host = "localhost" if args.host in ("127.0.0.1", "localhost", "::1") else args.host
        dispatch = [f"curl http://{worker}.{host}:{port}/",
                    f"curl -H 'Host: {worker}.example.com' {url}/"]
    elif kind == "header":
        dispatch = [f"curl -H '{arg or 'X-Worker-Name'}: {worker}' {url}/"]
    elif kind in ("path", "path_prefix"):
        dispatch = [f"curl {url}/{worker}/"]
    else:  # a lookup table: its keys are host names
        dispatch = [f"curl -H 'Host: KEY' {url}/   # a host name from {arg}"]
    return [*dispatch, f"curl {auth}{api}/{args.namespace}/scripts",
            f"dispatch-emu tail --url {url}   # follow requests and worker logs"]


def banner(url: str, args: argparse.Namespace, port: int) -> str:
    api = f"{url}/client/v4/accounts/{args.account}/workers/dispatch/namespaces"
    lines = [
        f"dispatch-emu {__version__} serving on {url}",
        f"  account:   {args.account}",
        f"  namespace: {args.namespace} (dispatcher routing: {args.routing})" if args.entry is None
        else f"  namespace: {args.namespace} (requests go to the entry Worker {args.entry!r})",
        f"  REST API:  {api}" + ("  (token required)" if args.token else ""),
    ]
    if args.outbound:
        params = f" (params: {', '.join(args.outbound_param)})" if args.outbound_param else ""
        lines.insert(3, f"  outbound:  {args.outbound}{params}, a regular Worker of the account")
    lines += ["try:", *(f"  {line}" for line in try_lines(url, args, port))]
    return "\n".join(lines)


def serve(args: argparse.Namespace, out: TextIO) -> int:
    from dispatch_emu._serving import ServerLimits
    from dispatch_emu.server import EmulatorServer

    limits = ServerLimits(threads=args.threads, idle_timeout=args.idle_timeout,
                          header_timeout=args.header_timeout, turn_wait=args.turn_wait)
    emulator = make_emulator(args)
    seed_demo(emulator, args.account, args.namespace, demo=not args.no_demo)
    dispatcher: Any
    if args.entry is not None:
        from dispatch_emu.store import check_script_name

        if args.dispatcher is not None or args.outbound is not None:
            raise ValueError("--entry replaces the built-in dispatcher: drop --dispatcher and --outbound"
                             " (the entry Worker's own bindings name its outbound)")
        check_script_name(args.entry)
        dispatcher = emulator.entry(args.entry, account_id=args.account)
    else:
        dispatcher = emulator.dispatcher(
            args.namespace, account_id=args.account, fetch=args.dispatcher, routing=args.routing,
            outbound=outbound_worker(args),
        )
    server = EmulatorServer(
        emulator, host=args.host, port=args.port, dispatcher=dispatcher,
        log_stream=None if args.quiet else out, log_format=args.log_format, limits=limits,
        allowed_hosts=args.allow_host,
    )
    server.start()
    print(banner(server.url, args, server.port), file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=out)
    finally:
        emulator.close()
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    if args.command == "serve":
        try:
            return serve(args, stream)
        except ValueError as exc:  # e.g. a bad --routing spec
            parser.error(str(exc))
        except DispatchEmuError as exc:  # e.g. an invalid --outbound worker name
            parser.error(str(exc))
    if args.command == "tail":
        from dispatch_emu._tail import follow

        try:
            follow(args.url, stream, worker=args.worker, since=args.since, once=args.once,
                   log_format=args.log_format, token=args.token)
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            print(f"dispatch-emu tail: cannot read {args.url}/__dispatch_emu/logs: {exc}", file=sys.stderr)
            return 1
        return 0
    return 2


__all__ = ["banner", "build_parser", "load_function", "main", "make_emulator", "seed_demo", "try_lines"]
