var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/index.js
var depth = 0;
var WAYS = {
  plain: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return f(n + 1) + 1;
    }
    __name(f, "f");
    return f(0);
  }, "plain"),
  call: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return f.call(null, n + 1) + 1;
    }
    __name(f, "f");
    return f(0);
  }, "call"),
  apply: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return f.apply(null, [n + 1]) + 1;
    }
    __name(f, "f");
    return f(0);
  }, "apply"),
  bound: /* @__PURE__ */ __name(() => {
    let g;
    function h(n) {
      depth = n;
      return g(n + 1) + 1;
    }
    __name(h, "h");
    g = h.bind(null);
    return g(0);
  }, "bound"),
  forEach: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      [0].forEach(() => f(n + 1));
    }
    __name(f, "f");
    return f(0);
  }, "forEach"),
  getter: /* @__PURE__ */ __name(() => {
    const o = { get g() {
      depth++;
      return this.g;
    } };
    return o.g;
  }, "getter"),
  toString: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return `${{ toString() {
        return f(n + 1);
      } }}`;
    }
    __name(f, "f");
    return f(0);
  }, "toString"),
  constructor: /* @__PURE__ */ __name(() => {
    function F(n) {
      depth = n;
      return new F(n + 1);
    }
    __name(F, "F");
    return new F(0);
  }, "constructor"),
  super: /* @__PURE__ */ __name(() => {
    class A {
      static {
        __name(this, "A");
      }
      constructor(n) {
        depth = n;
        new B(n + 1);
      }
    }
    class B extends A {
      static {
        __name(this, "B");
      }
      constructor(n) {
        super(n);
      }
    }
    return new B(0);
  }, "super"),
  proxy: /* @__PURE__ */ __name(() => {
    const p = new Proxy({}, { get(t, k, r) {
      depth++;
      return r[k];
    } });
    return p.x;
  }, "proxy"),
  toJSON: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return JSON.stringify({ toJSON() {
        return f(n + 1);
      } });
    }
    __name(f, "f");
    return f(0);
  }, "toJSON"),
  replace: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      return "a".replace("a", () => f(n + 1));
    }
    __name(f, "f");
    return f(0);
  }, "replace"),
  sort: /* @__PURE__ */ __name(() => {
    function f(n) {
      depth = n;
      [2, 1].sort(() => f(n + 1));
    }
    __name(f, "f");
    return f(0);
  }, "sort"),
  generator: /* @__PURE__ */ __name(() => {
    function* g(n) {
      depth = n;
      yield* g(n + 1);
    }
    __name(g, "g");
    return [...g(0)];
  }, "generator"),
  locals: /* @__PURE__ */ __name(() => {
    function f(n) {
      const a = n, b = n + 1, c = n + 2, d = n + 3, e = n + 4, g = n + 5, h = n + 6, i = n + 7;
      depth = n;
      return f(n + 1) + a + b + c + d + e + g + h + i;
    }
    __name(f, "f");
    return f(0);
  }, "locals")
};
function sum(n) {
  return n === 0 ? 0 : 1 + sum(n - 1);
}
__name(sum, "sum");
function overflow(way) {
  depth = 0;
  try {
    WAYS[way]();
    return { way, thrown: false };
  } catch (e) {
    return {
      way,
      thrown: true,
      name: e.name,
      message: e.message,
      isRangeError: e instanceof RangeError,
      constructor: e.constructor.name,
      deep: depth > 100,
      after: sum(100)
      // the context keeps working
    };
  }
}
__name(overflow, "overflow");
async function overflowAsync() {
  async function f(n) {
    depth = n;
    await null;
    return f(n + 1);
  }
  __name(f, "f");
  async function g(n) {
    depth = n;
    return g(n + 1);
  }
  __name(g, "g");
  depth = 0;
  try {
    await g(0);
    return { thrown: false };
  } catch (e) {
    return { thrown: true, name: e.name, message: e.message, isRangeError: e instanceof RangeError, deep: depth > 100, f: typeof f };
  }
}
__name(overflowAsync, "overflowAsync");
var index_default = {
  async fetch(request) {
    const url = new URL(request.url);
    const json = /* @__PURE__ */ __name((value) => Response.json(value), "json");
    if (url.pathname === "/") return new Response("stack worker\n");
    if (url.pathname === "/overflow") return json(overflow(url.searchParams.get("way") ?? "plain"));
    if (url.pathname === "/async") return json(await overflowAsync());
    if (url.pathname === "/twice") return json([overflow("plain"), overflow("plain")]);
    if (url.pathname === "/depth") {
      const n = Number(url.searchParams.get("n") ?? "1000");
      return json({ n, sum: sum(n) });
    }
    if (url.pathname === "/max") {
      depth = 0;
      try {
        WAYS.plain();
      } catch (e) {
        return json({ depth, name: e.name });
      }
    }
    return new Response("not found\n", { status: 404 });
  }
};
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
