"""The HTTP edge: what a worker answers must fit HTTP/1.1, and requests meet Cloudflare's limits.

Every ABI's answer passes through one sanitiser (``dispatch_emu.dispatch._edge``): statuses
outside 200-599 and CR/LF/NUL in header names or values end in a clear 500 from the
runtime; hop-by-hop and framing headers are dropped. Checked in process for each ABI and
over a real socket, where a bad answer must not split or desynchronise the response.
"""

from __future__ import annotations

import socket

import httpx
import pytest
import wasmtime
from werkzeug.test import Client

from dispatch_emu import Emulator
from dispatch_emu.dispatch import Dispatcher
from dispatch_emu.dispatch._edge import EdgeLimits, sanitise_response
from dispatch_emu.errors import WorkerException
from dispatch_emu.server import EmulatorServer
from dispatch_emu.store import ModuleSource
from dispatch_emu.strategies import worker_program
from tests.server.sockets import connect

JS = "application/javascript+module"


def reactor(status: int, head: bytes, body: bytes = b"ok\n") -> bytes:
    """A reactor worker answering ``status`` with the raw header block ``head``."""
    def data(raw: bytes) -> str:
        return "".join(f"\\{b:02x}" for b in raw)

    at = (len(head) + 15) // 16 * 16
    pages = (at + len(body)) // 65536 + 1
    return wasmtime.wat2wasm(f"""
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") {pages})
  (data (i32.const 0) "{data(head)}")
  (data (i32.const {at}) "{data(body)}")
  (func (export "fetch")
    (call $head (i32.const {status}) (i32.const 0) (i32.const {len(head)}))
    (call $write (i32.const {at}) (i32.const {len(body)}))))""")


def wagi(status: int, headers: list[tuple[str, str]]) -> bytes:
    return worker_program("respond", status=status, headers=headers, body=b"ok\n").wasm


def js(status_expr: str = "200", headers: str = "{}", make: str | None = None) -> bytes:
    response = make or f'new Response("ok\\n", {{ status: {status_expr}, headers: {headers} }})'
    return f"export default {{ async fetch() {{ return {response}; }} }};\n".encode()


@pytest.fixture(scope="module")
def emu():
    with Emulator(load_entrypoints=False) as emulator:
        yield emulator


def put(emu: Emulator, name: str, code: bytes) -> None:
    ns = emu.namespace("edge")
    if code.startswith(b"\0asm"):
        ns.put_script(name, wasm=code)
    else:
        ns.put_script(name, modules=[ModuleSource("index.js", JS, code)], main_module="index.js")


def dispatch(emu: Emulator, name: str) -> tuple[int, bytes, dict[str, str]]:
    response = Client(emu.dispatcher("edge")).get("/", base_url=f"http://{name}.example.com")
    return response.status_code, response.get_data(), dict(response.headers)


BAD_ANSWERS = {
    # reactor: response_head takes any status 100-999; the edge holds it to 200-599
    "reactor-100": reactor(100, b"content-type: text/plain\n"),
    "reactor-101": reactor(101, b"content-type: text/plain\nupgrade: websocket\n"),
    "reactor-600": reactor(600, b"content-type: text/plain\n"),
    "reactor-999": reactor(999, b"content-type: text/plain\n"),
    "reactor-cr-in-name": reactor(200, b"content-type: text/plain\nx-a\rinjected: 1\n"),
    "reactor-nul-in-value": reactor(200, b"content-type: text/plain\nx-a: b\0c\n"),
    "reactor-cr-in-value": reactor(200, b"content-type: text/plain\nx-a: b\rinjected: 1\n"),
    "reactor-space-in-name": reactor(200, b"content-type: text/plain\nx a: b\n"),
    "wagi-100": wagi(100, [("content-type", "text/plain")]),
    "wagi-101": wagi(101, [("content-type", "text/plain")]),
    "wagi-199": wagi(199, [("content-type", "text/plain")]),
    "wagi-cr-in-value": wagi(200, [("content-type", "text/plain"), ("x-a", "b\rinjected: 1")]),
    "wagi-nul-in-value": wagi(200, [("content-type", "text/plain"), ("x-a", "b\0c")]),
}


@pytest.mark.parametrize("name", sorted(BAD_ANSWERS))
def test_answers_http_cannot_carry_are_a_clear_500(emu, name: str) -> None:
    worker = name.replace("_", "-")
    put(emu, worker, BAD_ANSWERS[name])
    status, body, headers = dispatch(emu, worker)
    assert status == 500, (name, body)
    assert b"status" in body or b"header" in body, body
    assert "injected" not in {k.lower() for k in headers}


@pytest.mark.parametrize("status", ["0", "-1", "100", "101", "1000", "99.5", '"abc"'])
def test_js_statuses_outside_200_599_are_a_clear_500(emu, status: str) -> None:
    put(emu, "js-status", js(status))
    code, body, _ = dispatch(emu, "js-status")
    assert code == 500 and b"200 to 599" in body


def test_js_header_with_crlf_is_a_clear_500(emu) -> None:
    put(emu, "js-crlf", js(headers='{ "x-a": "b\\r\\ninjected: 1" }'))
    code, body, headers = dispatch(emu, "js-crlf")
    assert code == 500 and "injected" not in {k.lower() for k in headers}


FRAMING = b"".join(
    f"{k}: {v}\n".encode()
    for k, v in [("content-type", "text/plain"), ("transfer-encoding", "chunked"), ("connection", "close"),
                 ("upgrade", "websocket"), ("keep-alive", "timeout=99"), ("content-length", "999"),
                 ("proxy-connection", "close"), ("trailer", "x-t"), ("x-kept", "yes")]
)


