  // ------------------------------------------------------------------ what the engine cannot give

  // Cloudflare refuses code generation from strings: eval(), new Function(), and the
  // generator and async function constructors throw this EvalError. (The prelude kept the
  // real constructor, CompileFunction, for its vendored libraries.)
  const CODEGEN_REFUSED = "Code generation from strings disallowed for this context";
  function refuser(name, prototype) {
    const stub = { [name]: function () { throw new EvalError(CODEGEN_REFUSED); } }[name];
    if (prototype !== undefined) {
      Object.defineProperty(stub, "prototype", { value: prototype, writable: false });
      Object.defineProperty(prototype, "constructor", { value: stub, writable: true, configurable: true });
    }
    return stub;
  }
  const FunctionRefused = refuser("Function", Function.prototype);
  for (const sample of [function* () {}, async function () {}, async function* () {}]) {
    const proto = Object.getPrototypeOf(sample);
    refuser(proto.constructor.name, proto);
  }
  define("Function", FunctionRefused);
  define("eval", refuser("eval"));

  // APIs dispatch_emu does not have: using them throws an error that says so, never a
  // bare ReferenceError. (typeof still answers, so feature detection sees an object.)
  function notAvailable(api, why) {
    return new Error(`${api} is not available in dispatch_emu: ${why}`);
  }
  function unavailableObject(api, why) {
    return new Proxy(Object.freeze(Object.create(null)), {
      get(target, key) {
        if (typeof key === "symbol" || key === "then") return undefined;
        throw notAvailable(`${api}.${String(key)}`, why);
      },
      has() { return false; },
      ownKeys() { return []; },
    });
  }
  const NO_WASM = "JavaScript workers run on QuickJS, which has no WebAssembly engine; upload the wasm module as a worker of its own";
  class HTMLRewriter {
    constructor() { throw notAvailable("HTMLRewriter", "there is no streaming HTML parser in dispatch_emu's JavaScript runtime"); }
  }
  const unavailableClass = (name, why) => ({ [name]: class { constructor() { throw notAvailable(name, why); } } })[name];
  const NO_SOCKETS = "dispatch_emu's JavaScript runtime has no sockets (subrequests go through fetch() to the outbound handler only)";

  // caches: the namespace's trust decides what production does (the contract, section 4):
  // an untrusted namespace (the default) has no caches.default; a trusted one would, but
  // dispatch_emu has no Cache API at all.
  let trustedRequest = false;
  const caches = Object.freeze({
    get default() {
      if (!trustedRequest) {
        throw notAvailable("caches.default", "workers of an untrusted dispatch namespace have no default cache (Workers for Platforms disables it; mark the namespace trusted to get one in production)");
      }
      throw notAvailable("caches.default", "dispatch_emu has no Cache API");
    },
    async open(name) { throw notAvailable(`caches.open(${JSON.stringify(String(name))})`, "dispatch_emu has no Cache API"); },
  });

  for (const [name, value] of Object.entries({
    WebAssembly: unavailableObject("WebAssembly", NO_WASM),
    Intl: unavailableObject("Intl", "dispatch_emu's QuickJS build has no Intl (toLocaleString() gives the default locale's format)"),
    HTMLRewriter,
    caches,
    WebSocket: unavailableClass("WebSocket", NO_SOCKETS),
    WebSocketPair: unavailableClass("WebSocketPair", NO_SOCKETS),
    EventSource: unavailableClass("EventSource", NO_SOCKETS),
  })) {
    if (!(name in globalThis)) define(name, value);
  }
