// Allocates without end until the memory limit stops it.
export default {
  async fetch() {
    const hoard = [];
    for (;;) {
      hoard.push(new Array(100000).fill(hoard.length));
    }
  },
};
