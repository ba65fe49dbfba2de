  // ------------------------------------------------------------------ Headers

  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

  function headerName(name) {
    const n = String(name);
    if (!TOKEN.test(n)) throw new TypeError(`Invalid header name: ${JSON.stringify(n)}`);
    return n.toLowerCase();
  }

  function headerValue(value) {
    const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value: ${JSON.stringify(v)}`);
    return v;
  }

  class Headers {
    constructor(init) {
      this._list = [];
      this._guard = "none";
      conceal(this);
      if (init === undefined || init === null) return;
      if (init instanceof Headers) {
        this._list = init._list.map(([k, v]) => [k, v]);
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const entry = Array.from(pair);
          if (entry.length !== 2) throw new TypeError("Headers: each header pair must have exactly two items");
          this.append(entry[0], entry[1]);
        }
      } else if (typeof init === "object") {
        for (const key of Object.keys(init)) this.append(key, init[key]);
      } else {
        throw new TypeError("Headers: init must be an object, an iterable of pairs, or Headers");
      }
    }
    _check() { if (this._guard === "immutable") throw new TypeError("Can't modify immutable headers."); }
    append(name, value) { this._check(); this._list.push([headerName(name), headerValue(value)]); }
    delete(name) { this._check(); const n = headerName(name); this._list = this._list.filter(([k]) => k !== n); }
    get(name) {
      const n = headerName(name);
      const values = this._list.filter(([k]) => k === n).map(([, v]) => v);
      return values.length ? values.join(", ") : null;
    }
    getAll(name) {
      const n = headerName(name);
      if (n !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
      return this.getSetCookie();
    }
    getSetCookie() { return this._list.filter(([k]) => k === "set-cookie").map(([, v]) => v); }
    has(name) { const n = headerName(name); return this._list.some(([k]) => k === n); }
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

