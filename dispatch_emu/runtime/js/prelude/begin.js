// dispatch_emu's JavaScript prelude: the Workers fetch API on bare QuickJS.
//
// Evaluated (script mode) once in every new context, before the user worker. QuickJS gives
// ECMAScript only; the prelude adds what a Workers `fetch` handler expects. It is one
// function body split into one file per concept (this directory), joined at load in the
// order of PRELUDE_FILES in dispatch_emu/runtime/js/modules.py: this file opens the
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
  const host = globalThis.__dispatch_emu_host;
  delete globalThis.__dispatch_emu_host;

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const hidden = (target, values) => {
    for (const key of Object.keys(values)) {
      Object.defineProperty(target, key, { value: values[key], writable: true, configurable: true, enumerable: false });
    }
  };

