"""The pluggy markers of dispatch_emu: ``@hookimpl`` for plugins, ``@hookspec`` for the specs.

They live apart from :mod:`dispatch_emu.hookspecs` so that the built-in plugins (in the
runtime and dispatch layers) can mark their functions without importing the specs, whose
signatures name types of every layer: the markers sit at the bottom, the specs above.

A plugin writes::

    from dispatch_emu import hookimpl            # the same object as this module's

    class MyPlugin:
        @hookimpl
        def dispatch_emu_resolve_worker(self, request, routing): ...
"""

from __future__ import annotations

import pluggy

#: The pluggy project name: hook names start with it, entry points use it as their group.
PROJECT_NAME = "dispatch_emu"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
