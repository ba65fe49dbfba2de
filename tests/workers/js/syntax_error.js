// Does not parse: an upload of it must be refused (code 10021).
export default {
  async fetch(request) {
    return new Response("never";
  },
};
