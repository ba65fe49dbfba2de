// Calls itself until the stack runs out, and does not catch the RangeError.
function down(n) {
  return down(n + 1) + 1;
}

export default {
  async fetch() {
    return new Response(String(down(0)));
  },
};
