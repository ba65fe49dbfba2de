  // ------------------------------------------------------------------ clock and timers
  // As in production, the worker's clock (Date.now(), new Date(), performance.now())
  // stands still while it computes and moves with I/O: a timer that fires moves it to the
  // timer's due time, a subrequest moves it by the time the subrequest took. Each request
  // starts at the real time (never earlier than the clock already showed). Timers fire in
  // order of their due time on this clock: the host calls step() when no microtask is
  // left, so `await sleep(1000)` does not really wait.

  const RealDate = Date;
  let clock = RealDate.now();
  let requestOrigin = clock;

  function advanceClock(ms) { if (ms > 0) clock += ms; }
  function startClock() {
    clock = Math.max(clock, RealDate.now());
    requestOrigin = clock;
  }
  const clockNow = () => Math.floor(clock);

  function ClockDate(...args) {
    if (!new.target) return new RealDate(clockNow()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [clockNow()] : args, new.target);
  }
  Object.setPrototypeOf(ClockDate, RealDate);
  Object.defineProperty(ClockDate, "prototype", { value: RealDate.prototype, writable: false });
  Object.defineProperty(ClockDate, "length", { value: 7 });
  Object.defineProperty(ClockDate, "name", { value: "Date" });
  ClockDate.now = function now() { return clockNow(); };
  Object.defineProperty(RealDate.prototype, "constructor", { value: ClockDate, writable: true, configurable: true });
  define("Date", ClockDate);

  class Performance {
    constructor(token) { if (token !== SLOT) throw new TypeError("Illegal constructor"); }
    // as workerd: timeOrigin is 0 and now() is the worker's clock, the same as Date.now()
    get timeOrigin() { return 0; }
    now() { return clockNow(); }
    toJSON() { return { timeOrigin: this.timeOrigin }; }
    get [Symbol.toStringTag]() { return "Performance"; }
  }

  let timerSeq = 0;
  const timerQueue = new Map();

  function setTimeout(callback, delay = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setTimeout: the callback must be a function");
    const id = ++timerSeq;
    timerQueue.set(id, { due: clock + Math.max(0, Number(delay) || 0), seq: id, callback, args, interval: null });
    return id;
  }
  function setInterval(callback, delay = 0, ...args) {
    const id = setTimeout(callback, delay, ...args);
    timerQueue.get(id).interval = Math.max(1, Number(delay) || 0);
    return id;
  }
  function clearTimeout(id) { timerQueue.delete(id); }

  function tick() {
    let next = null;
    for (const [id, t] of timerQueue) {
      if (next === null || t.due < next[1].due) next = [id, t];
    }
    if (next === null) return false;
    const [id, t] = next;
    clock = Math.max(clock, t.due);
    if (t.interval !== null) t.due = clock + t.interval;
    else timerQueue.delete(id);
    t.callback.apply(undefined, t.args);
    return true;
  }

  const scheduler = Object.freeze({
    wait(delay = 0, options = {}) {
      const signal = options && options.signal;
      return new Promise((resolve, reject) => {
        if (signal && signal.aborted) { reject(signal.reason); return; }
        const id = setTimeout(resolve, delay);
        if (signal) signal.addEventListener("abort", () => { clearTimeout(id); reject(signal.reason); }, { once: true });
      });
    },
  });
