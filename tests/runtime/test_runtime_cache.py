"""The compile cache: in memory across runtimes, on disk across processes, never trusting foreign files."""

from __future__ import annotations

import os
from pathlib import Path

from dispatch_emu._hooks import Hooks
from dispatch_emu._markers import hookimpl
from dispatch_emu._plugins import make_plugin_manager
from dispatch_emu.runtime import Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime._settings import CACHE_DIR_ENV
from tests.runtime.runtime_helpers import request, unique, wasm


class ConfigPlugin:
    """A plugin that changes the engine config (so a private engine)."""

    def __init__(self, opt_level: str) -> None:
        self.opt_level = opt_level

    @hookimpl
    def dispatch_emu_configure_engine(self, config, settings):
        config.cranelift_opt_level = self.opt_level


def config_hooks(opt_level: str) -> Hooks:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(ConfigPlugin(opt_level))
    return Hooks(pm)


def test_same_bytes_uploaded_a_thousand_times_compile_once():
    module = unique(wasm("reactor/hello"))
    with Runtime() as runtime:
        before = runtime.cache_stats.compiles
        for _ in range(1000):
            assert runtime.validate(module) == "reactor"
        assert runtime.cache_stats.compiles - before == 1
        with Runtime() as second:
            assert second.host is runtime.host
            assert second.validate(module) == "reactor"
            second.run(WorkerCode.from_bytes("w", module), request())
            assert second.cache_stats.compiles - before == 1


def test_engines_are_shared_only_for_equal_configurations():
    with Runtime(hooks=config_hooks("speed")) as a, Runtime(hooks=config_hooks("speed")) as b:
        with Runtime(hooks=config_hooks("none")) as c, Runtime() as default:
            assert a.host is b.host
            assert len({id(a.host), id(c.host), id(default.host)}) == 3
            module = unique(wasm("reactor/hello"))
            for rt in (a, b, c):
                rt.validate(module)
            assert a.cache_stats.compiles >= 1 and a.host.modules.get(module) is b.host.modules.get(module)
            assert c.run(WorkerCode.from_bytes("w", module), request()).status == 200


def test_disk_cache_serves_a_cold_memory_cache(tmp_path):
    module = unique(wasm("wagi/hello"))
    with Runtime(RuntimeSettings(cache_dir=str(tmp_path))) as runtime:
        stats = runtime.cache_stats
        compiles, disk_hits = stats.compiles, stats.disk_hits
        runtime.compile(module)
        assert stats.compiles == compiles + 1
        files = sorted(p.name for p in tmp_path.iterdir())
        assert len(files) == 2 and files[0].endswith(".cwasm") and files[1] == "key"
        runtime.host.modules.clear_memory()  # what a new process sees
        runtime.compile(module)
        assert (stats.compiles, stats.disk_hits) == (compiles + 1, disk_hits + 1)
        assert runtime.run(WorkerCode.from_bytes("w", module), request()).body == b"Hello from WAGI!\n"


def _cached_file(runtime: Runtime, module: bytes, cache_dir: Path) -> Path:
    import hashlib

    return Path(runtime.host.modules.path_for(hashlib.sha256(module).hexdigest(), str(cache_dir)))


def test_corrupted_cache_file_is_ignored_and_replaced(tmp_path):
    module = unique(wasm("reactor/echo"))
    with Runtime(RuntimeSettings(cache_dir=str(tmp_path))) as runtime:
        stats = runtime.cache_stats
        runtime.compile(module)
        path = _cached_file(runtime, module, tmp_path)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        runtime.host.modules.clear_memory()
        compiles, rejects = stats.compiles, stats.disk_rejects
        runtime.compile(module)
        assert (stats.compiles, stats.disk_rejects) == (compiles + 1, rejects + 1)
        # the recompile rewrote a good file
        runtime.host.modules.clear_memory()
        disk_hits = stats.disk_hits
        runtime.compile(module)
        assert stats.disk_hits == disk_hits + 1


def test_foreign_file_with_a_matching_sidecar_is_not_loaded(tmp_path):
    import hashlib

    module = unique(wasm("reactor/hello"))
    with Runtime(RuntimeSettings(cache_dir=str(tmp_path))) as runtime:
        path = _cached_file(runtime, module, tmp_path)
        foreign = b"\x7fELF not a wasmtime artifact" * 10
        path.write_bytes(foreign)
        Path(str(path) + ".sha256").write_text(hashlib.sha256(foreign).hexdigest())
        stats = runtime.cache_stats
        compiles, rejects = stats.compiles, stats.disk_rejects
        assert runtime.validate(module) == "reactor"
        assert (stats.compiles, stats.disk_rejects) == (compiles + 1, rejects + 1)


def test_files_without_sidecar_or_with_other_names_are_never_read(tmp_path):
    module = unique(wasm("reactor/hello"))
    with Runtime(RuntimeSettings(cache_dir=str(tmp_path))) as runtime:
        path = _cached_file(runtime, module, tmp_path)
        path.write_bytes(b"junk")  # no sidecar
        (tmp_path / "other.cwasm").write_bytes(b"junk")
        stats = runtime.cache_stats
        compiles, disk_hits = stats.compiles, stats.disk_hits
        runtime.compile(module)
        assert (stats.compiles, stats.disk_hits) == (compiles + 1, disk_hits)


def test_cache_dir_defaults_to_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    assert RuntimeSettings().cache_dir == str(tmp_path)
    monkeypatch.delenv(CACHE_DIR_ENV)
    assert RuntimeSettings().cache_dir is None
    assert os.environ.get(CACHE_DIR_ENV) is None
