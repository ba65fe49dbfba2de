  // ------------------------------------------------------------------ timers
  // Timers fire in order of their due time, on a virtual clock: the host calls "tick"
  // when no microtask is left, so `await sleep(1000)` does not really wait.

  let timerSeq = 0;
  const timerQueue = new Map();
  let virtualNow = 0;

  function setTimeout(callback, delay = 0, ...args) {
    if (typeof callback !== "function") throw new TypeError("setTimeout: the callback must be a function");
    const id = ++timerSeq;
    timerQueue.set(id, { due: virtualNow + Math.max(0, Number(delay) || 0), callback, args, interval: null });
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
    virtualNow = Math.max(virtualNow, t.due);
    if (t.interval !== null) t.due = virtualNow + t.interval;
    else timerQueue.delete(id);
    t.callback.apply(undefined, t.args);
    return true;
  }

