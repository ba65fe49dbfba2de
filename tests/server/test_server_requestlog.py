"""The server shows what happened, as ``wrangler dev`` does: a line per request with the
worker and its outcome, console lines, the cause of a failure, a failing dispatcher's
traceback; JSON lines for machines; a logs endpoint to follow; banner hints that work."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from dispatch_emu._cli import banner, build_parser
from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import WorkerError
from dispatch_emu.programs import worker_program
from dispatch_emu.server import EmulatorServer
from dispatch_emu.testing import seed

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "workers"
SHOP = worker_program("respond", body=b"shop", logs=["loading cart"])
TRAP = worker_program("trap", logs=["charging card"])


def fail(request, env):
    if request.path == "/crash":
        raise KeyError("X-Customer")
    try:
        return env.dispatcher.get(env.route(request)).fetch(request)
    except WorkerError as error:
        return env.render_error(error, request)


@pytest.fixture(scope="module")
def emulator():
    with Emulator(load_entrypoints=False) as emu:
        yield emu


def run_server(emulator: Emulator, *, log_format: str = "text", fetch=None):
    emulator.reset()
    seed(emulator, {"shop": SHOP.wasm, "broken": TRAP.wasm, "greeter": EXAMPLES / "greeter"})
    stream = io.StringIO()
    dispatcher = emulator.dispatcher(fetch=fetch) if fetch else emulator.dispatcher()
    return EmulatorServer(emulator, dispatcher=dispatcher, log_stream=stream, log_format=log_format), stream


def get(url: str, host: str, path: str = "/") -> httpx.Response:
    return httpx.get(url + path, headers={"Host": host})


def test_one_line_per_request_with_worker_outcome_logs_and_cause(emulator):
    server, stream = run_server(emulator, fetch=fail)
    with server:
        assert get(server.url, "shop.localhost", "/cart?x=1").status_code == 200
        assert get(server.url, "ghost.localhost").status_code == 404
        assert get(server.url, "broken.localhost").status_code == 500
        assert get(server.url, "greeter.localhost", "/boom").status_code == 500
        assert get(server.url, "shop.localhost", "/crash").status_code == 500
        httpx.get(server.url + "/client/v4/accounts/demo-account/workers/dispatch/namespaces")
    text = stream.getvalue()
    lines = text.splitlines()
    assert lines[0].startswith("GET shop.localhost/cart?x=1 → shop 200 (")
    assert lines[1] == "  [error] shop: loading cart"  # a wasm worker's stderr is at level error
    assert any(line.startswith("GET ghost.localhost/ → ghost 404 not found (") for line in lines)
    assert "GET broken.localhost/ → broken 500 Worker threw exception: wasm trap" in text
    assert "  [error] broken: charging card" in text
    assert "  trap code: TrapCode.UNREACHABLE" in text
    # the JavaScript worker: its console line and the stack of its exception
    assert "GET greeter.localhost/boom → greeter 500 Worker threw exception: Error: no greeting for /boom" in text
    assert "  [log] greeter: greeting /boom" in text
    assert "index.js" in text.split("greeter 500", 1)[1].split("\nGET", 1)[0]
    # the platform's own Python dispatcher failed: Cloudflare's 1101, and its traceback
    assert "GET shop.localhost/crash → (no worker called) 500 dispatcher failed: Worker threw exception: KeyError" in text
    assert "Traceback (most recent call last):" in text and "raise KeyError(\"X-Customer\")" in text
    assert lines[-1].startswith("GET /client/v4/accounts/demo-account/workers/dispatch/namespaces 200 (")


def test_json_lines_for_machines(emulator):
    server, stream = run_server(emulator, log_format="json")
    with server:
        get(server.url, "shop.localhost")
        get(server.url, "ghost.localhost")
        get(server.url, "broken.localhost")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["status"], e["dispatches"][0]["worker"], e["dispatches"][0]["outcome"]) for e in entries] == [
        (200, "shop", "answered"), (404, "ghost", "not found"), (500, "broken", "failed")]
    assert entries[0]["logs"][0]["line"] == "loading cart" and entries[0]["logs"][0]["level"] == "error"
    assert entries[2]["dispatches"][0]["trap_code"] == "TrapCode.UNREACHABLE"
    assert entries[0]["kind"] == "dispatch" and entries[0]["namespace"] == "demo"


def test_the_logs_endpoint_filters_and_follows(emulator):
    server, stream = run_server(emulator)
    with server:
        logs_url = server.url + "/__dispatch_emu/logs"
        first = httpx.get(logs_url).json()["result"]
        get(server.url, "shop.localhost")
        get(server.url, "broken.localhost")
        page = httpx.get(logs_url, params={"since": first["next"]}).json()["result"]
        assert [r["line"] for r in page["logs"]] == ["loading cart", "charging card"]
        assert [r["dispatches"][0]["outcome"] for r in page["requests"]] == ["answered", "failed"]
        only = httpx.get(logs_url, params={"worker": "broken", "since": first["next"]}).json()["result"]
        assert [r["line"] for r in only["logs"]] == ["charging card"]
        assert [r["path"] for r in only["requests"]] == ["/"] and only["requests"][0]["status"] == 500
        assert httpx.get(logs_url, params={"since": page["next"]}).json()["result"]["logs"] == []

        # wait= holds the answer until something new arrives: a terminal or a test can follow
        later = threading.Timer(0.3, lambda: get(server.url, "shop.localhost"))
        later.start()
        started = time.monotonic()
        followed = httpx.get(logs_url, params={"since": page["next"], "wait": 10}, timeout=20).json()["result"]
        later.join()
        assert time.monotonic() - started < 5
        assert [r["line"] for r in followed["logs"]] == ["loading cart"]
        bad = httpx.get(logs_url, params={"since": "soon"})
        assert bad.status_code == 400 and "since must be a number" in bad.text
    assert "/__dispatch_emu/logs" not in stream.getvalue()  # following the logs does not fill them


def args_for(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_banner_hints_follow_routing_token_and_entry():
    url = "http://127.0.0.1:8787"
    assert "curl http://hello.localhost:8787/" in banner(url, args_for(), 8787)
    header = banner(url, args_for("--routing", "header:X-Tenant"), 8787)
    assert "curl -H 'X-Tenant: hello' http://127.0.0.1:8787/" in header and "hello.localhost" not in header
    assert "curl http://127.0.0.1:8787/hello/" in banner(url, args_for("--routing", "path"), 8787)
    token = banner(url, args_for("--token", "s3cret", "--namespace", "customers"), 8787)
    assert ("curl -H 'Authorization: Bearer s3cret' http://127.0.0.1:8787/client/v4/accounts/demo-account/"
            "workers/dispatch/namespaces/customers/scripts") in token
    entry = banner(url, args_for("--entry", "platform"), 8787)
    assert "requests go to the entry Worker 'platform'" in entry
    assert "curl http://127.0.0.1:8787/   # the entry worker platform decides where a request goes" in entry
    assert "hello.localhost" not in entry
    assert "dispatch-emu tail --url http://127.0.0.1:8787" in banner(url, args_for(), 8787)


def test_banner_hints_work_as_printed(emulator):
    """Each printed curl, run as printed, gets the demo worker's answer."""
    server, _ = run_server(emulator)
    emulator.namespace().put_script("hello", wasm=SHOP.wasm)
    with server:
        for routing in ("subdomain", "header:X-Tenant", "path"):
            server.dispatcher.routing = server.dispatcher.env.routing = _routing(routing)
            for line in banner(server.url, args_for("--routing", routing), server.port).splitlines():
                line = line.strip()
                if line.startswith("curl") and "client/v4" not in line and "__dispatch_emu" not in line:
                    assert _curl(line).text == "shop", (routing, line)


