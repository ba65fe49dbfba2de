// The shape of a wrangler (esbuild) bundle: a named default object, exported at the end.
var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/index.ts
var src_default = {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    ctx.waitUntil(Promise.resolve().then(() => console.log("after the response")));
    return new Response(`bundle ${url.pathname} ${env.GREETING ?? "no greeting"}`);
  },
};
__name(src_default, "src_default");
export {
  src_default as default
};
//# sourceMappingURL=index.js.map
