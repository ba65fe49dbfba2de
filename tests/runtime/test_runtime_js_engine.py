"""The JavaScript engine's fast paths: the request path, prelude images, spare contexts
left by upload checks, and the compiled QuickJS engine kept on disk across processes.

Each is an optimisation that must not be visible: these tests show a context restored
from the prelude's image behaves like one that evaluated it (own random numbers, own
globals, the memory limit), that a spare serves one deployment and carries its startup
logs, and that the engine cache recompiles what it cannot trust.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dispatch_emu.errors import CpuLimitExceeded, MemoryLimitExceeded, WorkerException
from dispatch_emu.runtime import ExecutionLimits, GuestRequest, Runtime, RuntimeSettings, WorkerCode
from dispatch_emu.runtime.js import JsRunner
from dispatch_emu.runtime.js import _images as images
from dispatch_emu.runtime.js._quickjs import (
    ENGINE_CACHE_ENV,
    engine_cache_dir,
)
from dispatch_emu.runtime.js._vm import QuickJsVm

JS = Path(__file__).resolve().parent.parent / "workers" / "js"
MODULE = "application/javascript+module"
MEMORY = 24 * 2**20


def code(source: str | bytes, *, name: str = "w", version: str = "v1", content_type: str = MODULE) -> WorkerCode:
    data = source.encode() if isinstance(source, str) else source
    return WorkerCode.javascript(name, {"index.js": (content_type, data)}, "index.js", version)


def req(method: str = "GET", body: bytes = b"") -> GuestRequest:
    return GuestRequest(method, "https://w.example.com/", [], body=body)


def runner_of(runtime: Runtime) -> JsRunner:
    engine = runtime.engines.select(MODULE, b"")
    assert engine is not None
    runner: JsRunner = engine.runner  # type: ignore[attr-defined]
    return runner


def fresh_runtime() -> Runtime:
    """Every request in a new context (so each shows what a new context starts from)."""
    return Runtime(RuntimeSettings(cpu_ms=500, wall_ms=4000, memory_bytes=MEMORY, reuse_instances=False))


RANDOM = "export default { fetch() { return new Response(JSON.stringify([Math.random(), Math.random()])); } };"


def test_new_contexts_start_from_the_image_of_the_evaluated_prelude() -> None:
    images.forget_prelude_images()
    with fresh_runtime() as runtime:
        for _ in range(3):
            assert runtime.run(code(RANDOM), req()).status == 200
        runner = runner_of(runtime)
        assert (runner.created, runner.restored) == (3, 2)  # the first evaluated it, the others restored it


def test_restored_contexts_draw_their_own_random_numbers() -> None:
    with fresh_runtime() as runtime:
        draws = [json.loads(runtime.run(code(RANDOM), req()).body) for _ in range(4)]
        assert runner_of(runtime).restored >= 3
    flat = [x for pair in draws for x in pair]
    assert all(0 <= x < 1 for x in flat)
    assert len(set(flat)) == len(flat)  # an image restored as is would repeat one sequence


def test_nothing_a_worker_changes_reaches_the_next_new_context() -> None:
    polluter = """
      Response.prototype.polluted = true; globalThis.leak = "secret"; Math.random = () => 4;
      export default { fetch() { return new Response("done"); } };
    """
    probe = """
      export default { fetch() {
        return new Response(JSON.stringify([new Response("").polluted ?? null, globalThis.leak ?? null, Math.random() < 1]));
      } };
    """
    with fresh_runtime() as runtime:
        assert runtime.run(code(polluter, name="a"), req()).body == b"done"
        assert json.loads(runtime.run(code(probe, name="b"), req()).body) == [None, None, True]


def test_a_restored_context_is_still_capped_and_the_runtime_keeps_serving() -> None:
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())  # the image exists from here on
        with pytest.raises(MemoryLimitExceeded):
            runtime.run(code((JS / "memhog.js").read_bytes(), name="memhog"), req())
        assert runner_of(runtime).restored >= 1
        assert runtime.run(code(RANDOM), req()).status == 200


def test_a_memory_limit_below_the_image_fails_cleanly() -> None:
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())
        image = next(iter(images._IMAGES.values()))
        tiny = ExecutionLimits(memory_bytes=image.size - 65536)
        with pytest.raises((MemoryLimitExceeded, WorkerException)):
            runtime.run(code(RANDOM), req(), limits=tiny)
        assert runtime.run(code(RANDOM), req()).status == 200


def test_restoring_an_image_reproduces_the_memory_it_was_taken_from() -> None:
    images.forget_prelude_images()
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())
        runner = runner_of(runtime)
        image = next(iter(images._IMAGES.values()))
        blank = QuickJsVm(runner._runtime().new_context())
        baseline = blank.memory()
        restored = QuickJsVm(runner._runtime().new_context())
        restored.restore(image, lambda *args: None)
        try:
            assert restored.memory() == image.memory(baseline)
            assert len(image.runs) >= 1 and sum(len(data) for _, data in image.runs) < image.size
        finally:
            blank.context.close()
            restored.context.close()


# -- instances of closed contexts, recycled


LEAKY = """
  let served = 0;
  export default { fetch() {
    served += 1;
    const before = [typeof globalThis.secret, typeof ({}).polluted];
    globalThis.secret = "from an earlier context";
    Object.prototype.polluted = true;
    return new Response(JSON.stringify([served, ...before, Math.random()]));
  } };
