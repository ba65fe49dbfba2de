export default {
  async fetch(request) {
    return new Response("Welcome to the shop", { headers: { "content-type": "text/plain" } });
  },
};
