// The platform's outbound Worker: customer workers' subrequests arrive here instead of
// the internet. It answers them itself, saying what it saw, so a test can check that
// the request came through and which `customer` parameter the dispatcher passed.
export default {
  async fetch(request, env) {
    const seen = { url: request.url, method: request.method, customer: env.customer ?? null };
    return Response.json(seen, { headers: { "x-outbound": "platform-outbound" } });
  },
};
