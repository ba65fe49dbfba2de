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

  // Live timers by id, and a binary heap of them by (due time, id): the next timer is
  // found in O(log n), not by a scan of them all (10,000 timers took 30 s of CPU that way;
  // workerd: 71 ms). Each live timer is in the heap once (an interval is taken out before it
  // is due again); a cleared one stays there, skipped when it comes up, and the heap is
  // rebuilt when such timers outnumber the live ones.
  let timerSeq = 0;
  const timerQueue = new Map();
  const timerHeap = [];

  const sooner = (a, b) => a.due < b.due || (a.due === b.due && a.id < b.id);
  function heapPush(timer) {
    let i = timerHeap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!sooner(timer, timerHeap[parent])) break;
      timerHeap[i] = timerHeap[parent];
      i = parent;
    }
    timerHeap[i] = timer;
  }
  function heapSiftDown(i) {
    const n = timerHeap.length, timer = timerHeap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && sooner(timerHeap[child + 1], timerHeap[child])) child++;
      if (!sooner(timerHeap[child], timer)) break;
      timerHeap[i] = timerHeap[child];
      i = child;
    }
    timerHeap[i] = timer;
  }
  function heapPop() {
    const top = timerHeap[0], last = timerHeap.pop();
    if (timerHeap.length > 0) { timerHeap[0] = last; heapSiftDown(0); }
    return top;
  }
  const isLive = (timer) => timerQueue.get(timer.id) === timer;

  function setTimeout(callback, delay = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setTimeout: the callback must be a function");
    const id = ++timerSeq;
    const timer = { id, due: clock + Math.max(0, Number(delay) || 0), callback, args, interval: null };
    timerQueue.set(id, timer);
    heapPush(timer);
    return id;
  }
  function setInterval(callback, delay = 0, ...args) {
    const id = setTimeout(callback, delay, ...args);
    timerQueue.get(id).interval = Math.max(1, Number(delay) || 0);
    return id;
  }
  function clearTimeout(id) {
    if (!timerQueue.delete(id) || timerHeap.length <= 64 || timerHeap.length <= 2 * timerQueue.size) return;
    const live = timerHeap.filter(isLive);
    timerHeap.length = 0;
    for (const timer of live) heapPush(timer);
  }
  function clearTimers() {
    timerQueue.clear();
    timerHeap.length = 0;
  }

  function tick() {
    while (timerHeap.length > 0) {
      const timer = heapPop();
      if (!isLive(timer)) continue;
      clock = Math.max(clock, timer.due);
      if (timer.interval !== null) {
        timer.due = clock + timer.interval;
        heapPush(timer);
      } else {
        timerQueue.delete(timer.id);
      }
      timer.callback.apply(undefined, timer.args);
      return true;
    }
    return false;
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
