"""A compile cache that cannot be swapped: private directories only, artefacts bound to their module.

The attack of issue 11: replace a cached artefact (and its old checksum sidecar) with
another module's, and an upload of the first module runs the second one's code. Here
each artefact carries an HMAC, keyed by the directory's own secret, over the module's
sha256, the engine fingerprint and the artefact, so a swapped file is recompiled.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from werkzeug.test import Client

from dispatch_emu import Emulator, RuntimeSettings
from dispatch_emu.runtime._cache import ArtefactRejected, DiskCache, UnsafeCacheDir

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ROOT / "tests" / "workers"
HELLO = (WORKERS / "reactor" / "hello.wasm").read_bytes()
OTHER = (WORKERS / "reactor" / "status.wasm").read_bytes()  # answers 500 "the worker chose to fail"


def artefact(cache_dir: Path, module: bytes) -> Path:
    (found,) = cache_dir.glob(f"{hashlib.sha256(module).hexdigest()}-*.cwasm")
    return found


def swap(cache_dir: Path) -> None:
    """Put OTHER's artefact where HELLO's is, with a matching sha256 sidecar for good measure."""
    target = artefact(cache_dir, HELLO)
    shutil.copyfile(artefact(cache_dir, OTHER), target)
    Path(f"{target}.sha256").write_text(hashlib.sha256(target.read_bytes()).hexdigest())


def hello_answer(emu: Emulator, name: str) -> tuple[int, bytes]:
    response = Client(emu.dispatcher("ns")).get("/", base_url=f"http://{name}.example.com")
    return response.status_code, response.get_data()


def test_a_swapped_artefact_is_recompiled_not_run(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with Emulator(runtime_settings=RuntimeSettings(cache_dir=str(cache)), load_entrypoints=False) as emu:
        emu.runtime.host.modules.clear_memory()  # other tests of this process compiled them already
        emu.namespace("ns").put_script("hello", wasm=HELLO)
        emu.namespace("ns").put_script("other", wasm=OTHER)
        swap(cache)
        emu.runtime.host.modules.clear_memory()  # what a new process sees
        stats = emu.runtime.cache_stats
        rejects, compiles = stats.disk_rejects, stats.compiles
        emu.namespace("ns").put_script("again", wasm=HELLO)
        assert hello_answer(emu, "again") == (200, b"Hello from the reactor ABI!\n")
        assert (stats.disk_rejects, stats.compiles) == (rejects + 1, compiles + 1)
        # and the recompile put an authentic artefact back
        emu.runtime.host.modules.clear_memory()
        hits = stats.disk_hits
        assert hello_answer(emu, "hello")[1] == b"Hello from the reactor ABI!\n"
        assert stats.disk_hits == hits + 1


def test_artefacts_are_bound_to_their_module_and_engine(tmp_path: Path) -> None:
    disk = DiskCache.open(str(tmp_path / "c"))
    a, b = "a" * 64, "b" * 64
    disk.store(a, "engine-1", b"artefact of a")
    assert disk.load(a, "engine-1") == b"artefact of a"
    shutil.copyfile(disk.path_for(a, "engine-1"), disk.path_for(b, "engine-1"))
    with pytest.raises(ArtefactRejected):  # copied under another module's name: the tag is not b's
        disk.load(b, "engine-1")
    assert disk.load(a, "engine-2") is None  # another engine: another file, absent
    forged = Path(disk.path_for(a, "engine-1"))
    data = bytearray(forged.read_bytes())
    data[-1] ^= 1
    forged.write_bytes(bytes(data))
    with pytest.raises(ArtefactRejected):
        disk.load(a, "engine-1")
    # another directory's key cannot vouch for this one's files
    other = DiskCache.open(str(tmp_path / "d"))
    other.store(a, "engine-1", b"evil")
    shutil.copyfile(other.path_for(a, "engine-1"), disk.path_for(a, "engine-1"))
    with pytest.raises(ArtefactRejected):
        disk.load(a, "engine-1")


def test_a_new_directory_is_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "cache"
    DiskCache.open(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE((path / "key").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_a_directory_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(UnsafeCacheDir, match="writable by others"):
        DiskCache.open(str(shared))
    with Emulator(runtime_settings=RuntimeSettings(cache_dir=str(shared)), load_entrypoints=False) as emu:
        emu.runtime.host.modules.clear_memory()
        writes = emu.runtime.cache_stats.disk_writes
        emu.namespace("ns").put_script("hello", wasm=HELLO)  # compiled in memory, still served
        assert hello_answer(emu, "hello")[0] == 200
        assert emu.runtime.cache_stats.disk_writes == writes
    assert list(shared.iterdir()) == []  # nothing written there


def test_a_directory_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    DiskCache.open(str(mine))
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)  # as another user would see it
    with pytest.raises(UnsafeCacheDir, match="belongs to another user"):
        DiskCache.open(str(mine))


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c"
    DiskCache.open(str(path))
    (path / "key").chmod(0o644)
    with pytest.raises(UnsafeCacheDir, match="readable by others"):
        DiskCache.open(str(path))


# ------------------------------------------------------------------ through serve --cache-dir


def _serve(cache: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--no-demo", "--quiet",
         "--namespace", "ns", "--cache-dir", str(cache)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if "serving on" not in first:
        proc.kill()
        pytest.fail(f"serve did not start: {first}{proc.stdout.read()}")
    return proc, first.split()[-1]


def _upload(url: str, name: str, wasm: bytes) -> None:
    api = f"{url}/client/v4/accounts/demo-account/workers/dispatch/namespaces/ns/scripts/{name}"
    files = {"metadata": (None, '{"main_module": "w.wasm"}', "application/json"),
             "w.wasm": ("w.wasm", wasm, "application/wasm")}
    assert httpx.put(api, files=files, timeout=60).status_code == 200


def test_serve_with_a_swapped_cache_runs_the_uploads_own_code(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc, url = _serve(cache)
    try:
        _upload(url, "hello", HELLO)
        _upload(url, "other", OTHER)
    finally:
        proc.terminate()
        proc.wait(10)
    swap(cache)
    proc, url = _serve(cache)  # a new process: the swapped file is all it has
    try:
        _upload(url, "hello", HELLO)
        answer = httpx.get(f"{url}/", headers={"Host": "hello.example.com"}, timeout=30)
        assert (answer.status_code, answer.content) == (200, b"Hello from the reactor ABI!\n")
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_refuses_a_shared_cache_dir(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    done = subprocess.run(
        [sys.executable, "-m", "dispatch_emu", "serve", "--port", "0", "--cache-dir", str(shared)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "writable by others" in done.stderr
