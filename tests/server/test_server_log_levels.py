"""Console lines keep their level, as workerd gives it and wrangler shows it: in the
in-process journal, the ``serve`` text and JSON lines, the logs endpoint and
``dispatch-emu tail``; a wasm worker's stderr at ``error``, the reactor's log call at ``log``."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import wasmtime

from dispatch_emu._levels import LEVELS, level_of
from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import CpuLimitExceeded
from dispatch_emu.programs import worker_program
from tests.api.api_bodies import simple_upload

#: One console line per level, in an order that is not the order of LEVELS.
LEVELS_JS = b"""export default {
  async fetch(request) {
    console.error("disk on fire");
    console.log("plain line");
    console.warn("disk almost full");
    console.info("started");
    console.debug("x =", 42);
    return new Response("ok");
  },
};
"""
EXPECTED = [("error", "disk on fire"), ("log", "plain line"), ("warn", "disk almost full"),
            ("info", "started"), ("debug", "x = 42")]

#: A reactor worker that writes one line through the ABI's log call.
REACTOR_WAT = """(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "reactor says hi")
  (func (export "fetch") (call $log (i32.const 0) (i32.const 15))))
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(load_entrypoints=False) as emu:
        yield emu


def test_every_console_level_reaches_the_journal(emulator: Emulator):
    emulator.reset()
    emulator.namespace().put_script("levels", js=LEVELS_JS.decode())
    response = emulator.binding().get("levels").fetch("http://levels.localhost/")
    assert response.status_code == 200
    records = emulator.observer.log_records("levels")
    assert [(r.level, r.line) for r in records] == EXPECTED
    # the lines a test reads carry their level too
    assert [level_of(line) for line in emulator.observer.lines("levels")] == [level for level, _ in EXPECTED]
    assert emulator.observer.lines("levels", level="warn") == ["disk almost full"]
    assert {r.level for r in records} == set(LEVELS)


def test_the_other_console_methods_log_at_nodes_levels(emulator: Emulator):
    """workerd leaves trace/assert/dir/table/count/timeEnd to V8 (only an attached inspector
    sees them; wrangler dev prints none of them): here they log, at Node.js's levels."""
    emulator.reset()
    emulator.namespace().put_script("others", js="""export default { async fetch() {
        console.trace("tracing"); console.assert(1 === 2, "math broke"); console.assert(true, "fine");
        console.dir({a: 1}); console.table([1]); console.count("hits");
        return new Response("ok"); } };""")
    emulator.binding().get("others").fetch("http://others.localhost/")
    assert [(r.level, r.line) for r in emulator.observer.log_records("others")] == [
        ("error", "tracing"), ("warn", "Assertion failed: math broke"), ("log", "{ a: 1 }"), ("log", "[ 1 ]"),
        ("log", "hits: 1")]


def test_an_error_with_a_stack_keeps_its_level_on_every_line(emulator: Emulator):
    emulator.reset()
    emulator.namespace().put_script("stack", js="""export default { async fetch() {
        console.error(new Error("boom")); return new Response("ok"); } };""")
    emulator.binding().get("stack").fetch("http://stack.localhost/")
    records = emulator.observer.log_records("stack")
    assert records[0].line == "Error: boom" and len(records) > 1  # the stack follows, a line each
    assert {r.level for r in records} == {"error"}


def test_a_wasm_workers_stderr_is_error_and_the_reactor_log_call_is_log(emulator: Emulator):
    emulator.reset()
    namespace = emulator.namespace()
    namespace.put_script("wagi", wasm=worker_program("respond", body=b"ok", logs=["to stderr"]).wasm)
    namespace.put_script("reactor", wasm=wasmtime.wat2wasm(REACTOR_WAT))
    stubs = emulator.binding()
    assert stubs.get("wagi").fetch("http://wagi.localhost/").status_code == 200
    assert stubs.get("reactor").fetch("http://reactor.localhost/").status_code == 200
    assert [(r.worker, r.level, r.line) for r in emulator.observer.log_records()] == [
        ("wagi", "error", "to stderr"), ("reactor", "log", "reactor says hi")]


def test_a_failing_workers_lines_keep_their_level(emulator: Emulator):
    emulator.reset()
    emulator.namespace().put_script("thrower", js="""export default { async fetch() {
        console.warn("about to throw"); throw new Error("nope"); } };""")
    with pytest.raises(Exception) as failure:
        emulator.binding().get("thrower").fetch("http://thrower.localhost/")
    assert [level_of(line) for line in failure.value.logs] == ["warn"]
    assert [(r.level, r.line) for r in emulator.observer.log_records("thrower")] == [("warn", "about to throw")]


