"""The plugin manager: built-in plugins, entry points, and the block list.

:func:`make_plugin_manager` returns a fresh :class:`pluggy.PluginManager` for one
emulator, so two emulators (or two xdist workers) never share plugin state. It registers
the built-in plugins first, then every entry point of the ``dispatch_emu`` group, except
the names listed in ``DISPATCH_EMU_BLOCK_PLUGINS`` (comma-separated) or in ``block``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable

import pluggy

from dispatch_emu import hookspecs

BLOCK_ENV = "DISPATCH_EMU_BLOCK_PLUGINS"

#: Built-in plugins, by the name they register under and the module that implements them.
BUILTIN_PLUGINS: dict[str, str] = {
    "builtin-runtime": "dispatch_emu.runtime.builtin",
    "builtin-dispatch": "dispatch_emu.dispatch.builtin",
}


def blocked_names(extra: Iterable[str] = ()) -> set[str]:
    """The plugin names kept from loading: the environment variable plus ``extra``."""
    from_env = {name.strip() for name in os.environ.get(BLOCK_ENV, "").split(",")}
    return {name for name in from_env | set(extra) if name}


def make_plugin_manager(
    *, load_entrypoints: bool = True, block: Iterable[str] = ()
) -> pluggy.PluginManager:
    """A new plugin manager with the hookspecs, the built-ins and installed plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked_names(block):
        pm.set_blocked(name)
    for name, module_path in BUILTIN_PLUGINS.items():
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module_path), name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
    return pm


def third_party_impls(caller: pluggy.HookCaller) -> bool:
    """True when a hook has implementations besides the built-in plugins.

    Hot paths (every dispatch) use it to skip a hook call whose only possible answer is
    the built-in one; registering a plugin later is seen at once, since it is asked per call.
    """
    return any(impl.plugin_name not in BUILTIN_PLUGINS for impl in caller.get_hookimpls())


__all__ = ["BLOCK_ENV", "BUILTIN_PLUGINS", "blocked_names", "make_plugin_manager", "third_party_impls"]
