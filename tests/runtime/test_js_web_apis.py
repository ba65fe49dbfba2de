"""Web APIs of JavaScript workers beyond fetch: forms, Blob/File, events and abort,
structuredClone, URLPattern, TextDecoder labels and streaming, IDNA, scheduler,
navigator, performance, and the APIs dispatch_emu does not have."""

from __future__ import annotations

import pytest

from dispatch_emu.runtime import Runtime, RuntimeSettings
from tests.runtime.js_snippets import request, run


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=3000, wall_ms=10000, memory_bytes=64 * 2**20)) as rt:
        yield rt


MULTIPART = (
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"h\xc3\xa9llo\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
    b"\x00\x01\r\n\x02\r\n"
    b"--XyZ--\r\n"
)


def test_request_form_data_multipart_and_urlencoded(runtime) -> None:
    body = """
      const form = await request.formData();
      const file = form.get("upload");
      return {
        title: form.get("title"), isFile: file instanceof File, name: file.name, type: file.type,
        bytes: Array.from(new Uint8Array(await file.arrayBuffer())), keys: [...form.keys()],
      };
    """
    out = run(runtime, body, request(method="POST", headers=[("content-type", "multipart/form-data; boundary=XyZ")], body=MULTIPART))
    assert out == {
        "title": "héllo", "isFile": True, "name": "a.bin", "type": "application/octet-stream",
        "bytes": [0, 1, 13, 10, 2], "keys": ["title", "upload"],
    }
    out = run(runtime, "const f = await request.formData(); return [...f.entries()];", request(
        method="POST", headers=[("content-type", "application/x-www-form-urlencoded")], body=b"a=1&b=two+words&a=%C3%A9",
    ))
    assert out == [["a", "1"], ["b", "two words"], ["a", "é"]]
    out = run(runtime, "return await caught(() => request.formData());", request(method="POST", headers=[("content-type", "text/plain")], body=b"x"))
    assert out[0] == "TypeError" and "multipart/form-data" in out[2]


def test_bodies_from_form_data_blob_and_search_params(runtime) -> None:
    out = run(runtime, """
      const form = new FormData();
      form.append("name", "Ada");
      form.append("file", new Blob(["contents"], { type: "text/plain" }), "notes.txt");
      form.set("name", "Grace");
      const res = new Response(form);
      const type = res.headers.get("content-type");
      const text = await res.clone().text();
      const back = await res.formData();
      const blob = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
      const fromBlob = new Response(blob);
      const req = new Request("https://x.example/", { method: "POST", body: new URLSearchParams({ q: "a b" }) });
      return {
        type: type.replace(/boundary=.*/, "boundary="), boundaryInBody: text.includes(type.split("boundary=")[1]),
        back: [back.get("name"), back.get("file").name, await back.get("file").text(), back.get("file").type],
        blob: [blob.size, blob.type, await blob.text(), await blob.slice(1, 3).text(), fromBlob.headers.get("content-type"), await fromBlob.text()],
        params: [req.headers.get("content-type"), await req.text()],
        file: [new File(["x"], "f.txt").name, typeof new File([], "g").lastModified],
        blobBody: await (await new Response("zz").blob()).text(),
      };
    """)
    assert out["type"] == "multipart/form-data; boundary="
    assert out["boundaryInBody"] is True
    assert out["back"] == ["Grace", "notes.txt", "contents", "text/plain"]
    assert out["blob"] == [4, "text/plain", "abcd", "bc", "text/plain", "abcd"]
    assert out["params"] == ["application/x-www-form-urlencoded;charset=UTF-8", "q=a+b"]
    assert out["file"] == ["f.txt", "number"]
    assert out["blobBody"] == "zz"


