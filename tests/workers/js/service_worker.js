// Service-worker syntax: bindings are globals, the answer goes through respondWith().
addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  const url = new URL(request.url);
  return new Response(`service worker at ${url.pathname}, GREETING=${GREETING}`);
}
