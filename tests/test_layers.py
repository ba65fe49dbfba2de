"""No arrow upward: every import of ``dispatch_emu/`` follows the layer table of docs/architecture.md.

The table (section "Layers") lists layers bottom-up with their modules; a module may
import its own layer and the layers listed before it, and no import cycle is allowed,
even one made of imports under ``TYPE_CHECKING`` or inside functions. Both the table and
the imports are read from the files, so they cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dispatch_emu"
DOC = ROOT / "docs" / "architecture.md"


def module_names() -> dict[str, Path]:
    """Dotted name → file, for every module of the package (a package is its __init__)."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every package module ``path`` imports: at the top, in functions, under TYPE_CHECKING,
    and by name through ``importlib.import_module("...")``."""
    found: set[str] = set()
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path}: relative import; write the absolute module path")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return {name for name in found if name.split(".")[0] == "dispatch_emu"}


def layer_table() -> list[tuple[str, list[str]]]:
    """``[(layer, [module patterns])]`` from the table of the "Layers" section, bottom first."""
    text = DOC.read_text("utf-8")
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # header, rule
    table = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        table.append((cells[0], re.findall(r"`([^`]+)`", cells[1])))
    assert table, "docs/architecture.md has no layer table"
    return table


def layer_of(module: str, table: list[tuple[str, list[str]]]) -> int:
    """The index of the layer whose patterns cover ``module`` (exactly one must)."""
    path = "/".join(module.split(".")[1:])
    matches = []
    for index, (_, patterns) in enumerate(table):
        for pattern in patterns:
            if pattern.endswith("/"):
                hit = path == pattern[:-1] or path.startswith(pattern)
            else:
                target = pattern[: -len(".py")]
                hit = path == target or (target == "__init__" and path == "")
            if hit:
                matches.append(index)
    assert len(matches) == 1, f"{module} is in {len(matches)} layers of docs/architecture.md (must be one)"
    return matches[0]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = module_names()
    edges = {}
    for name, path in modules.items():
        targets = imports_of(path, modules)
        unknown = {t for t in targets if t not in modules}
        assert not unknown, f"{name} imports modules that do not exist: {sorted(unknown)}"
        edges[name] = targets
    return edges


def test_every_module_has_one_layer(graph) -> None:
    table = layer_table()
    for module in graph:
        layer_of(module, table)


def test_no_import_points_upward(graph) -> None:
    table = layer_table()
    upward = []
    for module, targets in graph.items():
        here = layer_of(module, table)
        for target in targets:
            there = layer_of(target, table)
            if there > here:
                upward.append(f"{module} ({table[here][0]}) imports {target} ({table[there][0]})")
    assert not upward, "imports pointing up the layer table:\n" + "\n".join(sorted(upward))


def test_nothing_imports_the_package_root(graph) -> None:
    assert sorted(m for m, targets in graph.items() if "dispatch_emu" in targets) == []


def test_no_import_cycles(graph) -> None:
    assert strongly_connected(graph) == []


def test_the_checks_catch_what_they_are_for() -> None:
    # the cycle finder and the layer lookup fail on the shapes they exist to catch
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"a"}}) == [["a"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []
    table = [("low", ["errors.py", "store/"]), ("high", ["emulator.py", "__init__.py"])]
    assert layer_of("dispatch_emu.store._models", table) == 0
    assert layer_of("dispatch_emu", table) == 1
    with pytest.raises(AssertionError, match="in 0 layers"):
        layer_of("dispatch_emu.runtime._wasm", table)
