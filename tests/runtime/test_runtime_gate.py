"""The gate: one thread at a time in guest code, re-entrant, and stepped out of around user Python."""

from __future__ import annotations

import threading

import pytest

from dispatch_emu.runtime._execution import Gate, current, current_or_none


def test_the_gate_is_reentrant_and_excludes_other_threads() -> None:
    gate = Gate()
    entered = threading.Event()
    with gate.held(), gate.held():
        assert gate.held_here
        other = threading.Thread(target=lambda: (gate.enter(), entered.set(), gate.leave()))
        other.start()
        assert not entered.wait(0.2)  # held here: the other thread waits
    other.join(2)
    assert entered.is_set() and not gate.held_here


def test_released_steps_out_at_any_depth_and_comes_back_at_the_same_depth() -> None:
    gate = Gate()
    seen: list[str] = []

    def other() -> None:
        with gate.held():
            seen.append("other ran")

    gate.enter()
    gate.enter()
    with gate.released():
        assert not gate.held_here
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(2)
    assert seen == ["other ran"] and gate.held_here
    gate.leave()
    assert gate.held_here  # still one level deep
    gate.leave()
    assert not gate.held_here
    with gate.released():  # not held here: nothing to step out of
        assert not gate.held_here


def test_no_execution_is_current_outside_a_run() -> None:
    assert current_or_none() is None
    with pytest.raises(RuntimeError, match="no worker is running"):
        current()
