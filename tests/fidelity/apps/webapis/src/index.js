// Crypto, streams and forms: the Web APIs beyond fetch that real workers lean on.
import {
  aesGcmRoundTrip, digest, ecdsaRoundTrip, hex, hmacSign, hmacVerify, jwtSign, jwtVerify, pbkdf2,
} from "./crypto.js";
import { countingStream, gzipRoundTrip, readAll, upperCase } from "./streams.js";

const SECRET = "webapis-secret";
const json = (data, status = 200) => Response.json(data, { status });

// "hello gzip", gzip-compressed with mtime 0: a fixed input for DecompressionStream
const GZIP_HELLO = "H4sIAAAAAAACA8tIzcnJV0ivyiwAABlq0t8KAAAA";

const routes = {
  "GET /": () => new Response("web APIs worker\n"),

  // --- crypto
  "POST /digest": async (req, url) => {
    const alg = url.searchParams.get("alg") ?? "SHA-256";
    return json({ alg, hex: await digest(alg, await req.text()) });
  },
  "POST /hmac/sign": async (req) => new Response(await hmacSign(SECRET, await req.text())),
  "POST /hmac/verify": async (req, url) =>
    json({ valid: await hmacVerify(SECRET, await req.text(), url.searchParams.get("sig") ?? "") }),
  "POST /jwt/sign": async (req) => json({ token: await jwtSign(await req.json(), SECRET) }),
  "GET /jwt/verify": async (req) => {
    const auth = req.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ")) return json({ error: "missing bearer token" }, 401);
    const result = await jwtVerify(auth.slice(7), SECRET);
    return json(result, result.valid ? 200 : 401);
  },
  "POST /aes-gcm": async (req) => json(await aesGcmRoundTrip(await req.text())),
  "GET /pbkdf2": async (req, url) =>
    json({ key: await pbkdf2(url.searchParams.get("password") ?? "", "NaCl", 1000) }),
  "GET /ecdsa": async () => json(await ecdsaRoundTrip("signed by a fresh key")),
  "GET /random": () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const uuid = crypto.randomUUID();
    return json({ bytes: bytes.length, uuidShape: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid) });
  },
  "GET /timing-safe": (req, url) => {
    const a = new TextEncoder().encode(url.searchParams.get("a") ?? "");
    const b = new TextEncoder().encode(url.searchParams.get("b") ?? "");
    return json({ equal: a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b) });
  },

  // --- streams
  "GET /stream/count": (req, url) =>
    new Response(countingStream(Number(url.searchParams.get("n") ?? "5")), {
      headers: { "content-type": "text/plain; charset=utf-8" },
    }),
  "POST /stream/upper": (req) =>
    new Response(
      req.body.pipeThrough(new TextDecoderStream()).pipeThrough(upperCase()).pipeThrough(new TextEncoderStream()),
      { headers: { "content-type": "text/plain; charset=utf-8" } },
    ),
  "GET /stream/tee": async () => {
    const [a, b] = countingStream(3).tee();
    const [ca, cb] = await Promise.all([readAll(a), readAll(b)]);
    return json({ a: ca.length, b: cb.length, same: ca.every((c, i) => hex(c) === hex(cb[i])) });
  },
  "GET /stream/pipe-to": async () => {
    const collected = [];
    const sink = new WritableStream({
      write(chunk) {
        collected.push(new TextDecoder().decode(chunk));
      },
    });
    await countingStream(4).pipeTo(sink);
    return json({ collected });
  },
  "POST /stream/gzip-roundtrip": async (req) => json(await gzipRoundTrip(await req.text())),
  "GET /stream/gunzip": async () => {
    const bytes = Uint8Array.from(atob(GZIP_HELLO), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream);
  },
  "GET /stream/identity-transform": () => {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    (async () => {
      for (const part of ["alpha ", "beta ", "gamma\n"]) await writer.write(new TextEncoder().encode(part));
      await writer.close();
    })();
    return new Response(readable);
  },
  "GET /text-decoder-stream": () => {
    // "é" (c3 a9) split across two chunks must decode as one character
    const decoder = new TextDecoder();
    const text = decoder.decode(new Uint8Array([0x63, 0x61, 0x66, 0xc3]), { stream: true }) +
      decoder.decode(new Uint8Array([0xa9, 0x21]));
    const latin1 = new TextDecoder("latin1").decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    return json({ text, latin1 });
  },

  // --- forms and blobs
  "POST /form": async (req) => {
    const form = await req.formData();
    const out = {};
    for (const [key, value] of form) {
      out[key] = typeof value === "string"
        ? value
        : { name: value.name, type: value.type, size: value.size, text: await value.text() };
    }
    return json({ fields: out, tags: form.getAll("tag") });
  },
  "GET /form/response": async () => {
    const form = new FormData();
    form.append("greeting", "hello");
    form.append("file", new Blob(["file body"], { type: "text/plain" }), "note.txt");
    const response = new Response(form);
    const parsed = await response.formData();
    return json({
      multipart: response.headers.get("content-type").startsWith("multipart/form-data; boundary="),
      greeting: parsed.get("greeting"),
      file: parsed.get("file").name,
    });
  },
  "GET /form/urlencoded-response": () => new Response(new URLSearchParams({ a: "1", b: "x y" })),
  "GET /blob": async () => {
    const blob = new Blob(["hello ", "blob"], { type: "text/plain" });
    const slice = blob.slice(6);
    return json({ size: blob.size, type: blob.type, text: await blob.text(), slice: await slice.text() });
  },
  "GET /blob/response": () => new Response(new Blob(["<b>blob body</b>"], { type: "text/html" })),

  // --- the rest of the platform
  "GET /abort": async () => {
    const controller = new AbortController();
    const seen = [];
    controller.signal.addEventListener("abort", () => seen.push("abort event"));
    controller.abort(new Error("stop"));
    return json({ aborted: controller.signal.aborted, reason: controller.signal.reason.message, seen });
  },
  "GET /structured-clone": () => {
    const original = { date: new Date(0), map: new Map([["k", 1]]), nested: { list: [1, 2] } };
    const copy = structuredClone(original);
    return json({
      distinct: copy !== original && copy.nested !== original.nested,
      date: copy.date.toISOString(),
      map: [...copy.map],
    });
  },
  "GET /url-pattern": () => {
    const pattern = new URLPattern({ pathname: "/books/:id" });
    const match = pattern.exec("https://example.com/books/42");
    return json({ test: pattern.test("https://example.com/books/7"), id: match.pathname.groups.id });
  },
  "GET /platform": async () => {
    const t0 = performance.now();
    await scheduler.wait(20);
    return json({
      userAgent: navigator.userAgent,
      waited: performance.now() - t0 >= 20,
      timeOrigin: typeof performance.timeOrigin,
    });
  },
  "GET /abort-timeout": async () => {
    const signal = AbortSignal.timeout(10);
    await scheduler.wait(50);
    return json({ aborted: signal.aborted, reason: signal.reason?.name ?? null });
  },
  "GET /text-decoder-labels": () => {
    const utf16 = new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0x00, 0x69, 0x00, 0xac, 0x20]));
    const cp1252 = new TextDecoder("windows-1252").decode(new Uint8Array([0x80, 0x41]));
    return json({ utf16, cp1252, encoding: new TextDecoder("latin1").encoding });
  },
  "POST /digest-stream": async (req) => {
    const stream = new crypto.DigestStream("SHA-256");
    await req.body.pipeTo(stream);
    return json({ hex: hex(await stream.digest) });
  },
  "GET /event-target": () => {
    const target = new EventTarget();
    const got = [];
    target.addEventListener("ping", (e) => got.push(e.detail));
    target.dispatchEvent(new CustomEvent("ping", { detail: "pong" }));
    return json({ got });
  },
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler) return json({ error: "no such route" }, 404);
    try {
      return await handler(request, url);
    } catch (err) {
      // a caught failure answers with the error's name, as a careful worker would
      return json({ error: `${err.name}: ${err.message}` }, 500);
    }
  },
};
