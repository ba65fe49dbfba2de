"""Error messages and shapes of the Web APIs, as workerd gives them.

The worker below was run once under ``wrangler dev`` (workerd, wrangler 4.86, compatibility
date 2025-01-01) and its answer is ``WORKERD`` verbatim: which HTTP methods ``new
Request()`` takes, the message of every URL that does not parse, ``Response``'s status
checks, ``getRandomValues``' errors, a fatal ``TextDecoder``, cloning a used body, and the
member order of exported JSON Web Keys. dispatch_emu must answer the same, word for word.
``EVENTS`` and ``WORKERD_EVENTS`` do the same for the events workerd has besides ``Event``
and ``CustomEvent``: ``ErrorEvent``, ``MessageEvent``, ``CloseEvent`` and the two it does not
let a worker construct.
"""

from __future__ import annotations

import json

import pytest

from dispatch_emu.runtime import Runtime, RuntimeSettings
from tests.runtime.js_snippets import worker

SOURCE = """
const enc = new TextEncoder();
async function attempt(f) { try { return await f(); } catch (e) { return 'throws ' + e.name + ': ' + JSON.stringify(e.message) + (e instanceof DOMException ? ' DOMException code ' + e.code : ''); } }
const M = ['GET','HEAD','POST','PUT','DELETE','PATCH','PURGE','OPTIONS','TRACE','COPY','LOCK','MKCOL','MOVE','PROPFIND','PROPPATCH','SEARCH','UNLOCK','ACL','REPORT','MKACTIVITY','CHECKOUT','MERGE','M-SEARCH','MSEARCH','NOTIFY','SUBSCRIBE','UNSUBSCRIBE','QUERY','BAN','CONNECT','TRACK','FOO','LINK','UNLINK','BIND','REBIND','UNBIND','MKCALENDAR','ORDERPATCH','SOURCE','PRI','Get','propfind','m-search', 'DESCRIBE', 'VERSION-CONTROL', 'MKWORKSPACE', 'UPDATE', 'LABEL', 'BASELINE-CONTROL'];
const checks = {
  cloneUsed: async () => { const r = new Response('abc'); await r.text(); return attempt(() => r.clone()); },
  cloneUsedReq: async () => { const r = new Request('https://x/', {method: 'POST', body: 'abc'}); await r.text(); return attempt(() => r.clone()); },
  methods: () => Promise.all(['CONNECT', 'TRACE', 'TRACK', 'FOO', 'get', 'patch', 'PROPFIND', 'connect'].map((m) => attempt(() => new Request('https://x/', {method: m}).method))),
  urls: () => Promise.all(['http://a:99999/', 'http://', '/rel', 'http://a b/', 'mailto:x', 'http://[::1/', 'https://a%00b/'].map((u) => attempt(() => new URL(u).href))),
  urlBase: () => attempt(() => new URL('x', 'mailto:y').href),
  urlBadBase: () => attempt(() => new URL('x', 'nope').href),
  jwkHmac: async () => JSON.stringify(await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('raw', new Uint8Array(32), {name: 'HMAC', hash: 'SHA-256'}, true, ['sign']))),
  jwkEc: async () => { const kp = await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign', 'verify']); return [Object.keys(await crypto.subtle.exportKey('jwk', kp.publicKey)), Object.keys(await crypto.subtle.exportKey('jwk', kp.privateKey))]; },
  jwkAesCbc: async () => Object.keys(await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-CBC', true, ['encrypt']))),
  randFloat: () => attempt(() => crypto.getRandomValues(new Float64Array(2))),
  randBig: () => attempt(() => crypto.getRandomValues(new Uint8Array(65537))),
  randNot: () => attempt(() => crypto.getRandomValues([1, 2])),
  fatal: () => attempt(() => new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xc3]))),
  status: () => Promise.all([99, 600, 1000, 0].map((s) => attempt(() => new Response('x', {status: s}).status))),
  nullBody: () => Promise.all([204, 205, 304].map((s) => attempt(() => new Response('x', {status: s}).status))),
  status101: () => attempt(() => new Response(null, {status: 101}).status),
};
export default { async fetch() {
  const out = {};
  for (const [k, f] of Object.entries(checks)) out[k] = await f();
  const ok = [], bad = [];
  for (const m of M) { try { ok.push(m + '->' + new Request('https://x/', {method: m}).method); } catch (e) { bad.push(m + ':' + e.message); } }
  out.methodsAccepted = ok; out.methodsRefused = bad;
  out.requestUrl = await attempt(() => new Request('/relative'));
  return Response.json(out);
} };
"""

