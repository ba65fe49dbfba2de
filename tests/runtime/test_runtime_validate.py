"""Validation at upload, ABI selection through hooks, and the built-in plugin."""

from __future__ import annotations

from types import SimpleNamespace

import pluggy
import pytest
import wasmtime

from dispatch_emu import hookspecs
from dispatch_emu._hooks import Hooks
from dispatch_emu._plugins import make_plugin_manager
from dispatch_emu.errors import InvalidModule, WorkerException
from dispatch_emu.runtime import GuestResponse, ReactorAbi, Runtime, WorkerCode
from dispatch_emu.runtime import _builtin as builtin
from dispatch_emu.runtime._builtin import RuntimeValidator
from dispatch_emu.runtime._engine import engine_host
from tests.runtime.runtime_helpers import request, unique, wasm

NO_ABI = wasmtime.wat2wasm('(module (memory (export "mem") 1) (func (export "handle") (param i32)))')


@pytest.fixture(scope="module")
def runtime():
    with Runtime() as rt:
        yield rt


def test_validate_names_the_abi(runtime):
    assert runtime.validate(wasm("reactor/hello")) == "reactor"
    assert runtime.validate(wasm("wagi/hello")) == "wagi"
    assert runtime.abi_for(wasm("wagi/echo")).name == "wagi"


def test_bytes_that_are_not_wasm(runtime):
    for junk in (b"", b"hello world", b'(module (func (export "fetch")))'):
        with pytest.raises(InvalidModule) as caught:
            runtime.validate(junk)
        assert caught.value.message == "The module is not WebAssembly: it does not start with the bytes \\0asm."
        assert (caught.value.status, caught.value.code) == (400, 10021)


def test_wasm_that_does_not_compile(runtime):
    with pytest.raises(InvalidModule) as caught:
        runtime.validate(wasm("reactor/hello")[:-9])
    assert caught.value.message.startswith("The WebAssembly module does not compile: ")
    assert "\n" not in caught.value.message


def test_wasm_without_a_supported_abi_lists_what_it_has(runtime):
    with pytest.raises(InvalidModule) as caught:
        runtime.validate(NO_ABI)
    message = caught.value.message
    assert message.startswith("The module follows no supported ABI (reactor, wagi); it has ")
    assert "exports: mem (memory), handle (func); imports: none." in message


def test_wrong_host_import_is_no_abi(runtime):
    module = wasmtime.wat2wasm(
        '(module (import "dispatch_emu" "read" (func (param i32)))'
        ' (memory (export "memory") 1) (func (export "fetch")))'
    )
    with pytest.raises(InvalidModule, match=r"imports: dispatch_emu.read \(func\)"):
        runtime.validate(module)


def test_running_a_module_without_abi_is_a_worker_exception(runtime):
    with pytest.raises(WorkerException) as caught:
        runtime.run(WorkerCode.from_bytes("odd", NO_ABI), request())
    assert caught.value.worker == "odd"
    assert caught.value.message.startswith("Worker could not be loaded: The module follows no supported ABI")


def test_out_of_bounds_host_call_fails_the_worker(runtime):
    module = wasmtime.wat2wasm(
        '(module (import "dispatch_emu" "response_write" (func $w (param i32 i32)))'
        ' (memory (export "memory") 1) (func (export "fetch") (call $w (i32.const 65000) (i32.const 1000))))'
    )
    with pytest.raises(WorkerException) as caught:
        runtime.run(WorkerCode.from_bytes("oob", module), request())
    assert caught.value.message == "Worker passed an out-of-bounds buffer to dispatch_emu.response_write."
    assert caught.value.worker == "oob"


def test_reactor_head_defaults_and_bad_status(runtime):
    bare = wasmtime.wat2wasm('(module (memory (export "memory") 1) (func (export "fetch")))')
    assert runtime.run(WorkerCode.from_bytes("bare", bare), request()) == GuestResponse(200, [], b"", [])
    bad = wasmtime.wat2wasm(
        '(module (import "dispatch_emu" "response_head" (func $h (param i32 i32 i32)))'
        ' (memory (export "memory") 1) (func (export "fetch") (call $h (i32.const 42) (i32.const 0) (i32.const 0))))'
    )
    with pytest.raises(WorkerException, match="invalid status 42"):
        runtime.run(WorkerCode.from_bytes("bad", bad), request())