def test_a_worker_stopped_by_a_limit_keeps_its_lines_levels(emulator: Emulator):
    """The lines are collected from the guest after it was stopped (not with an outcome)."""
    emulator.reset()
    emulator.namespace().put_script("spinner", js="""export default { async fetch() {
        console.warn("spinning"); console.log("forever"); while (true) {} } };""", limits={"cpu_ms": 50})
    with pytest.raises(CpuLimitExceeded) as failure:
        emulator.binding().get("spinner").fetch("http://spinner.localhost/")
    assert [(level_of(line), line) for line in failure.value.logs] == [("warn", "spinning"), ("log", "forever")]
    assert [(r.level, r.line) for r in emulator.observer.log_records("spinner")] == [
        ("warn", "spinning"), ("log", "forever")]


def test_the_log_cap_note_is_a_warning(emulator: Emulator):
    emulator.reset()
    emulator.namespace().put_script("chatty", js="""export default { async fetch() {
        const line = "x".repeat(1000); for (let i = 0; i < 1100; i++) console.log(line);
        return new Response("ok"); } };""")
    emulator.binding().get("chatty").fetch("http://chatty.localhost/")
    last = emulator.observer.log_records("chatty")[-1]
    assert last.line.startswith("[dispatch_emu: log truncated at") and last.level == "warn"


def test_an_unknown_level_is_refused_not_matched_as_nothing(emulator: Emulator):
    with pytest.raises(ValueError, match="unknown log level 'warning': one of log, info, debug, warn, error"):
        emulator.observer.lines(level="warning")


# ----------------------------------------------------------------------- dispatch-emu serve


def console_script(name: str = "dispatch-emu") -> str:
    script = Path(sys.executable).with_name(name)
    if not script.exists():
        pytest.skip("the dispatch-emu console script is not installed next to this Python")
    return str(script)


@contextlib.contextmanager
def serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    """``dispatch-emu serve --port 0 ARGS``: its URL, and the lines it prints (growing)."""
    proc = subprocess.Popen([console_script(), "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()  # type: ignore[arg-type]
        deadline = time.monotonic() + 60
        while not any("serving on" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        yield next(line for line in lines if "serving on" in line).split()[-1], lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def upload_and_call(url: str) -> None:
    body, content_type = simple_upload(body=LEVELS_JS)
    put = httpx.put(f"{url}/client/v4/accounts/demo-account/workers/dispatch/namespaces/demo/scripts/levels",
                    content=body, headers={"Content-Type": content_type})
    assert put.status_code == 200, put.text
    assert httpx.get(url + "/", headers={"Host": "levels.localhost"}).text == "ok"


def wait_for(lines: list[str], text: str) -> str:
    deadline = time.monotonic() + 20
    while not any(text in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "".join(lines)


def test_serve_prints_each_line_with_its_level_and_tail_and_the_endpoint_show_it():
    with serve() as (url, lines):
        upload_and_call(url)
        printed = wait_for(lines, "[debug]")
        request = printed[printed.index("GET levels.localhost/ → levels 200"):]
        assert request.splitlines()[1:6] == [f"  [{level}] levels: {line}" for level, line in EXPECTED]

        page = httpx.get(url + "/__dispatch_emu/logs", params={"worker": "levels", "since": 0}).json()["result"]
        assert [(r["level"], r["line"]) for r in page["logs"]] == EXPECTED
        assert [(r["level"], r["line"]) for r in page["requests"][0]["logs"]] == EXPECTED
        state = httpx.get(url + "/__dispatch_emu/state").json()["result"]
        assert [(r["level"], r["line"]) for r in state["logs"] if r["worker"] == "levels"] == EXPECTED

        tail = subprocess.run([console_script(), "tail", "--url", url, "--once", "--since", "0", "--worker", "levels"],
                              capture_output=True, text=True, timeout=60)
        assert tail.returncode == 0, tail.stderr
        shown = tail.stdout[tail.stdout.index("GET levels.localhost/ → levels 200"):].splitlines()
        assert shown[1:6] == [f"  [{level}] levels: {line}" for level, line in EXPECTED]

        tail_json = subprocess.run([console_script(), "tail", "--url", url, "--once", "--since", "0", "--worker",
                                    "levels", "--log-format", "json"], capture_output=True, text=True, timeout=60)
        entry = json.loads(tail_json.stdout.splitlines()[0])
        assert [(r["level"], r["line"]) for r in entry["logs"]] == EXPECTED


def test_serve_log_format_json_has_a_level_field():
    with serve("--log-format", "json") as (url, lines):
        upload_and_call(url)
        wait_for(lines, '"host": "levels.localhost"')
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        entry = next(e for e in entries if e.get("host") == "levels.localhost")
        assert [(r["level"], r["line"], r["worker"]) for r in entry["logs"]] == [
            (level, line, "levels") for level, line in EXPECTED]
