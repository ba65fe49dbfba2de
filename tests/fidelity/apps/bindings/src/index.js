// Configuration through bindings: vars (text and JSON) and a secret, as env on each request.
const json = (data, init) => Response.json(data, init);

function cors(request, env, response) {
  const origin = request.headers.get("Origin");
  if (origin && env.ALLOWED_ORIGINS.includes(origin)) {
    response.headers.set("Access-Control-Allow-Origin", origin);
    response.headers.set("Vary", "Origin");
  }
  return response;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;

    if (path === "/") return new Response(`${env.GREETING} (${env.ENVIRONMENT})\n`);

    if (path === "/config") {
      return json({
        environment: env.ENVIRONMENT,
        maxItems: Number(env.MAX_ITEMS),
        maxItemsType: typeof env.MAX_ITEMS,
        features: env.FEATURES,
        origins: env.ALLOWED_ORIGINS,
        keys: Object.keys(env).sort(),
      });
    }

    if (path === "/types") {
      return json(Object.fromEntries(Object.keys(env).sort().map((k) => [k, Array.isArray(env[k]) ? "array" : typeof env[k]])));
    }

    if (path.startsWith("/features/")) {
      const name = path.slice("/features/".length);
      if (!(name in env.FEATURES)) return json({ error: `unknown feature ${name}` }, { status: 404 });
      return json({ feature: name, value: env.FEATURES[name] });
    }

    if (path === "/items") {
      const max = Number(env.MAX_ITEMS);
      const requested = Number(url.searchParams.get("count") ?? "10");
      if (!Number.isInteger(requested) || requested < 0) return json({ error: "bad count" }, { status: 400 });
      const count = Math.min(requested, max);
      return json({ count, capped: requested > max, items: Array.from({ length: count }, (_, i) => i + 1) });
    }

    if (path === "/private") {
      const key = request.headers.get("X-API-Key");
      if (!key) return json({ error: "missing X-API-Key" }, { status: 401, headers: { "WWW-Authenticate": "ApiKey" } });
      if (key !== env.API_KEY) return json({ error: "invalid key" }, { status: 403 });
      return json({ ok: true, keyLength: env.API_KEY.length, keyPrefix: env.API_KEY.slice(0, 3) });
    }

    if (path === "/cors") return cors(request, env, json({ origins: env.ALLOWED_ORIGINS.length }));

    if (path === "/upload" && request.method === "POST") {
      const size = Number(request.headers.get("Content-Length") ?? "0");
      if (!env.FEATURES.beta) return json({ error: "uploads are in beta" }, { status: 403 });
      if (size > env.FEATURES.max_upload_mb * 1024 * 1024) return json({ error: "too large" }, { status: 413 });
      const text = await request.text();
      return json({ received: text.length });
    }

    if (path === "/search") {
      if (!env.FEATURES.search) return json({ error: "search is disabled" }, { status: 501 });
      return json({ results: [] });
    }

    if (path === "/mutate") {
      // env is per-request: a worker that mutates it must not see the change next time
      env.GREETING = "mutated";
      return new Response(env.GREETING);
    }

    return json({ error: "not found" }, { status: 404 });
  },
};
