"""The reactor's request path keeps the GIL for wasmtime's trivial calls and releases it for the guest."""

from __future__ import annotations

import ctypes
import gc
import threading
import time

import pytest
import wasmtime
from wasmtime import _bindings

from dispatch_emu.runtime import GuestResponse, Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime import _fastcalls as fast
from tests.runtime.runtime_helpers import code, request


@pytest.fixture
def runtime():
    runtime = Runtime(RuntimeSettings())
    yield runtime
    runtime.close()


def test_the_trivial_calls_keep_the_gil_with_wasmtime_pys_signatures() -> None:
    assert fast.GIL_KEEPING
    for function in fast.GIL_KEEPING:
        assert function._flags_ & ctypes._FUNCFLAG_PYTHONAPI, function.__name__  # a PyDLL function
        model = getattr(_bindings, "_" + function.__name__)
        assert not model._flags_ & ctypes._FUNCFLAG_PYTHONAPI  # wasmtime-py's own: releases the GIL
        assert (function.argtypes, function.restype) == (model.argtypes, model.restype)
    # the guest call goes through wasmtime-py's CDLL binding, which releases the GIL
    assert not _bindings._wasmtime_func_call._flags_ & ctypes._FUNCFLAG_PYTHONAPI


def test_the_base_address_keeps_the_gil_and_gives_an_int() -> None:
    base = fast.memory_base
    assert base._flags_ & ctypes._FUNCFLAG_PYTHONAPI
    assert base is not fast.memory_data  # its own function object: memory_data keeps wasmtime-py's typing
    assert (base.argtypes, base.restype) == (_bindings._wasmtime_memory_data.argtypes, ctypes.c_size_t)
    assert fast.memory_data.restype == _bindings._wasmtime_memory_data.restype
    store = wasmtime.Store()
    memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    memory.write(store, b"probe", 8)
    address, size = fast.memory_address(store, memory)
    assert size == memory.data_len(store) == 65536
    assert ctypes.string_at(address + 8, 5) == b"probe"


def test_a_reused_reactor_request_releases_the_gil_only_to_run_the_guest(runtime, monkeypatch) -> None:
    hello = code("reactor/hello")
    expected = GuestResponse(200, [("content-type", "text/plain")], b"Hello from the reactor ABI!\n", [])
    assert runtime.run(hello, request()) == expected  # the instance is made and pooled
    calls: list[str] = []
    this_thread = threading.get_ident()
    for name in dir(_bindings):
        function = getattr(_bindings, name)
        if name.startswith("_wasm") and isinstance(function, ctypes._CFuncPtr):

            def counting(*args, _function=function, _name=name[1:]):
                # the request's own calls: not the epoch timer's tick on its thread
                if threading.get_ident() == this_thread:
                    calls.append(_name)
                return _function(*args)

            monkeypatch.setattr(_bindings, name, counting)
    gc.disable()  # nor the finalizer of some earlier test's wasmtime object, run by a collection
    try:
        assert runtime.run(hello, request()) == expected
    finally:
        gc.enable()
        monkeypatch.undo()
    assert calls == ["wasmtime_func_call"]


def test_the_guest_call_lets_other_threads_run_python(runtime) -> None:
    # a guest that loops until its CPU limit on one thread; Python on this one keeps going
    spin = WorkerCode.from_bytes("spin", wasmtime.wat2wasm(
        '(module (memory (export "memory") 1) (func (export "fetch") (loop (br 0))))'
    ), "v1")
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runtime.run(spin, request())
        except BaseException as error:  # noqa: BLE001 - the CPU limit, expected
            errors.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    assert errors and type(errors[0]).__name__ == "CpuLimitExceeded"
    assert ticks >= 5


@pytest.mark.parametrize(("result", "body"), [("", None), ("(result i32) (i32.const 0)", None),
                                              ("(result i32) (i32.const 7)", "error code 7"),
                                              ("(result i64) (i64.const 4294967296)", "error code 4294967296")])
def test_fetch_results_of_each_shape(runtime, result: str, body: str | None) -> None:
    wat = f'(module (memory (export "memory") 1) (func (export "fetch") {result}))'
    worker = WorkerCode.from_bytes("shape", wasmtime.wat2wasm(wat), "v1")
    if body is None:
        assert runtime.run(worker, request()).status == 200
    else:
        with pytest.raises(Exception, match=body):
            runtime.run(worker, request())