def test_events_abort_controller_and_signals(runtime) -> None:
    out = run(runtime, """
      const r = {};
      const target = new EventTarget();
      const seen = [];
      target.addEventListener("ping", (e) => seen.push(["fn", e.type, e.detail, e.target === target]));
      target.addEventListener("ping", { handleEvent(e) { seen.push(["obj"]); } }, { once: true });
      target.dispatchEvent(new CustomEvent("ping", { detail: 7 }));
      target.dispatchEvent(new Event("ping"));
      r.seen = seen;
      const controller = new AbortController();
      let fired = 0;
      controller.signal.addEventListener("abort", () => fired++);
      controller.signal.onabort = () => fired++;
      controller.abort();
      controller.abort();
      r.abort = [controller.signal.aborted, controller.signal.reason.name, controller.signal.reason instanceof DOMException, fired];
      r.throwIfAborted = await caught(() => controller.signal.throwIfAborted());
      const timeout = AbortSignal.timeout(50);
      const before = timeout.aborted;
      await scheduler.wait(60);
      r.timeout = [before, timeout.aborted, timeout.reason.name];
      const custom = new AbortController();
      const any = AbortSignal.any([custom.signal, AbortSignal.timeout(1000)]);
      custom.abort("why");
      r.any = [any.aborted, any.reason];
      r.aborted = AbortSignal.abort().aborted;
      r.illegal = await caught(() => new AbortSignal());
      const waiting = new AbortController();
      setTimeout(() => waiting.abort(), 5);
      r.wait = await caught(() => scheduler.wait(1000, { signal: waiting.signal }));
      r.fetch = await caught(() => fetch("https://x.example/", { signal: AbortSignal.abort() }));
      r.dom = [new DOMException("m", "NotFoundError").code, DOMException.ABORT_ERR, Object.prototype.toString.call(new DOMException())];
      return r;
    """)
    assert out["seen"] == [["fn", "ping", 7, True], ["obj"], ["fn", "ping", None, True]]
    assert out["abort"] == [True, "AbortError", True, 2]
    assert out["throwIfAborted"][1] == "AbortError"
    assert out["timeout"] == [False, True, "TimeoutError"]
    assert out["any"] == [True, "why"]
    assert out["aborted"] is True
    assert out["illegal"][0] == "TypeError"
    assert out["wait"][1] == "AbortError"
    assert out["fetch"][1] == "AbortError"
    assert out["dom"] == [8, 20, "[object DOMException]"]


def test_structured_clone(runtime) -> None:
    out = run(runtime, """
      const cyclic = { name: "c", when: new Date(5), list: [1, { x: 2 }], map: new Map([["k", new Set([1])]]) };
      cyclic.self = cyclic;
      const copy = structuredClone(cyclic);
      const bytes = structuredClone(new Uint16Array([1, 2]));
      return {
        distinct: copy !== cyclic && copy.list !== cyclic.list, cyclic: copy.self === copy,
        date: copy.when instanceof Date && copy.when.getTime(), map: copy.map.get("k").has(1),
        bytes: [bytes instanceof Uint16Array, Array.from(bytes)],
        error: structuredClone(new RangeError("r")) instanceof RangeError,
        fn: await caught(() => structuredClone({ f() {} })),
        symbol: await caught(() => structuredClone(Symbol("s"))),
      };
    """)
    assert out["distinct"] and out["cyclic"] and out["map"] and out["error"]
    assert out["date"] == 5
    assert out["bytes"] == [True, [1, 2]]
    assert out["fn"][1] == "DataCloneError"
    assert out["symbol"][1] == "DataCloneError"


def test_url_pattern(runtime) -> None:
    out = run(runtime, """
      const p = new URLPattern({ pathname: "/books/:id(\\\\d+)" });
      const m = p.exec("https://shop.example.com/books/42?x=1");
      const host = new URLPattern("https://:sub.example.com/*");
      return {
        test: [p.test("https://a.example/books/42"), p.test("https://a.example/books/abc")],
        id: m.pathname.groups.id, sub: host.exec("https://api.example.com/v1").hostname.groups.sub,
        pathname: p.pathname,
      };
    """)
    assert out == {"test": [True, False], "id": "42", "sub": "api", "pathname": "/books/:id(\\d+)"}


