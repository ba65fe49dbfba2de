  // ------------------------------------------------------------------ the host's entry points

  function describe(error) {
    if (error !== null && typeof error === "object" && typeof error.message === "string") {
      const name = typeof error.name === "string" ? error.name : "Error";
      return { name, message: error.message, stack: typeof error.stack === "string" ? error.stack : "" };
    }
    let text;
    try { text = String(error); } catch (e) { text = Object.prototype.toString.call(error); }
    return { name: "", message: text, stack: "" };
  }

  // an incoming request: redirect "manual" and a signal of its own (made on first use), as
  // workerd gives. Built directly, with the fields and checks the constructor would give a
  // Request of the host's parts: the URL is already absolute and normalized (parsing it
  // again was most of what building the request cost) and the body is the host's own copy.
  function makeRequest(req, body) {
    const method = incomingMethod(req.method);
    const request = Object.create(Request.prototype);
    Object.defineProperties(request, REQUEST_FIELDS);
    request._url = req.url;
    request._method = method;
    request._headers = new Headers(req.headers);
    request._redirect = "manual";
    request._signal = null;
    request._cf = req.cf !== null ? req.cf : undefined;
    request._used = false;
    request._stream = null;
    request._encoded = body;
    request._text = null;
    request._headers._guard = "immutable";
    return request;
  }

  // ctx.waitUntil() work: it never delays the response. The host asks drain() to run it
  // after the outcome is out, and keeps the context out of the pool until it is done.
  let waits = [];
  let waitsDone = true;
  function settleWaits(list) {
    if (list.length === 0) waitsDone = true; // (what the async loop does at once for none, without its promise)
    else settleEach(list);
  }
  async function settleEach(list) {
    // waitUntil() promises may add more while they run
    for (let i = 0; i < list.length; i++) {
      try {
        await list[i];
      } catch (error) {
        const d = describe(error);
        writeLog(`Uncaught (in waitUntil) ${d.name ? d.name + ": " : ""}${d.message}`, "error");
      }
    }
    waitsDone = true;
  }

  // The outcome of the handler's Response: at once for a string body (the usual case), a
  // promise of it when the body's bytes must be read first.
  function respond(response) {
    if (!(response instanceof Response)) {
      const kind = response === null ? "null" : typeof response === "object" && response.constructor ? response.constructor.name : typeof response;
      return { invalid: `the fetch handler returned ${kind}, not a Response` };
    }
    if (response._type === "error") return { invalid: "the fetch handler returned Response.error()" };
    if (response.bodyUsed) return { invalid: "the fetch handler returned a Response whose body was already used" };
    const text = textBody(response);
    if (text !== null) return { status: response._status, headers: response._headers._list, text: text.toWellFormed() };
    return Promise.resolve(finalBytes(response)).then((body) => (
      { status: response._status, headers: response._headers._list, body: body || new Uint8Array(0) }
    ));
  }

  // The main module's default export, once imported, and the worker's kind.
  let worker;
  let workerKind = "module";
  // Outside a handler (the global scope at startup), fetch() is refused, as on Cloudflare.
  let inHandler = false;

  async function importMain(kind, main) {
    workerKind = kind;
    if (kind === "module") {
      try {
        worker = (await import(main)).default;
      } catch (error) {
        return { error: describe(error), startup: true };
      }
    }
    return { loaded: true };
  }

  async function handle(req, body, env) {
    inHandler = true;
    waits = [];
    waitsDone = false;
    const request = makeRequest(req, body);
    let answer;
    try {
      if (workerKind === "module") {
        const handler = worker === null || worker === undefined ? undefined : worker.fetch;
        if (typeof handler !== "function") {
          return { invalid: worker === undefined || worker === null
            ? "the main module has no default export"
            : "the default export has no fetch() handler" };
        }
        const ctx = { waitUntil(promise) { waits.push(Promise.resolve(promise)); }, passThroughOnException() {} };
        answer = await respond(await handler.call(worker, request, env, ctx));
      } else {
        if (!listeners.length) return { invalid: "the script registered no fetch event listener" };
        const event = new FetchEvent(request, waits);
        for (const listener of listeners) {
          listener.call(undefined, event);
          if (event._response !== undefined) break;
        }
        if (event._response === undefined) return { invalid: "no fetch event listener called respondWith()" };
        answer = await respond(await event._response);
      }
    } catch (error) {
      settleWaits(waits);
      return { error: describe(error) };
    }
    settleWaits(waits);
    return answer;
  }

  // service-worker scripts read their bindings as globals
  function bind(env) {
    env = makeEnv(env);
    for (const key of Object.keys(env)) define(key, env[key]);
  }

  // load() imports the main module, start() runs the handler for one request (a context
  // may serve many: the host keeps it prepared). After either, the host drains the job
  // queue, then asks step() for the outcome and, while there is none, fires the next
  // timer with it.
  let outcome = null;
  let loading = false;
  const OUT_OF_MEMORY = { error: { name: "InternalError", message: "out of memory", stack: "" } };
  function settle(promise) {
    outcome = null;
    promise.then(
      (value) => { outcome = value; },
      (error) => {
        try { outcome = { error: describe(error) }; } catch (e) { outcome = OUT_OF_MEMORY; }
      },
    );
  }
  function load(kind, main) {
    loading = true;
    settle(importMain(kind, main));
  }
  function start(json, body) {
    const { req, env } = JSON.parse(json);
    loading = false;
    trustedRequest = req.cf !== null; // only a trusted namespace's workers see request.cf
    startClock();
    settle(handle(req, body, makeEnv(env)));
  }
  // The outcome for the host, as [meta, body]: meta is the JSON of the status and headers,
  // or the failure, with the logs and whether waitUntil() work is pending (JSON has no raw
  // line break: the host finds its end at the first one); body is the response's string
  // (the host encodes it), its bytes, or null. A response's JSON is put together here,
  // which costs half of stringifying a copy of the outcome.
  function pack(result) {
    const pending = !loading && !waitsDone;
    const logs = logLines;
    const levels = logLevels;
    logLines = [];
    logLevels = [];
    let meta;
    if (Number.isInteger(result.status) && result.error === undefined && result.invalid === undefined) {
      // the common answer, put together directly; levels only when a line is not at "log"
      const levelsJson = levels.length ? `,"levels":${JSON.stringify(levels)}` : "";
      meta = `{"status":${result.status},"headers":${JSON.stringify(result.headers)},"logs":${JSON.stringify(logs)}${levelsJson},"pending":${pending}}`;
    } else {
      meta = JSON.stringify(Object.assign({}, result, { body: undefined, text: undefined, logs, levels, pending }));
    }
    return [meta, typeof result.text === "string" ? result.text : result.body || null];
  }
  // A request is over once its outcome is out: what it left behind must not run during
  // the next one (Cloudflare cancels a finished request's timers too), and the log cap
  // is per request.
  function finish() {
    clearTimers();
    logSize = 0;
    outcome = null;
  }

  // After the host has drained the job queue: the packed outcome if there is one, else
  // fire the next timer and answer whether one fired (false: nothing will ever happen).
  function step() {
    if (outcome === null) return tick();
    const packed = pack(outcome);
    outcome = null;
    if (!loading && waitsDone) finish();
    return packed;
  }

  // After the outcome, while waitUntil() work is pending: "done" once it has settled (the
  // request is then over), "fired" if a timer fired, "stuck" if nothing is left to run.
  function drain() {
    if (waitsDone) { finish(); return "done"; }
    if (tick()) return "fired";
    finish();
    return "stuck";
  }

