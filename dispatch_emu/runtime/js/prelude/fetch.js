  // ------------------------------------------------------------------ fetch
  // A subrequest goes to the URL given: `fetch(url, request)` and `fetch(url, init)` with a
  // Host header send to `url`, and the Host the upstream sees comes from it (as workerd).

  function fetch(input, init) {
    if (!inHandler) {
      throw new Error("Disallowed operation called within global scope: fetch() can only run inside a handler.");
    }
    return (async () => {
      const request = new Request(input, init);
      if (request._signal !== null && request._signal.aborted) throw request._signal.reason;
      const body = await finalBytes(request);
      const headers = request._headers._list.filter(([name]) => name !== "host");
      const started = RealDate.now();
      const answer = host("fetch", request.method, request.url, headers, body === null ? null : body);
      advanceClock(RealDate.now() - started); // a subrequest's time passes on the worker's clock
      if (answer.error !== undefined) {
        throw answer.kind === "Error" ? new Error(answer.error) : new TypeError(answer.error);
      }
      if (request._signal !== null && request._signal.aborted) throw request._signal.reason;
      const status = answer.status;
      const response = new Response(null, { status: status >= 200 && status <= 599 ? status : 200, statusText: answer.statusText, headers: answer.headers });
      response._status = status;
      response._bytes = NULL_BODY.includes(status) || request.method === "HEAD" ? null : toBytes(answer.body || new Uint8Array(0), "body");
      response._url = request.url;
      return response;
    })();
  }
