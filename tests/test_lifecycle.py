"""Lifecycle by construction: reset() leaves an emulator as a new one; close() rebuilds cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from dispatch_emu.emulator import Emulator
from dispatch_emu.store import ModuleSource

WORKERS = Path(__file__).resolve().parent / "workers"
NAMES = ("alpha", "beta", "gamma")
NAMESPACES = ("demo", "other")

try:
    import quickjs_rs  # noqa: F401

    HAS_QUICKJS = True
except ImportError:
    HAS_QUICKJS = False


def upload(emu: Emulator, namespace: str, name: str, kind: str) -> None:
    ns = emu.namespace(namespace)
    if kind == "js":
        source = (WORKERS / "js" / "state.js").read_bytes()
        ns.put_script(name, modules=[ModuleSource("index.js", "application/javascript+module", source)])
    else:
        ns.put_script(name, wasm=(WORKERS / f"{kind}.wasm").read_bytes(), bindings={"GREETING": "hi"}, tags=[kind])


def apply(emu: Emulator, operation: tuple[Any, ...]) -> None:
    action, namespace, name = operation[:3]
    if action == "upload":
        upload(emu, namespace, name, operation[3])
    elif action == "dispatch":
        emu.binding(namespace).get(name).fetch(f"https://{name}.example.com/?do=count")
    elif action == "delete" and name in emu.namespace(namespace):
        emu.namespace(namespace).delete_script(name)


def observable(emu: Emulator) -> dict[str, Any]:
    """What a user can see of an emulator: its REST state, journal, pools, plugins, answers."""
    client = Client(emu.app(emu.dispatcher()))
    state = client.get("/__dispatch_emu/state").get_json()
    seen = {
        "state": state["result"],
        "snapshot": emu.store.snapshot(),
        "lines": emu.observer.lines(),
        "calls": [(c.namespace, c.worker, c.status) for c in emu.observer.calls()],
        "pooled": emu.runtime.pooled(),
        "plugins": sorted(name for name, _ in emu.plugins.list_name_plugin()),
    }
    # what dispatching says now (asked last: it writes to the journal)
    seen["answers"] = [
        (r.status_code, r.get_data()) for r in (client.get("/", base_url=f"http://{n}.localhost") for n in NAMES)
    ]
    return seen


kinds = st.sampled_from(["reactor/counter", "reactor/hello", "wagi/echo"] + (["js"] if HAS_QUICKJS else []))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("upload"), st.sampled_from(NAMESPACES), st.sampled_from(NAMES), kinds),
        st.tuples(st.just("dispatch"), st.sampled_from(NAMESPACES), st.sampled_from(NAMES)),
        st.tuples(st.just("delete"), st.sampled_from(NAMESPACES), st.sampled_from(NAMES)),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def used() -> Emulator:
    with Emulator(load_entrypoints=False) as emu:
        yield emu


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
def test_after_reset_an_emulator_is_observably_new(used: Emulator, operations) -> None:
    for operation in operations:
        try:
            apply(used, operation)
        except Exception:  # a dispatch to a missing worker, a bad upload: only the state matters
            pass
    used.reset()
    with Emulator(load_entrypoints=False) as fresh:
        assert observable(used) == observable(fresh)


def test_reset_leaves_nothing_pooled() -> None:
    with Emulator(load_entrypoints=False) as emu:
        for kind in ("reactor/counter",) + (("js",) if HAS_QUICKJS else ()):
            name = kind.replace("/", "-")
            upload(emu, "demo", name, kind)
            binding = emu.binding()
            assert [binding.get(name).fetch(f"https://{name}.example.com/?do=count").status_code for _ in "ab"] == [
                200,
                200,
            ]
        assert sum(emu.runtime.pooled().values()) == (2 if HAS_QUICKJS else 1)
        emu.reset()
        assert emu.runtime.pooled() == {"wasm": 0, "javascript": 0}


def test_after_close_the_emulator_rebuilds_cleanly() -> None:
    emu = Emulator(load_entrypoints=False)
    upload(emu, "demo", "alpha", "reactor/hello")
    first = emu.runtime
    emu.close()
    assert first.closed
    upload(emu, "demo", "beta", "reactor/hello")  # used to fail: "Plugin name already registered"
    assert emu.runtime is not first and not emu.runtime.closed
    assert emu.binding().get("alpha").fetch("https://alpha.example.com/").status_code == 200
    emu.close()
    emu.close()  # closing twice is fine
