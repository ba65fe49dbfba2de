// A todo API on itty-router's AutoRouter: params, query, content parsing, CORS, errors.
import { AutoRouter, cors, error, html, json, status, StatusError, text, withContent } from "itty-router";

const { preflight, corsify } = cors({
  origin: ["https://todo.example.com"],
  allowMethods: ["GET", "POST", "PATCH", "DELETE"],
  allowHeaders: ["content-type", "x-api-key"],
  exposeHeaders: ["x-request-count"],
  maxAge: 84600,
});

const todos = () => [
  { id: 1, title: "write corpus", done: true, tags: ["work"] },
  { id: 2, title: "record workerd", done: false, tags: ["work", "node"] },
  { id: 3, title: "water plants", done: false, tags: ["home"] },
];

const requireKey = (request) => {
  if (request.headers.get("x-api-key") !== "key-123") return error(401, "missing or wrong x-api-key");
};

const router = AutoRouter({
  before: [preflight],
  finally: [corsify],
});

router
  .get("/", () => text("itty todo API"))
  .get("/todos", ({ query }) => {
    let list = todos();
    if (query.done !== undefined) list = list.filter((t) => String(t.done) === query.done);
    if (query.tag) {
      const tags = Array.isArray(query.tag) ? query.tag : [query.tag];
      list = list.filter((t) => tags.every((tag) => t.tags.includes(tag)));
    }
    return { count: list.length, todos: list };
  })
  .get("/todos/:id", ({ params }) => {
    const todo = todos().find((t) => t.id === Number(params.id));
    return todo ?? error(404, `todo ${params.id} not found`);
  })
  .post("/todos", requireKey, withContent, ({ content }) => {
    if (!content || typeof content !== "object") throw new StatusError(400, "expected a JSON object");
    if (!content.title) return error(422, { error: "title is required", got: content });
    return json({ id: 4, done: false, tags: [], ...content }, { status: 201 });
  })
  .patch("/todos/:id", withContent, ({ params, content }) => ({ id: Number(params.id), ...content, patched: true }))
  .delete("/todos/:id", requireKey, () => status(204))
  .get("/files/:path+", ({ params }) => ({ path: params.path }))
  .get("/optional/:name?", ({ params }) => ({ name: params.name ?? "(none)" }))
  .get("/html", () => html("<!doctype html><h1>itty</h1>"))
  .get("/text", () => "a plain string becomes JSON")
  .get("/number", () => 42)
  .get("/null", () => null)
  .get("/teapot", () => status(418))
  .get("/bad", () => {
    throw new StatusError(400, "Bad Request: nope");
  })
  .get("/boom", () => {
    throw new Error("unexpected failure");
  })
  .get("/redirect", () => Response.redirect("https://itty.example.com/todos", 302))
  .get("/custom-headers", () =>
    json({ ok: true }, { headers: { "x-request-count": "7", "cache-control": "no-store" } }),
  )
  .post("/echo", withContent, (request) => ({
    contentType: request.headers.get("content-type"),
    content: request.content,
  }));

export default router;
