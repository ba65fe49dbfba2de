// dispatch_emu's JavaScript prelude: the Workers fetch API on bare QuickJS.
//
// Evaluated (script mode) once in every new context, before the user worker. QuickJS gives
// ECMAScript only; this file adds what a Workers `fetch` handler expects: Headers,
// Request, Response, URL, URLSearchParams, TextEncoder, TextDecoder, console, fetch,
// setTimeout, crypto.getRandomValues/randomUUID, navigator, and addEventListener for
// service-worker syntax. Bodies are buffered byte arrays (no streams).
//
// The host (dispatch_emu/runtime/js/) registers one function, __dispatch_emu_host,
// which this file captures and removes from the global object, and calls
// globalThis.__dispatch_emu: "bind" (a script's globals), "load" (import the main
// module), then "start" and "step" for each request the context serves.
(function () {
  "use strict";
  // Host calls dispatch by this name, so a context restored from a snapshot of this
  // prelude reaches its own host function once it registers one under the same name.
  const host = globalThis.__dispatch_emu_host;
  delete globalThis.__dispatch_emu_host;

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const hidden = (target, values) => {
    for (const key of Object.keys(values)) {
      Object.defineProperty(target, key, { value: values[key], writable: true, configurable: true, enumerable: false });
    }
  };

  // ------------------------------------------------------------------ UTF-8

  function utf8Encode(input) {
    const s = String(input);
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
    }
    if (ascii) {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    }
    const bytes = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd; // a lone surrogate
      }
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(bytes);
  }

  function utf8Decode(bytes, fatal) {
    let out = "";
    let chunk = [];
    const flush = () => { out += String.fromCharCode.apply(null, chunk); chunk = []; };
    const bad = () => {
      if (fatal) throw new TypeError("The encoded data was not valid UTF-8.");
      chunk.push(0xfffd);
    };
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let need = 0, cp = 0, min = 0;
      if (b < 0x80) { chunk.push(b); i++; if (chunk.length > 8192) flush(); continue; }
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; min = 0x10000; }
      else { bad(); i++; continue; }
      let j = 1;
      for (; j <= need; j++) {
        const n = bytes[i + j];
        if (n === undefined || (n & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (n & 0x3f);
      }
      if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        bad();
        i += j <= need ? j : 1; // a truncated sequence is one error; an overlong one, one per byte
        continue;
      }
      i += need + 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        chunk.push(cp);
      }
      if (chunk.length > 8192) flush();
    }
    flush();
    return out;
  }

  function toBytes(value, what) {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    throw new TypeError(`${what} must be an ArrayBuffer or an ArrayBufferView`);
  }

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return utf8Encode(input); }
    encodeInto(input, dest) {
      const bytes = utf8Encode(input);
      const n = Math.min(bytes.length, dest.length);
      dest.set(bytes.subarray(0, n));
      return { read: String(input).length, written: n };
    }
  }

  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const name = String(label).trim().toLowerCase();
      if (name !== "utf-8" && name !== "utf8" && name !== "unicode-1-1-utf-8") {
        throw new RangeError(`TextDecoder: unsupported encoding ${label} (dispatch_emu decodes UTF-8 only)`);
      }
      this._fatal = Boolean(options && options.fatal);
      this._ignoreBOM = Boolean(options && options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input) {
      if (input === undefined) return "";
      let bytes = toBytes(input, "TextDecoder.decode's input");
      if (!this._ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
      }
      return utf8Decode(bytes, this._fatal);
    }
  }

  // ------------------------------------------------------------------ console

  function inspect(value, depth, seen) {
    if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
    if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") {
      return String(value);
    }
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol") return value.toString();
    if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
    if (value instanceof Error) {
      const head = `${value.name}: ${value.message}`;
      return value.stack ? `${head}\n${String(value.stack).replace(/\n$/, "")}` : head;
    }
    if (seen.includes(value)) return "[Circular]";
    if (depth > 3) return Array.isArray(value) ? "[Array]" : "[Object]";
    const next = seen.concat([value]);
    if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v, depth + 1, next)).join(", ")} ]`;
    if (value instanceof Uint8Array) return `Uint8Array(${value.length}) [ ${Array.from(value.subarray(0, 50)).join(", ")}${value.length > 50 ? ", ..." : ""} ]`;
    if (value instanceof Map) return `Map(${value.size}) { ${Array.from(value, ([k, v]) => `${inspect(k, depth + 1, next)} => ${inspect(v, depth + 1, next)}`).join(", ")} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${Array.from(value, (v) => inspect(v, depth + 1, next)).join(", ")} }`;
    if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
    if (value instanceof URL || value instanceof URLSearchParams) return `${value.constructor.name} ${JSON.stringify(String(value))}`;
    const keys = Object.keys(value);
    const name = value.constructor && value.constructor !== Object && value.constructor.name ? `${value.constructor.name} ` : "";
    if (!keys.length) return `${name}{}`;
    const parts = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(value[k], depth + 1, next)}`);
    return `${name}{ ${parts.join(", ")} }`;
  }

  function format(args) {
    const parts = [];
    let rest = args;
    if (typeof args[0] === "string" && /%[sdifoOj%]/.test(args[0]) && args.length > 1) {
      let i = 1;
      const first = args[0].replace(/%([sdifoOj%])/g, (m, f) => {
        if (f === "%") return "%";
        if (i >= args.length) return m;
        const v = args[i++];
        if (f === "s") return typeof v === "string" ? v : inspect(v, 1, []);
        if (f === "d" || f === "i") return String(f === "i" ? parseInt(v) : Number(v));
        if (f === "f") return String(parseFloat(v));
        if (f === "j") { try { return JSON.stringify(v); } catch (e) { return "[Circular]"; } }
        return inspect(v, 1, []);
      });
      parts.push(first);
      rest = args.slice(i);
    } else if (args.length) {
      parts.push(inspect(args[0], 0, []));
      rest = args.slice(1);
    }
    for (const v of rest) parts.push(inspect(v, 0, []));
    return parts.join(" ");
  }

  // Log lines stay in the guest until the host collects them with the outcome (or, after
  // a failure, with logs()): a host call per console.log would cost more than the log.
  const LOG_LIMIT = 1 << 20;
  let logLines = [];
  let logSize = 0;
  function writeLog(text) {
    if (logSize > LOG_LIMIT) return;
    logSize += text.length;
    logLines.push(text);
    if (logSize > LOG_LIMIT) logLines.push(`[dispatch_emu: log truncated at ${LOG_LIMIT} bytes]`);
  }
  function logs() {
    const text = JSON.stringify(logLines);
    logLines = [];
    return text;
  }

  const counts = new Map();
  const timers = new Map();
  const console = {};
  for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
    console[level] = (...args) => { writeLog(format(args)); };
  }
  console.dir = (value) => { writeLog(inspect(value, 1, [])); };
  console.assert = (condition, ...args) => {
    if (!condition) writeLog(`Assertion failed${args.length ? ": " + format(args) : ""}`);
  };
  console.count = (label = "default") => {
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    writeLog(`${label}: ${n}`);
  };
  console.time = (label = "default") => { timers.set(label, Date.now()); };
  console.timeEnd = (label = "default") => {
    if (timers.has(label)) writeLog(`${label}: ${Date.now() - timers.get(label)}ms`);
    timers.delete(label);
  };
  console.table = console.log;

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

  // ------------------------------------------------------------------ URL
  // A WHATWG-style parser for the URLs workers meet: special schemes (http, https, ws,
  // wss, ftp, file) with an authority, and opaque ones (mailto:, data:). No IDNA.

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
      this._set(parseURL(url instanceof URL ? url.href : url, baseURL));
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
    set href(value) { this._set(parseURL(value)); }
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

  // ------------------------------------------------------------------ bodies

  // A buffered stand-in for ReadableStream: what `response.body` returns, so that
  // `new Response(other.body, other)` and `body.getReader()` work on buffered bytes.
  class ReadableStream {
    constructor(source) {
      if (source !== undefined) {
        throw new TypeError("dispatch_emu's JavaScript runtime has no streams: use strings, ArrayBuffers or Uint8Arrays as bodies");
      }
      this._bytes = new Uint8Array(0);
      this._read = false;
      this._locked = false;
    }
    get locked() { return this._locked; }
    getReader() {
      if (this._locked) throw new TypeError("ReadableStream is locked");
      this._locked = true;
      const stream = this;
      return {
        read() {
          if (stream._read || !stream._bytes.length) { stream._read = true; return Promise.resolve({ done: true, value: undefined }); }
          stream._read = true;
          return Promise.resolve({ done: false, value: stream._bytes });
        },
        releaseLock() { stream._locked = false; },
        cancel() { stream._read = true; return Promise.resolve(); },
        get closed() { return Promise.resolve(); },
      };
    }
    async *[Symbol.asyncIterator]() {
      const reader = this.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    }
  }

  function streamOf(bytes) {
    const s = new ReadableStream();
    s._bytes = bytes;
    return s;
  }

  // [bytes or null, content type or null] for a body init value
  function extractBody(body) {
    if (body === undefined || body === null) return [null, null];
    if (typeof body === "string") return [utf8Encode(body), "text/plain;charset=UTF-8"];
    if (body instanceof URLSearchParams) return [utf8Encode(body.toString()), "application/x-www-form-urlencoded;charset=UTF-8"];
    if (body instanceof ReadableStream) {
      if (body._read || body._locked) throw new TypeError("This ReadableStream is disturbed or locked");
      body._read = true;
      return [body._bytes, null];
    }
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return [toBytes(body, "body").slice(), null];
    return [utf8Encode(String(body)), "text/plain;charset=UTF-8"];
  }

  const BodyMixin = {
    _take() {
      if (this._used) throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      this._used = true;
      return this._bytes || new Uint8Array(0);
    },
    async arrayBuffer() { const b = this._take(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
    async bytes() { return this._take().slice(); },
    async text() { return utf8Decode(this._take(), false); },
    async json() { return JSON.parse(utf8Decode(this._take(), false)); },
    async formData() { throw new TypeError("dispatch_emu's JavaScript runtime has no FormData"); },
    async blob() { throw new TypeError("dispatch_emu's JavaScript runtime has no Blob"); },
  };

  function bodyAccessors(cls) {
    for (const key of Object.keys(BodyMixin)) {
      Object.defineProperty(cls.prototype, key, { value: BodyMixin[key], writable: true, configurable: true });
    }
    Object.defineProperty(cls.prototype, "bodyUsed", { get() { return this._used; }, configurable: true });
    Object.defineProperty(cls.prototype, "body", {
      get() {
        if (this._bytes === null) return null;
        if (!this._stream) {
          this._stream = streamOf(this._bytes);
          const owner = this;
          // reading the stream uses the body
          const getReader = this._stream.getReader.bind(this._stream);
          this._stream.getReader = () => { owner._used = true; return getReader(); };
        }
        return this._stream;
      },
      configurable: true,
    });
  }

  // ------------------------------------------------------------------ Request

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];

  class Request {
    constructor(input, init = {}) {
      init = init || {};
      let source = null;
      if (input instanceof Request) {
        source = input;
        this._url = input._url;
      } else {
        this._url = new URL(String(input)).href;
      }
      let method = init.method !== undefined ? String(init.method) : source ? source._method : "GET";
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new TypeError(`Invalid HTTP method: ${method}`);
      if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
      this._method = method;
      this._headers = new Headers(init.headers !== undefined ? init.headers : source ? source._headers : undefined);
      this._redirect = init.redirect || (source ? source._redirect : "follow");
      this._signal = init.signal || (source ? source._signal : null);
      this._cf = init.cf !== undefined ? init.cf : source ? source._cf : undefined;
      this._used = false;
      this._stream = null;
      if (init.body !== undefined && init.body !== null) {
        if (method === "GET" || method === "HEAD") throw new TypeError("Request with a GET or HEAD method cannot have a body.");
        const [bytes, type] = extractBody(init.body);
        this._bytes = bytes;
        if (type && !this._headers.has("content-type")) this._headers.set("content-type", type);
      } else if (source && init.body === undefined) {
        if (source._used) throw new TypeError("Cannot construct a Request with a Request whose body has already been used.");
        this._bytes = source._bytes;
        if (source._bytes !== null) source._used = true;
      } else {
        this._bytes = null;
      }
    }
    get method() { return this._method; }
    get url() { return this._url; }
    get headers() { return this._headers; }
    get redirect() { return this._redirect; }
    get signal() { return this._signal; }
    get cf() { return this._cf; }
    get fetcher() { return null; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    clone() {
      if (this._used) throw new TypeError("Cannot clone a Request whose body has already been used.");
      const copy = new Request(this._url, { method: this._method, headers: this._headers, redirect: this._redirect, cf: this._cf });
      copy._bytes = this._bytes === null ? null : this._bytes.slice();
      return copy;
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  bodyAccessors(Request);

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

  // ------------------------------------------------------------------ fetch

  function fetch(input, init) {
    if (!inHandler) {
      throw new Error("Disallowed operation called within global scope: fetch() can only run inside a handler.");
    }
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const body = request._bytes;
      const answer = host("fetch", request.method, request.url, request._headers._list, body === null ? null : body);
      if (answer.error !== undefined) {
        reject(new TypeError(answer.error));
        return;
      }
      const status = answer.status;
      const response = new Response(null, { status: status >= 200 && status <= 599 ? status : 200, statusText: answer.statusText || "", headers: answer.headers });
      response._status = status;
      response._bytes = NULL_BODY.includes(status) || request.method === "HEAD" ? null : toBytes(answer.body || new Uint8Array(0), "body");
      response._url = request.url;
      resolve(response);
    });
  }

  // ------------------------------------------------------------------ bindings
  // A binding the worker calls arrives in env as a marker object (see runtime/js/bindings.py)
  // and becomes what a Worker gets: a dispatch namespace (get() → a stub, at once) or a
  // service (a Fetcher). A call goes to the host ("service"), which runs the other worker
  // now, on its own budgets, and answers its response or the error to reject with.

  const BINDING_MARK = "\u0000dispatch_emu_binding";
  const CROSSING_ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

  function callBinding(binding, target, args, options, input, init) {
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const body = request._bytes;
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
    });
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

  // ------------------------------------------------------------------ timers
  // Timers fire in order of their due time, on a virtual clock: the host calls "tick"
  // when no microtask is left, so `await sleep(1000)` does not really wait.

  let timerSeq = 0;
  const timerQueue = new Map();
  let virtualNow = 0;

  function setTimeout(callback, delay = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setTimeout: the callback must be a function");
    const id = ++timerSeq;
    timerQueue.set(id, { due: virtualNow + Math.max(0, Number(delay) || 0), callback, args, interval: null });
    return id;
  }
  function setInterval(callback, delay = 0, ...args) {
    const id = setTimeout(callback, delay, ...args);
    timerQueue.get(id).interval = Math.max(1, Number(delay) || 0);
    return id;
  }
  function clearTimeout(id) { timerQueue.delete(id); }

  function tick() {
    let next = null;
    for (const [id, t] of timerQueue) {
      if (next === null || t.due < next[1].due) next = [id, t];
    }
    if (next === null) return false;
    const [id, t] = next;
    virtualNow = Math.max(virtualNow, t.due);
    if (t.interval !== null) t.due = virtualNow + t.interval;
    else timerQueue.delete(id);
    t.callback.apply(undefined, t.args);
    return true;
  }

  // ------------------------------------------------------------------ crypto, navigator

  function getRandomValues(array) {
    if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
      throw new TypeError("getRandomValues: the argument must be an integer typed array");
    }
    if (array.byteLength > 65536) throw new RangeError("getRandomValues: at most 65536 bytes at once");
    const bytes = host("random", array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(toBytes(bytes, "random"));
    return array;
  }

  function randomUUID() {
    const b = getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ------------------------------------------------------------------ service-worker syntax

  const listeners = [];
  function addEventListener(type, listener) {
    if (type === "fetch" && typeof listener === "function") listeners.push(listener);
  }

  class FetchEvent {
    constructor(request, waits) {
      this.type = "fetch";
      this.request = request;
      this._response = undefined;
      this._waits = waits;
    }
    respondWith(response) {
      if (this._response !== undefined) throw new Error("FetchEvent.respondWith() was already called");
      this._response = Promise.resolve(response);
    }
    waitUntil(promise) { this._waits.push(Promise.resolve(promise)); }
    passThroughOnException() {}
  }

  // ------------------------------------------------------------------ the host's entry points

  function describe(error) {
    if (error !== null && typeof error === "object" && typeof error.message === "string") {
      const name = typeof error.name === "string" ? error.name : "Error";
      return { name, message: error.message, stack: typeof error.stack === "string" ? error.stack : "" };
    }
    let text;
    try { text = String(error); } catch (e) { text = Object.prototype.toString.call(error); }
    return { name: "", message: text, stack: "" };
  }

  function makeRequest(req, body) {
    const init = { method: req.method, headers: req.headers };
    if (body !== null && req.method !== "GET" && req.method !== "HEAD") init.body = body;
    if (req.cf !== null) init.cf = req.cf;
    // the host's URL is already absolute and normalized: a Request as the input takes it
    // as is, where a string would be parsed again (most of what building the request costs)
    const source = Object.create(Request.prototype);
    Object.assign(source, { _url: req.url, _redirect: "follow", _signal: null, _used: false, _bytes: null });
    const request = new Request(source, init);
    if (body !== null && (req.method === "GET" || req.method === "HEAD")) request._bytes = body;
    request._headers._guard = "immutable";
    return request;
  }

  async function settleWaits(waits) {
    // waitUntil() promises may add more while they run
    for (let i = 0; i < waits.length; i++) {
      try {
        await waits[i];
      } catch (error) {
        const d = describe(error);
        writeLog(`Uncaught (in waitUntil) ${d.name ? d.name + ": " : ""}${d.message}`);
      }
    }
  }

  async function respond(response) {
    if (!(response instanceof Response)) {
      const kind = response === null ? "null" : typeof response === "object" && response.constructor ? response.constructor.name : typeof response;
      return { invalid: `the fetch handler returned ${kind}, not a Response` };
    }
    if (response._type === "error") return { invalid: "the fetch handler returned Response.error()" };
    if (response._used) return { invalid: "the fetch handler returned a Response whose body was already used" };
    return { status: response._status, headers: response._headers._list, body: response._bytes || new Uint8Array(0) };
  }

  // The main module's default export, once imported, and the worker's kind.
  let worker;
  let workerKind = "module";
  // Outside a handler (the global scope at startup), fetch() is refused, as on Cloudflare.
  let inHandler = false;

  async function importMain(kind, main) {
    workerKind = kind;
    if (kind === "module") {
      try {
        worker = (await import(main)).default;
      } catch (error) {
        return { error: describe(error), startup: true };
      }
    }
    return { loaded: true };
  }

  async function handle(req, body, env) {
    inHandler = true;
    const waits = [];
    const request = makeRequest(req, body);
    let answer;
    try {
      if (workerKind === "module") {
        const handler = worker === null || worker === undefined ? undefined : worker.fetch;
        if (typeof handler !== "function") {
          return { invalid: worker === undefined || worker === null
            ? "the main module has no default export"
            : "the default export has no fetch() handler" };
        }
        const ctx = { waitUntil(promise) { waits.push(Promise.resolve(promise)); }, passThroughOnException() {} };
        answer = await respond(await handler.call(worker, request, env, ctx));
      } else {
        if (!listeners.length) return { invalid: "the script registered no fetch event listener" };
        const event = new FetchEvent(request, waits);
        for (const listener of listeners) {
          listener.call(undefined, event);
          if (event._response !== undefined) break;
        }
        if (event._response === undefined) return { invalid: "no fetch event listener called respondWith()" };
        answer = await respond(await event._response);
      }
    } catch (error) {
      return { error: describe(error) };
    }
    await settleWaits(waits);
    return answer;
  }

  // service-worker scripts read their bindings as globals
  function bind(env) {
    env = makeEnv(env);
    for (const key of Object.keys(env)) define(key, env[key]);
  }

  // load() imports the main module, start() runs the handler for one request (a context
  // may serve many: the host keeps it prepared). After either, the host drains the job
  // queue, then asks step() for the outcome and, while there is none, fires the next
  // timer with it.
  let outcome = null;
  let loading = false;
  const OUT_OF_MEMORY = { error: { name: "InternalError", message: "out of memory", stack: "" } };
  function settle(promise) {
    outcome = null;
    promise.then(
      (value) => { outcome = value; },
      (error) => {
        try { outcome = { error: describe(error) }; } catch (e) { outcome = OUT_OF_MEMORY; }
      },
    );
  }
  function load(kind, main) {
    loading = true;
    settle(importMain(kind, main));
  }
  function start(json, body) {
    const { req, env } = JSON.parse(json);
    loading = false;
    settle(handle(req, body, makeEnv(env)));
  }
  // The outcome as one Uint8Array (a single crossing back to the host): 4 bytes of
  // big-endian length, that many bytes of JSON (status, headers, or the failure), the body.
  function pack(result) {
    const body = result.body || new Uint8Array(0);
    const meta = utf8Encode(JSON.stringify(Object.assign({}, result, { body: undefined, logs: logLines })));
    logLines = [];
    const out = new Uint8Array(4 + meta.length + body.length);
    new DataView(out.buffer).setUint32(0, meta.length);
    out.set(meta, 4);
    out.set(body, 4 + meta.length);
    return out;
  }
  // A request is over once its outcome is out: what it left behind must not run during
  // the next one (Cloudflare cancels a finished request's timers too), and the log cap
  // is per request.
  function finish() {
    timerQueue.clear();
    logSize = 0;
    outcome = null;
  }

  // After the host has drained the job queue: the packed outcome if there is one, else
  // fire the next timer and answer whether one fired (false: nothing will ever happen).
  function step() {
    if (outcome === null) return tick();
    const packed = pack(outcome);
    if (!loading) finish();
    return packed;
  }

  hidden(globalThis, {
    __dispatch_emu: Object.freeze({ load, start, step, bind, logs }),
  });

  for (const [name, value] of Object.entries({
    TextEncoder, TextDecoder, URL, URLSearchParams, Headers, Request, Response, ReadableStream,
    fetch, setTimeout, clearTimeout, setInterval, clearInterval: clearTimeout, console,
    addEventListener, FetchEvent,
    crypto: Object.freeze({ getRandomValues, randomUUID }),
    navigator: Object.freeze({ userAgent: "Cloudflare-Workers" }),
    self: globalThis,
  })) {
    define(name, value);
  }
})();
