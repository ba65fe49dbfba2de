  // ------------------------------------------------------------------ bodies
  // A Request or Response body is either buffered bytes (`_bytes`, the fast path: strings,
  // buffers, forms, and every incoming body) or a ReadableStream (`_stream`) the worker
  // gave. `.body` turns buffered bytes into a byte stream on first access; the host
  // still receives a response's bytes in one piece once the stream has ended.

  const BUFFERED = Symbol("buffered bytes");

  // Blob, File and FormData: the lazy section forms.js
  let formsLib = null;
  function formsSection() {
    if (formsLib === null) {
      formsLib = section("forms.js", { toBytes, utf8Encode, utf8Decode, concatBytes, streamOfBytes, getRandomValues, URLSearchParams, conceal });
    }
    return formsLib;
  }
  for (const name of ["Blob", "File", "FormData"]) lazyGlobal(name, () => formsSection()[name]);

  // a byte stream over buffered bytes: read lazily (pull), so that a stream nobody reads
  // costs no copy, and marked so that `new Response(other.body)` can take the bytes whole
  function streamOfBytes(bytes) {
    const stream = new (streams().ReadableStream)({
      type: "bytes",
      pull(controller) {
        if (bytes.length) controller.enqueue(bytes.slice());
        controller.close();
      },
    });
    stream[BUFFERED] = bytes;
    return stream;
  }

  // the bytes of a stream made by streamOfBytes that nobody has touched yet
  function untouchedBytes(stream) {
    if (stream === null || stream[BUFFERED] === undefined || stream.locked || stream._disturbed) return null;
    return stream[BUFFERED];
  }

  function disturb(stream) {
    stream.getReader(); // locked for good, as a body that was used
    stream._disturbed = true;
  }

  // {bytes, stream, type} (or {text, ...}) for a body init value
  function extractBody(body) {
    if (body === undefined || body === null) return { bytes: null, stream: null, type: null };
    if (typeof body === "string") return { text: body, bytes: null, stream: null, type: "text/plain;charset=UTF-8" };
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { bytes: toBytes(body, "body").slice(), stream: null, type: null };
    if (body instanceof URLSearchParams) {
      return { text: body.toString(), bytes: null, stream: null, type: "application/x-www-form-urlencoded;charset=UTF-8" };
    }
    if (formsLib !== null && body instanceof formsLib.Blob) return { bytes: body._bytes, stream: null, type: body.type || null };
    if (formsLib !== null && body instanceof formsLib.FormData) {
      const [bytes, boundary] = formsLib.encodeMultipart(body);
      return { bytes, stream: null, type: `multipart/form-data; boundary=${boundary}` };
    }
    if (isReadableStream(body)) {
      if (body.locked || body._disturbed) {
        throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
      }
      const bytes = untouchedBytes(body);
      if (bytes !== null) {
        disturb(body);
        return { bytes, stream: null, type: null };
      }
      return { bytes: null, stream: body, type: null };
    }
    return { text: String(body), bytes: null, stream: null, type: "text/plain;charset=UTF-8" };
  }

  // Set a new Request's or Response's body from an init value; its content type if none is set.
  function initBody(target, body) {
    const { text, bytes, stream, type } = extractBody(body);
    target._bytes = bytes;
    if (text !== undefined) target._text = text;
    target._stream = stream;
    if (type && !target._headers.has("content-type")) target._headers.set("content-type", type);
  }

  // workerd's words for a stream that already has a reader (body.js and streams.js)
  const STREAM_LOCKED = "This ReadableStream is currently locked to a reader.";

  function bodyUsed(owner) {
    return owner._used || (owner._stream !== null && owner._stream._disturbed === true);
  }

  // the whole body, once: bytes at once when buffered, else read from the stream
  function consumeBody(owner) {
    if (bodyUsed(owner)) {
      throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
    }
    if (owner._stream !== null && owner._stream.locked) throw new TypeError(STREAM_LOCKED);
    owner._used = true;
    const stream = owner._stream;
    if (stream === null) return owner._bytes || new Uint8Array(0);
    const bytes = untouchedBytes(stream);
    if (bytes !== null) { disturb(stream); return bytes; }
    return readAllBytes(stream);
  }

  // the body bytes for the host (a response, a subrequest), not marking it used
  async function finalBytes(owner) {
    const stream = owner._stream;
    if (stream === null) return owner._bytes;
    const bytes = untouchedBytes(stream);
    if (bytes !== null) return bytes;
    if (stream.locked || stream._disturbed) throw new TypeError("The body's ReadableStream is locked or was already read.");
    return readAllBytes(stream);
  }

  // a copy of the body for clone(): buffered bytes are shared (never written), a stream is teed
  function cloneBody(owner, copy) {
    // workerd's words, its trailing comma included (recorded with wrangler dev)
    if (bodyUsed(owner) || (owner._stream !== null && owner._stream.locked)) {
      throw new TypeError("This ReadableStream is currently locked to a reader,");
    }
    copy._bytes = owner._bytes;
    copy._stream = null;
    if (owner._stream !== null && untouchedBytes(owner._stream) === null) {
      const [a, b] = owner._stream.tee();
      owner._stream = a;
      copy._stream = b;
    }
  }

  function contentTypeOf(owner) { return owner._headers.get("content-type") || ""; }

  const BodyMixin = {
    async arrayBuffer() { const b = await consumeBody(this); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
    async bytes() { return (await consumeBody(this)).slice(); },
    async text() {
      const text = textBody(this);
      if (text !== null && !this._used) { this._used = true; return text; }
      return utf8Decode(await consumeBody(this), false);
    },
    async json() { return JSON.parse(utf8Decode(await consumeBody(this), false)); },
    async formData() { return formsSection().parseFormBody(contentTypeOf(this), await consumeBody(this)); },
    async blob() {
      const bytes = await consumeBody(this);
      const type = contentTypeOf(this);
      return new (formsSection().Blob)([bytes], { type });
    },
  };

  // A string body stays a string until something needs its bytes (`_bytes` encodes it
  // then): a response body goes to the host as the string, encoded there in one step.
  function textBody(owner) { return owner._stream === null && typeof owner._text === "string" ? owner._text : null; }

  function bodyAccessors(cls) {
    Object.defineProperty(cls.prototype, "_bytes", {
      get() {
        if (typeof this._text === "string") { this._encoded = utf8Encode(this._text); this._text = null; }
        return this._encoded === undefined ? null : this._encoded;
      },
      set(value) { this._encoded = value; this._text = null; },
      configurable: true,
    });
    for (const key of Object.keys(BodyMixin)) {
      Object.defineProperty(cls.prototype, key, { value: BodyMixin[key], writable: true, configurable: true });
    }
    Object.defineProperty(cls.prototype, "bodyUsed", { get() { return bodyUsed(this); }, configurable: true });
    Object.defineProperty(cls.prototype, "body", {
      get() {
        if (this._stream === null) {
          if (this._bytes === null) return null;
          this._stream = streamOfBytes(this._used ? new Uint8Array(0) : this._bytes);
          if (this._used) disturb(this._stream);
        }
        return this._stream;
      },
      configurable: true,
    });
  }
