import { greet } from "./greet.js";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    console.log(`greeting ${url.pathname}`);
    if (url.pathname === "/boom") throw new Error("no greeting for /boom");
    return new Response(greet(env.GREETING, url.hostname.split(".")[0]));
  },
};
