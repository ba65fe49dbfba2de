"""How deep JavaScript recursion goes: ``PYTHONPATH=. python benchmarks/js_stack.py``.

For each way a function can call itself (those of the fidelity app
``tests/fidelity/apps/stack``), on the QuickJS engine dispatch_emu makes, it prints

* the depth QuickJS's own check stops it at, with the ``RangeError`` a worker can catch
  (the stack limit ``quickjs.arm_stack_check`` sets);
* the shadow (C) stack each frame uses;
* the depth an uncatchable trap would stop it at without that check: wasmtime's limit
  on the native stack ("call stack exhausted"), or the end of the guest's 1 MiB shadow
  stack (an out-of-bounds access), and the ratio of the two depths: above 1, QuickJS's
  check fires first with that margin; the native stack each frame uses where that is
  what ran out.

Then the depth of plain recursion through the whole runtime (a worker's fetch handler),
against workerd's (10,380 frames, measured with wrangler 4.86 on the same worker).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKERD_DEPTH = 10_380  # /max of tests/fidelity/apps/stack on workerd (wrangler 4.86.0)

WAYS = {
    "plain": "function f(n){ depth=n; return f(n+1)+1 }",
    "call": "function f(n){ depth=n; return f.call(null, n+1)+1 }",
    "apply": "function f(n){ depth=n; return f.apply(null, [n+1])+1 }",
    "bound": "let g; function h(n){ depth=n; return g(n+1)+1 } g = h.bind(null); f = (n) => g(0)",
    "forEach": "function f(n){ depth=n; [0].forEach(() => f(n+1)); }",
    "sort": "function f(n){ depth=n; [2,1].sort(() => f(n+1)); }",
    "getter": "const o = { get g() { depth++; return this.g; } }; f = () => o.g",
    "toString": "function f(n){ depth=n; return `${{ toString(){ return f(n+1) } }}`; }",
    "constructor": "function F(n){ depth=n; new F(n+1) } f = (n) => new F(0)",
    "super": "class A { constructor(n){ depth=n; new B(n+1) } } class B extends A { constructor(n){ super(n) } } "
    "f = () => new B(0)",
    "proxy": "const p = new Proxy({}, { get(t, k, r) { depth++; return r[k]; } }); f = () => p.x",
    "toJSON": "function f(n){ depth=n; return JSON.stringify({ toJSON(){ return f(n+1) } }) }",
    "replace": "function f(n){ depth=n; return 'a'.replace('a', () => f(n+1)) }",
    "generator": "function* G(n){ depth=n; yield* G(n+1) } f = () => [...G(0)]",
    "locals": "function f(n){ let a=n,b=n,c=n,d=n,e=n,g=n,h=n,i=n; depth=n; return f(n+1)+a+b+c+d+e+g+h+i }",
}


def measure(source: str, armed: bool) -> dict[str, object]:
    """The outcome and depth of ``f(0)`` in a new context, QuickJS's check armed or not."""
    import quickjs_rs

    from dispatch_emu.runtime.js import _quickjs as qjs

    runtime = quickjs_rs.Runtime()
    qjs.lean_instances(runtime)
    context = runtime.new_context()
    inst = context._engine_ctx._inst
    context.eval("var depth = 0, f;" + source + ";0")  # the guest's runtime exists after a first evaluation
    if armed and not qjs.arm_stack_check(inst):
        raise SystemExit("the QuickJS runtime's stack fields were not found")
    try:
        outcome = context.eval("try { f(0); 'returned' } catch (e) { `${e.name}: ${e.message}` }")
    except Exception as error:  # the native trap: the instance is unusable now
        return {"outcome": str(error).strip().splitlines()[-1].strip(), "depth": -1}
    return {"outcome": outcome, "depth": int(context.eval("depth"))}


def unchecked_end(source: str) -> tuple[int, str]:
    """Depth (to 50 frames) and the trap that ends ``f(0)`` with QuickJS's check left off."""
    import quickjs_rs

    from dispatch_emu.runtime.js import _quickjs as qjs

    runtime = quickjs_rs.Runtime()
    qjs.lean_instances(runtime)
    context = runtime.new_context()
    seen: list[int] = []
    context.register("mark", lambda n: seen.append(int(n)) or 0)
    marked = source.replace("depth=n", "depth=n; if (n % 50 === 0) mark(n)")
    marked = marked.replace("depth++", "depth++; if (depth % 50 === 0) mark(depth)")
    context.eval("var depth = 0, f;" + marked + ";0")
    try:
        outcome = context.eval("try { f(0); 'returned' } catch (e) { `${e.name}: ${e.message}` }")
    except Exception as error:
        outcome = str(error).strip().splitlines()[-1].strip()
    by = "native stack" if "call stack exhausted" in outcome else "shadow stack" if "out of bounds" in outcome else outcome
    return (seen[-1] if seen else -1), by


def main() -> None:
    from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode
    from dispatch_emu.runtime import _native_stack as native_stack
    from dispatch_emu.runtime.js import _quickjs as qjs

    qjs.shared_engine()
    stack = qjs.engine_stack()
    print(f"QuickJS engine: max_wasm_stack {stack // 1024} KiB; QuickJS stack limit {qjs.stack_budget() // 1024} KiB "
          f"of shadow stack; a guest needs {native_stack.needed() // 1024} KiB left on its thread")
    print()
    print("| way | caught at depth | error | shadow B/frame | without the check: a trap at depth | by | margin "
          "| native B/frame |")
    print("|---|---|---|---|---|---|---|---|")
    for way, source in WAYS.items():
        armed = measure(source, armed=True)
        depth = int(armed["depth"])  # type: ignore[call-overload]
        end, by = unchecked_end(source)
        margin = f"{end / depth:.2f}" if end > 0 and depth > 0 else "n/a"
        per_native = f"{stack / end:,.0f}" if by == "native stack" else f"< {stack / end:,.0f}" if end > 0 else "n/a"
        print(f"| {way} | {depth:,} | {armed['outcome']} | {qjs.stack_budget() / depth:,.0f} | {end:,} | {by} "
              f"| {margin} | {per_native} |", flush=True)
    print()
    source = (
        "let depth = 0; function f(n) { depth = n; return f(n + 1) + 1; }\n"
        "export default { fetch() { try { f(0); } catch (e) { return Response.json({ depth, message: e.message }); } } };"
    )
    code = WorkerCode.javascript("depth", {"index.js": ("application/javascript+module", source.encode())}, "index.js", "v1")
    with Runtime(RuntimeSettings(cpu_ms=5000, wall_ms=20_000)) as runtime:
        answer = json.loads(runtime.run(code, GuestRequest("GET", "https://depth.example.com/", [], b"")).body)
    print(f"plain recursion in a worker: {answer['depth']:,} frames, then RangeError: {answer['message']} "
          f"(workerd: {WORKERD_DEPTH:,}; ratio {answer['depth'] / WORKERD_DEPTH:.2f})")


if __name__ == "__main__":
    main()
