  // ------------------------------------------------------------------ text encodings
  // Short strings are encoded and decoded here; long ones (BULK and more) on the host,
  // where it is a memcpy-speed codec instead of an interpreted loop per character (a
  // 3 MB string took over a second of CPU here).

  const BULK = 1024;

  function utf8Encode(input) {
    const s = String(input);
    // (a lone surrogate cannot cross to the host: toWellFormed() makes it U+FFFD first, as encoding does)
    if (s.length > BULK) return host("utf8encode", s.isWellFormed() ? s : s.toWellFormed());
    return utf8EncodeHere(s);
  }

  function utf8Decode(bytes, fatal) {
    if (bytes.length > BULK) return hostCall("decode", "utf-8", bytes, Boolean(fatal), true)[0];
    return utf8DecodeHere(bytes, fatal);
  }

  function utf8EncodeHere(input) {
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

  function utf8DecodeHere(bytes, fatal) {
    let out = "";
    let chunk = [];
    const flush = () => { out += String.fromCharCode.apply(null, chunk); chunk = []; };
    const bad = () => {
      if (fatal) throw new TypeError("Failed to decode input.");
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
      const s = String(input);
      const bytes = utf8Encode(s);
      // whole characters only: stop before one that would not fit
      let n = Math.min(bytes.length, dest.length);
      if (n < bytes.length) while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
      dest.set(bytes.subarray(0, n));
      const read = n === bytes.length ? s.length : utf8DecodeHere(bytes.subarray(0, n), false).length;
      return { read, written: n };
    }
    get [Symbol.toStringTag]() { return "TextEncoder"; }
  }

  // the WHATWG labels of the encodings workerd decodes
  const ENCODING_LABELS = {
    "utf-8": ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"],
    "utf-16le": ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"],
    "utf-16be": ["unicodefffe", "utf-16be"],
    "windows-1252": [
      "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
      "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252",
    ],
  };
  const ENCODING_OF = new Map();
  for (const [name, labels] of Object.entries(ENCODING_LABELS)) for (const label of labels) ENCODING_OF.set(label, name);
  const BOMS = { "utf-8": [0xef, 0xbb, 0xbf], "utf-16le": [0xff, 0xfe], "utf-16be": [0xfe, 0xff] };

  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const encoding = ENCODING_OF.get(String(label).trim().toLowerCase());
      if (encoding === undefined) throw new RangeError(`"${label}" is not a valid encoding.`);
      this._encoding = encoding;
      this._fatal = Boolean(options && options.fatal);
      this._ignoreBOM = Boolean(options && options.ignoreBOM);
      this._pending = null; // bytes of a character split across stream chunks
      this._started = false; // a BOM is only looked for at the start of a stream
    }
    get encoding() { return this._encoding; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input, options = {}) {
      const stream = Boolean(options && options.stream);
      let bytes = input === undefined ? new Uint8Array(0) : toBytes(input, "TextDecoder.decode's input");
      if (this._pending !== null) {
        const joined = new Uint8Array(this._pending.length + bytes.length);
        joined.set(this._pending);
        joined.set(bytes, this._pending.length);
        bytes = joined;
        this._pending = null;
      }
      const bom = BOMS[this._encoding];
      if (!this._started && bom) {
        if (stream && bytes.length < bom.length && bom.slice(0, bytes.length).every((b, i) => bytes[i] === b)) {
          this._pending = bytes.slice(); // too short to tell yet
          return "";
        }
        if (!this._ignoreBOM && bom.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(bom.length);
      }
      this._started = stream;
      if (!stream && this._encoding === "utf-8" && bytes.length <= BULK) return utf8DecodeHere(bytes, this._fatal);
      const [text, consumed] = hostCall("decode", this._encoding, bytes, this._fatal, !stream);
      if (consumed < bytes.length) this._pending = bytes.slice(consumed);
      return text;
    }
    get [Symbol.toStringTag]() { return "TextDecoder"; }
  }

