// Fails later: the returned promise rejects in a microtask.
export default {
  fetch(request) {
    return Promise.resolve().then(() => {
      throw new TypeError("rejected on purpose");
    });
  },
};
