  // ------------------------------------------------------------------ bindings
  // A binding the worker calls arrives in env as a marker object (see runtime/js/_bindings.py)
  // and becomes what a Worker gets: a dispatch namespace (get() → a stub, at once) or a
  // service (a Fetcher). A call goes to the host ("service"), which runs the other worker
  // now, on its own budgets, and answers its response or the error to reject with.

  const BINDING_MARK = "\u0000dispatch_emu_binding";
  const CROSSING_ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

  function callBinding(binding, target, args, options, input, init) {
    return (async () => {
      const request = new Request(input, init);
      return finalBytes(request).then((body) => [request, body]);
    })().then(([request, body]) => new Promise((resolve, reject) => {
      // one JSON string crosses to the host far faster than nested arrays do
      const call = JSON.stringify({
        binding, target, args, options, method: request.method, url: request.url, headers: request._headers._list,
      });
      const [meta, bytes] = host("service", call, body === null ? null : body);
      const answer = JSON.parse(meta);
      if (answer.error !== undefined) {
        const error = new (CROSSING_ERRORS[answer.type] || Error)(answer.error);
        if (answer.remote) error.remote = true; // thrown by the called worker, as workerd marks it
        reject(error);
        return;
      }
      const status = answer.status;
      const response = new Response(null, { status: status >= 200 && status <= 599 ? status : 200, headers: answer.headers });
      response._status = status;
      response._bytes = NULL_BODY.includes(status) || request.method === "HEAD" ? null : toBytes(bytes || new Uint8Array(0), "body");
      response._url = request.url;
      resolve(response);
    }));
  }

  class Fetcher {
    constructor(binding, target, args, options) {
      hidden(this, { _binding: binding, _target: target, _args: args, _options: options });
    }
    fetch(input, init) { return callBinding(this._binding, this._target, this._args, this._options, input, init); }
    get [Symbol.toStringTag]() { return "Fetcher"; }
  }

  class DispatchNamespace {
    constructor(binding) { hidden(this, { _binding: binding }); }
    // A stub at once; a missing worker shows when it is fetched ("Worker not found.").
    get(name, args, options) { return new Fetcher(this._binding, String(name), args, options); }
    get [Symbol.toStringTag]() { return "DispatchNamespace"; }
  }

  // A binding of a type dispatch_emu does not run: every use throws, naming it.
  function unavailable(name, type) {
    const fail = () => {
      throw new Error(`env.${name} is a ${type} binding, which is not available in dispatch_emu`);
    };
    return new Proxy(function () {}, {
      get: fail, set: fail, has: fail, apply: fail, construct: fail, ownKeys: fail, defineProperty: fail,
      deleteProperty: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail, setPrototypeOf: fail,
    });
  }

  function makeEnv(env) {
    for (const key of Object.keys(env)) {
      const value = env[key];
      if (value !== null && typeof value === "object" && Object.prototype.hasOwnProperty.call(value, BINDING_MARK)) {
        const { type, runnable } = value[BINDING_MARK];
        if (!runnable) env[key] = unavailable(key, type);
        else env[key] = type === "dispatch_namespace" ? new DispatchNamespace(key) : new Fetcher(key, null);
      }
    }
    return env;
  }