WORKERD = {'cloneUsed': 'throws TypeError: "This ReadableStream is currently locked to a reader,"',
 'cloneUsedReq': 'throws TypeError: "This ReadableStream is currently locked to a reader,"',
 'methods': ['throws TypeError: "Invalid HTTP method string: CONNECT"',
             'TRACE',
             'throws TypeError: "Invalid HTTP method string: TRACK"',
             'throws TypeError: "Invalid HTTP method string: FOO"',
             'GET',
             'PATCH',
             'PROPFIND',
             'throws TypeError: "Invalid HTTP method string: connect"'],
 'urls': ['throws TypeError: "Invalid URL string."',
          'throws TypeError: "Invalid URL string."',
          'throws TypeError: "Invalid URL string."',
          'throws TypeError: "Invalid URL string."',
          'mailto:x',
          'throws TypeError: "Invalid URL string."',
          'throws TypeError: "Invalid URL string."'],
 'urlBase': 'throws TypeError: "Invalid URL string."',
 'urlBadBase': 'throws TypeError: "Invalid URL string."',
 'jwkHmac': '{"kty":"oct","key_ops":["sign"],"alg":"HS256","ext":true,"k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}',
 'jwkEc': [['kty', 'key_ops', 'ext', 'crv', 'x', 'y'], ['kty', 'key_ops', 'ext', 'crv', 'x', 'y', 'd']],
 'jwkAesCbc': ['kty', 'key_ops', 'alg', 'ext', 'k'],
 'randFloat': 'throws TypeMismatchError: "ArrayBufferView argument to getRandomValues() must be an '
              'integer-typed view." DOMException code 17',
 'randBig': 'throws QuotaExceededError: "getRandomValues() only accepts buffers of size <= 64K but provided '
            '65537 bytes." DOMException code 22',
 'randNot': 'throws TypeError: "Failed to execute \'getRandomValues\' on \'Crypto\': parameter 1 is not of '
            'type \'JsArrayBufferView\'."',
 'fatal': 'throws TypeError: "Failed to decode input."',
 'status': ['throws RangeError: "Responses may only be constructed with status codes in the range 200 to '
            '599, inclusive."',
            'throws RangeError: "Responses may only be constructed with status codes in the range 200 to '
            '599, inclusive."',
            'throws RangeError: "Responses may only be constructed with status codes in the range 200 to '
            '599, inclusive."',
            'throws RangeError: "Responses may only be constructed with status codes in the range 200 to '
            '599, inclusive."'],
 'nullBody': ['throws TypeError: "Response with null body status (101, 204, 205, or 304) cannot have a '
              'body."',
              'throws TypeError: "Response with null body status (101, 204, 205, or 304) cannot have a '
              'body."',
              'throws TypeError: "Response with null body status (101, 204, 205, or 304) cannot have a '
              'body."'],
 'status101': 'throws RangeError: "Responses may only be constructed with status codes in the range 200 to '
              '599, inclusive."',
 'methodsAccepted': ['GET->GET',
                     'HEAD->HEAD',
                     'POST->POST',
                     'PUT->PUT',
                     'DELETE->DELETE',
                     'PATCH->PATCH',
                     'PURGE->PURGE',
                     'OPTIONS->OPTIONS',
                     'TRACE->TRACE',
                     'COPY->COPY',
                     'LOCK->LOCK',
                     'MKCOL->MKCOL',
                     'MOVE->MOVE',
                     'PROPFIND->PROPFIND',
                     'PROPPATCH->PROPPATCH',
                     'SEARCH->SEARCH',
                     'UNLOCK->UNLOCK',
                     'ACL->ACL',
                     'REPORT->REPORT',
                     'MKACTIVITY->MKACTIVITY',
                     'CHECKOUT->CHECKOUT',
                     'MERGE->MERGE',
                     'MSEARCH->MSEARCH',
                     'NOTIFY->NOTIFY',
                     'SUBSCRIBE->SUBSCRIBE',
                     'UNSUBSCRIBE->UNSUBSCRIBE',
                     'QUERY->QUERY',
                     'BAN->BAN',
                     'Get->GET',
                     'propfind->PROPFIND'],
 'methodsRefused': ['M-SEARCH:Invalid HTTP method string: M-SEARCH',
                    'CONNECT:Invalid HTTP method string: CONNECT',
                    'TRACK:Invalid HTTP method string: TRACK',
                    'FOO:Invalid HTTP method string: FOO',
                    'LINK:Invalid HTTP method string: LINK',
                    'UNLINK:Invalid HTTP method string: UNLINK',
                    'BIND:Invalid HTTP method string: BIND',
                    'REBIND:Invalid HTTP method string: REBIND',
                    'UNBIND:Invalid HTTP method string: UNBIND',
                    'MKCALENDAR:Invalid HTTP method string: MKCALENDAR',
                    'ORDERPATCH:Invalid HTTP method string: ORDERPATCH',
                    'SOURCE:Invalid HTTP method string: SOURCE',
                    'PRI:Invalid HTTP method string: PRI',
                    'm-search:Invalid HTTP method string: m-search',
                    'DESCRIBE:Invalid HTTP method string: DESCRIBE',
                    'VERSION-CONTROL:Invalid HTTP method string: VERSION-CONTROL',
                    'MKWORKSPACE:Invalid HTTP method string: MKWORKSPACE',
                    'UPDATE:Invalid HTTP method string: UPDATE',
                    'LABEL:Invalid HTTP method string: LABEL',
                    'BASELINE-CONTROL:Invalid HTTP method string: BASELINE-CONTROL'],
 'requestUrl': 'throws TypeError: "Invalid URL: /relative"'}


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=3000, wall_ms=10000)) as rt:
        yield rt


