"""Honest hooks: misspelled hook implementations are refused; built-ins are one path or plain defaults."""

from __future__ import annotations

import pluggy
import pytest
from werkzeug import Request

from dispatch_emu._hooks import Hooks
from dispatch_emu._markers import hookimpl
from dispatch_emu._plugins import BUILTIN_PLUGINS, make_plugin_manager
from dispatch_emu.dispatch._messages import make_request
from dispatch_emu.emulator import Emulator


class Misspelled:
    @hookimpl
    def dispatch_emu_resolve_wroker(self, request, routing):
        return "never"


class Router:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.calls = 0

    @hookimpl
    def dispatch_emu_resolve_worker(self, request, routing):
        self.calls += 1
        return self.answer


def test_a_misspelled_hookimpl_is_an_error_naming_it() -> None:
    with pytest.raises(pluggy.PluginValidationError, match="dispatch_emu_resolve_wroker"):
        Emulator(plugins=[Misspelled()], load_entrypoints=False)


def test_registering_later_is_checked_too_and_leaves_nothing_behind() -> None:
    with Emulator(load_entrypoints=False) as emu:
        plugin = Misspelled()
        with pytest.raises(pluggy.PluginValidationError, match="dispatch_emu_resolve_wroker"):
            emu.plugins.register(plugin)
        assert not emu.plugins.is_registered(plugin)
        emu.plugins.check_pending()  # nothing pending stays


def test_the_only_builtin_plugin_is_the_runtime_and_blocking_it_removes_its_engines() -> None:
    assert list(BUILTIN_PLUGINS) == ["builtin-runtime"]
    assert make_plugin_manager(load_entrypoints=False).get_plugin("builtin-runtime") is not None
    with Emulator(load_entrypoints=False, block_plugins=["builtin-runtime"]) as emu:
        assert emu.runtime.engines.names() == []


def request() -> Request:
    return make_request("https://shop.example.com/")


def test_routing_defaults_to_the_configured_routing_and_plugins_answer_first() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    hooks = Hooks(pm)
    assert hooks.resolve_worker(request(), lambda r: "configured") == "configured"
    assert hooks.resolve_worker(request(), None) is None
    declining, answering = Router(None), Router("plugin")
    pm.register(declining)
    assert hooks.resolve_worker(request(), lambda r: "configured") == "configured"
    pm.register(answering)
    assert hooks.resolve_worker(request(), lambda r: "configured") == "plugin"
    assert declining.calls == 1 and answering.calls == 1  # the last registered answered first


def test_without_plugins_no_dispatch_hook_is_called() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    called: list[str] = []
    pm.add_hookcall_monitoring(lambda name, impls, kwargs: called.append(name), lambda *args: None)
    hooks = Hooks(pm)
    assert hooks.before_dispatch(call=None) is None  # type: ignore[arg-type]
    assert hooks.after_dispatch(call=None, response=None) is None  # type: ignore[arg-type]
    assert hooks.resolve_worker(request(), lambda r: "shop") == "shop"
    response = hooks.render_error(RuntimeError("boom"), request())
    assert (response.status_code, response.get_data()) == (500, b"boom")
    assert called == []
    pm.register(Router("plugin"))
    assert hooks.resolve_worker(request(), lambda r: "shop") == "plugin"
    assert called == ["dispatch_emu_resolve_worker"]  # the monitor does see calls
