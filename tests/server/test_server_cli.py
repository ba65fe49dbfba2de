"""``dispatch-emu serve`` as a newcomer runs it: a subprocess, a printed URL, curl-like calls."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(*args: str, cwd: Path = ROOT, extra_path: str = "") -> Iterator[tuple[str, list[str]]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), extra_path, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    banner: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            banner.append(line.rstrip("\n"))
            if line.startswith("  namespace:"):
                break
        url = banner[0].rsplit(" ", 1)[1] if banner and "serving on" in banner[0] else ""
        assert url, "no URL printed:\n" + "\n".join(banner)
        yield url, banner
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_prints_the_url_and_the_demo_answers() -> None:
    with serving() as (url, banner):
        assert url.startswith("http://127.0.0.1:")
        assert any("account:   demo-account" in line for line in banner)
        port = url.rsplit(":", 1)[1]
        hello = httpx.get(f"{url}/", headers={"Host": "hello.example.com"})
        assert hello.status_code == 200 and hello.text.startswith("Hello from dispatch_emu! Worker hello")
        also = httpx.get(f"{url}/", headers={"Host": f"hello.localhost:{port}"})
        assert also.status_code == 200
        listing = httpx.get(f"{url}/client/v4/accounts/demo-account/workers/dispatch/namespaces/demo/scripts")
        assert [s["script"]["id"] for s in listing.json()["result"]] == ["hello"]
        assert httpx.get(f"{url}/", headers={"Host": "nobody.example.com"}).status_code == 404


def test_serve_binds_the_named_account_and_namespace_with_header_routing() -> None:
    with serving("--account", "acme", "--namespace", "tenants", "--routing", "header:X-Tenant") as (url, _):
        namespaces = httpx.get(f"{url}/client/v4/accounts/acme/workers/dispatch/namespaces").json()
        assert [n["namespace_name"] for n in namespaces["result"]] == ["tenants"]
        assert httpx.get(f"{url}/", headers={"X-Tenant": "hello"}).status_code == 200
        assert httpx.get(f"{url}/", headers={"Host": "hello.example.com"}).status_code == 404


def test_serve_with_a_custom_dispatcher_function(tmp_path: Path) -> None:
    (tmp_path / "my_platform.py").write_text(textwrap.dedent("""
        from werkzeug import Response

        def fetch(request, env):
            if request.path == "/health":
                return Response("platform ok")
            return env.dispatcher.get("hello").fetch(request)
    """))
    with serving("--dispatcher", "my_platform:fetch", extra_path=str(tmp_path)) as (url, _):
        assert httpx.get(f"{url}/health").text == "platform ok"
        assert httpx.get(f"{url}/x").text.startswith("Hello from dispatch_emu!")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--routing", "telepathy"], "unknown routing"),
        (["--dispatcher", "nowhere"], "expected module:function"),
        (["--entry", "platform", "--outbound", "egress"], "--entry replaces the built-in dispatcher"),
        (["--entry", "Bad Name"], "is invalid"),
        (["--outbound", "Bad Name"], "is invalid"),
    ],
)
def test_bad_options_exit_with_a_clear_message(args: list[str], message: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr


SLOW = 60  # seconds: a JavaScript upload is checked by running it, slow on a loaded machine

OUTBOUND_JS = b"""export default {
  async fetch(request, env) {
    return Response.json({ seen: request.url, method: request.method, customer: env.customer ?? null });
  },
};
"""


def put_js(url: str, path: str, name: str, source: bytes) -> None:
    files = {"index.js": ("index.js", source, "application/javascript+module")}
    data = {"metadata": '{"main_module": "index.js"}'}
    response = httpx.put(f"{url}/client/v4/accounts/demo-account/workers/{path}/{name}", files=files, data=data, timeout=SLOW)
    assert response.status_code == 200, response.text


def test_serve_with_an_outbound_worker_and_params(tmp_path: Path) -> None:
    (tmp_path / "my_outbound_platform.py").write_text(textwrap.dedent("""
        def fetch(request, env):
            name = request.host.split(".")[0]
            return env.dispatcher.get(name, options={"outbound": {"customer": name}}).fetch(request)
    """))
    args = ("--outbound", "egress", "--outbound-param", "customer", "--dispatcher", "my_outbound_platform:fetch")
    with serving(*args, extra_path=str(tmp_path)) as (url, banner):
        put_js(url, "scripts", "egress", OUTBOUND_JS)  # a regular Worker of the account
        subrequests = (ROOT / "tests/workers/js/subrequests.js").read_bytes()
        put_js(url, "dispatch/namespaces/demo/scripts", "acme", subrequests)
        response = httpx.get(f"{url}/", headers={"Host": "acme.example.com"}, timeout=SLOW)
        assert response.status_code == 200, response.text
        [answer] = response.json()
        assert answer["status"] == 200
        assert httpx.Response(200, text=answer["text"]).json() == {
            "seen": "https://upstream.example.com/item/0", "method": "POST", "customer": "acme",
        }


def test_serve_outbound_with_the_seed_dispatcher_and_a_missing_outbound_worker() -> None:
    with serving("--outbound", "egress") as (url, _):
        subrequests = (ROOT / "tests/workers/js/subrequests.js").read_bytes()
        put_js(url, "dispatch/namespaces/demo/scripts", "acme", subrequests)
        missing = httpx.get(f"{url}/?catch=1", headers={"Host": "acme.example.com"}, timeout=SLOW)
        assert missing.status_code == 200
        assert "Worker not found" in missing.json()[0]["error"]
        put_js(url, "scripts", "egress", OUTBOUND_JS)
        found = httpx.get(f"{url}/", headers={"Host": "acme.example.com"}, timeout=SLOW)
        assert '"customer":null' in found.json()[0]["text"]


def test_outbound_param_without_outbound_is_refused() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--outbound-param", "customer"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "--outbound-param needs --outbound WORKER" in result.stderr


def test_serve_with_an_entry_worker() -> None:
    with serving("--entry", "platform", "--namespace", "customers", "--no-demo") as (url, banner):
        assert any("entry Worker 'platform'" in line for line in banner)
        waiting = httpx.get(f"{url}/", headers={"Host": "shop.example.com"}, timeout=SLOW)
        assert waiting.status_code == 503 and "'platform'" in waiting.text
        seed = (ROOT / "tests/examples/platform/dispatcher/src/index.js").read_bytes()
        files = {"index.js": ("index.js", seed, "application/javascript+module")}
        binding = '{"name": "dispatcher", "type": "dispatch_namespace", "namespace": "customers"}'
        data = {"metadata": '{"main_module": "index.js", "bindings": [' + binding + "]}"}
        response = httpx.put(f"{url}/client/v4/accounts/demo-account/workers/scripts/platform", files=files, data=data, timeout=SLOW)
        assert response.status_code == 200, response.text
        put_js(url, "dispatch/namespaces/customers/scripts", "shop",
               b'export default { fetch() { return new Response("shop here"); } };')
        assert httpx.get(f"{url}/", headers={"Host": "shop.example.com"}, timeout=SLOW).text == "shop here"
        missing = httpx.get(f"{url}/", headers={"Host": "nobody.example.com"}, timeout=SLOW)
        assert missing.status_code == 404 and missing.content == b""
