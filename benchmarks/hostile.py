"""Figures of the hostile workers: ``PYTHONPATH=. python benchmarks/hostile.py [--quick] [--write]``.

For every kind in ``tests/reliability/hostile_kinds.py`` (each in its own process, so one
kind's memory does not show in another's figure) it prints

* the error a run ends with and the median time to stop it over several runs, under
  the runtime's defaults (CPU 1000 ms, wall 2000 ms, memory 128 MiB, response 16 MiB),
  except that the kinds the CPU limit must stop get 50 ms of CPU, the case of issue
  11's report — the time the limit takes to act;
* the resident memory of the process after N runs under the soak limits, against
  before the first (how much each kind leaves behind).

A kind that does not end within the time-out is reported as such, not waited for.
``--write`` replaces the figures table in ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

QUICK = "--quick" in sys.argv
STOP_RUNS = 3 if QUICK else 5
SOAK_RUNS = 60 if QUICK else 200
TIMEOUT_S = 40.0
DOC = ROOT / "docs" / "reliability.md"
#: CPU limit of the time-to-stop runs of the kinds the CPU limit stops (see the module documentation).
STOP_CPU_MS = 50
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def run_kind(name: str) -> dict[str, object]:
    """In a child process: the figures of one kind."""
    import gc

    from _timing import rss_bytes

    from dispatch_emu.errors import WorkerError
    from dispatch_emu.runtime import ExecutionLimits, GuestRequest, Runtime, RuntimeSettings
    from tests.reliability.hostile_kinds import KINDS

    kind = next(k for k in KINDS if k.name == name)
    request = GuestRequest("GET", "https://customer.example.com/", [], b"")
    code = kind.code()
    result: dict[str, object] = {"name": name}
    with Runtime(RuntimeSettings()) as runtime:

        def once(limits: object = None) -> str:
            try:
                response = runtime.run(code, request, limits=limits)  # type: ignore[arg-type]
            except WorkerError as error:
                return type(error).__name__
            return f"{response.status}"

        once(kind.soak)  # compile, warm caches
        gc.collect()
        before = rss_bytes()
        outcomes = set()
        for _ in range(SOAK_RUNS):
            outcomes.add(once(kind.soak))
        gc.collect()
        result["soak_outcomes"] = sorted(outcomes)
        result["rss_before"] = before
        result["rss_after"] = rss_bytes()
        times = []
        errors = set()
        stop_limits = ExecutionLimits(cpu_ms=STOP_CPU_MS) if kind.limit == "cpu_ms" else None
        for _ in range(STOP_RUNS):
            start = time.perf_counter()
            errors.add(once(stop_limits))
            times.append(time.perf_counter() - start)
        result["errors"] = sorted(errors)
        result["stop_s"] = statistics.median(times)
    return result


def measure(name: str) -> dict[str, object]:
    budget = TIMEOUT_S + STOP_RUNS * 3
    args = [sys.executable, __file__, "--one", name] + (["--quick"] if QUICK else [])
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=budget, check=False)
    except subprocess.TimeoutExpired:
        return {"name": name, "timeout": budget}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"name": name, "failed": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(lines[-1])


def row(kind: object, figures: dict[str, object]) -> str:
    mib = 2**20
    if "timeout" in figures:
        stop = f"not stopped within {figures['timeout']:.0f} s"
        memory = "n/a"
        error = "none"
    elif "failed" in figures:
        stop, memory, error = "failed", "n/a", f"{figures['failed']}"
    else:
        stop = f"{figures['stop_s'] * 1000:.0f} ms"
        grown = (int(figures["rss_after"]) - int(figures["rss_before"])) / mib  # type: ignore[call-overload]
        memory = f"{int(figures['rss_after']) / mib:.0f} MiB ({grown:+.1f})"  # type: ignore[call-overload]
        error = ", ".join(figures["errors"])  # type: ignore[arg-type]
    return (
        f"| {kind.name} | {kind.does} | `{kind.limit}` | `{kind.error.__name__}` | {error} | {stop} "  # type: ignore[attr-defined]
        f"| {memory} |"
    )


def main() -> None:
    if "--one" in sys.argv:
        print(json.dumps(run_kind(sys.argv[sys.argv.index("--one") + 1])))
        return
    from tests.reliability.hostile_kinds import KINDS

    header = [
        "| hostile kind | what it does | limit that stops it | expected error | error met "
        f"| time to stop (median of {STOP_RUNS}) | RSS after {SOAK_RUNS} soak runs (growth) |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = []
    threads_started = time.perf_counter()
    for kind in KINDS:
        figures = measure(kind.name)
        rows.append(row(kind, figures))
        print(rows[-1], flush=True)
    print(f"# {len(KINDS)} kinds in {time.perf_counter() - threads_started:.0f} s", file=sys.stderr)
    if "--write" in sys.argv:
        text = DOC.read_text()
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(head + BEGIN + "\n" + "\n".join(header + rows) + "\n" + END + tail)
        print(f"wrote {DOC.relative_to(ROOT)}")
    else:
        print("\n".join(header))


if __name__ == "__main__":
    threading.stack_size(0)
    main()