def test_the_web_apis_fail_in_workerds_words(runtime) -> None:
    answer = json.loads(worker(runtime, SOURCE).body)
    different = {key: (answer.get(key), expected) for key, expected in WORKERD.items() if answer.get(key) != expected}
    assert different == {}


EVENTS = """
export default {
  async fetch() {
    const out = {};
    const props = (e, keys) => Object.fromEntries(keys.map((k) => [k, e[k] === undefined ? "undefined" : e[k]]));
    const err = new Error("boom");
    out.errorDefault = props(new ErrorEvent("error"), ["type", "message", "filename", "lineno", "colno", "error"]);
    const ee = new ErrorEvent("error", { message: "m", filename: "f.js", lineno: 3, colno: 4, error: err, cancelable: true });
    out.error = props(ee, ["type", "message", "filename", "lineno", "colno", "cancelable"]);
    out.errorIsErr = ee.error === err;
    out.errorIsEvent = ee instanceof Event;
    const attempt = (f) => { try { return f(); } catch (e) { return e.name + ": " + e.message; } };
    out.messageNoInit = attempt(() => new MessageEvent("message").type);
    out.messageEmptyInit = attempt(() => props(new MessageEvent("message", {}), ["type", "data", "origin", "lastEventId", "source", "ports"]));
    out.messageNullData = attempt(() => props(new MessageEvent("message", {data: null}), ["type", "data", "origin", "lastEventId", "source", "ports"]));
    out.message = props(new MessageEvent("message", { data: { a: 1 } }), ["data"]).data.a;
    out.closeDefault = attempt(() => props(new CloseEvent("close"), ["type", "code", "reason", "wasClean"]));
    out.close = attempt(() => props(new CloseEvent("close", { code: 1001, reason: "bye", wasClean: true }), ["code", "reason", "wasClean"]));
    const p = Promise.reject(1); p.catch(() => {});
    out.rejection = attempt(() => { const pre = new PromiseRejectionEvent("unhandledrejection", { promise: p, reason: 7 }); return [pre.promise === p, pre.reason, pre.type]; });
    out.rejectionNoInit = await (async () => { try { new PromiseRejectionEvent("x"); return "ok"; } catch (e) { return e.name + ": " + e.message; } })();
    out.extendable = attempt(() => [typeof new ExtendableEvent("x").waitUntil, new ExtendableEvent("x") instanceof Event]);
    out.extendableWait = attempt(() => new ExtendableEvent("x").waitUntil(Promise.resolve()));
    out.names = [ErrorEvent.name, MessageEvent.name, CloseEvent.name, PromiseRejectionEvent.name];
    out.toStringTags = attempt(() => [Object.prototype.toString.call(ee), Object.prototype.toString.call(new CloseEvent("c"))]);
    out.errBubbles = attempt(() => { const e = new ErrorEvent("error", { bubbles: true, cancelable: true, lineno: "5", colno: -1, message: 7 }); return [e.bubbles, e.cancelable, e.lineno, e.colno, e.message]; });
    out.errNoType = attempt(() => new ErrorEvent().type);
    out.msgOrigin = attempt(() => { const e = new MessageEvent("m", { data: 1, origin: "https://o", lastEventId: "9", bubbles: true }); return [e.origin, e.lastEventId, e.bubbles]; });
    out.msgNull = attempt(() => new MessageEvent("m", null).type);
    out.closeCoerce = attempt(() => { const e = new CloseEvent("c", { code: "1001", reason: 5, wasClean: 1, cancelable: true }); return [e.code, e.reason, e.wasClean, e.cancelable]; });
    out.closeNull = attempt(() => new CloseEvent("c", null).code);
    out.tags = [Object.prototype.toString.call(new Event("x")), Object.prototype.toString.call(new CustomEvent("x")), String(Symbol.toStringTag in Event.prototype)];
    out.proto = [Object.getPrototypeOf(ErrorEvent.prototype) === Event.prototype, Object.getPrototypeOf(CloseEvent.prototype) === Event.prototype, Object.getPrototypeOf(MessageEvent.prototype) === Event.prototype];
    out.ownKeys = Object.keys(new ErrorEvent("e"));
    return Response.json(out);
  },
};
"""

