"""Memory stays bounded: pools by bytes, nothing kept for unreachable workers or failed guests,
no request's output kept after it ends, the observer's lists bounded by bytes."""

from __future__ import annotations

import gc
import tracemalloc

import pytest
import wasmtime

from dispatch_emu import Emulator
from dispatch_emu.errors import OutputLimitExceeded, WorkerError
from dispatch_emu.observe import RECORD_OVERHEAD, DispatchRecord, Observer
from dispatch_emu.runtime import ExecutionLimits, Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime._pool import IdlePool, PooledInstance
from dispatch_emu.store import ModuleSource
from tests.runtime.runtime_helpers import code, request

PAGE = 65536


class Item:
    def __init__(self, size: int) -> None:
        self.size = size
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Key:
    def __init__(self, worker: str, version: str = "v1") -> None:
        self.worker, self.version = worker, version

    def __hash__(self) -> int:
        return hash((self.worker, self.version))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and (self.worker, self.version) == (other.worker, other.version)


def test_an_idle_pool_is_bounded_by_bytes_least_recently_used_out_first():
    pool: IdlePool[Key, Item] = IdlePool(limit=100, max_bytes=250, weigh=lambda item: item.size)
    items = [Item(100) for _ in range(3)]
    for i, item in enumerate(items):
        pool.give(Key(f"w{i}"), item)
    assert (len(pool), pool.bytes) == (2, 200)
    assert [item.closed for item in items] == [True, False, False]
    # exactly at the budget is kept; one byte more is not
    pool.give(Key("w3"), Item(50))
    assert pool.bytes == 250 and not items[1].closed
    heavy = Item(251)
    pool.give(Key("heavy"), heavy)
    assert heavy.closed and pool.bytes == 250


def test_drop_closes_only_what_keep_refuses():
    pool: IdlePool[Key, Item] = IdlePool(limit=10)
    a, b = Item(1), Item(1)
    pool.give(Key("a"), a)
    pool.give(Key("b"), b)
    assert pool.drop(lambda worker, version: worker == "a") == 1
    assert (a.closed, b.closed, len(pool)) == (False, True, 1)
    assert pool.drop() == 1 and a.closed and len(pool) == 0


def _grower(pages: int) -> WorkerCode:
    """A reusable reactor worker that grows its memory by ``pages`` and answers."""
    source = f"""
(module
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (func (export "fetch") (drop (memory.grow (i32.const {pages})))))
"""
    return WorkerCode.from_bytes(f"grower{pages}", wasmtime.wat2wasm(source), "v1")


def test_the_reactor_pool_is_bounded_by_the_memory_its_instances_hold():
    with Runtime(RuntimeSettings(pool_bytes=10 * 2**20)) as runtime:
        for i in range(5):
            worker = _grower(63)  # 4 MiB each once grown (64 pages)
            runtime.run(WorkerCode(**{**worker.__dict__, "name": f"w{i}"}), request())
        assert len(runtime.instances) == 2
        assert runtime.instances.bytes == 2 * 64 * PAGE


def test_an_instance_that_grew_to_its_cap_is_not_pooled():
    with Runtime() as runtime:
        limits = ExecutionLimits(memory_bytes=8 * 2**20)
        runtime.run(_grower(120), request(), limits=limits)  # 121 of 128 pages: within 1 MiB of the cap
        assert len(runtime.instances) == 0
        runtime.run(_grower(10), request(), limits=limits)
        assert len(runtime.instances) == 1


def test_a_guest_that_hit_a_limit_never_returns_to_the_pool():
    with Runtime() as runtime:
        with pytest.raises(WorkerError):
            runtime.run(code("reactor/spin"), request(), limits=ExecutionLimits(cpu_ms=5))
        assert len(runtime.instances) == 0


def js_contexts(runtime: Runtime) -> IdlePool:  # type: ignore[type-arg]
    from dispatch_emu.runtime.js._engine import JsEngine

    engine = next(e for e in runtime.engines if isinstance(e, JsEngine))
    return engine.runner.contexts


def test_delete_and_reset_drop_the_pooled_instances_and_contexts():
    from pathlib import Path

    workers = Path(__file__).resolve().parent.parent / "workers"
    with Emulator(load_entrypoints=False) as emu:
        ns = emu.namespace("pools")
        ns.put_script("counter", wasm=(workers / "reactor" / "counter.wasm").read_bytes())
        ns.put_script("other", wasm=(workers / "reactor" / "counter.wasm").read_bytes())
        js = (workers / "js" / "state.js").read_bytes()
        ns.put_script("js", modules=[ModuleSource("worker.js", "application/javascript+module", js)], main_module="worker.js")
        binding = ns.binding()
        for name in ("counter", "other", "js"):
            assert binding.get(name).fetch("https://x.example.com/").status_code == 200
        runtime = emu.runtime
        assert len(runtime.instances) == 2 and len(js_contexts(runtime)) == 1
        ns.delete_script("counter")
        assert len(runtime.instances) == 1  # only "other" is still reachable
        ns.delete_script("js")
        assert len(js_contexts(runtime)) == 0
        # a re-upload makes the old version unreachable at once, not at its next dispatch
        ns.put_script("other", wasm=(workers / "reactor" / "counter.wasm").read_bytes())
        assert len(runtime.instances) == 0
        assert binding.get("other").fetch("https://x.example.com/").status_code == 200
        assert len(runtime.instances) == 1
        emu.reset()
        assert len(runtime.instances) == 0


@pytest.mark.parametrize("fixture", ["wagi/flood", "reactor/flood"])
def test_a_failed_request_keeps_nothing_of_its_output(fixture):
    # what a request collected is freed when it ends, not at the next garbage collection
    # (the raised error's traceback holds the ABI's frame: a cycle that kept each WAGI
    # flood's 16 MiB alive, 150 floods took the process from 45 MB to 4 GB)
    with Runtime() as runtime:
        limits = ExecutionLimits(output_bytes=1 << 20)
        with pytest.raises(OutputLimitExceeded):
            runtime.run(code(fixture), request(), limits=limits)  # warm up: compile, link
        gc.collect()
        gc.disable()
        tracemalloc.start()
        try:
            for _ in range(3):
                with pytest.raises(OutputLimitExceeded):
                    runtime.run(code(fixture), request(), limits=limits)
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            gc.enable()
        assert held < 512 * 1024  # each run collected over 1 MiB


def test_the_observer_is_bounded_by_bytes():
    observer = Observer(max_bytes=3 * (RECORD_OVERHEAD + 1000))
    observer.logged("acc", "ns", "w", ["x" * 1000] * 5)
    assert len(observer.lines()) == 3
    assert observer.bytes == 3 * (RECORD_OVERHEAD + 1000)
    error = OutputLimitExceeded(worker="w", logs=["y" * 1000])
    for _ in range(5):
        observer.dispatched(DispatchRecord("acc", "ns", "w", None, error, 0.1))
    assert len(observer.calls()) == 3
    # exactly the budget fits; a byte more pushes the oldest out
    observer.logged("acc", "ns", "w", ["z" * 999])
    assert len(observer.lines()) == 3
    observer.clear()
    assert observer.bytes == 0


def test_a_line_larger_than_the_whole_budget_is_not_kept():
    observer = Observer(max_bytes=100)
    observer.logged("acc", "ns", "w", ["x" * 1000])
    assert observer.lines() == [] and observer.bytes == 0


def test_pooled_instance_carries_its_weight():
    assert PooledInstance.__dataclass_fields__["bytes"].default == 0
