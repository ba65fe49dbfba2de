  hidden(globalThis, {
    __dispatch_emu: Object.freeze({ load, start, step, drain, bind, logs }),
  });

  for (const [name, value] of Object.entries({
    TextEncoder, TextDecoder, URL, URLSearchParams, Headers, Request, Response,
    fetch, setTimeout, clearTimeout, setInterval, clearInterval: clearTimeout, console,
    addEventListener, FetchEvent, scheduler, reportError,
    crypto: cryptoObject,
    performance: new Performance(SLOT),
    navigator: Object.freeze({ userAgent: "Cloudflare-Workers", hardwareConcurrency: 1, language: "en" }),
    self: globalThis,
  })) {
    define(name, value);
  }
})();
