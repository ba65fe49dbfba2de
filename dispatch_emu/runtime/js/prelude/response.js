  // ------------------------------------------------------------------ Response

  const REDIRECTS = [301, 302, 303, 307, 308];
  const NULL_BODY = [101, 204, 205, 304];

  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        if (!(status === 101 && init._internal)) {
          throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive (got ${init.status}).`);
        }
      }
      this._status = status;
      this._statusText = init.statusText === undefined ? "" : String(init.statusText);
      this._headers = new Headers(init.headers);
      this._type = "default";
      this._url = "";
      this._redirected = false;
      this._used = false;
      this._stream = null;
      this._webSocket = init.webSocket || null;
      this._cf = init.cf;
      const [bytes, type] = extractBody(body);
      if (bytes !== null && NULL_BODY.includes(status)) {
        throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
      }
      this._bytes = bytes;
      if (type && !this._headers.has("content-type")) this._headers.set("content-type", type);
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value is not JSON-serializable");
      const headers = new Headers((init && init.headers) || undefined);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, Object.assign({}, init, { headers }));
    }
    static redirect(url, status = 302) {
      if (!REDIRECTS.includes(status)) throw new RangeError(`Invalid redirect status: ${status}`);
      const r = new Response(null, { status, headers: { location: new URL(String(url)).href } });
      r._headers._guard = "immutable";
      return r;
    }
    static error() {
      const r = new Response(null, { status: 200 });
      r._status = 0;
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
      if (this._used) throw new TypeError("Cannot clone a Response whose body has already been used.");
      const copy = new Response(null, { status: this._status || 200, statusText: this._statusText, headers: this._headers });
      copy._status = this._status;
      copy._type = this._type;
      copy._url = this._url;
      copy._bytes = this._bytes === null ? null : this._bytes.slice();
      return copy;
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  bodyAccessors(Response);

