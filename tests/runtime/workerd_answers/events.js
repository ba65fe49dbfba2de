export default {
  async fetch() {
    const out = {};
    const props = (e, keys) => Object.fromEntries(keys.map((k) => [k, e[k] === undefined ? "undefined" : e[k]]));
    const err = new Error("boom");
    out.errorDefault = props(new ErrorEvent("error"), ["type", "message", "filename", "lineno", "colno", "error"]);
    const ee = new ErrorEvent("error", { message: "m", filename: "f.js", lineno: 3, colno: 4, error: err, cancelable: true });
    out.error = props(ee, ["type", "message", "filename", "lineno", "colno", "cancelable"]);
    out.errorIsErr = ee.error === err;
    out.errorIsEvent = ee instanceof Event;
    const attempt = (f) => { try { return f(); } catch (e) { return e.name + ": " + e.message; } };
    out.messageNoInit = attempt(() => new MessageEvent("message").type);
    out.messageEmptyInit = attempt(() => props(new MessageEvent("message", {}), ["type", "data", "origin", "lastEventId", "source", "ports"]));
    out.messageNullData = attempt(() => props(new MessageEvent("message", {data: null}), ["type", "data", "origin", "lastEventId", "source", "ports"]));
    out.message = props(new MessageEvent("message", { data: { a: 1 } }), ["data"]).data.a;
    out.closeDefault = attempt(() => props(new CloseEvent("close"), ["type", "code", "reason", "wasClean"]));
    out.close = attempt(() => props(new CloseEvent("close", { code: 1001, reason: "bye", wasClean: true }), ["code", "reason", "wasClean"]));
    const p = Promise.reject(1); p.catch(() => {});
    out.rejection = attempt(() => { const pre = new PromiseRejectionEvent("unhandledrejection", { promise: p, reason: 7 }); return [pre.promise === p, pre.reason, pre.type]; });
    out.rejectionNoInit = await (async () => { try { new PromiseRejectionEvent("x"); return "ok"; } catch (e) { return e.name + ": " + e.message; } })();
    out.extendable = attempt(() => [typeof new ExtendableEvent("x").waitUntil, new ExtendableEvent("x") instanceof Event]);
    out.extendableWait = attempt(() => new ExtendableEvent("x").waitUntil(Promise.resolve()));
    out.names = [ErrorEvent.name, MessageEvent.name, CloseEvent.name, PromiseRejectionEvent.name];
    out.toStringTags = attempt(() => [Object.prototype.toString.call(ee), Object.prototype.toString.call(new CloseEvent("c"))]);
    out.errBubbles = attempt(() => { const e = new ErrorEvent("error", { bubbles: true, cancelable: true, lineno: "5", colno: -1, message: 7 }); return [e.bubbles, e.cancelable, e.lineno, e.colno, e.message]; });
    out.errNoType = attempt(() => new ErrorEvent().type);
    out.msgOrigin = attempt(() => { const e = new MessageEvent("m", { data: 1, origin: "https://o", lastEventId: "9", bubbles: true }); return [e.origin, e.lastEventId, e.bubbles]; });
    out.msgNull = attempt(() => new MessageEvent("m", null).type);
    out.closeCoerce = attempt(() => { const e = new CloseEvent("c", { code: "1001", reason: 5, wasClean: 1, cancelable: true }); return [e.code, e.reason, e.wasClean, e.cancelable]; });
    out.closeNull = attempt(() => new CloseEvent("c", null).code);
    out.tags = [Object.prototype.toString.call(new Event("x")), Object.prototype.toString.call(new CustomEvent("x")), String(Symbol.toStringTag in Event.prototype)];
    out.proto = [Object.getPrototypeOf(ErrorEvent.prototype) === Event.prototype, Object.getPrototypeOf(CloseEvent.prototype) === Event.prototype, Object.getPrototypeOf(MessageEvent.prototype) === Event.prototype];
    out.ownKeys = Object.keys(new ErrorEvent("e"));
    return Response.json(out);
  },
};
