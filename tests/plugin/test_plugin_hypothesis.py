"""The shipped Hypothesis strategies and their entry point."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_emu import strategies as des
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import ScriptUpload, TagFilter
from dispatch_emu.store._names import check_namespace_name, check_script_name, check_tags


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("first", ["import dispatch_emu.strategies", "import hypothesis"])
def test_either_import_order_works_in_a_fresh_process(first: str):
    result = run_fresh(
        f"{first}\n"
        "import hypothesis, dispatch_emu.strategies as des\n"
        "from hypothesis import strategies as st\n"
        "from dispatch_emu.store import TagFilter, ScriptUpload\n"
        "assert isinstance(st.from_type(TagFilter).example(), TagFilter)\n"
        "assert isinstance(st.from_type(ScriptUpload).example(), ScriptUpload)\n"
        "assert isinstance(st.from_type(des.WorkerProgram).example(), des.WorkerProgram)\n"
        "print('ok')\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_entry_point_module_imports_nothing_at_its_top():
    result = run_fresh(
        "import sys\n"
        "import dispatch_emu._hypothesis_entry\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
        "assert 'dispatch_emu.strategies' not in sys.modules, 'strategies imported'\n"
    )
    assert result.returncode == 0, result.stderr


def test_the_entry_point_is_declared():
    import importlib.metadata

    entries = {e.name: e.value for e in importlib.metadata.entry_points(group="hypothesis")}
    if "dispatch_emu" not in entries:
        pytest.skip("dispatch_emu is not pip-installed here (no entry points)")
    assert entries["dispatch_emu"] == "dispatch_emu._hypothesis_entry:_hypothesis_setup_hook"


@given(des.namespace_names(), des.script_names(), des.tag_lists())
def test_generated_names_and_tags_are_valid(namespace: str, script: str, tags: list[str]):
    assert check_namespace_name(namespace) == namespace
    assert check_script_name(script) == script
    assert list(check_tags(tags)) == tags


@given(des.invalid_script_names())
def test_invalid_script_names_are_refused(name: str):
    with pytest.raises(ValidationError):
        check_script_name(name)


@given(des.tag_filters(pool=["a", "b", "c"]), des.tag_lists(pool=["a", "b", "c", "d"]))
def test_tag_filters_parse_and_mean_what_the_model_says(text: str, tags: list[str]):
    parsed = TagFilter.parse(text)
    assert parsed is not None
    assert parsed.matches(tags) == des.filter_matches(text, tags)


@given(st.from_type(TagFilter))
def test_tag_filters_are_registered_for_from_type(value: TagFilter):
    assert isinstance(value, TagFilter) and (value.required or value.excluded)


@given(des.requests())
def test_requests_are_well_formed(request: des.HttpRequest):
    assert request.path.startswith("/")
    assert request.url("http://w.localhost").startswith("http://w.localhost/")
    assert all(name.startswith("x-") for name, _ in request.headers)
    assert request.body == b"" or request.method in ("POST", "PUT", "PATCH")


def test_worker_program_refuses_bad_arguments():
    with pytest.raises(ValueError, match="unknown worker program kind"):
        des.worker_program("explode")
    with pytest.raises(ValueError, match="line breaks"):
        des.worker_program(logs=["two\nlines"])
    with pytest.raises(ValueError, match="exit_code"):
        des.worker_program("exit", exit_code=0)


@settings(max_examples=40)
@given(program=des.worker_programs(), request=des.requests())
def test_programs_behave_as_they_say(dispatch_emu_session, program: des.WorkerProgram, request: des.HttpRequest):
    """Through the binding (no HTTP): the stub answers or raises exactly as the program predicts."""
    from werkzeug import Request

    emulator = dispatch_emu_session
    emulator.reset()
    handle = emulator.namespace()
    handle.put_script("w", wasm=program.wasm, **program.put_options)
    incoming = Request.from_values(request.path, base_url="http://w.localhost", method=request.method,
                                   headers=list(request.headers), data=request.body)
    stub = handle.binding().get("w")
    if program.fails:
        with pytest.raises(program.error) as failure:
            stub.fetch(incoming)
        assert program.message in failure.value.message
        assert failure.value.worker == "w"
        assert failure.value.logs == list(program.logs)
        if program.trap_code:
            assert failure.value.trap_code == program.trap_code
    else:
        response = stub.fetch(incoming)
        assert response.status_code == program.status
        assert response.get_data() == program.expected_body(request.body)
        for name, value in program.headers:
            assert response.headers.get(name) == value
        assert emulator.observer.lines("w") == list(program.logs)


@settings(max_examples=10)
@given(st.from_type(ScriptUpload))
def test_generated_uploads_are_accepted_by_the_store(dispatch_emu_session, upload: ScriptUpload):
    emulator = dispatch_emu_session
    emulator.reset()
    emulator.namespace()
    script = emulator.store.put_script("demo-account", "demo", "w", upload)
    assert script.main_module == "worker.wasm"
