"""The engine seam: a plugin adds an engine, the runtime picks engines in one place."""

from __future__ import annotations

import pytest

from dispatch_emu._content import base_type
from dispatch_emu._markers import hookimpl
from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import InvalidModule, SubrequestLimitExceeded, WorkerException
from dispatch_emu.runtime import Execution, GuestResponse, Runtime, WorkerCode, WorkerEngine
from dispatch_emu.store import ModuleSource
from tests.runtime.runtime_helpers import request, wasm


class TextEngine:
    """A toy engine: a ``text/plain`` main module answers its own text, upper-cased.

    It logs through the execution and counts one subrequest per ``!`` in the text, so the
    execution's limits and context apply to it as to the built-in engines.
    """

    name = "text"

    def __init__(self) -> None:
        self.runs = 0
        self.resets = 0
        self.closed = False

    def accepts(self, content_type: str, content: bytes) -> bool:
        return base_type(content_type) == "text/plain"

    def validate(self, code: WorkerCode) -> None:
        if not code.wasm.strip():
            raise InvalidModule("An empty text worker has nothing to say.")

    def run(self, execution: Execution) -> GuestResponse:
        self.runs += 1
        execution.add_logs(f"text worker {execution.worker} ran")
        for _ in range(execution.code.wasm.count(b"!")):
            execution.count_subrequest()
        return GuestResponse(200, [("content-type", "text/plain")], execution.code.wasm.upper(), execution.logs)

    pooled = 0

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True


class TextPlugin:
    def __init__(self) -> None:
        self.engine = TextEngine()

    @hookimpl
    def dispatch_emu_register_engines(self, runtime):
        return [self.engine]


def text_worker(name: str, text: bytes) -> list[ModuleSource]:
    return [ModuleSource(f"{name}.txt", "text/plain", text)]


def test_a_plugin_engine_runs_its_workers_through_the_whole_emulator() -> None:
    plugin = TextPlugin()
    with Emulator(plugins=[plugin], load_entrypoints=False) as emu:
        assert isinstance(plugin.engine, WorkerEngine)
        assert emu.runtime.engines.names() == ["text", "wasm", "javascript"]
        ns = emu.namespace("customers")
        ns.put_script("shout", modules=text_worker("shout", b"hello"))
        ns.put_script("hello", wasm=wasm("reactor/hello"))  # the built-in engines still run theirs
        binding = ns.binding()
        response = binding.get("shout").fetch("https://shout.example.com/")
        assert (response.status_code, response.get_data()) == (200, b"HELLO")
        assert binding.get("hello").fetch("https://hello.example.com/").status_code == 200
        assert emu.observer.lines("shout") == ["text worker shout ran"]
        assert plugin.engine.runs == 1


def test_a_plugin_engine_validates_uploads() -> None:
    with Emulator(plugins=[TextPlugin()], load_entrypoints=False) as emu:
        ns = emu.namespace("customers")
        with pytest.raises(InvalidModule, match="nothing to say") as caught:
            ns.put_script("mute", modules=text_worker("mute", b"  "))
        assert caught.value.code == 10021
        assert "mute" not in ns


def test_the_execution_applies_limits_and_context_to_a_plugin_engine() -> None:
    with Emulator(plugins=[TextPlugin()], load_entrypoints=False) as emu:
        ns = emu.namespace("customers")
        ns.put_script("loud", modules=text_worker("loud", b"hey!!!"))
        stub = ns.binding().get("loud", options={"limits": {"subRequests": 2}})
        with pytest.raises(SubrequestLimitExceeded) as caught:
            stub.fetch("https://loud.example.com/")
        assert caught.value.worker == "loud"
        assert caught.value.logs == ["text worker loud ran"]


def test_reset_and_close_reach_every_engine() -> None:
    plugin = TextPlugin()
    emu = Emulator(plugins=[plugin], load_entrypoints=False)
    _ = emu.runtime
    emu.reset()
    assert plugin.engine.resets == 1
    emu.close()
    assert plugin.engine.closed


def test_without_the_builtin_plugin_only_plugin_engines_run() -> None:
    with Emulator(plugins=[TextPlugin()], load_entrypoints=False, block_plugins=["builtin-runtime"]) as emu:
        assert emu.runtime.engines.names() == ["text"]
        ns = emu.namespace("customers")
        ns.put_script("hello", wasm=wasm("reactor/hello"))  # nothing checks wasm now
        with pytest.raises(WorkerException, match="this runtime runs text workers"):
            ns.binding().get("hello").fetch("https://hello.example.com/")


def test_an_object_that_is_no_engine_is_refused() -> None:
    class Broken:
        @hookimpl
        def dispatch_emu_register_engines(self, runtime):
            return [object()]

    with pytest.raises(TypeError, match="does not implement WorkerEngine"):
        Emulator(plugins=[Broken()], load_entrypoints=False).runtime  # noqa: B018


def test_a_main_module_no_engine_accepts_is_a_clear_error() -> None:
    with Runtime() as runtime:
        code = WorkerCode(name="notes", wasm=b"hi", digest="x", content_type="text/plain")
        with pytest.raises(WorkerException, match="'notes' has a text/plain main module") as caught:
            runtime.run(code, request())
        assert caught.value.worker == "notes"
