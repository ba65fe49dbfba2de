// Logs a line, then throws: the dispatcher sees the error, not a response.
function fail() {
  throw new Error("boom");
}

export default {
  async fetch(request) {
    console.log("about to fail");
    fail();
  },
};
