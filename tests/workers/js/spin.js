// Never answers: loops until the CPU limit stops it.
export default {
  async fetch() {
    let n = 0;
    for (;;) {
      n++;
    }
  },
};