def test_text_decoder_streaming_labels_fatal_and_bom(runtime) -> None:
    out = run(runtime, r"""
      const r = {};
      const euro = utf8("\u20ac");
      const d = new TextDecoder();
      r.split = d.decode(euro.subarray(0, 1), { stream: true }) + d.decode(euro.subarray(1, 2), { stream: true }) + d.decode(euro.subarray(2), { stream: true }) + d.decode();
      r.truncated = new TextDecoder().decode(euro.subarray(0, 2));
      r.fatal = await caught(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])));
      r.bom = [new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length];
      const u16 = new TextDecoder("utf-16le");
      r.utf16 = [u16.encoding, u16.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x3d]), { stream: true }) + u16.decode(new Uint8Array([0xd8, 0x00, 0xde])), u16.decode(new Uint8Array([0x42]))];
      const latin = new TextDecoder("latin1");
      r.latin1 = [latin.encoding, latin.decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x80, 0x81]))];
      r.labels = ["UTF8", "unicode-1-1-utf-8", "ascii", "iso-8859-1", "utf-16"].map((l) => new TextDecoder(l).encoding);
      r.unknown = await caught(() => new TextDecoder("klingon"));
      const big = "\u00e9".repeat(5000);
      r.big = new TextDecoder().decode(utf8(big)) === big;
      const into = new Uint8Array(3);
      r.encodeInto = [new TextEncoder().encodeInto("a\u20ac", into), Array.from(into)];
      return r;
    """)
    assert out["split"] == "€"
    assert out["truncated"] == "\ufffd"
    assert out["fatal"][0] == "TypeError"
    assert out["bom"] == ["A", 2]
    assert out["utf16"] == ["utf-16le", "A😀", "\ufffd"]
    assert out["latin1"] == ["windows-1252", "café€\x81"]
    assert out["labels"] == ["utf-8", "utf-8", "windows-1252", "windows-1252", "utf-16le"]
    assert out["unknown"][0] == "RangeError"
    assert out["big"] is True
    assert out["encodeInto"] == [{"read": 1, "written": 1}, [97, 0, 0]]


def test_idna_hosts(runtime) -> None:
    out = run(runtime, """
      return {
        host: new URL("https://bücher.de/").host,
        href: new URL("https://Bücher.DE:8443/a?b").href,
        emoji: new URL("https://☕.example/").hostname,
        ascii: new URL("https://xn--bcher-kva.de/").host,
        bad: URL.canParse("https://a\\u0000b.de/"),
      };
    """)
    assert out == {
        "host": "xn--bcher-kva.de",
        "href": "https://xn--bcher-kva.de:8443/a?b",
        "emoji": "xn--53h.example",
        "ascii": "xn--bcher-kva.de",
        "bad": False,
    }


def test_navigator_performance_scheduler(runtime) -> None:
    out = run(runtime, """
      const t0 = performance.now();
      const d0 = Date.now();
      await scheduler.wait(250);
      return {
        navigator: [navigator.userAgent, navigator.hardwareConcurrency, navigator.language],
        waited: [performance.now() - t0, Date.now() - d0],
        perf: [performance.timeOrigin, performance.now() === Date.now()],
      };
    """)
    # recorded from workerd (wrangler 4): timeOrigin 0, performance.now() equals Date.now(),
    # both moved 100 by scheduler.wait(100)
    assert out["navigator"] == ["Cloudflare-Workers", 1, "en"]
    assert out["waited"] == [250, 250]
    assert out["perf"] == [0, True]


