"""JavaScript everywhere a worker goes: marker, seed fixture and put_script take .js/.mjs
files, module folders and wrangler folders; what cannot run says why, naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_emu.programs import worker_program
from dispatch_emu.sources import WorkerSourceError, read_worker
from dispatch_emu.testing import assert_dispatch_failed, assert_reached

HERE = Path(__file__).parent
HELLO_WASM = worker_program("respond", body=b"wasm hello")


@pytest.mark.dispatch_namespace("customers", scripts={"hello": "../workers/js/hello.js",
                                                      "greeter": "../examples/workers/greeter"})
def test_the_marker_takes_a_js_file_and_a_wrangler_folder(dispatch_emu_client):
    response = dispatch_emu_client.get("http://hello.localhost/")
    assert response.get_data(as_text=True) == "Hello from a JavaScript worker!\n"
    assert_reached(response, "hello")
    response = dispatch_emu_client.get("http://greeter.localhost/")
    assert response.get_data(as_text=True) == "Hello from greeter!"  # [vars] GREETING, ./greet.js


@pytest.mark.dispatch_namespace(scripts="../examples/workers")
def test_the_marker_takes_a_folder_of_workers(dispatch_emu, dispatch_emu_client):
    assert dispatch_emu.namespace().script_names() == ["greeter", "shop"]
    assert dispatch_emu_client.get("http://shop.localhost/").get_data(as_text=True) == "Welcome to the shop"


def test_wrangler_folder_vars_compatibility_date_and_logs(dispatch_emu, dispatch_emu_seed, dispatch_emu_client,
                                                          dispatch_emu_logs):
    handle = dispatch_emu_seed("../examples/workers/greeter")
    script = handle.get_script("greeter")
    assert script.main_module == "index.js"
    assert sorted(m.name for m in script.modules) == ["greet.js", "index.js"]
    assert script.settings["compatibility_date"] == "2025-01-01"
    assert {"name": "GREETING", "type": "plain_text", "text": "Hello"} in script.bindings
    assert_dispatch_failed(dispatch_emu_client.get("http://greeter.localhost/boom"), "no greeting for /boom",
                           worker="greeter")
    assert dispatch_emu_logs("greeter") == ["greeting /boom"]


def test_explicit_bindings_override_vars(dispatch_emu_seed, dispatch_emu_client):
    dispatch_emu_seed("../examples/workers/greeter", bindings={"GREETING": "Howdy"})
    assert dispatch_emu_client.get("http://greeter.localhost/").get_data(as_text=True) == "Howdy from greeter!"


def test_seed_a_mixed_folder_mjs_service_worker_and_module_folder(dispatch_emu_seed, dispatch_emu_client,
                                                                   tmp_path: Path):
    (tmp_path / "native.wasm").write_bytes(HELLO_WASM.wasm)
    (tmp_path / "esm.mjs").write_text('export default { fetch() { return new Response("esm") } };\n')
    (tmp_path / "sw.js").write_text('addEventListener("fetch", (e) => e.respondWith(new Response("sw")));\n')
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "index.js").write_text('import { word } from "./lib/word.js";\n'
                                  'import data from "./data.json";\n'
                                  'export default { fetch() { return new Response(word + data.n) } };\n')
    (app / "lib" / "word.js").write_text('export const word = "folder";\n')
    (app / "data.json").write_text('{"n": 1}')
    (tmp_path / "notes.txt").write_text("not a worker")
    handle = dispatch_emu_seed(tmp_path)
    assert handle.script_names() == ["app", "esm", "native", "sw"]
    got = {name: dispatch_emu_client.get(f"http://{name}.localhost/").get_data(as_text=True)
           for name in handle.script_names()}
    assert got == {"app": "folder1", "esm": "esm", "native": "wasm hello", "sw": "sw"}


def test_a_single_js_file_brings_its_relative_imports(dispatch_emu_seed, dispatch_emu_client):
    dispatch_emu_seed("../workers/js/multi/index.js", name="multi")
    assert dispatch_emu_client.get("http://multi.localhost/").get_data() == b"[multi] Hello, modules!"


def test_put_script_js_shorthand(dispatch_emu, dispatch_emu_client):
    handle = dispatch_emu.namespace()
    handle.put_script("esm", js='export default { fetch(req, env) { return new Response(env.WHO) } };',
                      bindings={"WHO": "module"})
    handle.put_script("sw", js='addEventListener("fetch", e => e.respondWith(new Response("script")));')
    assert dispatch_emu_client.get("http://esm.localhost/").get_data(as_text=True) == "module"
    assert dispatch_emu_client.get("http://sw.localhost/").get_data(as_text=True) == "script"
    with pytest.raises(TypeError, match="one of wasm=, js= or modules="):
        handle.put_script("both", wasm=HELLO_WASM.wasm, js="export default {}")


def test_seed_takes_javascript_bytes(dispatch_emu_seed, dispatch_emu_client):
    dispatch_emu_seed(b'export default { fetch() { return new Response("bytes") } };', name="b")
    assert dispatch_emu_client.get("http://b.localhost/").get_data(as_text=True) == "bytes"


# ----------------------------------------------------------------------- what cannot run says why


def test_a_bare_npm_import_needs_bundling_and_names_the_file(dispatch_emu_seed, tmp_path: Path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "wrangler.toml").write_text('name = "api"\nmain = "index.js"\n')
    (tmp_path / "api" / "index.js").write_text('import { Hono } from "hono";\nexport default new Hono();\n')
    with pytest.raises(WorkerSourceError, match=r"api \(module index.js\): imports 'hono', an npm package: "
                                                "this worker needs bundling first"):
        dispatch_emu_seed(tmp_path / "api")
    (tmp_path / "one.js").write_text('import lodash from "lodash";\nexport default {};\n')
    with pytest.raises(WorkerSourceError, match="one.js: imports 'lodash', an npm package"):
        dispatch_emu_seed(str(tmp_path / "one.js"))


def test_typescript_needs_bundling(tmp_path: Path):
    (tmp_path / "wrangler.toml").write_text('main = "src/index.ts"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("export default {};\n")
    with pytest.raises(WorkerSourceError, match="index.ts.* needs bundling"):
        read_worker(tmp_path)


def test_errors_name_the_path_as_the_user_gave_it(dispatch_emu_seed, tmp_path: Path):
    (tmp_path / "broken.js").write_text('import { x } from "./missing.js";\nexport default {};\n')
    with pytest.raises(WorkerSourceError, match=r"^broken.js: imports './missing.js', which does not exist"):
        read_worker("broken.js", base_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="worker 'workers/nope.js' does not exist"):
        dispatch_emu_seed("workers/nope.js")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WorkerSourceError, match="empty: no main module"):
        read_worker(tmp_path / "empty")
    with pytest.raises(WorkerSourceError, match="has no folder to read it from"):
        read_worker(b'import "./x.js"; export default {}', name="x")


def test_a_js_syntax_error_is_refused_at_upload_naming_the_worker(dispatch_emu_seed, tmp_path: Path):
    from dispatch_emu.errors import ValidationError

    (tmp_path / "bad.js").write_text("export default { fetch( { };\n")
    with pytest.raises(ValidationError):
        dispatch_emu_seed(tmp_path / "bad.js")
