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


ROOT = INIT.parent
DOC = ROOT.parent / "docs" / "architecture.md"


def documented_public_modules() -> set[str]:
    """The modules of the table in docs/architecture.md, section "Public modules"."""
    section = DOC.read_text("utf-8").split("\n## Public modules\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {row.split("`")[1] for row in rows}


def package_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split(".")[1:])


def test_a_module_is_documented_public_or_named_private() -> None:
    modules = package_modules()
    public = {name for name in modules if not is_private(name)}
    assert public == documented_public_modules()
    # and the check can fail: a private-looking name is caught as one
    assert is_private("dispatch_emu.runtime._reactor") and is_private("dispatch_emu.api._handlers.tags")
    assert not is_private("dispatch_emu.dispatch.routing")


def public_names_outside_all(path: Path) -> tuple[list[str] | None, list[str]]:
    """``(__all__, names defined at the top of the module that are public-looking but not in it)``."""
    tree = ast.parse(path.read_text("utf-8"))
    declared: list[str] | None = None
    defined: list[tuple[str, ast.stmt]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.append((node.name, node))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "__all__":
                    try:
                        declared = list(ast.literal_eval(node.value))
                    except ValueError:  # built at run time: not a declaration this test can read
                        declared = None
                elif isinstance(target, ast.Name):
                    defined.append((target.id, node))
    if declared is None:
        return None, []

    def pytest_face(name: str, node: ast.stmt) -> bool:  # pytest finds these by name or decorator
        decorators = getattr(node, "decorator_list", [])
        return name.startswith("pytest_") or any("fixture" in ast.unparse(d) for d in decorators)

    stray = [
        name for name, node in defined
        if not name.startswith("_") and name not in declared and not pytest_face(name, node)
    ]
    return declared, stray


@pytest.mark.parametrize("module", sorted(documented_public_modules() - {"dispatch_emu"}))
def test_a_public_module_declares_all_and_nothing_public_outside_it(module: str) -> None:
    import importlib

    path = package_modules()[module]
    declared, stray = public_names_outside_all(path)
    assert declared is not None, f"{module} has no literal __all__"
    assert stray == [], f"{module}: public-looking names not in __all__: {stray}"
    loaded = importlib.import_module(module)
    missing = [name for name in declared if not hasattr(loaded, name)]
    assert missing == [], f"{module}.__all__ names what it does not define: {missing}"


def test_the_all_check_fails_on_a_stray_public_name(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text('__all__ = ["kept"]\nkept = 1\n_private = 2\nstray = 3\ndef pytest_configure(): ...\n')
    assert public_names_outside_all(source) == (["kept"], ["stray"])
    source.write_text("kept = 1\n")
    assert public_names_outside_all(source) == (None, [])
