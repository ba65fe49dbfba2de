  // ------------------------------------------------------------------ service-worker syntax

  const listeners = [];
  function addEventListener(type, listener) {
    if (type === "fetch" && typeof listener === "function") listeners.push(listener);
  }

  class FetchEvent {
    constructor(request, waits) {
      this.type = "fetch";
      this.request = request;
      this._response = undefined;
      this._waits = waits;
    }
    respondWith(response) {
      if (this._response !== undefined) throw new Error("FetchEvent.respondWith() was already called");
      this._response = Promise.resolve(response);
    }
    waitUntil(promise) { this._waits.push(Promise.resolve(promise)); }
    passThroughOnException() {}
  }