"""


def test_a_recycled_instance_starts_exactly_as_a_new_one() -> None:
    """A closed context's wasm instance serves a later context only after every byte of
    its memory (and its stack pointer) is reset to the prelude's image: nothing of the
    worker that used it is left, its random numbers are its own, and the memory is the
    image's, byte for byte."""
    with fresh_runtime() as runtime:
        first = json.loads(runtime.run(code(LEAKY, name="a"), req()).body)
        runner = runner_of(runtime)
        seen = [json.loads(runtime.run(code(LEAKY, name=f"w{i}"), req()).body) for i in range(4)]
        assert runner.recycled >= 3
        assert [answer[:3] for answer in [first, *seen]] == [[1, "undefined", "undefined"]] * 5
        randoms = [answer[3] for answer in [first, *seen]]
        assert len(set(randoms)) == len(randoms)

        image = next(iter(images._IMAGES.values()))
        recycled = runner.recycled
        call = type("Call", (), {"modules": {}})()
        prepared = runner._open(call)  # a recycled instance, as the next context gets it
        try:
            assert runner.recycled == recycled + 1
            prepared.vm.restore(image, lambda *args: None)
            assert prepared.vm.memory() == image.whole
            assert prepared.vm.inst.sp.value(prepared.vm.inst.store) == image.stack_pointer
        finally:
            prepared.close()


def test_a_recycled_instance_is_reset_even_if_the_images_are_dropped_meanwhile(monkeypatch) -> None:
    """The image a recycled instance is reset to is the one it held when it was taken, not
    a lookup that may find none (it would then evaluate the prelude over a used heap)."""
    from dispatch_emu.runtime.js import _runner as runner_module

    with fresh_runtime() as runtime:
        runtime.run(code(LEAKY, name="a"), req())
        runner = runner_of(runtime)
        assert len(runner._instances) == 1
        lookup = runner_module.prelude_image
        answers = iter([True])  # the lookup in _open finds the image; any later one finds none
        monkeypatch.setattr(runner_module, "prelude_image", lambda *a: lookup(*a) if next(answers, False) else None)
        recycled = runner.recycled
        answer = json.loads(runtime.run(code(LEAKY, name="b"), req()).body)
        assert runner.recycled == recycled + 1
        assert answer[:3] == [1, "undefined", "undefined"]


def test_a_recycled_instance_keeps_the_memory_limit() -> None:
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())
        runtime.run(code(RANDOM), req())
        runner = runner_of(runtime)
        image = next(iter(images._IMAGES.values()))
        recycled = runner.recycled
        with pytest.raises((MemoryLimitExceeded, WorkerException)):
            runtime.run(code(RANDOM), req(), limits=ExecutionLimits(memory_bytes=image.size - 65536))
        assert runner.recycled == recycled + 1  # the limit was checked on a recycled instance
        assert runtime.run(code(RANDOM), req()).status == 200


def test_an_instance_stopped_by_a_limit_is_not_recycled() -> None:
    spin = "export default { fetch() { for (;;) {} } };"
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())
        runner = runner_of(runtime)
        assert len(runner._instances) == 1
        with pytest.raises(CpuLimitExceeded):
            runtime.run(code(spin, name="spin"), req(), limits=ExecutionLimits(cpu_ms=50))
        assert len(runner._instances) == 0  # it took the kept instance, and did not give it back
        assert runtime.run(code(RANDOM), req()).status == 200


