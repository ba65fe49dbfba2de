// The host's side of the prelude's entry points, as QuickJsVm (_quickjs.py) calls them.
//
// Evaluated (script mode) right after the prelude, in the context whose image later
// contexts restore. It replaces globalThis.__dispatch_emu by a copy with two more entry
// points, and gives Math.random a generator of its own:
// - start(json, body): the prelude's start(), with the body optional (one argument less
//   to cross for a request without one);
// - poll(): the prelude's step() as the host reads it in one crossing, always a
//   Uint8Array: [0] nothing will ever happen, [1] a timer fired, [2, ...packed] the
//   outcome, [3, ...packed] the outcome with a string body, which text() then returns;
// - Math.random from host entropy, seeded on first use: QuickJS keeps its generator in
//   the heap, so contexts restored from one image would otherwise all draw the same
//   sequence (xoshiro128**, two draws for 53 bits).
(function () {
  "use strict";
  const api = globalThis.__dispatch_emu;
  const getRandomValues = globalThis.crypto.getRandomValues;
  const IDLE = new Uint8Array([0]);
  const FIRED = new Uint8Array([1]);
  let text = null;

  function tagged(tag, packed) {
    const out = new Uint8Array(packed.length + 1);
    out[0] = tag;
    out.set(packed, 1);
    return out;
  }
  function poll() {
    const result = api.step();
    if (result instanceof Uint8Array) return tagged(2, result);
    if (Array.isArray(result)) {
      text = String(result[1]);
      return tagged(3, result[0]);
    }
    return result ? FIRED : IDLE;
  }
  function takeText() {
    const taken = text;
    text = null;
    return taken === null ? "" : taken;
  }
  function start(json, body = null) {
    text = null;
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
    value: Object.freeze(Object.assign({}, api, { start, poll, text: takeText })),
    writable: true, configurable: true, enumerable: false,
  });
})();
