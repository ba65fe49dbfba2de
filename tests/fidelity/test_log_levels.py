"""Console levels as workerd gives them: the same worker, run once on workerd (through the
pinned wrangler's Miniflare, which reports workerd's own structured log records) and once on
dispatch_emu, logs the same lines at the same levels.

What was compared (wrangler 4.86.0, its workerd): ``console.log/info/debug/warn/error`` give
records at levels ``log``, ``info``, ``debug``, ``warn``, ``error``. ``console.trace``,
``console.assert``, ``console.dir``, ``console.table`` and ``console.count`` give no record at
all (workerd leaves them to V8, whose output reaches only an attached inspector; ``wrangler
dev`` prints none of them). dispatch_emu logs those too (trace at ``error``, a failed assert
at ``warn``, the rest at ``log``): a known difference, kept because a silent console helps
no one in a test. ``wrangler dev`` itself prints log/info/debug lines as they are and warn
and error lines as ``▲ [WARNING] …`` and ``✘ [ERROR] …``; the emulator's server prints
``[level] worker: line`` for every level instead.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dispatch_emu.emulator import Emulator
from tests.node_tools import node_env, package_dir

HERE = Path(__file__).resolve().parent

WORKER = """export default {
  async fetch() {
    console.log("at log");
    console.info("at info");
    console.debug("at debug");
    console.warn("at warn");
    console.error("at error");
    console.log("several", "words", 3);
    console.trace("traced");
    console.assert(false, "asserted");
    console.dir({ d: 1 });
    console.table([1]);
    console.count("counted");
    console.log("the end");
    return new Response("ok");
  },
};
"""
FIVE = [("log", "at log"), ("info", "at info"), ("debug", "at debug"), ("warn", "at warn"), ("error", "at error"),
        ("log", "several words 3")]
EXTRA_HERE = [("error", "traced"), ("warn", "Assertion failed: asserted"), ("log", "{ d: 1 }"), ("log", "[ 1 ]"),
              ("log", "counted: 1")]


def on_workerd(tmp_path: Path) -> list[tuple[str, str]]:
    script = tmp_path / "worker.js"
    script.write_text(WORKER)
    prefix = package_dir("wrangler")  # installed on first use; skipped only where node is absent
    result = subprocess.run(["node", str(HERE / "structured_logs.cjs"), str(prefix), str(script)],
                            capture_output=True, text=True, timeout=120, env=node_env())
    assert result.returncode == 0, result.stderr
    return [(record["level"], record["message"]) for record in json.loads(result.stdout)]


def on_dispatch_emu() -> list[tuple[str, str]]:
    with Emulator(load_entrypoints=False) as emu:
        emu.namespace().put_script("levels", js=WORKER)
        assert emu.binding().get("levels").fetch("http://levels.example.com/").status_code == 200
        return [(r.level, r.line) for r in emu.observer.log_records("levels")]


def test_console_levels_are_workerds(tmp_path: Path) -> None:
    theirs = on_workerd(tmp_path)
    assert theirs == [*FIVE, ("log", "the end")]  # the oracle itself: nothing for trace, assert, dir...
    assert on_dispatch_emu() == [*FIVE, *EXTRA_HERE, ("log", "the end")]
