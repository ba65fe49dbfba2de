var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/crypto.js
var enc = new TextEncoder();
var dec = new TextDecoder();
var hex = /* @__PURE__ */ __name((buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join(""), "hex");
var b64url = /* @__PURE__ */ __name((buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "b64url");
var fromB64url = /* @__PURE__ */ __name((s) => Uint8Array.from(
  atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)),
  (c) => c.charCodeAt(0)
), "fromB64url");
async function digest(algorithm, data) {
  return hex(await crypto.subtle.digest(algorithm, enc.encode(data)));
}
__name(digest, "digest");
async function hmacKey(secret, usages) {
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, usages);
}
__name(hmacKey, "hmacKey");
async function hmacSign(secret, message) {
  return hex(await crypto.subtle.sign("HMAC", await hmacKey(secret, ["sign"]), enc.encode(message)));
}
__name(hmacSign, "hmacSign");
async function hmacVerify(secret, message, signatureHex) {
  const sig = new Uint8Array(signatureHex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  return crypto.subtle.verify("HMAC", await hmacKey(secret, ["verify"]), sig, enc.encode(message));
}
__name(hmacVerify, "hmacVerify");
async function jwtSign(payload, secret) {
  const header = b64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = b64url(enc.encode(JSON.stringify(payload)));
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret, ["sign"]), enc.encode(`${header}.${body}`));
  return `${header}.${body}.${b64url(sig)}`;
}
__name(jwtSign, "jwtSign");
async function jwtVerify(token, secret) {
  const [header, body, sig] = token.split(".");
  if (!sig) return { valid: false, reason: "malformed" };
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, ["verify"]),
    fromB64url(sig),
    enc.encode(`${header}.${body}`)
  );
  return ok ? { valid: true, payload: JSON.parse(dec.decode(fromB64url(body))) } : { valid: false, reason: "signature" };
}
__name(jwtVerify, "jwtVerify");
async function aesGcmRoundTrip(plaintext) {
  const raw = new Uint8Array(32).map((_, i) => i);
  const iv = new Uint8Array(12).map((_, i) => 255 - i);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  const cipher = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, enc.encode(plaintext));
  const back = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, cipher);
  return { ciphertext: hex(cipher), plaintext: dec.decode(back) };
}
__name(aesGcmRoundTrip, "aesGcmRoundTrip");
async function pbkdf2(password, salt, iterations) {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: enc.encode(salt), iterations },
    key,
    256
  );
  return hex(bits);
}
__name(pbkdf2, "pbkdf2");
async function ecdsaRoundTrip(message) {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const sig = await crypto.subtle.sign(algorithm, pair.privateKey, enc.encode(message));
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return {
    signatureBytes: sig.byteLength,
    verifies: await crypto.subtle.verify(algorithm, pair.publicKey, sig, enc.encode(message)),
    rejectsOther: !await crypto.subtle.verify(algorithm, pair.publicKey, sig, enc.encode(`${message}!`)),
    jwk: { kty: jwk.kty, crv: jwk.crv, hasX: typeof jwk.x === "string", hasD: "d" in jwk }
  };
}
__name(ecdsaRoundTrip, "ecdsaRoundTrip");

// src/streams.js
var enc2 = new TextEncoder();
function countingStream(n) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= n) return controller.close();
      controller.enqueue(enc2.encode(`line ${++i}
`));
    }
  });
}
__name(countingStream, "countingStream");
function upperCase() {
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk.toUpperCase());
    }
  });
}
__name(upperCase, "upperCase");
async function readAll(stream) {
  const reader = stream.getReader();
  const chunks = [];
  for (; ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks;
}
__name(readAll, "readAll");
async function gzipRoundTrip(text) {
  const compressed = new Response(text).body.pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(compressed).arrayBuffer());
  const back = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))
  ).text();
  return { magic: [bytes[0], bytes[1]], smaller: bytes.length < text.length, back: back === text };
}
__name(gzipRoundTrip, "gzipRoundTrip");

