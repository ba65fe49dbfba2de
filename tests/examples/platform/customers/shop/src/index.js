export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/price") {
      // a subrequest: the platform's outbound Worker answers it
      const upstream = await fetch("https://prices.example.com/v1/shop");
      return new Response(await upstream.text(), {
        headers: { "content-type": "application/json", "x-via": upstream.headers.get("x-outbound") ?? "" },
      });
    }
    return new Response("Welcome to the shop", {
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8", "x-customer": "shop", "set-cookie": "cart=1" },
    });
  },
};
