"""Self-tests: throwaway projects that use only the plugin's public face, run by pytester."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from dispatch_emu.programs import worker_program

SHOP = worker_program("respond", body=b"shop", logs=["shop served"])
BROKEN = worker_program("trap", logs=["loading cart", "cart has 3 items"])

#: When dispatch_emu is not pip-installed the entry point is missing: load the plugin by name.
PLUGIN_ARGS: tuple[str, ...] = () if any(
    e.name == "dispatch_emu" for e in importlib.metadata.entry_points(group="pytest11")
) else ("-p", "dispatch_emu.pytest_plugin")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user project: a ``workers/`` directory with two compiled workers, no conftest."""
    workers = pytester.mkdir("workers")
    (workers / "shop.wasm").write_bytes(SHOP.wasm)
    (workers / "broken.wasm").write_bytes(BROKEN.wasm)
    pytester.makeini("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*PLUGIN_ARGS, *args)


USER_TESTS = '''
import pytest
from dispatch_emu.testing import assert_dispatch_failed, assert_reached, assert_worker_not_found

pytestmark = pytest.mark.dispatch_namespace("customers", scripts="workers", tags={"shop": ["paid"]})


def test_routing(dispatch_emu_client, dispatch_emu_logs):
    assert_worker_not_found(dispatch_emu_client.get("http://nobody.localhost/"))
    assert_dispatch_failed(dispatch_emu_client.get("http://broken.localhost/"), "Worker threw exception")
    response = dispatch_emu_client.get("http://shop.localhost/")
    assert response.get_data() == b"shop"
    assert_reached(response, "shop")
    assert dispatch_emu_logs("broken") == ["loading cart", "cart has 3 items"]


def test_httpx(dispatch_emu_httpx):
    assert dispatch_emu_httpx.get("http://shop.localhost/").content == b"shop"


def test_state_is_reset_between_tests(dispatch_emu, dispatch_emu_seed):
    assert dispatch_emu.namespace("customers").script_names() == ["broken", "shop"]
    dispatch_emu_seed({"extra": "workers/shop.wasm"}, namespace="customers")


def test_state_is_reset_between_tests_again(dispatch_emu):
    assert dispatch_emu.namespace("customers").script_names() == ["broken", "shop"]


def test_sdk(dispatch_emu_sdk):
    tags = dispatch_emu_sdk.workers_for_platforms.dispatch.namespaces.scripts.tags.list(
        "shop", account_id="demo-account", dispatch_namespace="customers")
    assert list(tags) == ["paid"]


def test_live_server(dispatch_emu_url):
    import httpx

    assert httpx.get(dispatch_emu_url, headers={"Host": "shop.localhost"}).content == b"shop"
'''


def test_a_user_project_passes_with_only_the_public_face(project: pytest.Pytester):
    project.makepyfile(test_user=USER_TESTS)
    run(project, "-p", "no:randomly").assert_outcomes(passed=6)


def test_a_user_project_passes_in_live_mode(project: pytest.Pytester):
    project.makepyfile(test_user=USER_TESTS)
    run(project, "--dispatch-emu-live").assert_outcomes(passed=6)


def test_a_user_project_passes_under_xdist(project: pytest.Pytester):
    pytest.importorskip("xdist")
    project.makepyfile(test_user=USER_TESTS)
    run(project, "-n", "2").assert_outcomes(passed=6)


def test_a_failing_dispatch_explains_itself(project: pytest.Pytester):
    project.makepyfile(test_failing='''
        import pytest
        from dispatch_emu.testing import assert_worker_not_found

        @pytest.mark.dispatch_namespace(scripts="workers")
        def test_broken_is_missing(dispatch_emu_client):
            assert_worker_not_found(dispatch_emu_client.get("http://broken.localhost/checkout"))
    ''')
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*expected the dispatcher's 'Worker not found' answer (404, empty body), got 500*",
        "*last request: GET broken.localhost/checkout to the dispatcher bound to demo-account/demo, answered 500*",
        "*dispatch: worker name read 'broken', found, failed (500): Worker threw exception*",
        "*worker: broken*",
        "*cause: wasm trap: wasm `unreachable` instruction executed*",
        "*trap code: TrapCode.UNREACHABLE*",
        "*log tail:*",
        "*loading cart*",
        "*cart has 3 items*",
    ])


