"""The package's public face: a curated root, written once, loading lazily and cheaply."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import dispatch_emu

INIT = Path(dispatch_emu.__file__)


def type_checking_imports() -> dict[str, tuple[str, ...]]:
    """The ``if TYPE_CHECKING:`` imports of dispatch_emu/__init__.py, by module."""
    tree = ast.parse(INIT.read_text("utf-8"))
    block = next(
        node for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module, ast.dump(node)
        found[node.module] = tuple(alias.name for alias in node.names)
    return found


def test_the_lazy_table_is_the_type_checking_imports_and_all() -> None:
    assert type_checking_imports() == dispatch_emu._LOCATIONS
    names = {name for group in dispatch_emu._LOCATIONS.values() for name in group}
    assert sorted(dispatch_emu.__all__) == sorted(names | {"__version__"})
    assert len(dispatch_emu.__all__) == len(set(dispatch_emu.__all__))


def test_every_public_name_resolves_from_its_module() -> None:
    import importlib

    for module, names in dispatch_emu._LOCATIONS.items():
        for name in names:
            assert getattr(dispatch_emu, name) is getattr(importlib.import_module(module), name), name
    assert sorted(dir(dispatch_emu)) == sorted(dispatch_emu.__all__)


def test_the_root_keeps_what_a_user_types() -> None:
    assert set(dispatch_emu.__all__) == {
        "__version__", "Emulator", "EmulatorServer", "mock_cloudflare", "hookimpl", "RuntimeSettings",
        "ApiConfig", "WorkerError", "WorkerNotFound", "WorkerException", "LimitExceeded", "CpuLimitExceeded",
        "WallTimeExceeded", "MemoryLimitExceeded", "OutputLimitExceeded", "SubrequestLimitExceeded",
        "DispatcherException",
    }


def test_moved_names_still_resolve_with_a_warning_naming_their_module() -> None:
    from dispatch_emu.dispatch.routing import subdomain

    with pytest.warns(DeprecationWarning, match="import it from dispatch_emu.dispatch.routing"):
        assert dispatch_emu.subdomain is subdomain
    assert "subdomain" not in dir(dispatch_emu)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        dispatch_emu.nothing  # noqa: B018


def test_importing_the_package_or_the_store_loads_no_heavy_dependency() -> None:
    # Hypothesis imports our entry point (and so dispatch_emu.store) on every `import
    # hypothesis` in an environment where dispatch_emu is installed: keep that cheap.
    code = (
        "import sys, dispatch_emu, dispatch_emu.store, dispatch_emu.errors\n"
        "heavy = [m for m in ('wasmtime', 'werkzeug', 'quickjs_rs', 'httpx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "dispatch_emu.EmulatorServer\n"
        "assert 'werkzeug' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
