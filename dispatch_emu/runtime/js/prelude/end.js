  hidden(globalThis, {
    __dispatch_emu: Object.freeze({ load, start, step, bind, logs }),
  });

  for (const [name, value] of Object.entries({
    TextEncoder, TextDecoder, URL, URLSearchParams, Headers, Request, Response, ReadableStream,
    fetch, setTimeout, clearTimeout, setInterval, clearInterval: clearTimeout, console,
    addEventListener, FetchEvent,
    crypto: cryptoObject,
    navigator: Object.freeze({ userAgent: "Cloudflare-Workers" }),
    self: globalThis,
  })) {
    define(name, value);
  }
})();
