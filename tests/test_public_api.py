"""The package's public face: every name in ``__all__`` resolves, and importing is cheap."""

from __future__ import annotations

import subprocess
import sys

import dispatch_emu


def test_every_public_name_resolves() -> None:
    for name in dispatch_emu.__all__:
        assert getattr(dispatch_emu, name) is not None, name
    assert sorted(dir(dispatch_emu)) == sorted(dispatch_emu.__all__)


def test_importing_the_package_or_the_store_loads_no_heavy_dependency() -> None:
    # Hypothesis imports our entry point (and so dispatch_emu.store) on every `import
    # hypothesis` in an environment where dispatch_emu is installed: keep that cheap.
    code = (
        "import sys, dispatch_emu, dispatch_emu.store, dispatch_emu.errors\n"
        "heavy = [m for m in ('wasmtime', 'werkzeug', 'quickjs_rs', 'httpx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "dispatch_emu.Dispatcher\n"
        "assert 'werkzeug' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
