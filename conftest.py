"""Root conftest of dispatch_emu's own suite.

The dispatch_emu pytest plugin itself is loaded through its ``pytest11`` entry point
(``pip install -e '.[test]'``), exactly as users get it; nothing here re-registers it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# pytester drives the plugin's self-tests; pytest only honours pytest_plugins at the root.
pytest_plugins = ["pytester"]

# Wasm work makes example timings noisy on 2 shared cores: no per-example deadline.
settings.register_profile(
    "dispatch_emu", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", parent=settings.get_profile("dispatch_emu"), derandomize=True, print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI") else "dispatch_emu")

ROOT = Path(__file__).parent
WORKERS = ROOT / "tests" / "workers"


@pytest.fixture(scope="session")
def workers_dir() -> Path:
    """Where the test workers' sources and built ``.wasm`` files live."""
    return WORKERS


@pytest.fixture(scope="session")
def worker_wasm():
    """``worker_wasm("reactor/hello")`` → the bytes of ``tests/workers/reactor/hello.wasm``."""

    def load(name: str) -> bytes:
        path = WORKERS / f"{name}.wasm"
        if not path.is_file():
            raise LookupError(f"no test worker {name!r} under {WORKERS}")
        return path.read_bytes()

    return load
