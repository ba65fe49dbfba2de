// The host's side of the prelude's entry points, as QuickJsVm (_quickjs.py) calls them.
//
// Evaluated (script mode) right after the prelude, in the context whose image later
// contexts restore. It replaces globalThis.__dispatch_emu by a copy with the entry points
// below, and gives Math.random a generator of its own:
// - start(json, body): the prelude's start(), with the body optional (one argument less
//   to cross for a request without one);
// - poll(): the prelude's step() as the host reads it in one crossing, always a string:
//   "0" nothing will ever happen, "1" a timer fired, else the outcome: a tag, its JSON,
//   then for tag "t" a line break and the string body itself (up to INLINE characters).
//   Tag "s": a longer string body, which text() returns; "b": a bytes body, which bytes()
//   returns; "e": no body (a request is a few crossings: a string each way, no encoding
//   loop in the interpreter);
// - Math.random from host entropy, seeded on first use: QuickJS keeps its generator in
//   the heap, so contexts restored from one image would otherwise all draw the same
//   sequence (xoshiro128**, two draws for 53 bits).
(function () {
  "use strict";
  const api = globalThis.__dispatch_emu;
  const getRandomValues = globalThis.crypto.getRandomValues;
  // a longer string body goes on its own: joined, it would be copied once more in the
  // guest's memory (a large body near the memory limit must not fail for that)
  const INLINE = 65536;
  const EMPTY = new Uint8Array(0);
  let text = null;
  let bytes = null;

  function poll() {
    const result = api.step();
    if (!Array.isArray(result)) return result ? "1" : "0";
    const [meta, body] = result;
    if (typeof body === "string") {
      if (body.length <= INLINE) return "t" + meta + "\n" + body;
      text = body;
      return "s" + meta;
    }
    if (body === null || body.length === 0) return "e" + meta;
    bytes = body;
    return "b" + meta;
  }
  function takeText() {
    const taken = text;
    text = null;
    return taken === null ? "" : taken;
  }
  function takeBytes() {
    const taken = bytes;
    bytes = null;
    if (taken === null) return EMPTY;
    // the host reads a view's whole buffer: a partial view is copied first
    return taken.byteOffset === 0 && taken.byteLength === taken.buffer.byteLength ? taken : taken.slice();
  }
  function start(json, body = null) {
    text = bytes = null;
    return api.start(json, body);
  }

  const state = new Uint32Array(4);
  let seeded = false;
  const rotl = (x, k) => (x << k) | (x >>> (32 - k));
  function next32() {
    const s = state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
    return result;
  }
  function random() {
    if (!seeded) {
      do getRandomValues(state); while (!(state[0] | state[1] | state[2] | state[3]));
      seeded = true;
    }
    return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  }
  Object.defineProperty(Math, "random", { value: random, writable: true, configurable: true, enumerable: false });

  Object.defineProperty(globalThis, "__dispatch_emu", {
    value: Object.freeze(Object.assign({}, api, { start, poll, text: takeText, bytes: takeBytes })),
    writable: true, configurable: true, enumerable: false,
  });
})();
