  // ------------------------------------------------------------------ URLSearchParams

  const FORM_SAFE = /[A-Za-z0-9*\-._]/;

  function formEncode(s) {
    let out = "";
    for (const b of utf8Encode(s)) {
      const ch = String.fromCharCode(b);
      if (b === 0x20) out += "+";
      else if (b < 0x80 && FORM_SAFE.test(ch)) out += ch;
      else out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
    }
    return out;
  }

  function percentDecode(s) {
    const bytes = [];
    const raw = utf8Encode(s);
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i];
      if (b === 0x25 && i + 2 < raw.length && /^[0-9A-Fa-f]{2}$/.test(String.fromCharCode(raw[i + 1], raw[i + 2]))) {
        bytes.push(parseInt(String.fromCharCode(raw[i + 1], raw[i + 2]), 16));
        i += 2;
      } else {
        bytes.push(b);
      }
    }
    return utf8Decode(new Uint8Array(bytes), false);
  }

  function formDecode(s) {
    return percentDecode(s.replace(/\+/g, " "));
  }

  class URLSearchParams {
    constructor(init = "") {
      this._list = [];
      this._url = null;
      conceal(this);
      if (init instanceof URLSearchParams) {
        this._list = init._list.map(([k, v]) => [k, v]);
      } else if (init !== null && typeof init === "object") {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const entry = Array.from(pair);
            if (entry.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
            this._list.push([String(entry[0]), String(entry[1])]);
          }
        } else {
          for (const key of Object.keys(init)) this._list.push([key, String(init[key])]);
        }
      } else {
        this._parse(String(init));
      }
    }
    _parse(text) {
      this._list = [];
      const s = text.startsWith("?") ? text.slice(1) : text;
      for (const part of s.split("&")) {
        if (!part) continue;
        const eq = part.indexOf("=");
        const name = eq < 0 ? part : part.slice(0, eq);
        const value = eq < 0 ? "" : part.slice(eq + 1);
        this._list.push([formDecode(name), formDecode(value)]);
      }
    }
    _update() {
      if (this._url) {
        const q = this.toString();
        this._url._query = q ? q : null;
      }
    }
    get size() { return this._list.length; }
    append(name, value) { this._list.push([String(name), String(value)]); this._update(); }
    delete(name, value) {
      name = String(name);
      this._list = this._list.filter(([k, v]) => k !== name || (value !== undefined && v !== String(value)));
      this._update();
    }
    get(name) {
      name = String(name);
      const hit = this._list.find(([k]) => k === name);
      return hit ? hit[1] : null;
    }
    getAll(name) { name = String(name); return this._list.filter(([k]) => k === name).map(([, v]) => v); }
    has(name, value) {
      name = String(name);
      return this._list.some(([k, v]) => k === name && (value === undefined || v === String(value)));
    }
    set(name, value) {
      name = String(name);
      value = String(value);
      const i = this._list.findIndex(([k]) => k === name);
      if (i < 0) this._list.push([name, value]);
      else {
        this._list[i][1] = value;
        this._list = this._list.filter(([k], j) => k !== name || j === i);
      }
      this._update();
    }
    sort() {
      this._list = this._list
        .map((entry, i) => [entry, i])
        .sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]))
        .map(([entry]) => entry);
      this._update();
    }
    forEach(callback, thisArg) { for (const [k, v] of this._list.slice()) callback.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this._list.slice()) yield [k, v]; }
    *keys() { for (const [k] of this._list.slice()) yield k; }
    *values() { for (const [, v] of this._list.slice()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&"); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }

