"""Soak: every hostile kind, several hundred times, from several threads; memory stays bounded.

Each kind of ``hostile_kinds.KINDS`` runs :data:`RUNS` times under its soak limits
(mixed, from :data:`THREADS` threads at once) and must end every time with the error of
the limit that stops it. The process's resident memory after all of them may exceed
what it was after one warm-up run of each kind by at most :data:`RSS_BOUND` bytes —
before the fixes, one WAGI flood left 27-31 MB behind, and eight memories of 119 MiB
answered 200. ``docs/reliability.md`` states the same bound and lists the same kinds;
:func:`test_the_figures_table_lists_every_kind` keeps the two in step.
"""

from __future__ import annotations

import gc
import random
import re
import threading
from collections import Counter
from pathlib import Path

from dispatch_emu.errors import WorkerError
from dispatch_emu.runtime import GuestRequest, Runtime
from tests.reliability.hostile_kinds import KINDS

#: Runs of each kind.
RUNS = 200

#: Threads running them at once.
THREADS = 4

#: Resident memory the soak may add to the process after the warm-up (see the module docs).
RSS_BOUND = 64 * 2**20

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
REQUEST = GuestRequest("GET", "https://hostile.example.com/", [], b"")


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def outcome(runtime: Runtime, index: int) -> str:
    kind = KINDS[index]
    try:
        response = runtime.run(kind.code(), REQUEST, limits=kind.soak)
    except WorkerError as error:
        return type(error).__name__
    return str(response.status)


def test_every_hostile_kind_hundreds_of_times_within_a_memory_bound():
    with Runtime() as runtime:
        for index, kind in enumerate(KINDS):  # warm up: compile, link, start QuickJS
            assert outcome(runtime, index) == kind.error.__name__, kind.name
        gc.collect()
        before = rss_bytes()
        jobs = [index for index in range(len(KINDS)) for _ in range(RUNS)]
        random.Random(11).shuffle(jobs)
        results: Counter[tuple[int, str]] = Counter()
        lock = threading.Lock()

        def worker(share: list[int]) -> None:
            for index in share:
                got = outcome(runtime, index)
                with lock:
                    results[index, got] += 1

        threads = [threading.Thread(target=worker, args=(jobs[i::THREADS],)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        gc.collect()
        grown = rss_bytes() - before
    wrong = {(KINDS[i].name, got): n for (i, got), n in results.items() if got != KINDS[i].error.__name__}
    assert not wrong, wrong
    assert sum(results.values()) == len(KINDS) * RUNS
    assert grown <= RSS_BOUND, f"RSS grew by {grown / 2**20:.1f} MiB over {len(jobs)} hostile runs"


def test_the_figures_table_lists_every_kind():
    # docs/reliability.md: one row per kind, with the limit and the error this suite checks,
    # and the bound the soak asserts; benchmarks/hostile.py --write regenerates the figures
    text = DOC.read_text()
    table = text.split("<!-- figures:begin -->", 1)[1].split("<!-- figures:end -->", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| hostile kind")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    assert [c[0] for c in cells] == [k.name for k in KINDS]
    assert [c[2] for c in cells] == [f"`{k.limit}`" for k in KINDS]
    assert [c[3] for c in cells] == [f"`{k.error.__name__}`" for k in KINDS]
    bound = re.search(r"at most \*\*(\d+) MiB\*\*", text)
    assert bound is not None and int(bound.group(1)) * 2**20 == RSS_BOUND
    runs = re.search(r"\*\*(\d+) runs of each kind\*\*", text)
    assert runs is not None and int(runs.group(1)) == RUNS
