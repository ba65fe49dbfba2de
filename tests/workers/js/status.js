// A 500 the worker chooses to return: it must pass through unchanged.
export default {
  async fetch() {
    return new Response("the worker chose to fail\n", { status: 500, headers: { "x-worker": "status" } });
  },
};
