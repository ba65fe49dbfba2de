  // ------------------------------------------------------------------ structuredClone, URLPattern

  const TYPED_ARRAYS = [
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  ];
  const ERROR_TYPES = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

  // The structured clone algorithm (HTML), for the types a worker can clone.
  function structuredClone(value, options = undefined) {
    const seen = new Map();
    const cannot = (what) => new DOMException(`${what} could not be cloned.`, "DataCloneError");
    const clone = (v) => {
      if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) return v;
      if (typeof v === "symbol") throw cannot(String(v));
      if (typeof v === "function") throw cannot(String(v));
      if (seen.has(v)) return seen.get(v);
      let out;
      if (v instanceof RealDate) out = new RealDate(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (v instanceof DataView) out = new DataView(clone(v.buffer), v.byteOffset, v.byteLength);
      else if (ArrayBuffer.isView(v)) {
        const type = TYPED_ARRAYS.find((T) => v instanceof T);
        out = new type(clone(v.buffer), v.byteOffset, v.length);
      } else if (v instanceof Map) {
        out = new Map();
        seen.set(v, out);
        for (const [k, x] of v) out.set(clone(k), clone(x));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        seen.set(v, out);
        for (const x of v) out.add(clone(x));
        return out;
      } else if (v instanceof Error) {
        const type = ERROR_TYPES[v.name] || Error;
        out = new type(v.message);
        if (v.stack !== undefined) out.stack = v.stack;
        if ("cause" in v) out.cause = clone(v.cause);
      } else if (formsLib !== null && v instanceof formsLib.File) {
        out = new formsLib.File([v._bytes], v.name, { type: v.type, lastModified: v.lastModified });
      } else if (formsLib !== null && v instanceof formsLib.Blob) {
        out = new formsLib.Blob([v._bytes], { type: v.type });
      } else if (v instanceof Boolean || v instanceof Number || v instanceof String) {
        out = Object(v.valueOf());
      } else if (Array.isArray(v)) {
        out = new Array(v.length);
        seen.set(v, out);
        for (const key of Object.keys(v)) out[key] = clone(v[key]);
        return out;
      } else if (cryptoLib !== null && v instanceof cryptoLib.CryptoKey) {
        out = new cryptoLib.CryptoKey(SLOT, v.type, v.extractable, Object.assign({}, v.algorithm), v.usages.slice(), v[SLOT].material);
      } else {
        const platform = [Promise, WeakMap, WeakSet, WeakRef, Request, Response, Headers, AbortSignal, EventTarget];
        if (platform.some((T) => v instanceof T) || isReadableStream(v)) {
          throw cannot(`#<${(v.constructor && v.constructor.name) || "Object"}>`);
        }
        out = {};
        seen.set(v, out);
        for (const key of Object.keys(v)) out[key] = clone(v[key]);
        return out;
      }
      seen.set(v, out);
      return out;
    };
    if (options !== undefined && options !== null && options.transfer !== undefined && options.transfer.length) {
      throw new DOMException("structuredClone: transfer is not supported in dispatch_emu.", "DataCloneError");
    }
    return clone(value);
  }

  define("structuredClone", structuredClone);
  // URLPattern is the vendored urlpattern-polyfill (MIT), evaluated on first use
  lazyGlobal("URLPattern", () => vendored("urlpattern-polyfill").URLPattern);