def upload(main: str, *modules: tuple[str, str, bytes]) -> SimpleNamespace:
    parts = [SimpleNamespace(name=n, content_type=t, content=c) for n, t, c in modules]
    return SimpleNamespace(main_module=main, modules=parts)


def test_validator_plugin_checks_every_wasm_module(runtime):
    validator = RuntimeValidator(runtime)
    ok = upload(
        "main.wasm",
        ("main.wasm", "application/wasm", wasm("reactor/hello")),
        ("lib.wasm", "application/wasm", NO_ABI),  # not the main module: compiling is enough
        ("index.js", "application/javascript+module", b"export default {}"),
        ("data.bin", "application/octet-stream", unique(wasm("wagi/hello"))),  # wasm by magic
    )
    validator.dispatch_emu_validate_upload(upload=ok, account_id="acc", namespace="ns")
    with pytest.raises(InvalidModule, match=r"^Module 'main.wasm': The module follows no supported ABI"):
        validator.dispatch_emu_validate_upload(
            upload=upload("main.wasm", ("main.wasm", "application/wasm", NO_ABI)), account_id="a", namespace="n"
        )
    with pytest.raises(InvalidModule, match=r"^Module 'lib.wasm': The module is not WebAssembly"):
        validator.dispatch_emu_validate_upload(
            upload=upload(
                "index.js",
                ("index.js", "application/javascript+module", b""),
                ("lib.wasm", "application/wasm", b"nope"),
            ),
            account_id="a",
            namespace="n",
        )


def plugin_manager(*, block: tuple[str, ...] = ()) -> pluggy.PluginManager:
    return make_plugin_manager(load_entrypoints=False, block=block)


class EchoEverythingAbi:
    """A plugin ABI that claims modules exporting ``handle`` and answers without running them."""

    name = "handle-abi"
    priority = 50

    def matches(self, module):
        return any(e.name == "handle" for e in module.exports)

    def run(self, invocation):
        return GuestResponse(203, [], invocation.code.name.encode(), [])


class AbiPlugin:
    @hookspecs.hookimpl
    def dispatch_emu_register_abis(self):
        return [EchoEverythingAbi()]


def test_hook_registered_abis_and_validation_through_the_plugin_manager():
    pm = plugin_manager()
    pm.register(AbiPlugin())
    with Runtime(hooks=Hooks(pm)) as runtime:
        assert sorted(runtime.abis.names()) == ["handle-abi", "reactor", "wagi"]
        assert runtime.validate(NO_ABI) == "handle-abi"
        assert runtime.run(WorkerCode.from_bytes("plug", NO_ABI), request()).status == 203
        pm.register(RuntimeValidator(runtime), name="runtime-validator")
        with pytest.raises(InvalidModule):
            pm.hook.dispatch_emu_validate_upload(
                upload=upload("m", ("m", "application/wasm", b"\0asm\x02")), account_id="a", namespace="n"
            )


def test_epoch_timer_starts_on_demand_and_stops_with_the_last_runtime():
    class Private:
        @hookspecs.hookimpl
        def dispatch_emu_configure_engine(self, config, settings):
            config.cranelift_opt_level = "speed_and_size"

        @hookspecs.hookimpl
        def dispatch_emu_register_abis(self):
            return [ReactorAbi()]

        @hookspecs.hookimpl
        def dispatch_emu_register_engines(self, runtime):
            return builtin.dispatch_emu_register_engines(runtime)

    class NoAbis:
        @hookspecs.hookimpl
        def dispatch_emu_register_abis(self):
            return None  # plugins without ABIs answer None

    def private_hooks() -> Hooks:
        pm = plugin_manager(block=("builtin-runtime",))
        pm.register(Private())
        pm.register(NoAbis())
        return Hooks(pm)

    host = engine_host(lambda config: Private().dispatch_emu_configure_engine(config, None))
    first, second = Runtime(hooks=private_hooks()), Runtime(hooks=private_hooks())
    assert first.host is host and not host.ticking
    assert first.abis.names() == ["reactor"]
    with pytest.raises(WorkerException, match="no supported ABI"):
        first.run(WorkerCode.from_bytes("x", wasm("wagi/hello")), request())
    assert not host.ticking
    assert first.run(WorkerCode.from_bytes("x", wasm("reactor/hello")), request()).status == 200
    assert host.ticking
    first.close()
    assert host.ticking
    second.close()
    assert not host.ticking
