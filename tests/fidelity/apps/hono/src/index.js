// A typical Hono API worker: middleware, params, validation, auth, cookies, JWT.
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";
import { getCookie, getSignedCookie, setCookie, setSignedCookie, deleteCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import { sign, verify } from "hono/jwt";
import { prettyJSON } from "hono/pretty-json";
import { secureHeaders } from "hono/secure-headers";
import { appendTrailingSlash } from "hono/trailing-slash";

const COOKIE_SECRET = "cookie-signing-secret";
const JWT_SECRET = "jwt-signing-secret";
const users = [
  { id: 1, name: "Ada", role: "admin" },
  { id: 2, name: "Grace", role: "user" },
  { id: 3, name: "Linus", role: "user" },
];

const app = new Hono();

app.use("*", secureHeaders());
app.use("/api/*", cors({
  origin: ["https://app.example.com", "https://admin.example.com"],
  allowMethods: ["GET", "POST", "PUT", "DELETE"],
  allowHeaders: ["Content-Type", "Authorization"],
  exposeHeaders: ["X-Total-Count"],
  maxAge: 600,
  credentials: true,
}));
app.use("/api/*", prettyJSON());
app.use("/static/*", etag());
app.use("/docs/*", appendTrailingSlash());

app.get("/", (c) => c.text("Hello Hono!"));

app.get("/api/users", (c) => {
  const role = c.req.query("role");
  const limit = Number(c.req.query("limit") ?? "10");
  const found = users.filter((u) => !role || u.role === role).slice(0, limit);
  c.header("X-Total-Count", String(found.length));
  return c.json({ users: found, role: role ?? null, limit });
});

app.get("/api/users/:id{[0-9]+}", (c) => {
  const user = users.find((u) => u.id === Number(c.req.param("id")));
  if (!user) return c.json({ error: "user not found" }, 404);
  return c.json(user);
});

app.post("/api/users", async (c) => {
  let body;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: "invalid JSON" }, 400);
  }
  if (typeof body.name !== "string" || body.name.length === 0) {
    return c.json({ error: "name is required" }, 422);
  }
  c.header("Location", "/api/users/4");
  return c.json({ id: 4, name: body.name, role: body.role ?? "user" }, 201);
});

app.put("/api/users/:id", async (c) => {
  const body = await c.req.json();
  return c.json({ id: Number(c.req.param("id")), ...body, updated: true });
});

app.delete("/api/users/:id", (c) => c.body(null, 204));

app.get("/api/search", (c) => {
  return c.json({ tags: c.req.queries("tag") ?? [], q: c.req.query("q") ?? "", all: c.req.query() });
});

app.get("/static/hello.txt", (c) => c.text("static content that gets an ETag\n"));
app.get("/static/data.json", (c) => c.json({ version: 3, items: ["a", "b", "c"] }));

app.use("/admin/*", basicAuth({ username: "admin", password: "s3cret" }));
app.get("/admin/dashboard", (c) => c.text("welcome, admin"));

app.post("/login", async (c) => {
  const { user } = await c.req.json();
  const token = await sign({ sub: user, role: "user", iat: 1700000000, exp: 4102444800 }, JWT_SECRET);
  return c.json({ token });
});

app.use("/me/*", bearerAuth({
  verifyToken: async (token) => {
    try {
      await verify(token, JWT_SECRET, "HS256");
      return true;
    } catch {
      return false;
    }
  },
}));
app.get("/me/profile", async (c) => {
  const token = c.req.header("Authorization").slice("Bearer ".length);
  const payload = await verify(token, JWT_SECRET, "HS256");
  return c.json({ sub: payload.sub, role: payload.role });
});

app.get("/cookies/set", (c) => {
  setCookie(c, "theme", "dark", { path: "/", maxAge: 3600, sameSite: "Lax" });
  setCookie(c, "session", "abc123", { path: "/", httpOnly: true, secure: true, sameSite: "Strict" });
  return c.text("cookies set");
});
app.get("/cookies", (c) => c.json(getCookie(c)));
app.get("/cookies/clear", (c) => {
  deleteCookie(c, "session", { path: "/" });
  return c.text("cleared");
});
app.get("/cookies/signed/set", async (c) => {
  await setSignedCookie(c, "uid", "42", COOKIE_SECRET, { path: "/" });
  return c.text("signed");
});
app.get("/cookies/signed", async (c) => {
  const uid = await getSignedCookie(c, COOKIE_SECRET, "uid");
  return c.json({ uid: uid === false ? "tampered" : uid ?? null });
});

app.get("/redirect", (c) => c.redirect("/"));
app.get("/moved", (c) => c.redirect("https://example.org/new-home", 301));

app.post("/form", async (c) => {
  const body = await c.req.parseBody();
  return c.json(body);
});

app.get("/headers", (c) => c.json({
  userAgent: c.req.header("User-Agent") ?? null,
  accept: c.req.header("Accept") ?? null,
  custom: c.req.header("X-Custom") ?? null,
  url: c.req.url,
  path: c.req.path,
  method: c.req.method,
}));

app.get("/docs/", (c) => c.text("docs index"));

app.get("/teapot", () => {
  throw new HTTPException(418, { message: "I am a teapot" });
});
app.get("/error", () => {
  throw new Error("something broke");
});

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
app.onError((err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  return c.json({ error: err.message }, 500);
});

export default app;
