// dispatch_emu's JavaScript prelude: the Workers fetch API on bare QuickJS.
//
// Evaluated (script mode) once in every new context, before the user worker. QuickJS gives
// ECMAScript only; the prelude adds what a Workers `fetch` handler expects. It is one
// function body split into one file per concept (this directory), joined at load in the
// order of PRELUDE_FILES in dispatch_emu/runtime/js/_modules.py: this file opens the
// function, end.js closes it, and the files between share its scope.
//
// The host (dispatch_emu/runtime/js/) registers one function, __dispatch_emu_host,
// which this file captures and removes from the global object, and calls
// globalThis.__dispatch_emu: "bind" (a script's globals), "load" (import the main
// module), then "start" and "step" for each request the context serves.
(function () {
  "use strict";
  // Host calls dispatch by this name, so a context restored from a snapshot of this
  // prelude reaches its own host function once it registers one under the same name.
  const wire = globalThis.__dispatch_emu_host;
  delete globalThis.__dispatch_emu_host;

  // host(op, ...args): a call crosses as one string, the op and the arguments' JSON (a
  // byte array in it is {"$b": i}, standing for the i-th Uint8Array passed after the
  // string), and comes back as a Uint8Array, a string tagged "s" (a string) or "j" (JSON),
  // or [JSON, ...Uint8Arrays] (see dispatch_emu/runtime/js/_hostwire.py). The engine's
  // generic marshalling costs several crossings per value; this, a few per call.
  const WIRE_BYTES = (buffers) => (key, value) => {
    if (value === undefined) return null;
    if (typeof value !== "object" || value === null) return value;
    if (value instanceof Uint8Array) { buffers.push(value); return { $b: buffers.length - 1 }; }
    if (ArrayBuffer.isView(value)) {
      buffers.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return { $b: buffers.length - 1 };
    }
    if (value instanceof ArrayBuffer) { buffers.push(new Uint8Array(value)); return { $b: buffers.length - 1 }; }
    return value;
  };
  function host(op, ...args) {
    let plain = true;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if ((typeof arg === "object" && arg !== null) || arg === undefined) { plain = false; break; }
    }
    if (plain) return unwire(wire(op + "\n" + JSON.stringify(args)));
    const buffers = [];
    return unwire(wire(op + "\n" + JSON.stringify(args, WIRE_BYTES(buffers)), ...buffers));
  }
  // host() of arguments a caller packed itself: `json` the array of them, {"$b": i} buffers[i]
  function hostPacked(op, json, buffers) {
    return unwire(wire(op + "\n" + json, ...buffers));
  }
  function unwire(answer) {
    if (typeof answer === "string") return answer.charCodeAt(0) === 115 ? answer.slice(1) : JSON.parse(answer.slice(1));
    if (answer instanceof Uint8Array) return answer;
    return JSON.parse(answer[0], (key, value) =>
      value !== null && typeof value === "object" && typeof value.$b === "number" ? answer[1 + value.$b] : value);
  }

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const hidden = (target, values) => {
    for (const key of Object.keys(values)) {
      Object.defineProperty(target, key, { value: values[key], writable: true, configurable: true, enumerable: false });
    }
  };

  // The Function constructor, kept before the prelude refuses code generation from
  // strings to workers (as Cloudflare does): vendored libraries are evaluated with it.
  const CompileFunction = Function;
  const vendorCache = new Map();
  // A vendored CommonJS library (runtime/js/vendor/), evaluated on first use only.
  function vendored(name) {
    let exports = vendorCache.get(name);
    if (exports === undefined) {
      const module = { exports: {} };
      CompileFunction("exports", "module", "globalThis", host("vendor", name))(module.exports, module, globalThis);
      exports = module.exports;
      vendorCache.set(name, exports);
    }
    return exports;
  }
  // The token of constructors that are not for workers to call ("Illegal constructor").
  const SLOT = Symbol("internal");

  // Lazy sections: prelude files kept as text (see LAZY_FILES in _modules.py) and compiled
  // on first use, as a function of the internals they import ($); they return their exports.
  const sections = new Map();
  function section(name, internals) {
    return CompileFunction("$", sections.get(name))(internals);
  }

  // Hide an object's internal fields (own properties named _...): workerd's objects keep
  // their state internal, so JSON.stringify(new FormData()) is "{}" there.
  // A class's internal fields, hidden from the start: one Object.defineProperties call
  // with a shared map costs a third of concealing them one by one. Give them in the
  // order the constructor first sets them (the order Object.getOwnPropertyNames shows),
  // and every one it sets: a field left out would show (tests/runtime/test_js_semantics.py
  // checks Request, Response and Headers made every way).
  const HIDDEN_FIELD = Object.freeze({ value: undefined, writable: true, configurable: true, enumerable: false });
  function hiddenFields(...names) {
    const map = {};
    for (const name of names) map[name] = HIDDEN_FIELD;
    return Object.freeze(map);
  }

  const CONCEALED = Object.freeze({ enumerable: false });
  function conceal(target) {
    const keys = Object.keys(target);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i].charCodeAt(0) === 95) Object.defineProperty(target, keys[i], CONCEALED);
    }
    return target;
  }

  // A global made on first access (then an ordinary data property).
  function lazyGlobal(name, make) {
    const settle = (value) => define(name, value);
    Object.defineProperty(globalThis, name, {
      get() { const value = make(); settle(value); return value; },
      set(value) { settle(value); },
      configurable: true,
      enumerable: false,
    });
  }

  // A host op whose failure comes back as {error: {name, message}}: thrown as that error.
  function hostCall(op, ...args) {
    const answer = host(op, ...args);
    if (answer !== null && typeof answer === "object" && !ArrayBuffer.isView(answer) && answer.error !== undefined) {
      const { name, message } = answer.error;
      if (name === "TypeError" || name === "RangeError") throw new globalThis[name](message);
      throw new DOMException(message, name);
    }
    return answer;
  }