def test_unknown_markers_fail_but_ours_are_registered(project: pytest.Pytester):
    project.makepyfile(test_markers='''
        import pytest

        @pytest.mark.dispatch_namespace("x")
        @pytest.mark.dispatch_emu_plugins()
        def test_ours(dispatch_emu):
            assert dispatch_emu.store.has_namespace("demo-account", "x")
    ''')
    run(project).assert_outcomes(passed=1)
    result = run(project, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.dispatch_namespace(*", "@pytest.mark.dispatch_emu_plugins(*"])


def test_options_and_ini_reach_the_runtime(project: pytest.Pytester):
    cache = project.path / "module-cache"
    project.makeini(f"""
        [pytest]
        addopts = --strict-markers -p no:cacheprovider
        dispatch_emu_wall_ms = 1234
        dispatch_emu_cache_dir = {cache}
    """)
    project.makepyfile(test_options='''
        import os
        import pytest
        from dispatch_emu.programs import worker_program
        from dispatch_emu.testing import assert_dispatch_failed

        def test_settings(dispatch_emu, dispatch_emu_runtime_settings, dispatch_emu_seed, dispatch_emu_client):
            assert dispatch_emu_runtime_settings.cpu_ms == 3
            assert dispatch_emu_runtime_settings.wall_ms == 1234
            assert dispatch_emu.runtime.settings is dispatch_emu_runtime_settings
            dispatch_emu_seed({"spin": worker_program("loop").wasm})  # no script limit: the default applies
            assert_dispatch_failed(dispatch_emu_client.get("http://spin.localhost/"), "CPU time limit")
            assert os.listdir(dispatch_emu_runtime_settings.cache_dir)
    ''')
    run(project, "--dispatch-emu-cpu-ms=3").assert_outcomes(passed=1)
    assert any(cache.iterdir())


def test_cache_dir_falls_back_to_the_environment(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DISPATCH_EMU_CACHE_DIR", str(project.path / "env-cache"))
    project.makepyfile(test_env='''
        def test_env(dispatch_emu_runtime_settings):
            assert dispatch_emu_runtime_settings.cache_dir.endswith("env-cache")
    ''')
    run(project).assert_outcomes(passed=1)


def test_bad_option_values_are_usage_errors(project: pytest.Pytester):
    project.makeini("[pytest]\ndispatch_emu_cpu_ms = lots\n")
    project.makepyfile(test_x="def test_x(dispatch_emu): pass\n")
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*dispatch_emu_cpu_ms must be a whole number of milliseconds, not 'lots'*"])


def test_block_plugins_option(project: pytest.Pytester):
    project.makepyfile(test_block='''
        def test_blocked(dispatch_emu):
            assert dispatch_emu.plugins.is_blocked("acme") and dispatch_emu.plugins.is_blocked("other")
    ''')
    run(project, "--dispatch-emu-block-plugins=acme,other").assert_outcomes(passed=1)


def test_errors_in_the_server_thread_fail_the_test(project: pytest.Pytester):
    project.makeconftest('''
        import pytest

        @pytest.fixture
        def dispatch_emu_dispatcher():
            def app(environ, start_response):
                raise ValueError("boom in the server thread")
            return app
    ''')
    project.makepyfile(test_server='''
        import httpx

        def test_uses_the_server(dispatch_emu_url):
            assert httpx.get(dispatch_emu_url + "/").status_code == 500

        def test_next_test_is_clean(dispatch_emu_url):
            assert httpx.get(dispatch_emu_url + "/client/v4/accounts/a/workers/dispatch/namespaces").status_code == 200
    ''')
    result = run(project, "-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*ValueError: boom in the server thread*"])


def test_assertion_helpers_are_rewritten():
    import dispatch_emu.testing

    assert type(dispatch_emu.testing.__loader__).__name__ == "AssertionRewritingHook", (
        "dispatch_emu.testing was imported before the plugin registered it for rewriting"
    )
    assert "dispatch_emu.testing" in sys.modules
