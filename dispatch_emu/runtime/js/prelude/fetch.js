  // ------------------------------------------------------------------ fetch

  function fetch(input, init) {
    if (!inHandler) {
      throw new Error("Disallowed operation called within global scope: fetch() can only run inside a handler.");
    }
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const body = request._bytes;
      const answer = host("fetch", request.method, request.url, request._headers._list, body === null ? null : body);
      if (answer.error !== undefined) {
        reject(new TypeError(answer.error));
        return;
      }
      const status = answer.status;
      const response = new Response(null, { status: status >= 200 && status <= 599 ? status : 200, statusText: answer.statusText || "", headers: answer.headers });
      response._status = status;
      response._bytes = NULL_BODY.includes(status) || request.method === "HEAD" ? null : toBytes(answer.body || new Uint8Array(0), "body");
      response._url = request.url;
      resolve(response);
    });
  }

