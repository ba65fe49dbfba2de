// The smallest ES-module worker.
export default {
  async fetch(request, env, ctx) {
    return new Response("Hello from a JavaScript worker!\n", { headers: { "content-type": "text/plain" } });
  },
};
