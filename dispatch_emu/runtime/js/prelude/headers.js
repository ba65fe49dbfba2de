  // ------------------------------------------------------------------ Headers

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

  // Names already checked, lowercased (a request's and a response's usual few, looked up
  // instead of tested again); bounded, so that a worker making up names cannot grow it.
  const NAMES = new Map();
  function headerName(name) {
    const n = String(name);
    const known = NAMES.get(n);
    if (known !== undefined) return known;
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: ${JSON.stringify(n)}`);
    if (NAMES.size >= 256) NAMES.clear();
    const lower = n.toLowerCase();
    NAMES.set(n, lower);
    return lower;
  }

  // a value with no surrounding whitespace to trim and no NUL, CR or LF: taken as it is.
  // Short ones already found plain are looked up (a Set lookup is a third of the regex);
  // bounded like NAMES.
  const PLAIN_VALUE = /^(?:[^\0\t\n\r ](?:[^\0\r\n]*[^\0\t\n\r ])?)?$/;
  const PLAIN_VALUES = new Set();
  function headerValue(value) {
    const s = String(value);
    if (PLAIN_VALUES.has(s)) return s;
    if (PLAIN_VALUE.test(s)) {
      if (s.length <= 128) {
        if (PLAIN_VALUES.size >= 256) PLAIN_VALUES.clear();
        PLAIN_VALUES.add(s);
      }
      return s;
    }
    const v = s.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]/.test(v)) throw new TypeError("Invalid header value.");
    return v;
  }

  const HEADERS_FIELDS = hiddenFields("_list", "_guard");

  class Headers {
    constructor(init) {
      Object.defineProperties(this, HEADERS_FIELDS);
      this._list = [];
      this._guard = "none";
      if (init === undefined || init === null) return;
      if (init instanceof Headers) {
        this._list = init._list.map(([k, v]) => [k, v]);
      } else if (Array.isArray(init)) {
        for (let i = 0; i < init.length; i++) {
          const pair = init[i];
          const entry = Array.isArray(pair) ? pair : Array.from(pair);
          if (entry.length !== 2) throw new TypeError("Headers: each header pair must have exactly two items");
          this.append(entry[0], entry[1]);
        }
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const entry = Array.from(pair);
          if (entry.length !== 2) throw new TypeError("Headers: each header pair must have exactly two items");
          this.append(entry[0], entry[1]);
        }
      } else if (typeof init === "object") {
        const keys = Object.keys(init);
        for (let i = 0; i < keys.length; i++) this.append(keys[i], init[keys[i]]);
      } else {
        throw new TypeError("Headers: init must be an object, an iterable of pairs, or Headers");
      }
    }
    _check() { if (this._guard === "immutable") throw new TypeError("Can't modify immutable headers."); }
    append(name, value) { this._check(); this._list.push([headerName(name), headerValue(value)]); }
    delete(name) { this._check(); const n = headerName(name); this._list = this._list.filter(([k]) => k !== n); }
    get(name) {
      const n = headerName(name);
      const list = this._list;
      let value = null;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === n) value = value === null ? list[i][1] : `${value}, ${list[i][1]}`;
      }
      return value;
    }
    getAll(name) {
      const n = headerName(name);
      if (n !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
      return this.getSetCookie();
    }
    getSetCookie() { return this._list.filter(([k]) => k === "set-cookie").map(([, v]) => v); }
    has(name) {
      const n = headerName(name);
      const list = this._list;
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) return true;
      return false;
    }
    set(name, value) {
      this._check();
      const n = headerName(name);
      const v = headerValue(value);
      const i = this._list.findIndex(([k]) => k === n);
      if (i < 0) { this._list.push([n, v]); return; }
      this._list[i][1] = v;
      this._list = this._list.filter(([k], j) => k !== n || j === i);
    }
    _sorted() {
      const names = Array.from(new Set(this._list.map(([k]) => k))).sort();
      const out = [];
      for (const n of names) {
        if (n === "set-cookie") for (const v of this.getSetCookie()) out.push([n, v]);
        else out.push([n, this.get(n)]);
      }
      return out;
    }
    forEach(callback, thisArg) { for (const [k, v] of this._sorted()) callback.call(thisArg, v, k, this); }
    *entries() { yield* this._sorted(); }
    *keys() { for (const [k] of this._sorted()) yield k; }
    *values() { for (const [, v] of this._sorted()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }

