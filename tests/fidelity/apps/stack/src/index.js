// Runaway recursion caught in JavaScript: the error workerd throws, through each way a
// function can call itself, and the context still working after it.

let depth = 0;

const WAYS = {
  plain: () => { function f(n) { depth = n; return f(n + 1) + 1; } return f(0); },
  call: () => { function f(n) { depth = n; return f.call(null, n + 1) + 1; } return f(0); },
  apply: () => { function f(n) { depth = n; return f.apply(null, [n + 1]) + 1; } return f(0); },
  bound: () => { let g; function h(n) { depth = n; return g(n + 1) + 1; } g = h.bind(null); return g(0); },
  forEach: () => { function f(n) { depth = n; [0].forEach(() => f(n + 1)); } return f(0); },
  getter: () => { const o = { get g() { depth++; return this.g; } }; return o.g; },
  toString: () => { function f(n) { depth = n; return `${{ toString() { return f(n + 1); } }}`; } return f(0); },
  constructor: () => { function F(n) { depth = n; return new F(n + 1); } return new F(0); },
  super: () => {
    class A { constructor(n) { depth = n; new B(n + 1); } }
    class B extends A { constructor(n) { super(n); } }
    return new B(0);
  },
  proxy: () => { const p = new Proxy({}, { get(t, k, r) { depth++; return r[k]; } }); return p.x; },
  toJSON: () => { function f(n) { depth = n; return JSON.stringify({ toJSON() { return f(n + 1); } }); } return f(0); },
  replace: () => { function f(n) { depth = n; return "a".replace("a", () => f(n + 1)); } return f(0); },
  sort: () => { function f(n) { depth = n; [2, 1].sort(() => f(n + 1)); } return f(0); },
  generator: () => { function* g(n) { depth = n; yield* g(n + 1); } return [...g(0)]; },
  locals: () => {
    function f(n) {
      const a = n, b = n + 1, c = n + 2, d = n + 3, e = n + 4, g = n + 5, h = n + 6, i = n + 7;
      depth = n;
      return f(n + 1) + a + b + c + d + e + g + h + i;
    }
    return f(0);
  },
};

function sum(n) { return n === 0 ? 0 : 1 + sum(n - 1); }

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
      after: sum(100), // the context keeps working
    };
  }
}

async function overflowAsync() {
  async function f(n) { depth = n; await null; return f(n + 1); }
  async function g(n) { depth = n; return g(n + 1); } // recursion before any await: synchronous
  depth = 0;
  try {
    await g(0);
    return { thrown: false };
  } catch (e) {
    return { thrown: true, name: e.name, message: e.message, isRangeError: e instanceof RangeError, deep: depth > 100, f: typeof f };
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const json = (value) => Response.json(value);
    if (url.pathname === "/") return new Response("stack worker\n");
    if (url.pathname === "/overflow") return json(overflow(url.searchParams.get("way") ?? "plain"));
    if (url.pathname === "/async") return json(await overflowAsync());
    if (url.pathname === "/twice") return json([overflow("plain"), overflow("plain")]);
    if (url.pathname === "/depth") {
      const n = Number(url.searchParams.get("n") ?? "1000");
      return json({ n, sum: sum(n) });
    }
    if (url.pathname === "/max") {
      // how deep plain recursion goes (not compared: it differs by engine)
      depth = 0;
      try { WAYS.plain(); } catch (e) { return json({ depth, name: e.name }); }
    }
    return new Response("not found\n", { status: 404 });
  },
};
