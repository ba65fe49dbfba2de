// The older service-worker syntax: addEventListener("fetch"), bindings as globals.
const routes = new Map();
const route = (method, path, handler) => routes.set(`${method} ${path}`, handler);

function jsonResponse(data, status = 200) {
  return new Response(JSON.stringify(data, null, 2), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

route("GET", "/", () => new Response(`${GREETING}!\n`, { headers: { "X-Powered-By": "service-worker" } }));

route("GET", "/greet", (request, url) => {
  const name = url.searchParams.get("name") || "stranger";
  return new Response(`${GREETING}, ${name}.\n`);
});

route("GET", "/globals", () =>
  jsonResponse({
    greetingType: typeof GREETING,
    hasFetch: typeof fetch,
    hasAddEventListener: typeof addEventListener,
    selfIsGlobal: typeof self !== "undefined" && self === globalThis,
  }),
);

route("POST", "/reverse", async (request) => {
  const text = await request.text();
  return new Response([...text].reverse().join(""), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
});

route("POST", "/sum", async (request) => {
  const body = await request.json().catch(() => null);
  if (!body || !Array.isArray(body.numbers)) return jsonResponse({ error: "numbers must be an array" }, 400);
  return jsonResponse({ sum: body.numbers.reduce((a, b) => a + b, 0), count: body.numbers.length });
});

route("GET", "/redirect", () => Response.redirect("https://sw.example.com/greet?name=redirected", 303));

route("GET", "/cache-headers", () =>
  new Response("cacheable\n", {
    headers: {
      "Cache-Control": "public, max-age=3600, s-maxage=86400",
      Vary: "Accept-Encoding",
      "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT",
    },
  }),
);

route("GET", "/wait", (request, url, event) => {
  event.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)));
  return new Response("waited in the background\n");
});

route("GET", "/async-chain", async () => {
  const steps = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    steps.push(i);
  }
  await Promise.resolve();
  return jsonResponse({ steps });
});

route("GET", "/teapot", () => new Response("short and stout\n", { status: 418 }));

async function handle(event) {
  const request = event.request;
  const url = new URL(request.url);
  const handler = routes.get(`${request.method} ${url.pathname}`);
  if (handler) return handler(request, url, event);
  if ([...routes.keys()].some((key) => key.endsWith(` ${url.pathname}`))) {
    return new Response("Method Not Allowed\n", { status: 405 });
  }
  return new Response(`No route for ${url.pathname}\n`, { status: 404 });
}

addEventListener("fetch", (event) => {
  event.respondWith(
    handle(event).catch((err) => new Response(`handler failed: ${err.message}\n`, { status: 500 })),
  );
});
