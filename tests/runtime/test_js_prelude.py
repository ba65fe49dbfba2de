"""The prelude is one function body split into files, joined at load in a fixed order."""

from __future__ import annotations

import configparser
import fnmatch
import json
from pathlib import Path

from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime.js import _modules as modules

PACKAGE = Path(modules.__file__).resolve().parents[2]
PRELUDE_DIR = Path(modules.__file__).resolve().parent / "prelude"


def test_every_prelude_file_is_joined_once_in_order() -> None:
    on_disk = sorted(path.name for path in PRELUDE_DIR.glob("*.js"))
    assert sorted(modules.PRELUDE_FILES) == on_disk
    joined = modules.prelude()
    assert joined == "".join(
        modules.prelude_part(name, (PRELUDE_DIR / name).read_text("utf-8")) for name in modules.PRELUDE_FILES
    )
    # a lazy file is joined as its text, registered for compiling on first use
    assert set(modules.LAZY_FILES) <= set(modules.PRELUDE_FILES)
    for name in modules.LAZY_FILES:
        text = (PRELUDE_DIR / name).read_text("utf-8")
        assert text not in joined and json.dumps(text) in joined
    assert joined.startswith("// dispatch_emu's JavaScript prelude")
    assert joined.rstrip().endswith("})();")


def test_package_data_ships_the_prelude_files() -> None:
    config = configparser.ConfigParser()
    config.read(PACKAGE.parent / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["dispatch_emu"].split(",")]
    for name in modules.PRELUDE_FILES:
        relative = f"runtime/js/prelude/{name}"
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative


def test_the_joined_prelude_is_what_runs(monkeypatch) -> None:
    # a marker appended to the joined text is visible to the worker: the runner evaluates prelude()
    monkeypatch.setattr(modules, "_PRELUDE", modules.prelude() + "\nglobalThis.__joined_marker = 42;\n")
    source = b"export default { fetch() { return new Response(String(globalThis.__joined_marker)); } };"
    code = WorkerCode.javascript("marker", {"index.js": ("application/javascript+module", source)}, "index.js", "v1")
    with Runtime(RuntimeSettings(reuse_instances=False)) as runtime:
        response = runtime.run(code, GuestRequest(method="GET", url="https://a.example/", headers=[], body=b""))
    assert response.body == b"42"


def test_lazy_sections_compile_on_first_use() -> None:
    source = b"""export default { async fetch() {
      const before = Object.getOwnPropertyDescriptor(globalThis, "CryptoKey").get !== undefined;
      const digest = await crypto.subtle.digest("SHA-1", new Uint8Array(0));
      const key = CryptoKey;  // the first access settles the global
      const after = Object.getOwnPropertyDescriptor(globalThis, "CryptoKey");
      return Response.json([before, digest.byteLength, after.value === key && typeof key]);
    } };"""
    code = WorkerCode.javascript("lazy", {"index.js": ("application/javascript+module", source)}, "index.js", "v1")
    with Runtime(RuntimeSettings(reuse_instances=False)) as runtime:
        response = runtime.run(code, GuestRequest(method="GET", url="https://a.example/", headers=[], body=b""))
    assert response.body == b'[true,20,"function"]'