def _routing(spec):
    from dispatch_emu.dispatch.routing import routing_from_spec

    return routing_from_spec(spec)


def _curl(line: str) -> httpx.Response:
    import shlex

    words = shlex.split(line.split("#")[0])[1:]
    headers = {}
    while words[0] == "-H":
        name, _, value = words[1].partition(": ")
        headers[name] = value
        words = words[2:]
    url = httpx.URL(words[0])
    if url.host.endswith("localhost") and url.host != "localhost":
        headers.setdefault("Host", f"{url.host}:{url.port}")
        url = url.copy_with(host="127.0.0.1")
    return httpx.get(url, headers=headers)


# ----------------------------------------------------------------------- the command line


def console_script() -> str:
    script = Path(sys.executable).with_name("dispatch-emu")
    if not script.exists():
        pytest.skip("the dispatch-emu console script is not installed next to this Python")
    return str(script)


def test_cli_imports_the_dispatcher_from_the_current_folder_and_logs_its_traceback(tmp_path: Path):
    (tmp_path / "my_platform.py").write_text(textwrap.dedent("""
        def fetch(request, env):
            customer = request.headers["X-Customer"]   # KeyError when it is missing
            return env.dispatcher.get(customer).fetch(request)
    """))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen([console_script(), "serve", "--port", "0", "--dispatcher", "my_platform:fetch"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while not any("serving on" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        url = next(line for line in lines if "serving on" in line).split()[-1]
        assert httpx.get(url + "/", headers={"X-Customer": "hello"}).status_code == 200
        assert httpx.get(url + "/").status_code == 500
        while not any("Traceback" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = "".join(lines)
    assert "GET 127.0.0.1" in text and "→ hello 200" in text
    assert "→ (no worker called) 500 dispatcher failed: Worker threw exception: KeyError" in text
    assert "my_platform.py" in text and 'customer = request.headers["X-Customer"]' in text


def test_cli_quiet_prints_no_request_lines():
    out = io.StringIO()
    from dispatch_emu import _cli as cli

    args = args_for("--quiet", "--port", "0")
    emulator = cli.make_emulator(args)
    server = EmulatorServer(emulator, port=0, log_stream=None if args.quiet else out)
    with server:
        httpx.get(server.url + "/", headers={"Host": "hello.localhost"})
    assert out.getvalue() == ""
    assert args_for("--log-format", "json").log_format == "json"


def test_dispatch_emu_tail_prints_requests_and_follows(emulator):
    from dispatch_emu._cli import main

    server, _ = run_server(emulator)
    with server:
        get(server.url, "broken.localhost")
        out = io.StringIO()
        assert main(["tail", "--url", server.url, "--once", "--since", "0"], out=out) == 0
        assert "GET broken.localhost/ → broken 500 Worker threw exception" in out.getvalue()
        assert "  [error] broken: charging card" in out.getvalue()
        assert "  trap code: TrapCode.UNREACHABLE" in out.getvalue()

        followed = io.StringIO()  # from now on: the earlier request is not printed again
        threading.Thread(target=main, args=(["tail", "--url", server.url, "--worker", "shop"],),
                         kwargs={"out": followed}, daemon=True).start()
        deadline = time.monotonic() + 20
        while "shop" not in followed.getvalue() and time.monotonic() < deadline:
            get(server.url, "shop.localhost")
            time.sleep(0.2)
        assert followed.getvalue().startswith("GET shop.localhost/ → shop 200 (")
        assert "broken" not in followed.getvalue()
        gone = server.url
    assert main(["tail", "--url", gone, "--once"], out=io.StringIO()) == 1  # the server is gone
