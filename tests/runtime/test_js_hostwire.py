"""How the prelude's host calls cross (``dispatch_emu/runtime/js/_hostwire.py``): packed as
one string and the byte arrays, served by ``QuickJsVm`` in a few guest calls.

The unit tests check the packing; the worker tests drive each kind of argument and answer
through a real context: large byte arrays, views at an offset, non-ASCII strings, nested
values, byte arrays inside answers, and an op's failure thrown as the right JS error.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from dispatch_emu.runtime import GuestResponse, Runtime, RuntimeSettings
from dispatch_emu.runtime.js._bindings import BindingRef
from dispatch_emu.runtime.js._hostwire import pack, unpack, wired
from tests.runtime.js_snippets import run


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=10000, wall_ms=20000, memory_bytes=128 * 2**20)) as rt:
        yield rt


# -- the packing


def test_unpack_revives_byte_arrays_anywhere_and_only_valid_references() -> None:
    head = 'op\n[1, "h\u00e9\u4e16\U0001f600", {"a": [{"$b": 1}, {"$b": 0}]}, {"$b": 2}, {"$b": 0, "x": 1}, null]'
    op, args = unpack(head, [b"zero", b"\x00\xff"])
    assert op == "op"
    # index 2 is past the buffers and {"$b": 0, "x": 1} has another key: both stay objects
    assert args == [1, "h\u00e9\u4e16\U0001f600", {"a": [b"\x00\xff", b"zero"]}, {"$b": 2}, {"$b": 0, "x": 1}, None]
    assert unpack("random\n[4]", []) == ("random", [4])
    with pytest.raises(TypeError):
        unpack('op\n{"not": "a list"}', [])


def test_pack_tags_strings_and_json_and_lifts_bytes_out() -> None:
    assert pack(b"\x01\x02") == b"\x01\x02"
    assert pack(bytearray(b"ab")) == b"ab"
    assert pack("h\u00e9") == "sh\u00e9"
    assert pack("") == "s"
    assert pack(None) == "jnull"
    assert pack({"a": [1, "\u00e9"]}) == 'j{"a":[1,"\u00e9"]}'
    packed = pack({"status": 200, "body": b"xyz", "parts": [b"1", (b"2", "t")]})
    assert isinstance(packed, list) and packed[1:] == [b"xyz", b"1", b"2"]
    assert json.loads(packed[0]) == {"status": 200, "body": {"$b": 0}, "parts": [{"$b": 1}, [{"$b": 2}, "t"]]}
    with pytest.raises(ValueError):
        pack(float("nan"))  # JSON.parse has no NaN: the call fails rather than answer something else


def test_wired_host_sees_op_and_arguments() -> None:
    seen = []
    call = wired(lambda op, *args: seen.append((op, args)) or [op, len(args)])
    assert call('echo\n["a", {"$b": 0}]', b"\x07") == 'j["echo",2]'
    assert seen == [("echo", ("a", b"\x07"))]


# -- through a worker


def test_large_byte_arrays_and_views_at_an_offset_cross_whole(runtime) -> None:
    out = run(runtime, """
      // 3 MB of non-ASCII text: TextEncoder's host path, and back through TextDecoder's
      const text = "h\\u00e9llo \\u4e16\\u754c \\ud83d\\ude00 ".repeat(150000);
      const bytes = new TextEncoder().encode(text);
      const back = new TextDecoder().decode(bytes);
      // a view in the middle of a larger buffer, of another element type
      const big = new Uint8Array(8192).map((_, i) => (i * 7) & 255);
      const view = new Uint16Array(big.buffer, 1000, 1500);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", view));
      const sub = big.subarray(5, 2053);
      const decoded = new TextDecoder("latin1").decode(sub);
      // random bytes into a view at an offset: the bytes around it stay
      const around = new Uint8Array(64);
      crypto.getRandomValues(new Uint8Array(around.buffer, 16, 32));
      return { length: bytes.length, same: back === text, head: Array.from(bytes.slice(0, 8)),
               digest: hex(digest), decodedLength: decoded.length, firstCode: decoded.charCodeAt(0),
               untouched: around.slice(0, 16).every((b) => b === 0) && around.slice(48).every((b) => b === 0),
               filled: around.slice(16, 48).some((b) => b !== 0) };
    """)
    text = "h\u00e9llo \u4e16\u754c \U0001f600 " * 150000
    assert out["length"] == len(text.encode()) and out["same"] is True
    assert out["head"] == list(text.encode()[:8])
    big = bytes((i * 7) & 255 for i in range(8192))
    assert out["digest"] == hashlib.sha256(big[1000:4000]).hexdigest()
    assert out["decodedLength"] == 2048 and out["firstCode"] == (5 * 7) & 255
    assert out["untouched"] is True and out["filled"] is True


def test_hmac_of_non_ascii_key_and_nested_answers(runtime) -> None:
    out = run(runtime, """
      const key = await crypto.subtle.importKey("raw", utf8("cl\\u00e9 \\u4e16"), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
      const data = new Uint8Array(100000).map((_, i) => i & 255);
      const sig = await crypto.subtle.sign("HMAC", key, data.subarray(10));
      // generateKey answers key material inside an object (bytes in a nested answer)
      const made = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
      const jwk = await crypto.subtle.exportKey("jwk", key);
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", made));
      return { sig: hex(sig), jwk, rawLength: raw.length };
    """)
    data = bytes(i & 255 for i in range(100000))
    assert out["sig"] == hmac.new("cl\u00e9 \u4e16".encode(), data[10:], hashlib.sha256).hexdigest()
    assert out["jwk"]["kty"] == "oct" and out["jwk"]["alg"] == "HS256"
    assert out["rawLength"] == 32


def test_an_op_failure_is_thrown_as_its_js_error_type(runtime) -> None:
    out = run(runtime, """
      return {
        // the host answers an error record: DOMException of that name
        dataError: await caught(() => crypto.subtle.importKey("jwk", { kty: "oct" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
        // decoding invalid UTF-8 with fatal on the host path (over 1 KB): TypeError
        fatal: await caught(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(5000).fill(0xff))),
        // the op fails in Python (an unsupported op name reaches the table): DOMException
        tooBig: await caught(() => crypto.getRandomValues(new Uint8Array(70000))),
      };
    """)
    assert out["dataError"][0] == "DOMException" and out["dataError"][1] == "DataError"
    assert out["fatal"][0] == "TypeError"
    assert out["tooBig"][0] == "DOMException" and out["tooBig"][1] == "QuotaExceededError"


def test_fetch_and_service_calls_carry_bytes_headers_and_non_ascii(runtime) -> None:
    seen = {}

    def outbound(request):
        seen["fetch"] = request
        return GuestResponse(status=201, headers=[("x-up", "caf\u00e9".encode().decode("latin-1"))], body=bytes(range(256)) * 4000)

    def services(call):
        seen["service"] = call
        return GuestResponse(status=202, headers=[("content-type", "text/plain; charset=utf-8")], body="s\u00e9rvice \u4e16".encode())

    out = run(runtime, """
      const body = new Uint8Array(300000).map((_, i) => (i * 13) & 255);
      const up = await fetch("https://up.example.com/p\\u00e4th?q=\\u4e16", { method: "POST", body: body.subarray(1), headers: { "x-a": "1" } });
      const upBytes = new Uint8Array(await up.arrayBuffer());
      const svc = await env.SVC.fetch("https://svc.example.com/x", { method: "PUT", body: "h\\u00e9 \\u4e16" });
      return { status: up.status, length: upBytes.length, last: upBytes[upBytes.length - 1], header: up.headers.get("x-up"),
               svcStatus: svc.status, svcText: await svc.text() };
    """, env={"SVC": BindingRef("service")}, outbound=outbound, services=services)
    assert out["status"] == 201 and out["length"] == 256 * 4000 and out["last"] == 255
    assert out["header"] == "caf\u00e9".encode().decode("latin-1")
    assert out["svcStatus"] == 202 and out["svcText"] == "s\u00e9rvice \u4e16"
    fetched = seen["fetch"]
    assert fetched.method == "POST" and fetched.url == "https://up.example.com/p%C3%A4th?q=%E4%B8%96"
    assert fetched.body == bytes((i * 13) & 255 for i in range(300000))[1:]
    assert ("x-a", "1") in fetched.headers
    call = seen["service"]
    assert call.binding == "SVC" and call.request.method == "PUT" and call.request.body == "h\u00e9 \u4e16".encode()


def test_the_packed_calls_take_the_fast_path_not_quickjs_rs_marshalling(runtime, monkeypatch) -> None:
    from quickjs_rs import _engine

    generic = _engine._Instance._host_call
    calls = []

    def counting(self, *args):
        calls.append(args)
        return generic(self, *args)

    monkeypatch.setattr(_engine._Instance, "_host_call", counting)
    out = run(runtime, """
      const a = crypto.getRandomValues(new Uint8Array(8));
      const d = await crypto.subtle.digest("SHA-1", utf8("abc"));
      return [a.length, hex(d)];
    """)
    assert out == [8, "a9993e364706816aba3e25717850c26c9cd0d89d"]
    assert calls == []


def test_the_guest_result_buffer_is_found_for_this_build(runtime) -> None:
    # (found by reading strings of known lengths; a host call then reads results without
    # three guest calls each; were it not found, the calls would take the slower way)
    import quickjs_rs

    from dispatch_emu.runtime.js import _quickjs
    from dispatch_emu.runtime.js._vm import QuickJsVm

    _quickjs.compiled_engine(None)
    rt = quickjs_rs.Runtime()
    _quickjs.lean_instances(rt)
    context = rt.new_context()
    try:
        context.eval("1")
        inst = QuickJsVm(context).inst
        field = _quickjs.result_field(inst)
        assert field >= 0
        handle = inst._new_string("h\u00e9llo")
        assert inst.c("get_string", handle) == 0
        address, length = _quickjs._PAIR.unpack(bytes(inst.mem.read(inst.store, field, field + 8)))
        assert bytes(inst.mem.read(inst.store, address, address + length)) == "h\u00e9llo".encode()
        inst.c("qjs_result_free")
        inst.c("free_value", handle)
    finally:
        context.close()
        rt.close()


def test_sign_and_verify_by_name_keep_each_keys_parameters(runtime) -> None:
    # (the JSON of "HMAC" with a key's hash is kept per key: two keys, two hashes, in turns)
    out = run(runtime, """
      const k256 = await crypto.subtle.importKey("raw", utf8("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
      const k1 = await crypto.subtle.importKey("raw", utf8("k"), { name: "HMAC", hash: "SHA-1" }, false, ["sign", "verify"]);
      const r = [];
      for (let i = 0; i < 2; i++) {
        r.push(hex(await crypto.subtle.sign("HMAC", k256, utf8("m"))), hex(await crypto.subtle.sign("hmac", k1, utf8("m"))));
      }
      const sig = await crypto.subtle.sign("HMAC", k1, utf8("m"));
      r.push(await crypto.subtle.verify("HMAC", k1, sig, utf8("m")), await crypto.subtle.verify("HMAC", k256, sig, utf8("m")));
      r.push(await caught(() => crypto.subtle.sign("AES-GCM", k1, utf8("m"))));
      return r;
    """)
    s256, s1 = hmac.new(b"k", b"m", hashlib.sha256).hexdigest(), hmac.new(b"k", b"m", hashlib.sha1).hexdigest()
    assert out[:4] == [s256, s1, s256, s1]
    assert out[4:6] == [True, False]
    assert out[6][0] == "DOMException"
