"""The plugin manager: built-in plugins, entry points, the block list, and strict checking.

:func:`make_plugin_manager` returns a fresh :class:`PluginManager` for one emulator, so
two emulators (or two xdist workers) never share plugin state. It registers the built-in
runtime plugin first (``builtin-runtime``: the WebAssembly and JavaScript engines, WAGI
and the reactor ABI), then every entry point of the ``dispatch_emu`` group, except the
names listed in ``DISPATCH_EMU_BLOCK_PLUGINS`` (comma-separated) or in ``block``.

Every registration is checked: a plugin with a ``@hookimpl`` whose name matches no hook
(``dispatch_emu_resolve_wroker``) is refused with a ``pluggy.PluginValidationError``
naming the hook, instead of being silently ignored.

The dispatch hooks have no built-in plugin: when no plugin answers, the plain default
applies (:class:`dispatch_emu._hooks.Hooks`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pluggy

from dispatch_emu import hookspecs
from dispatch_emu._markers import PROJECT_NAME
from dispatch_emu.runtime import _builtin as runtime_builtin

BLOCK_ENV = "DISPATCH_EMU_BLOCK_PLUGINS"

#: Built-in plugins, by the name they register under.
BUILTIN_PLUGINS: dict[str, object] = {
    "builtin-runtime": runtime_builtin,
}


class PluginManager(pluggy.PluginManager):
    """A pluggy manager that refuses a plugin implementing a hook that does not exist."""

    def register(self, plugin: object, name: str | None = None) -> str | None:
        plugin_name = super().register(plugin, name)
        try:
            self.check_pending()
        except pluggy.PluginValidationError:
            self.unregister(plugin)
            raise
        return plugin_name


def blocked_names(extra: Iterable[str] = ()) -> set[str]:
    """The plugin names kept from loading: the environment variable plus ``extra``."""
    from_env = {name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",")}
    return {name for name in from_env | set(extra) if name}


def make_plugin_manager(*, load_entrypoints: bool = True, block: Iterable[str] = ()) -> PluginManager:
    """A new plugin manager with the hookspecs, the built-ins and installed plugins."""
    pm = PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked_names(block):
        pm.set_blocked(name)
    for name, plugin in BUILTIN_PLUGINS.items():
        if not pm.is_blocked(name):
            pm.register(plugin, name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(PROJECT_NAME)
    return pm


__all__ = ["BLOCK_ENV", "BUILTIN_PLUGINS", "PluginManager", "blocked_names", "make_plugin_manager"]
