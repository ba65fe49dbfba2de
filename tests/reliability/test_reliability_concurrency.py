"""Under concurrent load the emulator stays correct and keeps serving.

Threads hit one live server at once: dispatches to good and misbehaving workers
(traps, runaway loops, floods, memory hogs) interleaved with uploads, deletes and
listings through the REST API. Every answer must be the one its worker deserves, the
store must end consistent, and the server thread must have met no error.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import httpx
import pytest

from dispatch_emu import Emulator, EmulatorServer, RuntimeSettings

ACCOUNT = "demo-account"
API = f"/client/v4/accounts/{ACCOUNT}/workers/dispatch/namespaces/demo"

#: worker name → (fixture, the status a dispatch to it must answer)
WORKERS = {
    "hello": ("reactor/hello", 200),
    "wagi-hello": ("wagi/hello", 200),
    "trap": ("reactor/trap", 500),
    "spin": ("reactor/spin", 500),
    "flood": ("wagi/flood", 500),
    "hog": ("reactor/memhog", 500),
    "picky": ("reactor/status", 500),
}


@pytest.fixture(scope="module")
def live(worker_wasm):
    # the wall limit stays far from the CPU limit: a runaway is stopped by its CPU budget
    # (fuel: deterministic), never by a wall clock that a loaded machine stretches
    settings = RuntimeSettings(cpu_ms=50, wall_ms=10_000, memory_bytes=32 * 2**20, output_bytes=64 * 1024)
    with Emulator(runtime_settings=settings, load_entrypoints=False) as emu:
        ns = emu.namespace("demo")
        for name, (fixture, _) in WORKERS.items():
            ns.put_script(name, wasm=worker_wasm(fixture))
        with EmulatorServer(emu, port=0, dispatcher=emu.dispatcher("demo")) as server:
            yield emu, server, worker_wasm


def test_mixed_load_from_many_threads(live) -> None:
    emu, server, worker_wasm = live
    hello = worker_wasm("reactor/hello")
    problems: list[str] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for step in range(40):
                roll = rng.random()
                if roll < 0.6:
                    name = rng.choice(list(WORKERS))
                    response = http.get("/", headers={"Host": f"{name}.example.com"})
                    expected = WORKERS[name][1]
                    key = name
                elif roll < 0.8:  # a worker of this thread's own, created and removed
                    own = f"t{seed}-{step}"
                    response = http.put(
                        f"{API}/scripts/{own}",
                        files={"metadata": (None, '{"main_module": "w.wasm"}', "application/json"),
                               "files": ("w.wasm", hello, "application/wasm")},
                    )
                    expected, key = 200, "upload"
                    if response.status_code == 200:
                        check = http.get("/", headers={"Host": f"{own}.example.com"})
                        if check.status_code != 200:
                            with lock:
                                problems.append(f"{own}: uploaded but dispatch gave {check.status_code}")
                        http.delete(f"{API}/scripts/{own}")
                else:
                    response = http.get(f"{API}/scripts", params={"limit": 3})
                    expected, key = 200, "list"
                with lock:
                    statuses[f"{key}:{response.status_code}"] += 1
                    if response.status_code != expected:
                        problems.append(f"{key}: {response.status_code} {response.text[:120]!r}")

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not problems, "\n".join(problems[:20])
    server.check()  # no exception escaped in the server thread
    # every temporary worker is gone, the original ones are intact
    assert sorted(emu.namespace("demo").script_names()) == sorted(WORKERS)
    assert httpx.get(server.url, headers={"Host": "hello.example.com"}).status_code == 200
    assert sum(statuses.values()) == 6 * 40


def test_failures_carry_their_own_message_under_load(live) -> None:
    emu, server, _ = live
    expected = {
        "spin": "Worker exceeded CPU time limit.",
        "flood": "Worker exceeded response size limit.",
        "hog": "Worker exceeded memory limit.",
    }
    answers: dict[str, set[str]] = {name: set() for name in expected}
    lock = threading.Lock()

    def hammer(name: str) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for _ in range(5):
                text = http.get("/", headers={"Host": f"{name}.example.com"}).text
                with lock:
                    answers[name].add(text)

    threads = [threading.Thread(target=hammer, args=(name,)) for name in expected for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {name: {message} for name, message in expected.items()}
    server.check()
