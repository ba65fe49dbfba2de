var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// node_modules/itty-router/index.mjs
var t = /* @__PURE__ */ __name(({ base: e = "", routes: t2 = [], ...o2 } = {}) => ({ __proto__: new Proxy({}, { get: /* @__PURE__ */ __name((o3, r2, a2, s2) => (o4, ...n2) => t2.push([r2.toUpperCase?.(), RegExp(`^${(s2 = (e + o4).replace(/\/+(\/|$)/g, "$1")).replace(/(\/?\.?):(\w+)\+/g, "($1(?<$2>[^]+))").replace(/(\/?\.?):(\w+)/g, "($1(?<$2>[^$1/]+?))").replace(/\./g, "\\.").replace(/(\/?)\*/g, "($1.*)?")}/*$`), n2, s2]) && a2, "get") }), routes: t2, ...o2, async fetch(e2, ...r2) {
  let a2, s2, n2 = new URL(e2.url), c2 = e2.query = { __proto__: null };
  for (let [e3, t3] of n2.searchParams) c2[e3] = c2[e3] ? [].concat(c2[e3], t3) : t3;
  e: try {
    for (let t3 of o2.before || []) if (null != (a2 = await t3(e2.proxy ?? e2, ...r2))) break e;
    t: for (let [o3, c3, l2, i2] of t2) if ((o3 == e2.method || "ALL" == o3) && (s2 = n2.pathname.match(c3))) {
      e2.params = s2.groups || {}, e2.route = i2;
      for (let t3 of l2) if (null != (a2 = await t3(e2.proxy ?? e2, ...r2))) break t;
    }
  } catch (t3) {
    if (!o2.catch) throw t3;
    a2 = await o2.catch(t3, e2.proxy ?? e2, ...r2);
  }
  try {
    for (let t3 of o2.finally || []) a2 = await t3(a2, e2.proxy ?? e2, ...r2) ?? a2;
  } catch (t3) {
    if (!o2.catch) throw t3;
    a2 = await o2.catch(t3, e2.proxy ?? e2, ...r2);
  }
  return a2;
} }), "t");
var o = /* @__PURE__ */ __name((e = "text/plain; charset=utf-8", t2) => (o2, r2 = {}) => {
  if (void 0 === o2 || o2 instanceof Response) return o2;
  const a2 = new Response(t2?.(o2) ?? o2, r2.url ? void 0 : r2);
  return a2.headers.set("content-type", e), a2;
}, "o");
var r = o("application/json; charset=utf-8", JSON.stringify);
var a = /* @__PURE__ */ __name((e) => ({ 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error" })[e] || "Unknown Error", "a");
var s = /* @__PURE__ */ __name((e = 500, t2) => {
  if (e instanceof Error) {
    const { message: o2, ...r2 } = e;
    e = e.status || 500, t2 = { error: o2 || a(e), ...r2 };
  }
  return t2 = { status: e, ..."object" == typeof t2 ? t2 : { error: t2 || a(e) } }, r(t2, { status: e });
}, "s");
var n = /* @__PURE__ */ __name((e) => {
  e.proxy = new Proxy(e.proxy ?? e, { get: /* @__PURE__ */ __name((t2, o2) => t2[o2]?.bind?.(e) ?? t2[o2] ?? t2?.params?.[o2], "get") });
}, "n");
var c = /* @__PURE__ */ __name(({ format: e = r, missing: o2 = /* @__PURE__ */ __name((() => s(404)), "o"), finally: a2 = [], before: c2 = [], ...l2 } = {}) => t({ before: [n, ...c2], catch: s, finally: [(e2, ...t2) => e2 ?? o2(...t2), e, ...a2], ...l2 }), "c");
var l = class extends Error {
  static {
    __name(this, "l");
  }
  status;
  constructor(e = 500, t2) {
    super("object" == typeof t2 ? t2.error : t2), "object" == typeof t2 && Object.assign(this, t2), this.status = e;
  }
};
var i = /* @__PURE__ */ __name((e, t2) => new Response(null, { ...t2, status: e }), "i");
var p = o("text/plain; charset=utf-8", String);
var f = o("text/html");
var u = o("image/jpeg");
var h = o("image/png");
var g = o("image/webp");
var d = /* @__PURE__ */ __name(async (e) => {
  e.content = e.body ? await e.clone().json().catch((() => e.clone().formData())).catch((() => e.text())) : void 0;
}, "d");
var y = /* @__PURE__ */ __name((e = {}) => {
  const { origin: t2 = "*", credentials: o2 = false, allowMethods: r2 = "*", allowHeaders: a2, exposeHeaders: s2, maxAge: n2 } = e, c2 = /* @__PURE__ */ __name((e2) => {
    const r3 = e2?.headers.get("origin");
    return true === t2 ? r3 : t2 instanceof RegExp ? t2.test(r3) ? r3 : void 0 : Array.isArray(t2) ? t2.includes(r3) ? r3 : void 0 : t2 instanceof Function ? t2(r3) : "*" == t2 && o2 ? r3 : t2;
  }, "c"), l2 = /* @__PURE__ */ __name((e2, t3) => {
    for (const [o3, r3] of Object.entries(t3)) r3 && e2.headers.append(o3, r3);
    return e2;
  }, "l");
  return { corsify: /* @__PURE__ */ __name((e2, t3) => e2?.headers?.get("access-control-allow-origin") || 101 == e2.status ? e2 : l2(new Response(e2.body, e2), { "access-control-allow-origin": c2(t3), "access-control-allow-credentials": o2 }), "corsify"), preflight: /* @__PURE__ */ __name((e2) => {
    if ("OPTIONS" == e2.method) {
      const t3 = new Response(null, { status: 204 });
      return l2(t3, { "access-control-allow-origin": c2(e2), "access-control-allow-methods": r2?.join?.(",") ?? r2, "access-control-expose-headers": s2?.join?.(",") ?? s2, "access-control-allow-headers": a2?.join?.(",") ?? a2 ?? e2.headers.get("access-control-request-headers"), "access-control-max-age": n2, "access-control-allow-credentials": o2 });
    }
  }, "preflight") };
}, "y");

// src/index.js
var { preflight, corsify } = y({
  origin: ["https://todo.example.com"],
  allowMethods: ["GET", "POST", "PATCH", "DELETE"],
  allowHeaders: ["content-type", "x-api-key"],
  exposeHeaders: ["x-request-count"],
  maxAge: 84600
});
var todos = /* @__PURE__ */ __name(() => [
  { id: 1, title: "write corpus", done: true, tags: ["work"] },
  { id: 2, title: "record workerd", done: false, tags: ["work", "node"] },
  { id: 3, title: "water plants", done: false, tags: ["home"] }
], "todos");
var requireKey = /* @__PURE__ */ __name((request) => {
  if (request.headers.get("x-api-key") !== "key-123") return s(401, "missing or wrong x-api-key");
}, "requireKey");
var router = c({
  before: [preflight],
  finally: [corsify]
});
router.get("/", () => p("itty todo API")).get("/todos", ({ query }) => {
  let list = todos();
  if (query.done !== void 0) list = list.filter((t2) => String(t2.done) === query.done);
  if (query.tag) {
    const tags = Array.isArray(query.tag) ? query.tag : [query.tag];
    list = list.filter((t2) => tags.every((tag) => t2.tags.includes(tag)));
  }
  return { count: list.length, todos: list };
}).get("/todos/:id", ({ params }) => {
  const todo = todos().find((t2) => t2.id === Number(params.id));
  return todo ?? s(404, `todo ${params.id} not found`);
}).post("/todos", requireKey, d, ({ content }) => {
  if (!content || typeof content !== "object") throw new l(400, "expected a JSON object");
  if (!content.title) return s(422, { error: "title is required", got: content });
  return r({ id: 4, done: false, tags: [], ...content }, { status: 201 });
}).patch("/todos/:id", d, ({ params, content }) => ({ id: Number(params.id), ...content, patched: true })).delete("/todos/:id", requireKey, () => i(204)).get("/files/:path+", ({ params }) => ({ path: params.path })).get("/optional/:name?", ({ params }) => ({ name: params.name ?? "(none)" })).get("/html", () => f("<!doctype html><h1>itty</h1>")).get("/text", () => "a plain string becomes JSON").get("/number", () => 42).get("/null", () => null).get("/teapot", () => i(418)).get("/bad", () => {
  throw new l(400, "Bad Request: nope");
}).get("/boom", () => {
  throw new Error("unexpected failure");
}).get("/redirect", () => Response.redirect("https://itty.example.com/todos", 302)).get(
  "/custom-headers",
  () => r({ ok: true }, { headers: { "x-request-count": "7", "cache-control": "no-store" } })
).post("/echo", d, (request) => ({
  contentType: request.headers.get("content-type"),
  content: request.content
}));
var index_default = router;
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