// src/index.js
var SECRET = "webapis-secret";
var json = /* @__PURE__ */ __name((data, status = 200) => Response.json(data, { status }), "json");
var GZIP_HELLO = "H4sIAAAAAAACA8tIzcnJV0ivyiwAABlq0t8KAAAA";
var routes = {
  "GET /": /* @__PURE__ */ __name(() => new Response("web APIs worker\n"), "GET /"),
  // --- crypto
  "POST /digest": /* @__PURE__ */ __name(async (req, url) => {
    const alg = url.searchParams.get("alg") ?? "SHA-256";
    return json({ alg, hex: await digest(alg, await req.text()) });
  }, "POST /digest"),
  "POST /hmac/sign": /* @__PURE__ */ __name(async (req) => new Response(await hmacSign(SECRET, await req.text())), "POST /hmac/sign"),
  "POST /hmac/verify": /* @__PURE__ */ __name(async (req, url) => json({ valid: await hmacVerify(SECRET, await req.text(), url.searchParams.get("sig") ?? "") }), "POST /hmac/verify"),
  "POST /jwt/sign": /* @__PURE__ */ __name(async (req) => json({ token: await jwtSign(await req.json(), SECRET) }), "POST /jwt/sign"),
  "GET /jwt/verify": /* @__PURE__ */ __name(async (req) => {
    const auth = req.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) return json({ error: "missing bearer token" }, 401);
    const result = await jwtVerify(auth.slice(7), SECRET);
    return json(result, result.valid ? 200 : 401);
  }, "GET /jwt/verify"),
  "POST /aes-gcm": /* @__PURE__ */ __name(async (req) => json(await aesGcmRoundTrip(await req.text())), "POST /aes-gcm"),
  "GET /pbkdf2": /* @__PURE__ */ __name(async (req, url) => json({ key: await pbkdf2(url.searchParams.get("password") ?? "", "NaCl", 1e3) }), "GET /pbkdf2"),
  "GET /ecdsa": /* @__PURE__ */ __name(async () => json(await ecdsaRoundTrip("signed by a fresh key")), "GET /ecdsa"),
  "GET /random": /* @__PURE__ */ __name(() => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const uuid = crypto.randomUUID();
    return json({ bytes: bytes.length, uuidShape: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid) });
  }, "GET /random"),
  "GET /timing-safe": /* @__PURE__ */ __name((req, url) => {
    const a = new TextEncoder().encode(url.searchParams.get("a") ?? "");
    const b = new TextEncoder().encode(url.searchParams.get("b") ?? "");
    return json({ equal: a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b) });
  }, "GET /timing-safe"),
  // --- streams
  "GET /stream/count": /* @__PURE__ */ __name((req, url) => new Response(countingStream(Number(url.searchParams.get("n") ?? "5")), {
    headers: { "content-type": "text/plain; charset=utf-8" }
  }), "GET /stream/count"),
  "POST /stream/upper": /* @__PURE__ */ __name((req) => new Response(
    req.body.pipeThrough(new TextDecoderStream()).pipeThrough(upperCase()).pipeThrough(new TextEncoderStream()),
    { headers: { "content-type": "text/plain; charset=utf-8" } }
  ), "POST /stream/upper"),
  "GET /stream/tee": /* @__PURE__ */ __name(async () => {
    const [a, b] = countingStream(3).tee();
    const [ca, cb] = await Promise.all([readAll(a), readAll(b)]);
    return json({ a: ca.length, b: cb.length, same: ca.every((c, i) => hex(c) === hex(cb[i])) });
  }, "GET /stream/tee"),
  "GET /stream/pipe-to": /* @__PURE__ */ __name(async () => {
    const collected = [];
    const sink = new WritableStream({
      write(chunk) {
        collected.push(new TextDecoder().decode(chunk));
      }
    });
    await countingStream(4).pipeTo(sink);
    return json({ collected });
  }, "GET /stream/pipe-to"),
  "POST /stream/gzip-roundtrip": /* @__PURE__ */ __name(async (req) => json(await gzipRoundTrip(await req.text())), "POST /stream/gzip-roundtrip"),
  "GET /stream/gunzip": /* @__PURE__ */ __name(async () => {
    const bytes = Uint8Array.from(atob(GZIP_HELLO), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream);
  }, "GET /stream/gunzip"),
  "GET /stream/identity-transform": /* @__PURE__ */ __name(() => {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    (async () => {
      for (const part of ["alpha ", "beta ", "gamma\n"]) await writer.write(new TextEncoder().encode(part));
      await writer.close();
    })();
    return new Response(readable);
  }, "GET /stream/identity-transform"),
  "GET /text-decoder-stream": /* @__PURE__ */ __name(() => {
    const decoder = new TextDecoder();
    const text = decoder.decode(new Uint8Array([99, 97, 102, 195]), { stream: true }) + decoder.decode(new Uint8Array([169, 33]));
    const latin1 = new TextDecoder("latin1").decode(new Uint8Array([99, 97, 102, 233]));
    return json({ text, latin1 });
  }, "GET /text-decoder-stream"),
  // --- forms and blobs
  "POST /form": /* @__PURE__ */ __name(async (req) => {
    const form = await req.formData();
    const out = {};
    for (const [key, value] of form) {
      out[key] = typeof value === "string" ? value : { name: value.name, type: value.type, size: value.size, text: await value.text() };
    }
    return json({ fields: out, tags: form.getAll("tag") });
  }, "POST /form"),
  "GET /form/response": /* @__PURE__ */ __name(async () => {
    const form = new FormData();
    form.append("greeting", "hello");
    form.append("file", new Blob(["file body"], { type: "text/plain" }), "note.txt");
    const response = new Response(form);
    const parsed = await response.formData();
    return json({
      multipart: response.headers.get("content-type").startsWith("multipart/form-data; boundary="),
      greeting: parsed.get("greeting"),
      file: parsed.get("file").name
    });
  }, "GET /form/response"),
  "GET /form/urlencoded-response": /* @__PURE__ */ __name(() => new Response(new URLSearchParams({ a: "1", b: "x y" })), "GET /form/urlencoded-response"),
  "GET /blob": /* @__PURE__ */ __name(async () => {
    const blob = new Blob(["hello ", "blob"], { type: "text/plain" });
    const slice = blob.slice(6);
    return json({ size: blob.size, type: blob.type, text: await blob.text(), slice: await slice.text() });
  }, "GET /blob"),
  "GET /blob/response": /* @__PURE__ */ __name(() => new Response(new Blob(["<b>blob body</b>"], { type: "text/html" })), "GET /blob/response"),
  // --- the rest of the platform
  "GET /abort": /* @__PURE__ */ __name(async () => {
    const controller = new AbortController();
    const seen = [];
    controller.signal.addEventListener("abort", () => seen.push("abort event"));
    controller.abort(new Error("stop"));
    return json({ aborted: controller.signal.aborted, reason: controller.signal.reason.message, seen });
  }, "GET /abort"),
  "GET /structured-clone": /* @__PURE__ */ __name(() => {
    const original = { date: /* @__PURE__ */ new Date(0), map: /* @__PURE__ */ new Map([["k", 1]]), nested: { list: [1, 2] } };
    const copy = structuredClone(original);
    return json({
      distinct: copy !== original && copy.nested !== original.nested,
      date: copy.date.toISOString(),
      map: [...copy.map]
    });
  }, "GET /structured-clone"),
  "GET /url-pattern": /* @__PURE__ */ __name(() => {
    const pattern = new URLPattern({ pathname: "/books/:id" });
    const match = pattern.exec("https://example.com/books/42");
    return json({ test: pattern.test("https://example.com/books/7"), id: match.pathname.groups.id });
  }, "GET /url-pattern"),
  "GET /platform": /* @__PURE__ */ __name(async () => {
    const t0 = performance.now();
    await scheduler.wait(20);
    return json({
      userAgent: "Cloudflare-Workers",
      waited: performance.now() - t0 >= 20,
      timeOrigin: typeof performance.timeOrigin
    });
  }, "GET /platform"),
  "GET /abort-timeout": /* @__PURE__ */ __name(async () => {
    const signal = AbortSignal.timeout(10);
    await scheduler.wait(50);
    return json({ aborted: signal.aborted, reason: signal.reason?.name ?? null });
  }, "GET /abort-timeout"),
  "GET /text-decoder-labels": /* @__PURE__ */ __name(() => {
    const utf16 = new TextDecoder("utf-16le").decode(new Uint8Array([104, 0, 105, 0, 172, 32]));
    const cp1252 = new TextDecoder("windows-1252").decode(new Uint8Array([128, 65]));
    return json({ utf16, cp1252, encoding: new TextDecoder("latin1").encoding });
  }, "GET /text-decoder-labels"),
  "POST /digest-stream": /* @__PURE__ */ __name(async (req) => {
    const stream = new crypto.DigestStream("SHA-256");
    await req.body.pipeTo(stream);
    return json({ hex: hex(await stream.digest) });
  }, "POST /digest-stream"),
  "GET /event-target": /* @__PURE__ */ __name(() => {
    const target = new EventTarget();
    const got = [];
    target.addEventListener("ping", (e) => got.push(e.detail));
    target.dispatchEvent(new CustomEvent("ping", { detail: "pong" }));
    return json({ got });
  }, "GET /event-target")
};
var index_default = {
  async fetch(request) {
    const url = new URL(request.url);
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler) return json({ error: "no such route" }, 404);
    try {
      return await handler(request, url);
    } catch (err) {
      return json({ error: `${err.name}: ${err.message}` }, 500);
    }
  }
};
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
