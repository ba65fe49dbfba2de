"""The state machine is only worth running if it fails on a broken emulator: plant bugs, expect failures."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, seed, settings

from dispatch_emu.emulator import Emulator
from dispatch_emu.stateful import DispatchApiMachine, HttpTarget, run_machine
from dispatch_emu.store import NamespaceStore, Page

HUNT = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # finding the bug is the point; shrinking it would only cost time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: Fixed seeds, tried in turn until one finds the bug. One derandomized exploration was
#: deterministic but brittle: an unrelated change to the emulator once moved it off the
#: path to a planted bug. Several fixed seeds stay deterministic (the test never flakes)
#: and a miss needs every one of them to miss.
SEEDS = (0, 1, 2, 3, 4)


def hunt(store_class: type[NamespaceStore]) -> int | None:
    """The first seed whose exploration finds the bug planted in ``store_class``."""
    for number in SEEDS:
        machine = seed(number)(type("Hunt", (DispatchApiMachine,), {}))
        with Emulator(store=store_class(), load_entrypoints=False) as emulator:
            try:
                run_machine(lambda: HttpTarget.in_process(emulator), HUNT, machine=machine)
            except AssertionError:
                return number
    return None


class CursorSkipsOne(NamespaceStore):
    """Every page after the first loses its first script."""

    def list_scripts(self, account_id, namespace, *, limit=None, cursor=None, tags=None):
        page = super().list_scripts(account_id, namespace, limit=limit, cursor=cursor, tags=tags)
        if cursor and page.scripts:
            return Page(page.scripts[1:], page.cursor, page.count - 1)
        return page


class DeleteByTagsIgnoresLimit(NamespaceStore):
    def delete_scripts_by_tags(self, account_id, namespace, tags, *, limit=None):
        return super().delete_scripts_by_tags(account_id, namespace, tags, limit=None)


class DeleteNamespaceKeepsScripts(NamespaceStore):
    """Deleting a namespace forgets it, but re-creating it brings the old scripts back."""

    def __init__(self) -> None:
        super().__init__()
        self.graveyard: dict = {}

    def reset(self) -> None:
        super().reset()
        self.graveyard.clear()

    def delete_namespace(self, account_id, name):
        doomed = self._accounts.get(account_id, {}).get(name)  # noqa: SLF001
        super().delete_namespace(account_id, name)  # a missing one raises NamespaceNotFound, as it should
        self.graveyard[(account_id, name)] = doomed.scripts

    def create_namespace(self, account_id, name=None, *, trusted_workers=False):
        created = super().create_namespace(account_id, name, trusted_workers=trusted_workers)
        for script_name, script in self.graveyard.pop((account_id, name), {}).items():
            state = self._accounts[account_id][name]
            state.scripts[script_name] = script
            state.order = sorted(state.scripts)
        return created


@pytest.mark.parametrize("store_class", [CursorSkipsOne, DeleteByTagsIgnoresLimit, DeleteNamespaceKeepsScripts])
def test_the_machine_finds_a_planted_bug(store_class):
    assert hunt(store_class) is not None, f"no seed of {SEEDS} found the bug planted in {store_class.__name__}"
