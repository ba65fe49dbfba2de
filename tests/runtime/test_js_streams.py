"""WHATWG streams in JavaScript workers (the vendored web-streams-polyfill) and streamed bodies."""

from __future__ import annotations

import gzip
import zlib

import pytest

from dispatch_emu.runtime import GuestRequest, GuestResponse, Runtime, RuntimeSettings
from tests.runtime.js_snippets import request, run, worker


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=3000, wall_ms=10000, memory_bytes=64 * 2**20)) as rt:
        yield rt


def test_readable_writable_transform_and_tee(runtime) -> None:
    out = run(runtime, """
      const r = {};
      const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
      r.iterated = []; for await (const x of rs) r.iterated.push(x);
      r.locked = [rs.locked, Object.prototype.toString.call(rs)];
      const written = [];
      const ws = new WritableStream({ write(chunk) { written.push(chunk); } });
      const writer = ws.getWriter(); await writer.write("x"); await writer.write("y"); await writer.close();
      r.written = written;
      const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
      const piped = new ReadableStream({ start(c) { c.enqueue("p"); c.enqueue("q"); c.close(); } }).pipeThrough(upper);
      r.piped = []; for await (const x of piped) r.piped.push(x);
      const sink = []; await new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).pipeTo(new WritableStream({ write(c) { sink.push(c); } }));
      r.pipeTo = sink;
      const [a, b] = new ReadableStream({ start(c) { c.enqueue("t"); c.close(); } }).tee();
      r.tee = [(await a.getReader().read()).value, (await b.getReader().read()).value];
      const bytes = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4])); c.close(); } });
      const byob = bytes.getReader({ mode: "byob" });
      const first = await byob.read(new Uint8Array(2));
      r.byob = [Array.from(first.value), first.done];
      r.classes = [typeof ReadableStreamDefaultReader, typeof ByteLengthQueuingStrategy, typeof CountQueuingStrategy];
      return r;
    """)
    assert out["iterated"] == ["a", "b"]
    assert out["locked"] == [False, "[object ReadableStream]"]
    assert out["written"] == ["x", "y"]
    assert out["piped"] == ["P", "Q"]
    assert out["pipeTo"] == [1]
    assert out["tee"] == ["t", "t"]
    assert out["byob"] == [[1, 2], False]
    assert out["classes"] == ["function", "function", "function"]


def test_streamed_response_bodies(runtime) -> None:
    # a body from a ReadableStream, a TransformStream written after the handler returned,
    # and a stream whose chunks wait on timers
    source = """
    export default { async fetch(request, env, ctx) {
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      const enc = new TextEncoder();
      ctx.waitUntil((async () => {
        for (const word of ["streamed ", "after ", "return"]) { await scheduler.wait(5); await writer.write(enc.encode(word)); }
        await writer.close();
      })());
      return new Response(readable, { headers: { "content-type": "text/plain" } });
    } };
    """
    response = worker(runtime, source)
    assert (response.status, response.body) == (200, b"streamed after return")
    runtime.wait_for_pending()


def test_a_stream_of_strings_is_not_a_body(runtime) -> None:
    from dispatch_emu.errors import WorkerException

    # workerd's words (recorded with wrangler 4)
    with pytest.raises(WorkerException, match="This ReadableStream did not return bytes."):
        worker(runtime, """
        export default { fetch() {
          return new Response(new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } }));
        } };
        """)


def test_request_body_is_a_stream_and_bodies_read_once(runtime) -> None:
    out = run(runtime, """
      const r = {};
      r.isStream = request.body instanceof ReadableStream;
      r.same = request.body === request.body;
      const reader = request.body.getReader();
      const parts = []; for (;;) { const { done, value } = await reader.read(); if (done) break; parts.push(...value); }
      r.bytes = parts.length;
      r.used = request.bodyUsed;
      r.again = await caught(() => request.text());
      const res = new Response("abc");
      const proxied = new Response(res.body, res);
      r.proxied = [await proxied.text(), res.bodyUsed];
      const twice = new Response(new ReadableStream({ start(c) { c.enqueue(utf8("s")); c.close(); } }));
      const copy = twice.clone();
      r.clone = [await twice.text(), await copy.text()];
      r.empty = [new Response(null).body, (new Response("")).body instanceof ReadableStream];
      return r;
    """, request(method="POST", body=b"x" * 1000))
    assert out["isStream"] is True and out["same"] is True
    assert out["bytes"] == 1000
    assert out["used"] is True
    assert out["again"][0] == "TypeError"
    assert out["proxied"] == ["abc", True]
    assert out["clone"] == ["s", "s"]
    assert out["empty"] == [None, True]


