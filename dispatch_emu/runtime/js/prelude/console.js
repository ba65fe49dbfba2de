  // ------------------------------------------------------------------ console

  function inspect(value, depth, seen) {
    if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
    if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") {
      return String(value);
    }
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol") return value.toString();
    if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
    if (value instanceof Error) {
      const head = `${value.name}: ${value.message}`;
      return value.stack ? `${head}\n${String(value.stack).replace(/\n$/, "")}` : head;
    }
    if (seen.includes(value)) return "[Circular]";
    if (depth > 3) return Array.isArray(value) ? "[Array]" : "[Object]";
    const next = seen.concat([value]);
    if (Array.isArray(value)) return `[ ${value.map((v) => inspect(v, depth + 1, next)).join(", ")} ]`;
    if (value instanceof Uint8Array) return `Uint8Array(${value.length}) [ ${Array.from(value.subarray(0, 50)).join(", ")}${value.length > 50 ? ", ..." : ""} ]`;
    if (value instanceof Map) return `Map(${value.size}) { ${Array.from(value, ([k, v]) => `${inspect(k, depth + 1, next)} => ${inspect(v, depth + 1, next)}`).join(", ")} }`;
    if (value instanceof Set) return `Set(${value.size}) { ${Array.from(value, (v) => inspect(v, depth + 1, next)).join(", ")} }`;
    if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
    if (value instanceof URL || value instanceof URLSearchParams) return `${value.constructor.name} ${JSON.stringify(String(value))}`;
    const keys = Object.keys(value);
    const name = value.constructor && value.constructor !== Object && value.constructor.name ? `${value.constructor.name} ` : "";
    if (!keys.length) return `${name}{}`;
    const parts = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(value[k], depth + 1, next)}`);
    return `${name}{ ${parts.join(", ")} }`;
  }

  function format(args) {
    const parts = [];
    let rest = args;
    if (typeof args[0] === "string" && /%[sdifoOj%]/.test(args[0]) && args.length > 1) {
      let i = 1;
      const first = args[0].replace(/%([sdifoOj%])/g, (m, f) => {
        if (f === "%") return "%";
        if (i >= args.length) return m;
        const v = args[i++];
        if (f === "s") return typeof v === "string" ? v : inspect(v, 1, []);
        if (f === "d" || f === "i") return String(f === "i" ? parseInt(v) : Number(v));
        if (f === "f") return String(parseFloat(v));
        if (f === "j") { try { return JSON.stringify(v); } catch (e) { return "[Circular]"; } }
        return inspect(v, 1, []);
      });
      parts.push(first);
      rest = args.slice(i);
    } else if (args.length) {
      parts.push(inspect(args[0], 0, []));
      rest = args.slice(1);
    }
    for (const v of rest) parts.push(inspect(v, 0, []));
    return parts.join(" ");
  }

  // Log lines stay in the guest until the host collects them with the outcome (or, after
  // a failure, with logs()): a host call per console.log would cost more than the log.
  // Levels go beside the lines, only for those not at "log": [index, level, index, level...]
  // (an array per line would cost every console.warn an allocation).
  const LOG_LIMIT = 1 << 20;
  let logLines = [];
  let logLevels = [];
  let logSize = 0;
  function writeLog(text, level) {
    if (logSize > LOG_LIMIT) return;
    logSize += text.length;
    if (level !== undefined && level !== "log") logLevels.push(logLines.length, level);
    logLines.push(text);
    if (logSize > LOG_LIMIT) {
      logLevels.push(logLines.length, "warn");
      logLines.push(`[dispatch_emu: log truncated at ${LOG_LIMIT} bytes]`);
    }
  }
  function logs() {
    const text = JSON.stringify({ logs: logLines, levels: logLevels });
    logLines = [];
    logLevels = [];
    return text;
  }

  const counts = new Map();
  const timers = new Map();
  const console = {};
  // workerd gives these five their own level (what wrangler shows and a tail worker gets)
  for (const level of ["log", "info", "debug", "warn", "error"]) {
    console[level] = (...args) => { writeLog(format(args), level); };
  }
  // workerd leaves the rest to V8, whose output reaches only an attached inspector; here
  // they log, at the level Node.js's console gives them (trace on stderr, assert as warn)
  console.trace = (...args) => { writeLog(format(args), "error"); };
  console.dir = (value) => { writeLog(inspect(value, 1, [])); };
  console.assert = (condition, ...args) => {
    if (!condition) writeLog(`Assertion failed${args.length ? ": " + format(args) : ""}`, "warn");
  };
  console.count = (label = "default") => {
    const n = (counts.get(label) || 0) + 1;
    counts.set(label, n);
    writeLog(`${label}: ${n}`);
  };
  const elapsed = (label) => `${label}: ${Date.now() - timers.get(label)}ms`;
  console.time = (label = "default") => { timers.set(label, Date.now()); };
  console.timeEnd = (label = "default") => {
    if (timers.has(label)) writeLog(elapsed(label));
    timers.delete(label);
  };
  console.table = console.log;
  console.dirxml = console.log;
  console.countReset = (label = "default") => { counts.delete(label); };
  console.timeLog = (label = "default", ...data) => {
    if (timers.has(label)) writeLog(data.length ? `${elapsed(label)} ${format(data)}` : elapsed(label));
  };
  // a group logs its label (workerd gives no record for it) and indents nothing: the lines
  // inside keep the text workerd gives them
  console.group = (...label) => { if (label.length) writeLog(format(label)); };
  console.groupCollapsed = (...label) => { if (label.length) writeLog(format(label)); };
  console.groupEnd = () => {};
  // what only an inspector shows
  for (const name of ["clear", "profile", "profileEnd", "timeStamp"]) console[name] = () => {};
  console.context = () => console;
