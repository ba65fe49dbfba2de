  // ------------------------------------------------------------------ crypto

  function getRandomValues(array) {
    if (!ArrayBuffer.isView(array)) {
      throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'JsArrayBufferView'.");
    }
    if (array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
      throw new DOMException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.", "TypeMismatchError");
    }
    if (array.byteLength > 65536) {
      throw new DOMException(`getRandomValues() only accepts buffers of size <= 64K but provided ${array.byteLength} bytes.`, "QuotaExceededError");
    }
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


  let cryptoLib = null;
  // crypto.subtle and CryptoKey: the lazy section subtle.js
  function cryptoSection() {
    if (cryptoLib === null) cryptoLib = section("subtle.js", { host, hostPacked, liftBytes: WIRE_BYTES, toBytes, utf8Encode, utf8Decode, DOMException, SLOT });
    return cryptoLib;
  }
  lazyGlobal("CryptoKey", () => cryptoSection().CryptoKey);
  lazyGlobal("SubtleCrypto", () => cryptoSection().SubtleCrypto);

  class Crypto {
    constructor(token) { if (token !== SLOT) throw new TypeError("Illegal constructor"); }
    get subtle() { return cryptoSection().subtle; }
    // Cloudflare's WritableStream whose `digest` promise gives the hash of what was written
    get DigestStream() { return streams().DigestStream; }
    getRandomValues(array) { return getRandomValues(array); }
    randomUUID() { return randomUUID(); }
    get [Symbol.toStringTag]() { return "Crypto"; }
  }
  const cryptoObject = new Crypto(SLOT);
  define("Crypto", Crypto);