@pytest.mark.parametrize(
    ("fmt", "decode"),
    [("gzip", gzip.decompress), ("deflate", zlib.decompress), ("deflate-raw", lambda b: zlib.decompress(b, -15))],
)
def test_compression_streams_interoperate_with_zlib(runtime, fmt, decode) -> None:
    text = "compress me " * 100
    response = worker(runtime, f"""
    export default {{ async fetch() {{
      const body = new Response({text!r}).body.pipeThrough(new CompressionStream("{fmt}"));
      return new Response(body);
    }} }};
    """)
    assert decode(response.body).decode() == text
    round_trip = run(runtime, f"""
      const packed = new Response("{text[:24]}").body.pipeThrough(new CompressionStream("{fmt}"));
      return new Response(packed.pipeThrough(new DecompressionStream("{fmt}"))).text();
    """)
    assert round_trip == text[:24]


def test_decompressing_a_request_body_and_bad_input(runtime) -> None:
    out = run(runtime, """
      const text = await new Response(request.body.pipeThrough(new DecompressionStream("gzip"))).text();
      const bad = await caught(() => new Response(new Response("not gzip").body.pipeThrough(new DecompressionStream("gzip"))).text());
      const format = await caught(() => new CompressionStream("brotli"));
      return { text, bad: bad[0], format: format[0] };
    """, request(method="POST", body=gzip.compress(b"zipped body")))
    assert out == {"text": "zipped body", "bad": "TypeError", "format": "TypeError"}


def test_text_encoder_and_decoder_streams_keep_split_characters(runtime) -> None:
    out = run(runtime, r"""
      const bytes = utf8("h\u00e9llo \u20ac \ud83d\ude00");
      const chunks = Array.from(bytes, (b) => new Uint8Array([b]));  // one byte at a time
      const decoded = new ReadableStream({ start(c) { for (const ch of chunks) c.enqueue(ch); c.close(); } })
        .pipeThrough(new TextDecoderStream());
      let text = ""; for await (const s of decoded) text += s;
      const encoded = new ReadableStream({ start(c) { c.enqueue("\ud83d"); c.enqueue("\ude00!"); c.close(); } })
        .pipeThrough(new TextEncoderStream());
      return { text, encoded: hex(await new Response(encoded).arrayBuffer()), encoding: new TextEncoderStream().encoding };
    """)
    assert out["text"] == "héllo € 😀"
    assert out["encoded"] == "😀!".encode().hex()
    assert out["encoding"] == "utf-8"


def test_digest_identity_and_fixed_length_streams(runtime) -> None:
    out = run(runtime, """
      const ds = new crypto.DigestStream("SHA-256");
      await new Response("abc").body.pipeTo(ds);
      const id = new IdentityTransformStream();
      const fixed = new FixedLengthStream(3);
      const w = fixed.writable.getWriter(); w.write(utf8("abcd")).catch(() => {});
      const tooMany = await caught(() => fixed.readable.getReader().read());
      return {
        digest: hex(await ds.digest),
        identity: await new Response(new Response("id").body.pipeThrough(id)).text(),
        tooMany: tooMany && tooMany[0],
      };
    """)
    assert out["digest"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert out["identity"] == "id"
    assert out["tooMany"] == "TypeError"


def test_a_streamed_subrequest_body_reaches_the_outbound_handler(runtime) -> None:
    seen: list[GuestRequest] = []

    def upstream(sub: GuestRequest) -> GuestResponse:
        seen.append(sub)
        return GuestResponse(200, [("content-type", "text/plain")], b"upstream says hi")

    out = run(runtime, """
      const body = new ReadableStream({ start(c) { c.enqueue(utf8("part1,")); c.enqueue(utf8("part2")); c.close(); } });
      const res = await fetch("https://up.example.com/x", { method: "POST", body });
      const chunks = []; for await (const c of res.body) chunks.push(c.length);
      return { chunks };
    """, outbound=upstream)
    assert seen[0].body == b"part1,part2"
    assert out == {"chunks": [16]}


def test_streams_load_only_when_a_worker_uses_them(runtime) -> None:
    # the streams library is evaluated on first use: a worker that never touches a stream
    # does not pay for it (see benchmarks/js.py for the start-up cost)
    out = run(runtime, """
      const before = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
      const lazy = typeof before.get === "function";
      const S = ReadableStream;
      const after = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
      return { lazy, loaded: after.value === S && typeof S === "function" };
    """)
    assert out == {"lazy": True, "loaded": True}
