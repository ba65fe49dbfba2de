from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_emu.errors import ValidationError
from dispatch_emu.store import ModuleSource, NamespaceStore, ScriptUpload, TagFilter

JS = "application/javascript+module"


def put(store: NamespaceStore, name: str, tags=()) -> None:
    store.put_script("acc", "ns", name, ScriptUpload([ModuleSource("i.js", JS, b"x")],
                                                     {"main_module": "i.js", "tags": list(tags)}))


@pytest.fixture
def store() -> NamespaceStore:
    s = NamespaceStore()
    s.create_namespace("acc", "ns")
    return s


def walk(store: NamespaceStore, limit: int, tags=None) -> list[str]:
    names, cursor = [], None
    while True:
        page = store.list_scripts("acc", "ns", limit=limit, cursor=cursor, tags=tags)
        names += [s.name for s in page.scripts]
        if not page.cursor:
            return names
        cursor = page.cursor


def test_default_and_max_limit(store: NamespaceStore) -> None:
    for i in range(1200):
        put(store, f"w{i:05d}")
    assert store.list_scripts("acc", "ns").count == 1000
    assert store.list_scripts("acc", "ns", limit=5000).count == 1000
    assert walk(store, 1000) == sorted(f"w{i:05d}" for i in range(1200))


@pytest.mark.parametrize("limit", ["0", "-3", "ten"])
def test_bad_limits(store: NamespaceStore, limit: str) -> None:
    with pytest.raises(ValidationError, match="limit"):
        store.list_scripts("acc", "ns", limit=limit)


def test_foreign_or_garbage_cursor(store: NamespaceStore) -> None:
    store.create_namespace("acc", "other")
    for i in range(3):
        put(store, f"w{i}")
    cursor = store.list_scripts("acc", "ns", limit=1).cursor
    with pytest.raises(ValidationError, match="does not belong"):
        store.list_scripts("acc", "other", cursor=cursor)
    with pytest.raises(ValidationError, match="Invalid cursor"):
        store.list_scripts("acc", "ns", cursor="!!not-a-cursor")


def test_tag_filters(store: NamespaceStore) -> None:
    put(store, "a", ["customer-123", "production"])
    put(store, "b", ["customer-123"])
    put(store, "c", ["production"])
    assert walk(store, 1, "customer-123:yes,production:no") == ["b"]
    assert walk(store, 10, "production:yes") == ["a", "c"]
    assert walk(store, 10, "customer-123") == ["a", "b"]
    with pytest.raises(ValidationError, match=":yes' or ':no'"):
        TagFilter.parse("a:maybe")


def test_delete_by_tags(store: NamespaceStore) -> None:
    for i in range(5):
        put(store, f"w{i}", ["doomed"] if i % 2 == 0 else [])
    deleted, more = store.delete_scripts_by_tags("acc", "ns", "doomed:yes", limit=2)
    assert deleted == ["w0", "w2"] and more
    deleted, more = store.delete_scripts_by_tags("acc", "ns", "doomed:yes")
    assert deleted == ["w4"] and not more
    assert walk(store, 10) == ["w1", "w3"]
    with pytest.raises(ValidationError, match="needs a tags filter"):
        store.delete_scripts_by_tags("acc", "ns", "")


@settings(max_examples=60, deadline=None)
@given(
    initial=st.sets(st.integers(0, 200), max_size=60),
    changes=st.lists(st.tuples(st.booleans(), st.integers(0, 200)), max_size=40),
    limit=st.integers(1, 7),
)
def test_cursor_walk_under_concurrent_changes(initial, changes, limit) -> None:
    """Every script that exists for the whole walk is listed exactly once."""
    store = NamespaceStore()
    store.create_namespace("acc", "ns")
    for i in initial:
        put(store, f"w{i:03d}")
    changes = list(changes)
    touched: set[str] = set()
    seen: list[str] = []
    cursor = None
    while True:
        page = store.list_scripts("acc", "ns", limit=limit, cursor=cursor)
        seen += [s.name for s in page.scripts]
        for add, i in changes[:3]:  # mutate between pages
            name = f"w{i:03d}"
            touched.add(name)
            if add:
                put(store, name)
            elif store.find_script("acc", "ns", name):
                store.delete_script("acc", "ns", name)
        changes = changes[3:]
        if not page.cursor:
            break
        cursor = page.cursor
    stable = {f"w{i:03d}" for i in initial} - touched
    assert len(seen) == len(set(seen)), "a script was listed twice"
    assert stable <= set(seen), f"skipped: {sorted(stable - set(seen))}"
