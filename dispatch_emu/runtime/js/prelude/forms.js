  // ------------------------------------------------------------------ Blob, File, FormData
  // A lazy section (LAZY_FILES in _modules.py): compiled the first time a worker touches
  // Blob, File, FormData, formData() or blob(), with the internals below as $.
  "use strict";
  const { toBytes, utf8Encode, utf8Decode, concatBytes, streamOfBytes, getRandomValues, URLSearchParams, conceal } = $;

  function blobParts(parts) {
    const chunks = [];
    let total = 0;
    if (parts === undefined || parts === null) return new Uint8Array(0);
    if (typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
      throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
    }
    for (const part of parts) {
      let bytes;
      if (part instanceof Blob) bytes = part._bytes;
      else if (part instanceof ArrayBuffer || ArrayBuffer.isView(part)) bytes = toBytes(part, "Blob part").slice();
      else bytes = utf8Encode(String(part));
      chunks.push(bytes);
      total += bytes.length;
    }
    return concatBytes(chunks, total);
  }

  function blobType(type) {
    const t = type === undefined ? "" : String(type);
    return /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
  }

  class Blob {
    constructor(parts = [], options = {}) {
      this._bytes = blobParts(parts);
      this._type = blobType(options && options.type);
      conceal(this);
    }
    get size() { return this._bytes.length; }
    get type() { return this._type; }
    slice(start = 0, end = this._bytes.length, type = "") {
      const size = this._bytes.length;
      const clamp = (v) => (v < 0 ? Math.max(size + v, 0) : Math.min(v, size));
      const b = new Blob([], { type });
      b._bytes = this._bytes.subarray(clamp(Number(start) || 0), clamp(Number(end)));
      return b;
    }
    async text() { return utf8Decode(this._bytes, false); }
    async arrayBuffer() { return this._bytes.slice().buffer; }
    async bytes() { return this._bytes.slice(); }
    stream() { return streamOfBytes(this._bytes); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }

  class File extends Blob {
    constructor(bits, name, options = {}) {
      if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required.");
      super(bits, options);
      this._name = String(name);
      this._lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
      conceal(this);
    }
    get name() { return this._name; }
    get lastModified() { return this._lastModified; }
    get [Symbol.toStringTag]() { return "File"; }
  }

  function formValue(value, filename) {
    if (value instanceof Blob) {
      if (!(value instanceof File) || filename !== undefined) {
        const file = new File([], filename !== undefined ? String(filename) : value instanceof File ? value.name : "blob", {
          type: value.type,
          lastModified: value instanceof File ? value.lastModified : undefined,
        });
        file._bytes = value._bytes;
        return file;
      }
      return value;
    }
    return String(value);
  }

  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData: there is no HTML form element in a Worker");
      this._list = [];
      conceal(this);
    }
    append(name, value, filename) { this._list.push([String(name), formValue(value, filename)]); }
    set(name, value, filename) {
      name = String(name);
      const entry = [name, formValue(value, filename)];
      const i = this._list.findIndex(([k]) => k === name);
      if (i < 0) { this._list.push(entry); return; }
      this._list[i] = entry;
      this._list = this._list.filter(([k], j) => k !== name || j === i);
    }
    get(name) { name = String(name); const hit = this._list.find(([k]) => k === name); return hit ? hit[1] : null; }
    getAll(name) { name = String(name); return this._list.filter(([k]) => k === name).map(([, v]) => v); }
    has(name) { name = String(name); return this._list.some(([k]) => k === name); }
    delete(name) { name = String(name); this._list = this._list.filter(([k]) => k !== name); }
    forEach(callback, thisArg) { for (const [k, v] of this._list.slice()) callback.call(thisArg, v, k, this); }
    *entries() { for (const [k, v] of this._list.slice()) yield [k, v]; }
    *keys() { for (const [k] of this._list.slice()) yield k; }
    *values() { for (const [, v] of this._list.slice()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }

  const escapeFormName = (s) => s.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");

  // multipart/form-data (RFC 7578): [bytes, boundary]
  function encodeMultipart(form) {
    const random = getRandomValues(new Uint8Array(16));
    const boundary = Array.from(random, (x) => (x < 16 ? "0" : "") + x.toString(16)).join(""); // 32 hex digits, as workerd
    const parts = [];
    let total = 0;
    const push = (bytes) => { parts.push(bytes); total += bytes.length; };
    for (const [name, value] of form._list) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeFormName(name)}"`;
      if (value instanceof File) {
        head += `; filename="${escapeFormName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}`;
        push(utf8Encode(head + "\r\n\r\n"));
        push(value._bytes);
        push(utf8Encode("\r\n"));
      } else {
        push(utf8Encode(`${head}\r\n\r\n${value.replace(/\r?\n|\r/g, "\r\n")}\r\n`));
      }
    }
    push(utf8Encode(`--${boundary}--`)); // no CRLF after the close delimiter (workerd)
    return [concatBytes(parts, total), boundary];
  }

  function mediaParam(contentType, param) {
    const re = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
    const m = re.exec(contentType);
    if (!m) return null;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
  }

  function indexOfBytes(haystack, needle, from) {
    const first = needle[0];
    for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
      let j = 1;
      while (j < needle.length && haystack[i + j] === needle[j]) j++;
      if (j === needle.length) return i;
    }
    return -1;
  }

  function parseMultipart(bytes, boundary) {
    const form = new FormData();
    const bad = () => new TypeError("Failed to parse the body as multipart/form-data.");
    const delimiter = utf8Encode(`--${boundary}`);
    let at = indexOfBytes(bytes, delimiter, 0);
    if (at < 0) throw bad();
    for (;;) {
      at += delimiter.length;
      if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return form; // the closing delimiter
      if (bytes[at] === 0x0d && bytes[at + 1] === 0x0a) at += 2;
      else throw bad();
      const headEnd = indexOfBytes(bytes, utf8Encode("\r\n\r\n"), at);
      if (headEnd < 0) throw bad();
      const headers = utf8Decode(bytes.subarray(at, headEnd), false).split("\r\n");
      const next = indexOfBytes(bytes, utf8Encode(`\r\n--${boundary}`), headEnd + 4);
      if (next < 0) throw bad();
      const content = bytes.subarray(headEnd + 4, next);
      let disposition = "", type = "";
      for (const line of headers) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        if (key === "content-disposition") disposition = line.slice(colon + 1);
        else if (key === "content-type") type = line.slice(colon + 1).trim();
      }
      const name = mediaParam(disposition, "name");
      if (name === null) throw bad();
      const filename = mediaParam(disposition, "filename");
      if (filename !== null) {
        const file = new File([], filename, { type });
        file._bytes = content.slice();
        form.append(name, file);
      } else {
        form.append(name, utf8Decode(content, false));
      }
      at = next + 2;
    }
  }

  function parseFormBody(contentType, bytes) {
    const essence = contentType.split(";")[0].trim().toLowerCase();
    if (essence === "multipart/form-data") {
      const boundary = mediaParam(contentType, "boundary");
      if (!boundary) throw new TypeError("Failed to parse the body as multipart/form-data: no boundary in the Content-Type.");
      return parseMultipart(bytes, boundary);
    }
    if (essence === "application/x-www-form-urlencoded") {
      const form = new FormData();
      for (const [k, v] of new URLSearchParams(utf8Decode(bytes, false))) form.append(k, v);
      return form;
    }
    throw new TypeError(
      "Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded",
    );
  }

  return { Blob, File, FormData, encodeMultipart, parseFormBody };
