// A worker of several modules: relative imports, a text module and a JSON module.
import { greet } from "./lib/greet.js";
import banner from "./banner.txt";
import config from "./config.json";

export default {
  async fetch(request, env) {
    return new Response(`${banner.trim()} ${greet(config.name)}`);
  },
};
