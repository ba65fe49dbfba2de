from __future__ import annotations

import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.runtime import RuntimeSettings


@pytest.fixture(scope="module")
def shared_emulator():
    # Tight budgets keep runaway-worker tests short; the compile cache is process-wide.
    with Emulator(runtime_settings=RuntimeSettings(cpu_ms=200, wall_ms=2000), load_entrypoints=False) as emu:
        yield emu


@pytest.fixture
def emu(shared_emulator: Emulator) -> Emulator:
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def ns(emu: Emulator):
    return emu.namespace("customers")