WORKERD_EVENTS = {'errorDefault': {'type': 'error',
                  'message': '',
                  'filename': '',
                  'lineno': 0,
                  'colno': 0,
                  'error': 'undefined'},
 'error': {'type': 'error', 'message': 'm', 'filename': 'f.js', 'lineno': 3, 'colno': 4, 'cancelable': False},
 'errorIsErr': True,
 'errorIsEvent': True,
 'messageNoInit': "TypeError: Failed to construct 'MessageEvent': constructor parameter 2 is not of type "
                  "'Initializer'.",
 'messageEmptyInit': {'type': 'message',
                      'data': 'undefined',
                      'origin': None,
                      'lastEventId': '',
                      'source': None,
                      'ports': []},
 'messageNullData': {'type': 'message',
                     'data': None,
                     'origin': None,
                     'lastEventId': '',
                     'source': None,
                     'ports': []},
 'message': 1,
 'closeDefault': {'type': 'close', 'code': 0, 'reason': '', 'wasClean': False},
 'close': {'code': 1001, 'reason': 'bye', 'wasClean': True},
 'rejection': 'TypeError: Illegal constructor',
 'rejectionNoInit': 'TypeError: Illegal constructor',
 'extendable': 'TypeError: Illegal constructor',
 'extendableWait': 'TypeError: Illegal constructor',
 'names': ['ErrorEvent', 'MessageEvent', 'CloseEvent', 'PromiseRejectionEvent'],
 'toStringTags': ['[object ErrorEvent]', '[object CloseEvent]'],
 'errBubbles': [False, False, 5, -1, '7'],
 'errNoType': "TypeError: Failed to construct 'ErrorEvent': constructor parameter 1 is not of type 'string'.",
 'msgOrigin': [None, '', False],
 'msgNull': 'TypeError: Cannot initialize N7workerd3api12MessageEvent11InitializerE with required members '
            'from an undefined or null value.',
 'closeCoerce': [1001, '5', True, False],
 'closeNull': 0,
 'tags': ['[object Event]', '[object CustomEvent]', 'true'],
 'proto': [True, True, True],
 'ownKeys': []}


def test_the_events_construct_as_on_workerd(runtime) -> None:
    answer = json.loads(worker(runtime, EVENTS).body)
    different = {key: (answer.get(key), expected) for key, expected in WORKERD_EVENTS.items() if answer.get(key) != expected}
    assert different == {}