def test_hop_by_hop_and_framing_headers_are_dropped(emu) -> None:
    put(emu, "framing", reactor(200, FRAMING, b"hello\n"))
    status, body, headers = dispatch(emu, "framing")
    assert status == 200 and body == b"hello\n"
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-kept"] == "yes" and lowered.get("content-length") == "6"
    for gone in ("transfer-encoding", "connection", "upgrade", "keep-alive", "proxy-connection", "trailer"):
        assert gone not in lowered


def test_response_headers_are_capped_at_128_kb(emu) -> None:
    fits = b"content-type: text/plain\n" + b"".join(b"x-h%d: %s\n" % (i, b"v" * 1000) for i in range(120))
    put(emu, "headers-fit", reactor(200, fits))
    assert dispatch(emu, "headers-fit")[0] == 200
    one_mib = b"content-type: text/plain\nx-big: " + b"v" * 2**20 + b"\n"
    many = b"content-type: text/plain\n" + b"".join(b"x-h%d: %s\n" % (i, b"v" * 1000) for i in range(140))
    for name, head in (("headers-1mib", one_mib), ("headers-many", many)):
        put(emu, name, reactor(200, head))
        status, body, _ = dispatch(emu, name)
        assert status == 500 and b"131072 bytes" in body, name


def test_sanitise_refuses_non_int_and_non_latin1() -> None:
    for status in (True, "200", 200.0, None):
        with pytest.raises(WorkerException):
            sanitise_response(status, [])
    with pytest.raises(WorkerException):
        sanitise_response(200, [("x-a", "snow \u2603")])
    assert sanitise_response(200, [("x-a", "caf\u00e9")]) == (200, [("x-a", "caf\u00e9")])


# ------------------------------------------------------------------ over a socket


def _raw(url: str, data: bytes, *, shut: bool = False) -> bytes:
    with connect(url, timeout=20) as sock:
        sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and not shut:
                head, _, rest = out.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= length[0]:
                    break
        return out


@pytest.fixture(scope="module")
def live(emu):
    put(emu, "framing", reactor(200, FRAMING, b"hello\n"))
    put(emu, "split", reactor(200, b"content-type: text/plain\nx-a\rinjected: 1\n"))
    put(emu, "echo", worker_program("echo").wasm)
    with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("edge")) as server:
        yield server


def test_bad_answers_do_not_split_or_desync_the_wire(live) -> None:
    with httpx.Client(base_url=live.url) as http:
        split = http.get("/", headers={"Host": "split.example.com"})
        assert split.status_code == 500 and "injected" not in split.headers
        framed = http.get("/", headers={"Host": "framing.example.com"})  # same keep-alive connection
        assert framed.status_code == 200 and framed.content == b"hello\n"
        assert framed.headers["content-length"] == "6" and "upgrade" not in framed.headers
        assert http.get("/", headers={"Host": "framing.example.com"}).content == b"hello\n"


def test_urls_over_16_kb_get_414(live) -> None:
    with httpx.Client(base_url=live.url) as http:
        assert http.get("/" + "a" * 20_000, headers={"Host": "framing.example.com"}).status_code == 414
        assert http.get("/?" + "q" * 16_400, headers={"Host": "framing.example.com"}).status_code == 414
        assert http.get("/" + "a" * 15_000, headers={"Host": "framing.example.com"}).status_code == 200


def test_a_body_over_the_plan_limit_gets_413_before_it_is_read(live) -> None:
    head = (b"POST / HTTP/1.1\r\nHost: echo.example.com\r\nContent-Length: %d\r\n\r\n" % (300 * 2**20))
    answer = _raw(live.url, head)  # the 300 MiB never sent: refused on the declared length
    assert answer.startswith(b"HTTP/1.1 413")


def test_malformed_chunked_bodies_get_400(live) -> None:
    for host in (b"echo.example.com", b"localhost"):
        path = b"/" if host != b"localhost" else b"/client/v4/accounts/a/workers/dispatch/namespaces"
        bad = (b"POST " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/json\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
        answer = _raw(live.url, bad, shut=True)
        assert answer.startswith(b"HTTP/1.1 400"), (host, answer[:200])
    live.check()  # nothing escaped into the server thread


def test_chunked_bodies_are_bounded_and_passed_on(emu) -> None:
    put(emu, "echo", worker_program("echo").wasm)
    small = Dispatcher(emu.binding("edge"), edge=EdgeLimits(max_request_body_bytes=1000))
    client = Client(small)
    ok = client.post("/", base_url="http://echo.example.com", data=b"x" * 1000,
                     headers={"Transfer-Encoding": "chunked"})
    assert ok.status_code == 200 and ok.get_data() == b"x" * 1000
    too_big = client.post("/", base_url="http://echo.example.com", data=b"x" * 1001,
                          headers={"Transfer-Encoding": "chunked"})
    assert too_big.status_code == 413
    declared = client.post("/", base_url="http://echo.example.com", data=b"x" * 1001)
    assert declared.status_code == 413


def test_request_headers_over_128_kb_get_431(emu) -> None:
    put(emu, "echo", worker_program("echo").wasm)
    client = Client(emu.dispatcher("edge"))
    headers = {f"x-h{i}": "v" * 1000 for i in range(140)}
    assert client.get("/", base_url="http://echo.example.com", headers=headers).status_code == 431
    fewer = {f"x-h{i}": "v" * 1000 for i in range(100)}
    assert client.get("/", base_url="http://echo.example.com", headers=fewer).status_code == 200
