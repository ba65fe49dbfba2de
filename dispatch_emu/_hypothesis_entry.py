"""Hypothesis integration: strategies for dispatch_emu types, registered at import.

dispatch_emu declares a ``hypothesis`` entry point naming :func:`_hypothesis_setup_hook`.
Hypothesis calls it while ``import hypothesis`` runs, so ``st.from_type`` knows these
types without any import on your side::

    from hypothesis import given, strategies as st
    from dispatch_emu.store import TagFilter, ScriptUpload

    @given(st.from_type(TagFilter), st.from_type(ScriptUpload))
    def test_something(tag_filter, upload): ...

Registered types:

* :class:`dispatch_emu.store.TagFilter`: a parsed ``tags=a:yes,b:no`` filter;
* :class:`dispatch_emu.store.ScriptUpload`: an upload of a generated worker program
  (see :func:`dispatch_emu.strategies.worker_programs`);
* :class:`dispatch_emu.strategies.WorkerProgram`: a generated worker program with its
  expected behaviour.

Why this module is so careful about imports: Hypothesis runs its entry points from
inside its own ``__init__``. A hook module that imported ``hypothesis`` (or
:mod:`dispatch_emu.strategies`, which does) at its top would meet a half-imported module.
So nothing here imports at module level, the hook imports ``hypothesis.strategies``
only when called (by then Hypothesis has finished loading its public names), and it
registers *functions* that import :mod:`dispatch_emu.strategies` when a strategy is
first asked for. That also covers the opposite order: ``import dispatch_emu.strategies``
first imports Hypothesis, which calls this hook while ``dispatch_emu.strategies`` is
itself only half-imported.

Set ``HYPOTHESIS_NO_PLUGINS=1`` to skip every Hypothesis entry point, this one included.
"""

from __future__ import annotations

from typing import Any


def _strategy_for(name: str) -> Any:
    """A resolver for ``register_type_strategy``: imports the strategies module lazily."""

    def resolve(_type: type) -> Any:
        from dispatch_emu import strategies

        return getattr(strategies, name)()

    resolve.__name__ = f"resolve_{name}"
    return resolve


def _hypothesis_setup_hook() -> None:
    """Register dispatch_emu's types with ``hypothesis.strategies.register_type_strategy``."""
    try:
        from hypothesis import strategies as st

        from dispatch_emu.store import ScriptUpload, TagFilter
    except ImportError:  # a broken or partial install must not break ``import hypothesis``
        return
    st.register_type_strategy(TagFilter, _strategy_for("tag_filter_objects"))
    st.register_type_strategy(ScriptUpload, _strategy_for("script_uploads"))
