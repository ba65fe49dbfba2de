"""The examples in the package's docstrings (``>>>``) run as tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dispatch_emu


def modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(dispatch_emu.__path__, "dispatch_emu."):
        spec = info.module_finder.find_spec(info.name, None)  # type: ignore[call-arg]
        origin = getattr(spec, "origin", None) if spec else None
        if origin and origin.endswith(".py") and ">>> " in open(origin, encoding="utf-8").read():
            names.append(info.name)
    return sorted(names)


MODULES = modules_with_examples()


def test_there_are_examples_to_run():
    assert {"dispatch_emu.observe", "dispatch_emu.programs", "dispatch_emu.sources"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"{name} has '>>> ' but doctest found no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (see above)"


def test_worker_programs_need_no_hypothesis():
    """``dispatch_emu.programs`` builds and compiles a worker without importing Hypothesis."""
    import subprocess
    import sys

    code = ("import sys; from dispatch_emu.programs import worker_program; "
            "assert worker_program('trap').wasm[:4] == b'\\0asm'; "
            "assert 'hypothesis' not in sys.modules, 'hypothesis was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