def test_what_is_not_available_says_so(runtime) -> None:
    out = run(runtime, """
      return {
        wasm: await caught(() => WebAssembly.compile(new Uint8Array(8))),
        wasmType: typeof WebAssembly,
        html: await caught(() => new HTMLRewriter().on("a", {})),
        intl: await caught(() => new Intl.NumberFormat("de-DE")),
        cachesDefault: await caught(() => caches.default.match("https://x/")),
        cachesOpen: await caught(() => caches.open("mine")),
        webSocket: await caught(() => new WebSocketPair()),
      };
    """)
    for key in ("wasm", "html", "intl", "cachesDefault", "cachesOpen", "webSocket"):
        assert out[key][0] == "Error", key
        assert "not available in dispatch_emu" in out[key][2], key
    assert out["wasm"][2].startswith("WebAssembly.compile is not available")
    assert out["intl"][2].startswith("Intl.NumberFormat is not available")
    assert "untrusted dispatch namespace" in out["cachesDefault"][2]
    assert out["wasmType"] == "object"
    trusted = run(runtime, "return await caught(() => caches.default);", request().__class__(
        method="GET", url="https://a.example/", headers=[], body=b"", cf={"colo": "LHR"}
    ))
    assert trusted[2] == "caches.default is not available in dispatch_emu: dispatch_emu has no Cache API"


def test_messages_recorded_from_workerd(runtime) -> None:
    # each expected value below was answered by workerd (wrangler 4 `wrangler dev`,
    # 2026-12-07) to the same code
    out = run(runtime, """
      const k = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]);
      const form = new FormData(); form.append("a", "1");
      const body = await new Response(form).text();
      return {
        aesLen: await caught(() => crypto.subtle.importKey("raw", new Uint8Array(5), "AES-GCM", false, ["encrypt"])),
        nonExtractable: await caught(() => crypto.subtle.exportKey("raw", k)),
        wrongUsage: await caught(() => crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(32))),
        emptyUsages: await caught(() => crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, true, [])),
        badUsage: await caught(() => crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["sign"])),
        digest: await caught(() => crypto.subtle.digest("SHA-3", new Uint8Array(1))),
        quota: await caught(() => crypto.getRandomValues(new Uint8Array(65537))),
        timing: await caught(() => crypto.subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2))),
        decoder: await caught(() => new TextDecoder("klingon")),
        latin: ["latin1", "ascii", "utf-16", "iso-8859-1"].map((l) => new TextDecoder(l).encoding),
        boundary: /^--[0-9a-f]{32}\\r\\n/.test(body) && /--[0-9a-f]{32}--$/.test(body),
        decompress: await caught(() => new Response(new Response("not gzip").body.pipeThrough(new DecompressionStream("gzip"))).text()),
        abort: await caught(() => fetch("https://x.example/", { signal: AbortSignal.abort() })),
        pbkdf2: (await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(4), iterations: 100001 },
          await crypto.subtle.importKey("raw", new Uint8Array(4), "PBKDF2", false, ["deriveBits"]), 256)).byteLength,
      };
    """)
    assert out["aesLen"] == ["DOMException", "DataError", "Imported AES key length must be 128, 192, or 256 bits but provided 40."]
    assert out["nonExtractable"] == ["DOMException", "InvalidAccessError", "Attempt to export non-extractable AES-GCM key."]
    assert out["wrongUsage"] == [
        "DOMException", "InvalidAccessError", 'Requested key usage "decrypt" does not match any usage listed in this CryptoKey.',
    ]
    assert out["emptyUsages"] == ["DOMException", "SyntaxError", "Secret/private CryptoKeys must have at least one usage."]
    assert out["badUsage"] == ["DOMException", "SyntaxError", 'Attempt to generate AES-GCM key with invalid usage "sign".']
    assert out["digest"] == ["DOMException", "NotSupportedError", "Unrecognized or unimplemented digest algorithm requested."]
    assert out["quota"] == [
        "DOMException", "QuotaExceededError", "getRandomValues() only accepts buffers of size <= 64K but provided 65537 bytes.",
    ]
    assert out["timing"] == ["TypeError", "TypeError", "Input buffers must have the same byte length."]
    assert out["decoder"] == ["RangeError", "RangeError", '"klingon" is not a valid encoding.']
    assert out["latin"] == ["windows-1252", "windows-1252", "utf-16le", "windows-1252"]
    assert out["boundary"] is True
    assert out["decompress"] == ["TypeError", "TypeError", "Decompression failed."]
    assert out["abort"] == ["DOMException", "AbortError", "The operation was aborted"]
    assert out["pbkdf2"] == 32
