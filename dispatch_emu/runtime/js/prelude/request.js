  // ------------------------------------------------------------------ Request

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  // the methods workerd's Request accepts, in any case, uppercased (recorded with wrangler
  // dev: CONNECT, TRACK, M-SEARCH, LINK and any other name throw)
  const KNOWN_METHODS = new Set([
    ...METHODS, "PURGE", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH",
    "UNLOCK", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "MSEARCH", "NOTIFY", "SUBSCRIBE",
    "UNSUBSCRIBE", "QUERY", "BAN",
  ]);

  // a method as new Request() keeps it
  function requestMethod(method) {
    if (METHODS.includes(method)) return method;
    const upper = method.toUpperCase();
    if (!KNOWN_METHODS.has(upper)) throw new TypeError(`Invalid HTTP method string: ${method}`);
    return upper;
  }

  // workerd's redirect modes (any case) and cache modes (recorded with wrangler dev)
  function redirectMode(value) {
    const mode = String(value).toLowerCase();
    if (mode === "follow" || mode === "manual") return mode;
    throw new TypeError(
      'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not ' +
      'make sense at the edge; use "manual" and check the response status code).',
    );
  }
  function cacheMode(value) {
    if (String(value) === "no-store") return "no-store";
    throw new TypeError(`Unsupported cache mode: ${String(value)}`);
  }

  // an incoming request's method, as the host gives it: a token, the standard ones uppercased
  function incomingMethod(method) {
    if (METHODS.includes(method)) return method;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new TypeError(`Invalid HTTP method: ${method}`);
    return METHODS.includes(method.toUpperCase()) ? method.toUpperCase() : method;
  }

  // a request's signal: an incoming request's is made on first use
  function signalOf(request) {
    if (request._signal === null) request._signal = newSignal();
    return request._signal;
  }

  const REQUEST_FIELDS = hiddenFields(
    "_url", "_method", "_headers", "_redirect", "_cache", "_signal", "_cf", "_used", "_stream", "_encoded", "_text",
  );

  class Request {
    constructor(input, init = {}) {
      init = init || {};
      Object.defineProperties(this, REQUEST_FIELDS);
      let source = null;
      if (input instanceof Request) {
        source = input;
        this._url = input._url;
      } else {
        const url = URL.parse(String(input));  // workerd names the input, as new URL() does not
        if (url === null) throw new TypeError(`Invalid URL: ${String(input)}`);
        this._url = url.href;
      }
      const method = requestMethod(init.method !== undefined ? String(init.method) : source ? source._method : "GET");
      this._method = method;
      this._headers = new Headers(init.headers !== undefined ? init.headers : source ? source._headers : undefined);
      this._redirect = init.redirect !== undefined ? redirectMode(init.redirect) : source ? source._redirect : "follow";
      this._cache = init.cache !== undefined ? cacheMode(init.cache) : source ? source._cache : undefined;
      this._signal = init.signal || (source ? signalOf(source) : null) || newSignal();
      this._cf = init.cf !== undefined ? init.cf : source ? source._cf : undefined;
      this._used = false;
      this._stream = null;
      this._bytes = null;
      if (init.body !== undefined && init.body !== null) {
        if (method === "GET" || method === "HEAD") throw new TypeError("Request with a GET or HEAD method cannot have a body.");
        initBody(this, init.body);
      } else if (source && init.body === undefined) {
        if (bodyUsed(source)) throw new TypeError("Cannot construct a Request with a Request whose body has already been used.");
        this._bytes = source._bytes;
        this._stream = source._stream;
        if (source._bytes !== null || source._stream !== null) source._used = true;
      }
      this._text = this._text === undefined ? null : this._text;
    }
    get method() { return this._method; }
    get url() { return this._url; }
    get headers() { return this._headers; }
    get redirect() { return this._redirect; }
    get cache() { return this._cache; }
    get signal() { return signalOf(this); }
    get cf() { return this._cf; }
    get fetcher() { return null; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    clone() {
      const copy = new Request(this._url, {
        method: this._method, headers: this._headers, redirect: this._redirect, cache: this._cache, cf: this._cf,
        signal: signalOf(this),
      });
      cloneBody(this, copy);
      return copy;
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  bodyAccessors(Request);

