  // ------------------------------------------------------------------ URL
  // A WHATWG-style parser for the URLs workers meet: special schemes (http, https, ws,
  // wss, ftp, file) with an authority, and opaque ones (mailto:, data:). Non-ASCII hosts
  // go through IDNA on the host.

  const SPECIAL = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  const PATH_SET = /[^\x21\x24-\x3b\x3d\x40-\x5f\x61-\x7a\x7e\x7c\x5b\x5d]/; // encode controls, space, " # < > ? ` { } and non-ASCII
  const QUERY_SET = /[^\x21\x24-\x3b\x3d\x3f-\x7e]/;

  const NON_ASCII = /[^\x00-\x7f]/;
  function encodeSet(s, pattern, extra) {
    if (!pattern.test(s) && !NON_ASCII.test(s) && !(extra && [...extra].some((ch) => s.includes(ch)))) return s;
    let out = "";
    for (const ch of s) {
      const code = ch.codePointAt(0);
      if (code < 0x80 && !pattern.test(ch) && !(extra && extra.includes(ch))) {
        out += ch;
      } else {
        for (const b of utf8Encode(ch)) out += "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
      }
    }
    return out;
  }

  function normalizePath(segments, special) {
    const out = [];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const lower = seg.toLowerCase();
      const last = i === segments.length - 1;
      if (seg === ".." || lower === ".%2e" || lower === "%2e." || lower === "%2e%2e") {
        if (out.length) out.pop();
        if (last) out.push("");
      } else if (seg === "." || lower === "%2e") {
        if (last) out.push("");
      } else {
        out.push(seg);
      }
    }
    return out;
  }

  function parseHostPort(authority, special, protocol) {
    let userinfo = "";
    let hostport = authority;
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      userinfo = authority.slice(0, at);
      hostport = authority.slice(at + 1);
    }
    let username = "", password = "";
    if (userinfo) {
      const colon = userinfo.indexOf(":");
      username = encodeSet(colon < 0 ? userinfo : userinfo.slice(0, colon), PATH_SET, "/:;=@[\\]^|");
      password = colon < 0 ? "" : encodeSet(userinfo.slice(colon + 1), PATH_SET, "/:;=@[\\]^|");
    }
    let hostname = hostport, port = "";
    const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
    if (m) {
      hostname = m[1];
      port = m[2] === undefined ? "" : m[2];
    }
    if (port !== "") {
      if (!/^\d+$/.test(port) || Number(port) > 65535) throw new TypeError(`Invalid URL port: ${port}`);
      port = String(Number(port));
      if (special && SPECIAL[protocol] === port) port = "";
    }
    if (special) {
      hostname = percentDecode(hostname).toLowerCase();
      // IDNA (UTS #46, on the host): new URL("https://bücher.de/").host is "xn--bcher-kva.de"
      if (NON_ASCII.test(hostname)) hostname = hostCall("idna", hostname);
      if (!hostname && protocol !== "file:") throw new TypeError("Invalid URL: empty host");
      if (/[\x00-\x20#%\/:<>?@[\\\]^|]/.test(hostname.replace(/^\[.*\]$/, "h"))) {
        throw new TypeError(`Invalid URL host: ${hostname}`);
      }
    }
    return { username, password, hostname, port };
  }

  function parseURL(input, base) {
    let s = String(input).replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "").replace(/[\t\n\r]/g, "");
    const schemeMatch = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(s);
    let r;
    if (schemeMatch) {
      const protocol = schemeMatch[1].toLowerCase() + ":";
      let rest = s.slice(schemeMatch[0].length);
      const special = protocol in SPECIAL;
      if (special && base && base._protocol === protocol && !/^[\/\\]/.test(rest)) {
        return resolveRelative(rest, base);
      }
      r = { protocol, username: "", password: "", hostname: "", port: "", path: "", query: null, fragment: null, opaque: false, special };
      const hashAt = rest.indexOf("#");
      if (hashAt >= 0) { r.fragment = rest.slice(hashAt + 1); rest = rest.slice(0, hashAt); }
      const qAt = rest.indexOf("?");
      if (qAt >= 0) { r.query = rest.slice(qAt + 1); rest = rest.slice(0, qAt); }
      if (special) rest = rest.replace(/\\/g, "/");
      if (special || rest.startsWith("//")) {
        rest = rest.replace(special ? /^\/*/ : /^\/\//, "");
        const slash = rest.indexOf("/");
        const authority = slash < 0 ? rest : rest.slice(0, slash);
        rest = slash < 0 ? "" : rest.slice(slash);
        Object.assign(r, parseHostPort(authority, special, protocol));
        const segs = rest === "" ? [""] : rest.slice(1).split("/");
        r.path = "/" + normalizePath(segs, special).map((seg) => encodeSet(seg, PATH_SET)).join("/");
      } else if (rest.startsWith("/")) {
        r.path = "/" + normalizePath(rest.slice(1).split("/"), false).map((seg) => encodeSet(seg, PATH_SET)).join("/");
      } else {
        r.opaque = true;
        r.path = encodeSet(rest, /[\x00-\x1f\x7f-\uffff]/);
      }
    } else {
      if (!base) throw new TypeError(`Invalid URL: ${String(input)}`);
      return resolveRelative(s, base);
    }
    finishQuery(r);
    return r;
  }

  // workerd gives one message for every URL it cannot parse (recorded with wrangler dev)
  function parsed(input, base) {
    try {
      return parseURL(input, base);
    } catch (e) {
      if (e instanceof TypeError) throw new TypeError("Invalid URL string.");
      throw e;
    }
  }

  function finishQuery(r) {
    if (r.query !== null) r.query = encodeSet(r.query, QUERY_SET, r.special ? "'" : "");
    if (r.fragment !== null) r.fragment = encodeSet(r.fragment, /[\x00-\x20"<>`\x7f]/);
  }

  function resolveRelative(s, base) {
    if (base._opaque) {
      if (s.startsWith("#")) {
        const r = base._record();
        r.fragment = s.slice(1);
        finishQuery(r);
        return r;
      }
      throw new TypeError(`Invalid URL: ${s} (the base URL cannot have relative URLs)`);
    }
    const r = base._record();
    r.fragment = null;
    const special = r.special;
    if (special) s = s.replace(/\\/g, "/");
    if (s.startsWith("//")) return parseURL(r.protocol + s);
    let rest = s;
    const hashAt = rest.indexOf("#");
    let fragment = null;
    if (hashAt >= 0) { fragment = rest.slice(hashAt + 1); rest = rest.slice(0, hashAt); }
    let query = null;
    const qAt = rest.indexOf("?");
    if (qAt >= 0) { query = rest.slice(qAt + 1); rest = rest.slice(0, qAt); }
    if (rest === "") {
      if (query !== null) r.query = query;
    } else {
      let segs;
      if (rest.startsWith("/")) {
        segs = rest.slice(1).split("/");
      } else {
        const baseSegs = r.path.split("/").slice(1);
        baseSegs.pop();
        segs = baseSegs.concat(rest.split("/"));
      }
      r.path = "/" + normalizePath(segs, special).map((seg) => encodeSet(seg, PATH_SET)).join("/");
      r.query = query;
    }
    r.fragment = fragment;
    finishQuery(r);
    return r;
  }

  class URL {
    constructor(url, base) {
      let baseURL;
      if (base !== undefined) baseURL = base instanceof URL ? base : new URL(base);
      this._set(parsed(url instanceof URL ? url.href : url, baseURL));
    }
    static canParse(url, base) {
      try { new URL(url, base); return true; } catch (e) { return false; }
    }
    static parse(url, base) {
      try { return new URL(url, base); } catch (e) { return null; }
    }
    _set(r) {
      this._protocol = r.protocol;
      this._username = r.username;
      this._password = r.password;
      this._hostname = r.hostname;
      this._port = r.port;
      this._path = r.path;
      this._query = r.query;
      this._fragment = r.fragment;
      this._opaque = r.opaque;
      this._special = r.special;
      if (!this._params) {
        this._params = new URLSearchParams(this._query || "");
        this._params._url = this;
      } else {
        this._params._parse(this._query || "");
      }
    }
    _record() {
      return {
        protocol: this._protocol, username: this._username, password: this._password,
        hostname: this._hostname, port: this._port, path: this._path, query: this._query,
        fragment: this._fragment, opaque: this._opaque, special: this._special,
      };
    }
    _hasAuthority() { return this._special || this._hostname !== "" || (!this._opaque && this._protocol === "file:"); }
    get href() {
      let out = this._protocol;
      if (this._hasAuthority()) {
        out += "//";
        if (this._username || this._password) {
          out += this._username + (this._password ? ":" + this._password : "") + "@";
        }
        out += this.host;
      }
      out += this._path;
      if (this._query !== null) out += "?" + this._query;
      if (this._fragment !== null) out += "#" + this._fragment;
      return out;
    }
    set href(value) { this._set(parsed(value)); }
    get origin() {
      if (this._special && this._protocol !== "file:") return `${this._protocol}//${this.host}`;
      return "null";
    }
    get protocol() { return this._protocol; }
    set protocol(value) {
      const p = String(value).replace(/:.*$/, "").toLowerCase() + ":";
      if (/^[a-z][a-z0-9+\-.]*:$/.test(p) && (p in SPECIAL) === this._special) {
        this._protocol = p;
        if (this._special && SPECIAL[p] === this._port) this._port = "";
      }
    }
    get username() { return this._username; }
    set username(value) { this._username = encodeSet(String(value), PATH_SET, "/:;=@[\\]^|"); }
    get password() { return this._password; }
    set password(value) { this._password = encodeSet(String(value), PATH_SET, "/:;=@[\\]^|"); }
    get host() { return this._hostname + (this._port ? ":" + this._port : ""); }
    set host(value) {
      if (this._opaque) return;
      const parsed = parseHostPort(String(value), this._special, this._protocol);
      this._hostname = parsed.hostname;
      this._port = parsed.port;
    }
    get hostname() { return this._hostname; }
    set hostname(value) {
      if (this._opaque) return;
      this._hostname = parseHostPort(String(value).replace(/:.*$/, ""), this._special, this._protocol).hostname;
    }
    get port() { return this._port; }
    set port(value) {
      const v = String(value);
      if (v === "") { this._port = ""; return; }
      const digits = /^\d+/.exec(v);
      if (!digits || Number(digits[0]) > 65535) return;
      const port = String(Number(digits[0]));
      this._port = this._special && SPECIAL[this._protocol] === port ? "" : port;
    }
    get pathname() { return this._path; }
    set pathname(value) {
      if (this._opaque) return;
      let v = String(value);
      if (this._special) v = v.replace(/\\/g, "/");
      if (!v.startsWith("/")) v = "/" + v;
      this._path = "/" + normalizePath(v.slice(1).split("/"), this._special).map((seg) => encodeSet(seg, PATH_SET)).join("/");
    }
    get search() { return this._query ? "?" + this._query : ""; }
    set search(value) {
      let v = String(value);
      if (v.startsWith("?")) v = v.slice(1);
      this._query = v === "" ? null : encodeSet(v, QUERY_SET, this._special ? "'" : "");
      this._params._parse(this._query || "");
    }
    get searchParams() { return this._params; }
    get hash() { return this._fragment ? "#" + this._fragment : ""; }
    set hash(value) {
      let v = String(value);
      if (v.startsWith("#")) v = v.slice(1);
      this._fragment = v === "" ? null : encodeSet(v, /[\x00-\x20"<>`\x7f]/);
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return "URL"; }
  }

