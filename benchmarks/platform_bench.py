"""Platform benchmark: the seed's JavaScript dispatcher against the built-in Python one.

Run: ``python benchmarks/platform_bench.py`` (not ``platform.py``: that name would shadow the
standard library's ``platform`` module). One request to a JavaScript user worker
(``tests/workers/js/hello.js``) in the namespace ``customers``, routed by subdomain:

* through the seed's JavaScript dispatcher (``tests/examples/platform/dispatcher``, the
  entry Worker: ``emu.app(entry="platform")``), which calls the user worker through its
  ``dispatch_namespace`` binding (a nested QuickJS run);
* through the built-in Python dispatcher (the seed transliterated, ``emu.dispatcher()``).

Each both in process (raw WSGI calls) and over HTTP (a live ``EmulatorServer`` on
loopback, one keep-alive ``httpx`` client). Prints medians of interleaved rounds
(``_timing.interleaved``) and the JavaScript/Python ratios, measured side by side here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
from _timing import call_wsgi, environ, interleaved, us

from dispatch_emu import Emulator
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ModuleSource

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ROOT / "tests" / "examples" / "platform"
HELLO = b"Hello from a JavaScript worker!\n"


def main() -> None:
    print(f"dispatch_emu platform benchmark — Python {sys.version.split()[0]}")
    emu = Emulator(load_entrypoints=False)
    emu.namespace("customers").put_script(
        "hello",
        modules=[ModuleSource("index.js", "application/javascript+module",
                              (ROOT / "tests" / "workers" / "js" / "hello.js").read_bytes())],
    )
    emu.deploy(PLATFORM / "dispatcher")  # the seed's index.js, bound to 'customers'
    js_app = emu.app(entry="platform")
    py_app = emu.app(emu.dispatcher("customers"))
    env = environ("hello", "/")
    assert call_wsgi(js_app, env) == call_wsgi(py_app, env) == HELLO

    print("\nin process (raw WSGI calls)")
    t = interleaved({"js": lambda: call_wsgi(js_app, env), "py": lambda: call_wsgi(py_app, env)}, n=40)
    print(f"   seed's JS dispatcher → JS worker   {us(t['js'])}  {1 / t['js']:8.0f}/s")
    print(f"   built-in Python dispatcher → JS    {us(t['py'])}  {1 / t['py']:8.0f}/s")
    print(f"   JS / Python dispatcher             {t['js'] / t['py']:8.2f}x")

    with EmulatorServer(emu, port=0, dispatcher=emu.entry("platform")) as js_server, \
            EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("customers")) as py_server, \
            httpx.Client() as client:
        headers = {"Host": "hello.example.com"}

        def over(url: str) -> bytes:
            response = client.get(f"{url}/", headers=headers)
            assert response.status_code == 200
            return response.content

        assert over(js_server.url) == over(py_server.url) == HELLO
        print("\nover HTTP (loopback, keep-alive client)")
        h = interleaved({"js": lambda: over(js_server.url), "py": lambda: over(py_server.url)}, n=40)
        print(f"   seed's JS dispatcher → JS worker   {us(h['js'])}  {1 / h['js']:8.0f}/s")
        print(f"   built-in Python dispatcher → JS    {us(h['py'])}  {1 / h['py']:8.0f}/s")
        print(f"   JS / Python dispatcher             {h['js'] / h['py']:8.2f}x")
        print(f"   HTTP / in process (JS dispatcher)  {h['js'] / t['js']:8.2f}x")
    emu.close()


if __name__ == "__main__":
    main()