def test_an_instance_whose_memory_grew_is_not_recycled() -> None:
    grow = "const keep = []; export default { fetch() { keep.push(new Uint8Array(4 << 20)); return new Response('ok'); } };"
    with fresh_runtime() as runtime:
        runtime.run(code(RANDOM), req())
        runner = runner_of(runtime)
        assert len(runner._instances) == 1  # the first context's instance, kept
        runtime.run(code(grow, name="grow"), req())
        assert len(runner._instances) == 0  # taken for the request, grown, not given back
        recycled = runner.recycled
        assert runtime.run(code(RANDOM), req()).status == 200
        assert runner.recycled == recycled and len(runner._instances) == 1  # a new instance


@pytest.mark.parametrize("size", [0, 10, 4095, 4097, 300_000])
def test_bodies_of_any_size_cross_both_ways(size: int) -> None:
    echo = "export default { async fetch(r) { return new Response(await r.arrayBuffer()); } };"
    body = bytes(range(256)) * (size // 256) + bytes(size % 256)
    with Runtime(RuntimeSettings(memory_bytes=64 * 2**20)) as runtime:
        for _ in range(2):  # a new context, then the reused one
            response = runtime.run(code(echo), req("POST", body))
            assert response.body == body


def test_errors_thrown_at_the_start_of_a_request_keep_their_message() -> None:
    source = "export default { fetch() { throw new TypeError('bad input'); } };"
    with Runtime(RuntimeSettings(memory_bytes=MEMORY)) as runtime:
        with pytest.raises(WorkerException, match="TypeError: bad input"):
            runtime.run(code(source), req())


def test_a_lean_instance_has_everything_a_quickjs_rs_instance_has() -> None:
    import quickjs_rs

    from dispatch_emu.runtime.js._quickjs import lean_instances

    plain, lean = quickjs_rs.Runtime(memory_limit=None), quickjs_rs.Runtime(memory_limit=None)
    lean_instances(lean)
    with plain, lean:
        a, b = plain.new_context(), lean.new_context()
        missing = set(vars(a._engine_ctx._inst)) - set(vars(b._engine_ctx._inst))
        assert not missing, f"quickjs-rs's _Instance has attributes the lean one lacks: {missing}"
        assert a.eval("[1, 2, 3].map(x => x * 2)") == b.eval("[1, 2, 3].map(x => x * 2)") == [2, 4, 6]


def test_the_vm_entry_points_read_every_kind_of_answer() -> None:
    """``vm.js`` over a stand-in prelude whose step() answers in each of its shapes."""
    import quickjs_rs

    from dispatch_emu.runtime.js._quickjs import lean_instances

    stand_in = """
      globalThis.crypto = { getRandomValues(a) { for (let i = 0; i < a.length; i++) a[i] = i + 1; return a; } };
      const long = "h\\u00e9llo \\ud83d\\ude00".repeat(10000);
      const answers = [false, true, ['{"status":200}', new Uint8Array([104, 105])], ['{}', "h\\u00e9llo \\ud83d\\ude00"],
                       ['{"a":"\\u00e9"}', long], ['{}', null], ['{}', new Uint8Array([1, 2, 3, 4]).subarray(1, 3)]];
      const seen = [];
      globalThis.__dispatch_emu = Object.freeze({
        load(kind, main) { seen.push(["load", kind, main]); },
        start(json, body) { seen.push(["start", json, body === null ? null : Array.from(body)]); },
        step() { return answers.shift(); },
        seen() { return JSON.stringify(seen); },
      });
      0;
    """
    runtime = quickjs_rs.Runtime(memory_limit=None)
    lean_instances(runtime)
    with runtime:
        context = runtime.new_context()
        vm = QuickJsVm(context)
        vm.register_host(lambda *args: None)
        context.eval(stand_in)
        vm.bind()
        vm.load("module", "index.js")
        vm.start('{"a": 1}', None)
        vm.start("{}", b"\x00\xff")
        assert [vm.poll() for _ in range(3)] == [b"0", b"1", b'b{"status":200}']
        assert vm.body_bytes() == b"hi" and vm.body_bytes() == b""  # taken once
        assert vm.poll() == "t{}\nh\u00e9llo \U0001f600".encode()  # a short string: inline, UTF-8
        assert vm.poll() == 's{"a":"\u00e9"}'.encode()  # the JSON, UTF-8 encoded; the long text apart
        assert vm.text() == ("h\u00e9llo \U0001f600" * 10000).encode()
        assert vm.poll() == b"e{}"
        assert vm.poll() == b"b{}" and vm.body_bytes() == b"\x02\x03"  # a partial view: its own bytes only
        assert json.loads(context.eval("__dispatch_emu.seen()")) == [
            ["load", "module", "index.js"], ["start", '{"a": 1}', None], ["start", "{}", [0, 255]]
        ]
        assert 0 <= context.eval("Math.random()") < 1


# -- spare contexts left by upload checks


STARTUP = """
  console.log("global scope ran");
  let served = 0;
  export default { fetch() { served += 1; return new Response(String(served)); } };
"""


def test_an_upload_check_leaves_a_spare_that_serves_the_first_request_with_its_startup_logs() -> None:
    with Runtime(RuntimeSettings(memory_bytes=MEMORY)) as runtime:
        runtime.validate_js("w", "index.js", {"index.js": (MODULE, STARTUP.encode())})
        runner = runner_of(runtime)
        created = runner.created
        response = runtime.run(code(STARTUP), req())
        assert (response.body, runner.created, runner.spares.taken) == (b"1", created, 1)
        assert "global scope ran" in "\n".join(response.logs)


def test_a_spare_serves_one_deployment_only() -> None:
    with Runtime(RuntimeSettings(memory_bytes=MEMORY)) as runtime:
        runtime.validate_js("w", "index.js", {"index.js": (MODULE, STARTUP.encode())})
        assert runtime.run(code(STARTUP, version="v1"), req()).body == b"1"
        assert runtime.run(code(STARTUP, version="v1"), req()).body == b"2"  # the reused context
        # a second deployment of the same bytes, with no upload check of its own: a new context
        assert runtime.run(code(STARTUP, version="v2"), req()).body == b"1"
        assert runner_of(runtime).spares.taken == 1


def test_no_spare_for_other_modules_another_memory_limit_or_a_script() -> None:
    script = "addEventListener('fetch', e => e.respondWith(new Response(String(typeof BINDING))));"
    with Runtime(RuntimeSettings(memory_bytes=MEMORY)) as runtime:
        runtime.validate_js("w", "index.js", {"index.js": (MODULE, STARTUP.encode())})
        runtime.validate_js("s", "index.js", {"index.js": ("application/javascript", script.encode())})
        runner = runner_of(runtime)
        assert len(runner.spares) == 1  # a script's global scope sees its bindings: never a spare
        runtime.run(code(STARTUP + "\n// other bytes"), req())
        runtime.run(code(STARTUP), req(), limits=ExecutionLimits(memory_bytes=MEMORY * 2))
        assert runner.spares.taken == 0
        response = runtime.run(code(script, name="s", content_type="application/javascript"), req(), env={"BINDING": "x"})
        assert response.body == b"string"


# -- the compiled engine on disk


def test_the_engine_cache_directory_defaults_to_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    assert engine_cache_dir(None) == "/home/someone/.cache/dispatch_emu"
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert engine_cache_dir(None) == "/xdg/dispatch_emu"
    assert engine_cache_dir("/somewhere") == "/somewhere"
    monkeypatch.setenv(ENGINE_CACHE_ENV, "0")
    assert engine_cache_dir("/somewhere") is None


FIRST_DISPATCH = textwrap.dedent(
    """
    import json, sys
    from dispatch_emu.runtime import GuestRequest, Runtime, RuntimeSettings, WorkerCode
    from dispatch_emu.runtime.js._quickjs import engine_cache_stats
    source = b"export default { fetch() { return new Response('hi'); } };"
    code = WorkerCode.javascript("w", {"index.js": ("application/javascript+module", source)}, "index.js", "v1")
    with Runtime(RuntimeSettings(cache_dir=sys.argv[1])) as runtime:
        assert runtime.run(code, GuestRequest("GET", "https://w.example.com/", [])).body == b"hi"
    print(json.dumps(engine_cache_stats()))
    """
)


def first_dispatch(cache_dir: Path) -> dict[str, int]:
    env = {k: v for k, v in os.environ.items() if k != ENGINE_CACHE_ENV}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_DISPATCH, str(cache_dir)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    stats: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return stats


def test_the_compiled_engine_is_kept_on_disk_and_a_tampered_artefact_is_recompiled(tmp_path: Path) -> None:
    first = first_dispatch(tmp_path)
    assert (first["compiles"], first["disk_writes"]) == (1, 1)
    artefacts = list(tmp_path.glob("*.cwasm"))
    assert len(artefacts) == 1
    second = first_dispatch(tmp_path)
    assert (second["compiles"], second["disk_hits"]) == (0, 1)  # a new process, no compile
    data = bytearray(artefacts[0].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed: the sidecar hash no longer matches
    artefacts[0].write_bytes(bytes(data))
    third = first_dispatch(tmp_path)
    assert (third["compiles"], third["disk_rejects"], third["disk_hits"]) == (1, 1, 0)
