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

