  // ------------------------------------------------------------------ Response

  const REDIRECTS = [301, 302, 303, 307, 308];
  const NULL_BODY = [101, 204, 205, 304];
  // workerd's reason phrases: the known ones, else the class's name (recorded: 250 and 299
  // "Successful", 350 "Redirection", 450 "Client Error", 550 "Server Error")
  const STATUS_CLASSES = { 1: "Informational", 2: "Successful", 3: "Redirection", 4: "Client Error", 5: "Server Error" };
  function defaultStatusText(status) { return STATUS_TEXT[status] || STATUS_CLASSES[Math.floor(status / 100)] || ""; }
  const STATUS_TEXT = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
    205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
    409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
    414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
    418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
    424: "Failed Dependency", 426: "Upgrade Required", 428: "Precondition Required",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
    507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
  };

  const RESPONSE_FIELDS = hiddenFields(
    "_status", "_statusText", "_headers", "_type", "_url", "_redirected", "_used", "_stream", "_webSocket", "_cf",
    "_encoded", "_text",
  );

  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        if (!(status === 101 && init._internal)) {
          throw new RangeError("Responses may only be constructed with status codes in the range 200 to 599, inclusive.");
        }
      }
      Object.defineProperties(this, RESPONSE_FIELDS);
      this._status = status;
      // workerd fills in the reason phrase when none is given (new Response("").statusText is "OK")
      this._statusText = init.statusText === undefined ? defaultStatusText(status) : String(init.statusText);
      this._headers = new Headers(init.headers);
      this._type = "default";
      this._url = "";
      this._redirected = false;
      this._used = false;
      this._stream = null;
      this._webSocket = init.webSocket || null;
      this._cf = init.cf;
      initBody(this, body);
      if ((this._encoded != null || this._text != null || this._stream !== null) && NULL_BODY.includes(status)) {
        throw new TypeError("Response with null body status (101, 204, 205, or 304) cannot have a body.");
      }
      if (this._text === undefined) this._text = null;
      if (this._encoded === undefined) this._encoded = null;
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value is not JSON-serializable");
      const headers = new Headers((init && init.headers) || undefined);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, Object.assign({}, init, { headers }));
    }
    static redirect(url, status = 302) {
      if (!REDIRECTS.includes(status)) {
        throw new RangeError(`${status} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
      }
      const location = URL.parse(String(url));
      if (location === null) throw new TypeError(`Unable to parse URL: ${String(url)}`);
      const r = new Response(null, { status, headers: { location: location.href } });
      r._headers._guard = "immutable";
      return r;
    }
    static error() {
      const r = new Response(null, { status: 200 });
      r._status = 0;
      r._statusText = "";
      r._type = "error";
      return r;
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status <= 299; }
    get headers() { return this._headers; }
    get type() { return this._type; }
    get url() { return this._url; }
    get redirected() { return this._redirected; }
    get webSocket() { return this._webSocket; }
    get cf() { return this._cf; }
    clone() {
      const copy = new Response(null, { status: this._status || 200, statusText: this._statusText, headers: this._headers });
      copy._status = this._status;
      copy._type = this._type;
      copy._url = this._url;
      cloneBody(this, copy);
      return copy;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  bodyAccessors(Response);

