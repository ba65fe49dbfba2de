"""Benchmark of the REST API app, in process (no sockets).

Run it from the repository root::

    PYTHONPATH=. python benchmarks/api.py [--quick]

It prints, as medians over several repeats:

* operations per second through the WSGI app (raw WSGI calls, each a full request:
  routing, parsing, store, JSON) for create namespace, upload, get, list and delete;
* the time of one list page of 1,000 scripts in a namespace of 1,000 scripts and in one
  of 100,000 (first page and a page from the middle), and their ratio (target <= 2);
* the resident memory added by 100,000 scripts sharing one module (target <= 300 MB).
  Those scripts are seeded through the store directly, since 100,000 API uploads would
  only measure upload speed for minutes; the API upload throughput is printed above.

``--quick`` shrinks the big namespace to 20,000 scripts and the repeats, for a smoke run.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import rss_bytes  # noqa: E402

from dispatch_emu.api import ApiApp
from dispatch_emu.store import ModuleSource, NamespaceStore, ScriptUpload

ACCOUNT = "bench"
BASE = f"/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces"
MODULE = b'export default { async fetch(request) { return new Response("hello"); } };\n' * 20


def settled_rss() -> int:
    gc.collect()
    return rss_bytes()


class Wsgi:
    """Calls the app the way a server would, minus the socket."""

    def __init__(self, app: ApiApp) -> None:
        self.app = app

    def __call__(self, method: str, path: str, body: bytes = b"", content_type: str = "", query: dict | None = None) -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": urlencode(query or {}),
            "SERVER_NAME": "emulator",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
        }
        status: list[str] = []
        chunks = self.app(environ, lambda s, h, e=None: status.append(s))
        data = b"".join(chunks)
        return int(status[0].split()[0]), data


def sdk_style_upload() -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    metadata = json.dumps({"main_module": "index.js", "compatibility_date": "2024-09-23", "tags": ["bench"]})
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="index.js"\r\n'
        f"Content-Type: application/javascript+module\r\n\r\n"
    ).encode() + MODULE + (
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
        f"Content-Type: application/json\r\n\r\n{metadata}\r\n--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


def rate(count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def bench_operations(repeats: int, n: int) -> dict[str, float]:
    results: dict[str, list[float]] = {k: [] for k in ("create namespace", "upload", "get", "list", "delete")}
    body, content_type = sdk_style_upload()
    for _ in range(repeats):
        one_round(results, Wsgi(ApiApp(NamespaceStore())), body, content_type, n)
    return {name: statistics.median(values) for name, values in results.items()}


def one_round(results: dict[str, list[float]], call: Wsgi, body: bytes, content_type: str, n: int) -> None:
    """One measurement of each operation, on a fresh store, appended to ``results``."""

    def create() -> None:
        for i in range(n):
            assert call("POST", BASE, json.dumps({"name": f"ns-{i}"}).encode(), "application/json")[0] == 200

    def upload() -> None:
        for i in range(n):
            assert call("PUT", f"{BASE}/ns-0/scripts/w{i:06d}", body, content_type)[0] == 200

    def get() -> None:
        for i in range(n):
            assert call("GET", f"{BASE}/ns-0/scripts/w{i:06d}")[0] == 200

    def list_pages() -> None:
        for _ in range(n // 50):
            assert call("GET", f"{BASE}/ns-0/scripts", query={"limit": 50})[0] == 200

    def delete() -> None:
        for i in range(n):
            assert call("DELETE", f"{BASE}/ns-0/scripts/w{i:06d}")[0] == 200

    results["create namespace"].append(rate(n, create))
    results["upload"].append(rate(n, upload))
    results["get"].append(rate(n, get))
    results["list"].append(rate(n // 50, list_pages))
    results["delete"].append(rate(n, delete))


def seed(store: NamespaceStore, namespace: str, count: int) -> None:
    store.create_namespace(ACCOUNT, namespace)
    module = [ModuleSource("index.js", "application/javascript+module", MODULE)]
    metadata = {"main_module": "index.js", "compatibility_date": "2024-09-23", "tags": ["bench"]}
    for i in range(count):
        store.put_script(ACCOUNT, namespace, f"w{i:07d}", ScriptUpload(module, dict(metadata)))


def page_time(call: Wsgi, namespace: str, repeats: int, cursor: str = "") -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        status, data = call("GET", f"{BASE}/{namespace}/scripts", query={"limit": 1000, "cursor": cursor})
        times.append(time.perf_counter() - start)
        assert status == 200 and json.loads(data)["result_info"]["count"] == 1000
    return statistics.median(times)


def middle_cursor(call: Wsgi, namespace: str, pages: int) -> str:
    cursor = ""
    for _ in range(pages):
        _, data = call("GET", f"{BASE}/{namespace}/scripts", query={"limit": 1000, "cursor": cursor})
        cursor = json.loads(data)["result_info"]["cursor"]
    return cursor


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 scripts and fewer repeats")
    args = parser.parse_args(argv)
    big = 20_000 if args.quick else 100_000
    repeats = 3 if args.quick else 5
    n = 200 if args.quick else 500

    print(f"dispatch_emu API benchmark (in process, raw WSGI calls; medians of {repeats} runs)")
    ops = bench_operations(repeats, n)
    print(f"\noperations per second ({n} requests per run; list = pages of 50):")
    for name, value in ops.items():
        print(f"  {name:<17} {value:>9,.0f} /s")
    print(f"  (API upload throughput: {ops['upload']:,.0f} uploads/s, {ops['upload'] * len(MODULE) / 2**20:,.1f} MiB/s of modules)")

    # memory: scripts seeded through the store, sharing one module
    store = NamespaceStore()
    before = settled_rss()
    start = time.perf_counter()
    seed(store, "big", big)
    seed_seconds = time.perf_counter() - start
    added = settled_rss() - before
    per_script = added / big
    projected = per_script * 100_000 / 2**20
    print(f"\nmemory: {big:,} scripts sharing one module, seeded through the store in {seed_seconds:.1f} s")
    print(f"  (seeded directly: {big:,} API uploads at {ops['upload']:,.0f}/s would take {big / ops['upload']:.0f} s)")
    print(f"  RSS added: {added / 2**20:,.1f} MB ({per_script:,.0f} bytes per script; "
          f"{projected:,.1f} MB per 100,000; target <= 300 MB) blobs held: {store.blob_count}")

    store.create_namespace(ACCOUNT, "small")
    small_store_ns = "small"
    for i in range(1000):
        store.put_script(ACCOUNT, small_store_ns, f"w{i:07d}", ScriptUpload(
            [ModuleSource("index.js", "application/javascript+module", MODULE)], {"main_module": "index.js"}))
    call = Wsgi(ApiApp(store))
    page_repeats = 7 if args.quick else 15
    small = page_time(call, "small", page_repeats)
    big_first = page_time(call, "big", page_repeats)
    big_middle = page_time(call, "big", page_repeats, middle_cursor(call, "big", big // 2000))
    worst = max(big_first, big_middle)
    print("\nlist page of 1000 (GET .../scripts?limit=1000, median):")
    print(f"  namespace of 1,000:       {small * 1000:7.2f} ms")
    print(f"  namespace of {big:,}: {big_first * 1000:7.2f} ms first page, {big_middle * 1000:.2f} ms middle page")
    print(f"  ratio big/small:          {worst / small:7.2f}  (target <= 2)")
    return {"ops": ops, "rss_mb": added / 2**20, "ratio": worst / small, "small_ms": small * 1000, "big_ms": worst * 1000}


if __name__ == "__main__":
    main()
