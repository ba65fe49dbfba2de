export default {
  async fetch() {
    console.log("charging card");
    throw new TypeError("payment backend unavailable");
  },
};
