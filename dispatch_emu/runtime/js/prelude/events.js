  // ------------------------------------------------------------------ DOMException, events, abort

  const DOM_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };

  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(String(message));
      Object.defineProperty(this, "name", { value: String(name), writable: true, configurable: true, enumerable: false });
    }
    get code() { return DOM_CODES[this.name] || 0; }
    get [Symbol.toStringTag]() { return "DOMException"; }
  }
  for (const [name, code] of Object.entries(DOM_CODES)) {
    const constant = name.replace(/Error$/, "").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase() + "_ERR";
    Object.defineProperty(DOMException, constant, { value: code, enumerable: true });
  }

  // an event's own state, hidden: Object.keys(event) is [] on workerd
  const EVENT_FIELDS = hiddenFields(
    "_type", "_bubbles", "_cancelable", "_composed", "_defaultPrevented", "_stop", "_stopNow", "_target", "_current",
    "_phase", "_timeStamp",
  );

  class Event {
    constructor(type, init = {}) {
      if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
      init = init || {};
      Object.defineProperties(this, EVENT_FIELDS);
      this._type = String(type);
      this._bubbles = Boolean(init.bubbles);
      this._cancelable = Boolean(init.cancelable);
      this._composed = Boolean(init.composed);
      this._defaultPrevented = false;
      this._stop = false;
      this._target = null;
      this._current = null;
      this._phase = 0;
      this._timeStamp = Date.now();
    }
    get type() { return this._type; }
    get bubbles() { return this._bubbles; }
    get cancelable() { return this._cancelable; }
    get composed() { return this._composed; }
    get defaultPrevented() { return this._defaultPrevented; }
    get target() { return this._target; }
    get currentTarget() { return this._current; }
    get srcElement() { return this._target; }
    get eventPhase() { return this._phase; }
    get timeStamp() { return this._timeStamp; }
    get isTrusted() { return false; }
    get returnValue() { return !this._defaultPrevented; }
    get cancelBubble() { return this._stop; }
    set cancelBubble(v) { if (v) this._stop = true; }
    composedPath() { return this._current ? [this._current] : []; }
    preventDefault() { if (this._cancelable) this._defaultPrevented = true; }
    stopPropagation() { this._stop = true; }
    stopImmediatePropagation() { this._stop = true; this._stopNow = true; }
    get [Symbol.toStringTag]() { return "Event"; }
  }
  Object.assign(Event, { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 });

  const CUSTOM_EVENT_FIELDS = hiddenFields("_detail");
  class CustomEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      Object.defineProperties(this, CUSTOM_EVENT_FIELDS);
      this._detail = init && init.detail !== undefined ? init.detail : null;
    }
    get detail() { return this._detail; }
    get [Symbol.toStringTag]() { return "CustomEvent"; }
  }

  // The events workerd's WebSocket and error reporting give, constructible as on workerd
  // (recorded with wrangler dev): they keep none of EventInit's members (bubbles and
  // cancelable stay false), and MessageEvent needs its init dictionary.
  function eventType(constructor, args) {
    if (args.length === 0 || args[0] === undefined) {
      throw new TypeError(`Failed to construct '${constructor}': constructor parameter 1 is not of type 'string'.`);
    }
    return String(args[0]);
  }
  const toInt32 = (value, fallback) => (value === undefined ? fallback : Number(value) | 0);

  const ERROR_EVENT_FIELDS = hiddenFields("_message", "_filename", "_lineno", "_colno", "_error");
  class ErrorEvent extends Event {
    constructor(...args) {
      super(eventType("ErrorEvent", args));
      Object.defineProperties(this, ERROR_EVENT_FIELDS);
      const init = args[1] || {};
      this._message = init.message === undefined ? "" : String(init.message);
      this._filename = init.filename === undefined ? "" : String(init.filename);
      this._lineno = toInt32(init.lineno, 0);
      this._colno = toInt32(init.colno, 0);
      this._error = init.error;
    }
    get message() { return this._message; }
    get filename() { return this._filename; }
    get lineno() { return this._lineno; }
    get colno() { return this._colno; }
    get error() { return this._error; }
    get [Symbol.toStringTag]() { return "ErrorEvent"; }
  }

  const MESSAGE_EVENT_FIELDS = hiddenFields("_data");
  class MessageEvent extends Event {
    constructor(...args) {
      const type = eventType("MessageEvent", args);
      if (args.length < 2 || args[1] === undefined) {
        throw new TypeError("Failed to construct 'MessageEvent': constructor parameter 2 is not of type 'Initializer'.");
      }
      if (args[1] === null) {
        throw new TypeError(
          "Cannot initialize N7workerd3api12MessageEvent11InitializerE with required members from an undefined or null value.",
        );
      }
      super(type);
      Object.defineProperties(this, MESSAGE_EVENT_FIELDS);
      this._data = args[1].data;
    }
    get data() { return this._data; }
    get origin() { return null; }
    get lastEventId() { return ""; }
    get source() { return null; }
    get ports() { return []; }
    get [Symbol.toStringTag]() { return "MessageEvent"; }
  }

  const CLOSE_EVENT_FIELDS = hiddenFields("_code", "_reason", "_wasClean");
  class CloseEvent extends Event {
    constructor(...args) {
      super(eventType("CloseEvent", args));
      Object.defineProperties(this, CLOSE_EVENT_FIELDS);
      const init = args[1] || {};
      this._code = toInt32(init.code, 0);
      this._reason = init.reason === undefined ? "" : String(init.reason);
      this._wasClean = Boolean(init.wasClean);
    }
    get code() { return this._code; }
    get reason() { return this._reason; }
    get wasClean() { return this._wasClean; }
    get [Symbol.toStringTag]() { return "CloseEvent"; }
  }

  // there for instanceof; workerd makes them itself only ("Illegal constructor")
  class ExtendableEvent extends Event {
    constructor() { throw new TypeError("Illegal constructor"); }
  }
  class PromiseRejectionEvent extends Event {
    constructor() { throw new TypeError("Illegal constructor"); }
  }

  const LISTENERS = Symbol("listeners");

  class EventTarget {
    constructor() { Object.defineProperty(this, LISTENERS, { value: new Map() }); }
    addEventListener(type, listener, options) {
      if (listener === null || listener === undefined) return;
      if (typeof listener !== "function" && (typeof listener !== "object" || typeof listener.handleEvent !== "function")) {
        throw new TypeError("The \"listener\" argument must be a function or an object with a handleEvent method.");
      }
      const opts = typeof options === "object" && options !== null ? options : { capture: Boolean(options) };
      if (opts.signal && opts.signal.aborted) return;
      const list = this[LISTENERS].get(String(type)) || [];
      if (list.some((l) => l.listener === listener && l.capture === Boolean(opts.capture))) return;
      const entry = { listener, capture: Boolean(opts.capture), once: Boolean(opts.once), removed: false };
      list.push(entry);
      this[LISTENERS].set(String(type), list);
      if (opts.signal) opts.signal.addEventListener("abort", () => this.removeEventListener(type, listener, opts));
    }
    removeEventListener(type, listener, options) {
      const capture = typeof options === "object" && options !== null ? Boolean(options.capture) : Boolean(options);
      const list = this[LISTENERS].get(String(type));
      if (!list) return;
      const i = list.findIndex((l) => l.listener === listener && l.capture === capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError("The \"event\" argument must be an instance of Event.");
      event._target = this;
      event._current = this;
      event._phase = 2;
      const list = (this[LISTENERS].get(event._type) || []).slice();
      for (const entry of list) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(event._type, entry.listener, { capture: entry.capture });
        try {
          if (typeof entry.listener === "function") entry.listener.call(this, event);
          else entry.listener.handleEvent(event);
        } catch (error) {
          reportError(error);
        }
        if (event._stopNow) break;
      }
      event._current = null;
      event._phase = 0;
      return !event._defaultPrevented;
    }
    get [Symbol.toStringTag]() { return "EventTarget"; }
  }

  function reportError(error) {
    const d = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`Uncaught ${d}`);
  }

  const ABORT = Symbol("abort");

  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== ABORT) throw new TypeError("Illegal constructor");
      super();
      this._aborted = false;
      this._reason = undefined;
      this.onabort = null;
    }
    get aborted() { return this._aborted; }
    get reason() { return this._reason; }
    throwIfAborted() { if (this._aborted) throw this._reason; }
    [ABORT](reason) {
      if (this._aborted) return;
      this._aborted = true;
      this._reason = reason === undefined ? new DOMException("The operation was aborted", "AbortError") : reason;
      const event = new Event("abort");
      if (typeof this.onabort === "function") {
        try { this.onabort.call(this, event); } catch (error) { reportError(error); }
      }
      this.dispatchEvent(event);
    }
    static abort(reason) {
      const signal = new AbortSignal(ABORT);
      signal[ABORT](reason);
      return signal;
    }
    static timeout(ms) {
      const delay = Number(ms);
      if (!Number.isFinite(delay) || delay < 0) throw new RangeError("AbortSignal.timeout: the delay must be a non-negative number");
      const signal = new AbortSignal(ABORT);
      setTimeout(() => signal[ABORT](new DOMException("The operation was aborted due to timeout", "TimeoutError")), delay);
      return signal;
    }
    static any(signals) {
      const signal = new AbortSignal(ABORT);
      for (const s of signals) {
        if (!(s instanceof AbortSignal)) throw new TypeError("AbortSignal.any: every item must be an AbortSignal");
        if (s.aborted) { signal[ABORT](s.reason); return signal; }
      }
      for (const s of signals) s.addEventListener("abort", () => signal[ABORT](s.reason), { once: true });
      return signal;
    }
    get [Symbol.toStringTag]() { return "AbortSignal"; }
  }

  class AbortController {
    constructor() { this._signal = new AbortSignal(ABORT); }
    get signal() { return this._signal; }
    abort(reason) { this._signal[ABORT](reason); }
    get [Symbol.toStringTag]() { return "AbortController"; }
  }

  const newSignal = () => new AbortSignal(ABORT);

  for (const [name, value] of Object.entries({
    DOMException, Event, CustomEvent, ErrorEvent, MessageEvent, CloseEvent, ExtendableEvent, PromiseRejectionEvent,
    EventTarget, AbortSignal, AbortController,
  })) {
    define(name, value);
  }
