  // ------------------------------------------------------------------ streams
  // WHATWG streams are the vendored web-streams-polyfill (MIT; runtime/js/vendor/),
  // evaluated in a context the first time a worker touches a stream: `ReadableStream`
  // and the other stream globals are lazy, and so is a body's `.body`. On top of it:
  // TextEncoderStream/TextDecoderStream, CompressionStream/DecompressionStream (zlib on
  // the host), and Cloudflare's IdentityTransformStream, FixedLengthStream and
  // crypto.DigestStream.

  let WS = null;

  function streams() {
    if (WS === null) {
      const lib = vendored("web-streams-polyfill");
      // a second reader: workerd's words, not the polyfill's
      const polyfillGetReader = lib.ReadableStream.prototype.getReader;
      Object.defineProperty(lib.ReadableStream.prototype, "getReader", {
        value: function getReader(options) {
          if (this instanceof lib.ReadableStream && this.locked) {
            throw new TypeError(STREAM_LOCKED);
          }
          return polyfillGetReader.call(this, options);
        },
        writable: true, enumerable: true, configurable: true,
      });
      WS = Object.assign({}, lib);
      Object.assign(WS, extraStreams(lib));
    }
    return WS;
  }

  function isReadableStream(value) { return WS !== null && value instanceof WS.ReadableStream; }

  function chunkBytes(chunk, what) {
    if (chunk instanceof Uint8Array) return chunk;
    if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return toBytes(chunk, what);
    throw new TypeError("This ReadableStream did not return bytes."); // workerd's words
  }

  function concatBytes(parts, total) {
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  }

  async function readAllBytes(stream, what = "ReadableStream") {
    const reader = stream.getReader();
    const parts = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const bytes = chunkBytes(value, what);
      parts.push(bytes);
      total += bytes.length;
    }
    reader.releaseLock();
    return concatBytes(parts, total);
  }

  // a ReadableStream the caller knows the end of: bytes written into a buffer
  function collector(what) {
    const parts = [];
    let total = 0;
    return {
      add(chunk) { const b = chunkBytes(chunk, what).slice(); parts.push(b); total += b.length; },
      bytes() { return concatBytes(parts, total); },
      get size() { return total; },
    };
  }

  function extraStreams(lib) {
    const { TransformStream, WritableStream } = lib;

    class TextEncoderStream extends TransformStream {
      constructor() {
        let pending = ""; // a high surrogate at a chunk's end waits for its pair
        super({
          transform(chunk, controller) {
            let s = pending + String(chunk);
            pending = "";
            const last = s.charCodeAt(s.length - 1);
            if (last >= 0xd800 && last <= 0xdbff) { pending = s.slice(-1); s = s.slice(0, -1); }
            if (s) controller.enqueue(utf8Encode(s));
          },
          flush(controller) { if (pending) controller.enqueue(utf8Encode("\ufffd")); },
        });
      }
      get encoding() { return "utf-8"; }
      get [Symbol.toStringTag]() { return "TextEncoderStream"; }
    }

    class TextDecoderStream extends TransformStream {
      constructor(label = "utf-8", options = {}) {
        const decoder = new TextDecoder(label, options);
        super({
          transform(chunk, controller) {
            const s = decoder.decode(chunkBytes(chunk, "TextDecoderStream"), { stream: true });
            if (s) controller.enqueue(s);
          },
          flush(controller) { const s = decoder.decode(); if (s) controller.enqueue(s); },
        });
        this._decoder = decoder;
      }
      get encoding() { return this._decoder.encoding; }
      get fatal() { return this._decoder.fatal; }
      get ignoreBOM() { return this._decoder.ignoreBOM; }
      get [Symbol.toStringTag]() { return "TextDecoderStream"; }
    }

    // zlib runs on the host over the whole input when the writable side closes: the
    // output comes at the end, not chunk by chunk
    const FORMATS = ["gzip", "deflate", "deflate-raw"];
    function zlibTransform(op, format, what) {
      if (!FORMATS.includes(format)) {
        throw new TypeError("The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.");
      }
      const input = collector(what);
      return {
        transform(chunk) { input.add(chunk); },
        flush(controller) {
          const out = hostCall(op, format, input.bytes());
          if (out.length) controller.enqueue(toBytes(out, what));
        },
      };
    }
    class CompressionStream extends TransformStream {
      constructor(format) { super(zlibTransform("compress", String(format), "CompressionStream")); }
      get [Symbol.toStringTag]() { return "CompressionStream"; }
    }
    class DecompressionStream extends TransformStream {
      constructor(format) { super(zlibTransform("decompress", String(format), "DecompressionStream")); }
      get [Symbol.toStringTag]() { return "DecompressionStream"; }
    }

    class IdentityTransformStream extends TransformStream {
      constructor() {
        super({ transform(chunk, controller) { controller.enqueue(chunkBytes(chunk, "IdentityTransformStream")); } });
      }
    }

    class FixedLengthStream extends TransformStream {
      constructor(length) {
        const expected = Number(length);
        if (!Number.isSafeInteger(expected) || expected < 0) throw new TypeError("FixedLengthStream requires a non-negative integer length");
        let seen = 0;
        super({
          transform(chunk, controller) {
            const bytes = chunkBytes(chunk, "FixedLengthStream");
            seen += bytes.length;
            if (seen > expected) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
            controller.enqueue(bytes);
          },
          flush() { if (seen < expected) throw new TypeError("FixedLengthStream did not see all expected bytes before close()."); },
        });
        this._expectedLength = expected;
      }
    }

    class DigestStream extends WritableStream {
      constructor(algorithm) {
        const { digestName, DIGESTS, cryptoError, hostCrypto, arrayBufferOf } = cryptoSection();
        const name = digestName(algorithm);
        if (!DIGESTS.includes(name)) throw cryptoError("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.");
        const input = collector("DigestStream");
        let resolve, reject;
        const digest = new Promise((a, b) => { resolve = a; reject = b; });
        super({
          write(chunk) { input.add(typeof chunk === "string" ? utf8Encode(chunk) : chunk); },
          close() { resolve(arrayBufferOf(hostCrypto("digest", name, input.bytes()))); },
          abort(reason) { reject(reason); },
        });
        digest.catch(() => {});
        this._digest = digest;
      }
      get digest() { return this._digest; }
      get [Symbol.toStringTag]() { return "DigestStream"; }
    }

    return {
      TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream,
      IdentityTransformStream, FixedLengthStream, DigestStream,
    };
  }

  const STREAM_GLOBALS = [
    "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
    "ReadableByteStreamController", "ReadableStreamDefaultController", "WritableStream",
    "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream",
    "TransformStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
    "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
    "IdentityTransformStream", "FixedLengthStream",
  ];
  for (const name of STREAM_GLOBALS) lazyGlobal(name, () => streams()[name]);
