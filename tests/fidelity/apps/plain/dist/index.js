var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/util.js
var json = /* @__PURE__ */ __name((data, init = {}) => new Response(JSON.stringify(data), {
  ...init,
  headers: { "content-type": "application/json; charset=utf-8", ...init.headers ?? {} }
}), "json");
function parseCookies(header) {
  const out = {};
  for (const part of (header ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name) out[name] = decodeURIComponent(rest.join("="));
  }
  return out;
}
__name(parseCookies, "parseCookies");
function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
__name(hex, "hex");
function fnv1a(text) {
  let hash = 2166136261;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
__name(fnv1a, "fnv1a");

// src/index.js
var ARTICLE = "Workers run on V8 isolates at the edge.\n".repeat(20);
var ARTICLE_ETAG = `"${fnv1a(ARTICLE)}"`;
var started = 0;
async function handle(request, env, ctx) {
  const url = new URL(request.url);
  const { pathname, searchParams } = url;
  if (pathname === "/") return new Response("plain worker\n");
  if (pathname === "/info") {
    return json({
      method: request.method,
      href: url.href,
      host: url.host,
      protocol: url.protocol,
      search: url.search,
      params: Object.fromEntries(searchParams),
      all: searchParams.getAll("v"),
      redirect: request.redirect,
      hasSignal: typeof request.signal === "object" && request.signal !== null,
      bodyUsed: request.bodyUsed
    });
  }
  if (pathname === "/methods") {
    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { allow: "GET, POST, OPTIONS" } });
    }
    if (request.method !== "GET" && request.method !== "POST") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, POST, OPTIONS" } });
    }
    return new Response(`${request.method} ok
`);
  }
  if (pathname === "/echo" && request.method === "POST") {
    const type = request.headers.get("content-type") ?? "";
    if (type.startsWith("application/json")) {
      try {
        const data = await request.json();
        return json({ received: data, type: Array.isArray(data) ? "array" : typeof data });
      } catch (err) {
        return json({ error: "invalid JSON", name: err.name }, { status: 400 });
      }
    }
    const bytes = new Uint8Array(await request.arrayBuffer());
    return json({ length: bytes.length, first: bytes[0] ?? null, text: new TextDecoder().decode(bytes) });
  }
  if (pathname === "/article") {
    const headers = { etag: ARTICLE_ETAG, "cache-control": "public, max-age=60", "content-type": "text/plain" };
    if (request.headers.get("if-none-match") === ARTICLE_ETAG) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : ARTICLE, { headers });
  }
  if (pathname === "/cookies") {
    const cookies = parseCookies(request.headers.get("cookie"));
    const visits = Number(cookies.visits ?? "0") + 1;
    const response = json({ cookies, visits });
    response.headers.append("set-cookie", `visits=${visits}; Path=/; Max-Age=86400; SameSite=Lax`);
    response.headers.append("set-cookie", "seen=1; Path=/; HttpOnly");
    return response;
  }
  if (pathname === "/redirect") {
    const to = searchParams.get("to") ?? "/";
    return Response.redirect(new URL(to, url).toString(), Number(searchParams.get("status") ?? "302"));
  }
  if (pathname === "/status") {
    const code = Number(searchParams.get("code") ?? "200");
    return new Response(`status ${code}
`, { status: code, statusText: searchParams.get("text") ?? void 0 });
  }
  if (pathname === "/status-text") {
    const r = new Response("");
    const custom = new Response("", { status: 201, statusText: "Made" });
    return json({ default: r.statusText, status: r.status, ok: r.ok, custom: custom.statusText });
  }
  if (pathname === "/binary") {
    const bytes = new Uint8Array(256);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i;
    return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
  }
  if (pathname === "/large") {
    const size = Number(searchParams.get("kb") ?? "64") * 1024;
    return new Response("x".repeat(size), { headers: { "content-type": "text/plain" } });
  }
  if (pathname === "/base64") {
    const input = searchParams.get("s") ?? "";
    return json({ encoded: btoa(input), decoded: atob(btoa(input)) });
  }
  if (pathname === "/encoding") {
    const text = searchParams.get("s") ?? "h\xE9llo w\xF6rld \u2713";
    const bytes = new TextEncoder().encode(text);
    return json({ length: text.length, bytes: bytes.length, hex: hex(bytes), back: new TextDecoder().decode(bytes) });
  }
  if (pathname === "/clone") {
    const copy = request.clone();
    const [a, b] = await Promise.all([request.text(), copy.text()]);
    const response = new Response(`${a}|${b}`);
    const twin = response.clone();
    return new Response(`${await twin.text()}|${response.bodyUsed}`, { headers: { "x-cloned": "yes" } });
  }
  if (pathname === "/headers") {
    const h = new Headers({ "X-B": "2", "x-a": "1" });
    h.append("x-a", "one");
    h.set("Content-Type", "text/plain");
    h.delete("x-b");
    const incoming = request.headers.get("x-multi");
    return json({ entries: [...h], has: h.has("X-A"), incoming });
  }
  if (pathname === "/url") {
    const base = new URL("https://example.com/a/b/c?x=1#frag");
    const rel = new URL("../d?y=2", base);
    const u = new URL("https://user:pw@example.com:8443/p%20q/?a=1&b=2");
    u.searchParams.append("c", "3 4");
    u.searchParams.delete("a");
    return json({
      rel: rel.href,
      u: u.href,
      origin: u.origin,
      port: u.port,
      username: u.username,
      pathname: u.pathname,
      sorted: new URLSearchParams("b=2&a=1&c=3").toString(),
      encoded: encodeURIComponent("a b&c/d")
    });
  }
  if (pathname === "/idna") {
    const u = new URL("https://b\xFCcher.example/stra\xDFe?q=\xFC");
    return json({ host: u.host, href: u.href, pathname: u.pathname });
  }
  if (pathname === "/json-api") {
    return Response.json({ ok: true, nested: { list: [1, 2, 3], nil: null }, unicode: "\xFCn\xEFc\xF8d\xE9" }, { status: 200 });
  }
  if (pathname === "/wait") {
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 50)));
    return new Response("answered before the background work ends\n");
  }
  if (pathname === "/timer") {
    const t0 = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waited = Date.now() - t0;
    return json({ waitedAtLeast200: waited >= 200, waitedUnder2s: waited < 2e3 });
  }
  if (pathname === "/state") {
    started += 1;
    return json({ positive: started > 0 });
  }
  if (pathname === "/caught") {
    try {
      JSON.parse("{not json");
    } catch (err) {
      return json({ name: err.name, isSyntaxError: err instanceof SyntaxError }, { status: 400 });
    }
  }
  if (pathname === "/empty") return new Response(null, { status: 204 });
  return json({ error: "Not Found", path: pathname }, { status: 404 });
}
__name(handle, "handle");
var index_default = {
  fetch: handle
};
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
