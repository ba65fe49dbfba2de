"""Settings, limit resolution, and the CGI translation (pure functions, no wasm)."""

from __future__ import annotations

import pytest

from dispatch_emu.errors import WorkerException
from dispatch_emu.runtime import ExecutionLimits, RuntimeSettings
from dispatch_emu.runtime._cgi import cgi_environ, parse_cgi_response
from dispatch_emu.runtime._settings import EPOCH_TICK_MS, FUEL_PER_MS
from tests.runtime.runtime_helpers import request


def test_defaults():
    s = RuntimeSettings(cache_dir=None)
    assert (s.cpu_ms, s.wall_ms, s.memory_bytes, s.output_bytes, s.subrequests, s.reuse_instances) == (
        1000,
        2000,
        128 * 2**20,
        16 * 2**20,
        10_000,  # the paid plan's (Workers for Platforms accounts are paid)
        True,
    )


def test_from_env():
    env = {"DISPATCH_EMU_CPU_MS": "50", "DISPATCH_EMU_REUSE_INSTANCES": "off", "DISPATCH_EMU_CACHE_DIR": "/c"}
    s = RuntimeSettings.from_env(env, wall_ms=7)
    assert (s.cpu_ms, s.reuse_instances, s.cache_dir, s.wall_ms) == (50, False, "/c", 7)
    with pytest.raises(ValueError):
        RuntimeSettings.from_env({"DISPATCH_EMU_REUSE_INSTANCES": "maybe"})


def test_resolve_script_limit_replaces_and_dispatch_limit_tightens():
    s = RuntimeSettings(cpu_ms=1000, subrequests=50)
    assert ExecutionLimits.resolve(s) == ExecutionLimits(1000, 2000, 128 * 2**20, 16 * 2**20, 50)
    assert ExecutionLimits.resolve(s, {"cpu_ms": 5000}).cpu_ms == 5000
    assert ExecutionLimits.resolve(s, {"cpu_ms": 10}).cpu_ms == 10
    assert ExecutionLimits.resolve(s, {"cpu_ms": 5000}, {"cpuMs": 20}).cpu_ms == 20
    assert ExecutionLimits.resolve(s, {"cpu_ms": 10}, {"cpuMs": 20}).cpu_ms == 10
    assert ExecutionLimits.resolve(s, None, {"subRequests": 500}).subrequests == 50
    assert ExecutionLimits.resolve(s, None, {"subRequests": 5, "other": 1}).subrequests == 5
    # only a limit options.limits set is strict (the worker fails at once past it)
    assert not ExecutionLimits.resolve(s, None, {"subRequests": 500}).subrequests_strict
    assert ExecutionLimits.resolve(s, None, {"subRequests": 5}).subrequests_strict
    assert not ExecutionLimits.resolve(s).subrequests_strict
    assert ExecutionLimits.resolve(s, {"cpu_ms": None}, {}).cpu_ms == 1000
    for bad in ({"cpuMs": -1}, {"cpuMs": "10"}, {"cpuMs": True}, {"subRequests": 1.5}):
        with pytest.raises(ValueError):
            ExecutionLimits.resolve(s, None, bad)


def test_filled_and_budgets():
    limits = ExecutionLimits(cpu_ms=3).filled(RuntimeSettings(wall_ms=95))
    assert limits.fuel() == 3 * FUEL_PER_MS
    assert limits.epoch_ticks() == -(-95 // EPOCH_TICK_MS) + 1
    assert limits.subrequests == 10_000


def test_cgi_environ_defaults_and_ports():
    env = dict(cgi_environ(request(url="http://h.example/"), {}))
    assert (env["SERVER_PORT"], env["PATH_INFO"], env["QUERY_STRING"], env["CONTENT_TYPE"]) == ("80", "/", "", "")
    assert dict(cgi_environ(request(url="https://h.example"), {}))["SERVER_PORT"] == "443"
    assert dict(cgi_environ(request(), {"NUL": "a\0b"}))["NUL"] == "ab"


@pytest.mark.parametrize(
    "output, expected",
    [
        (b"content-type: text/plain\n\nhi", (200, [("content-type", "text/plain")], b"hi")),
        (b"Status: 404 Not Found\r\nContent-Type: a/b\r\n\r\nx\n\ny", (404, [("Content-Type", "a/b")], b"x\n\ny")),
        (b"Location: /elsewhere\n\n", (302, [("Location", "/elsewhere")], b"")),
        (b"Status: 301\nLocation: /x\n\n", (301, [("Location", "/x")], b"")),
        (b"Content-Type: a/b\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n", (200, [("Content-Type", "a/b"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b"")),
    ],
)
def test_parse_cgi_response(output, expected):
    assert parse_cgi_response(output, worker="w", logs=[]) == expected


@pytest.mark.parametrize(
    "output, why",
    [
        (b"", "it wrote nothing to stdout"),
        (b"hello", "no blank line after the headers"),
        (b"\n\nbody", "no header lines before the blank line"),
        (b"X-A: 1\n\nbody", "it sent neither a content-type nor a location header"),
        (b"not a header\n\n", "the header line 'not a header' is not 'Name: value'"),
        (b"Status: abc\nContent-Type: a/b\n\n", "the status 'abc' is not a number between 100 and 999"),
    ],
)
def test_malformed_cgi_responses(output, why):
    with pytest.raises(WorkerException) as caught:
        parse_cgi_response(output, worker="w", logs=["l"])
    assert caught.value.message == f"Worker returned a malformed response: {why}."
    assert (caught.value.worker, caught.value.logs) == ("w", ["l"])


def test_runtime_layer_never_imports_werkzeug():
    # _plugins.py imports dispatch_emu.runtime._builtin by path; the runtime layer must stay
    # free of HTTP frameworks. The package __init__ is stubbed so only our modules count.
    import subprocess
    import sys
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "dispatch_emu"
    script = (
        "import sys, types\n"
        f"pkg = types.ModuleType('dispatch_emu'); pkg.__path__ = [{str(package)!r}]\n"
        "sys.modules['dispatch_emu'] = pkg\n"
        "import dispatch_emu.runtime, dispatch_emu.runtime._builtin, dispatch_emu.demo\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('werkzeug', 'flask')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
