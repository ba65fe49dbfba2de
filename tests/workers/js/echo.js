// Answers what it saw as JSON: method, url, URL parts, headers, body, env and cf.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = await request.text();
    console.log(`echo ${request.method} ${url.pathname}`);
    return Response.json(
      {
        method: request.method,
        url: request.url,
        host: url.host,
        pathname: url.pathname,
        q: url.searchParams.get("q"),
        headers: Object.fromEntries(request.headers),
        body,
        env,
        cf: request.cf === undefined ? "absent" : request.cf,
      },
      { status: 200, headers: { "x-worker": "echo" } },
    );
  },
};
