"""The assertion helpers of dispatch_emu.testing: what passes, and what a failure says."""

from __future__ import annotations

import pytest

from dispatch_emu.emulator import Emulator
from dispatch_emu.programs import worker_program
from dispatch_emu.testing import (
    assert_dispatch_failed,
    assert_reached,
    assert_worker_not_found,
    current_emulator,
    use_emulator,
    worker_logs,
)

SHOP = worker_program("respond", body=b"shop", logs=["shop served"])
TRAP = worker_program("trap", logs=["loading cart", "cart has 3 items"])
EXIT = worker_program("exit", exit_code=7, logs=["bad config"])

pytestmark = pytest.mark.dispatch_namespace(
    scripts={"shop": SHOP.wasm, "broken": TRAP.wasm, "quits": EXIT.wasm}
)


@pytest.fixture(params=["werkzeug", "httpx"])
def get(request):
    """GET a URL with either client, so every helper is checked with both response types."""
    client = request.getfixturevalue("dispatch_emu_client" if request.param == "werkzeug" else "dispatch_emu_httpx")
    return client.get


def test_helpers_pass_on_the_seeds_answers(get):
    assert_worker_not_found(get("http://nobody.localhost/"))
    assert_dispatch_failed(get("http://broken.localhost/"), "Worker threw exception")
    assert_dispatch_failed(get("http://quits.localhost/"), "Worker exited with code 7.")
    response = get("http://shop.localhost/")
    assert_reached(response, "shop")


def test_not_found_failure_names_worker_cause_trap_and_logs(get):
    response = get("http://broken.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_worker_not_found(response)
    message = str(failure.value)
    assert "got 500" in message
    assert "worker: broken" in message
    assert "cause: wasm trap: wasm `unreachable` instruction executed" in message
    assert "trap code: TrapCode.UNREACHABLE" in message
    assert "cart has 3 items" in message and "loading cart" in message


def test_dispatch_failed_failure_says_what_answered(get):
    response = get("http://shop.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_dispatch_failed(response, "Worker threw exception")
    message = str(failure.value)
    assert "got 200 with body 'shop'" in message
    assert "worker name read 'shop', found, answered 200" in message
    assert "shop served" in message  # the worker's log tail


def test_dispatch_failed_checks_the_message(get):
    with pytest.raises(AssertionError, match="exit code 7"):
        assert_dispatch_failed(get("http://quits.localhost/"), "CPU time limit")


def test_reached_failure_names_both_workers(get):
    get("http://shop.localhost/")
    response = get("http://nobody.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_reached(response, "shop")
    message = str(failure.value)
    assert "expected the request to reach worker 'shop'" in message
    assert "the request went to 'nobody' in demo-account/demo: not found" in message
    assert "worker name read 'nobody', not found (404)" in message


def test_reached_with_the_emulator_reads_the_journal(dispatch_emu, dispatch_emu_client):
    with pytest.raises(AssertionError, match="no dispatch reached worker 'shop' .*; calls: none"):
        assert_reached(dispatch_emu, "shop")
    dispatch_emu_client.get("http://shop.localhost/")
    dispatch_emu_client.get("http://broken.localhost/")
    assert_reached(dispatch_emu, "shop")
    with pytest.raises(AssertionError, match="'broken' in demo-account/demo: failed: Worker threw exception"):
        assert_reached(dispatch_emu.observer, "broken")  # found, but it failed: not "reached"
    with pytest.raises(AssertionError, match=r"calls: 'shop' in demo-account/demo: answered 200; 'broken'"):
        assert_reached(dispatch_emu, "quits")


def test_logs_of_each_worker(dispatch_emu, dispatch_emu_client, dispatch_emu_logs):
    dispatch_emu_client.get("http://shop.localhost/")
    dispatch_emu_client.get("http://broken.localhost/")
    assert dispatch_emu_logs("shop") == ["shop served"]
    assert dispatch_emu_logs("broken") == ["loading cart", "cart has 3 items"]
    assert worker_logs("broken") == dispatch_emu.observer.lines("broken")
    assert dispatch_emu_logs() == ["shop served", "loading cart", "cart has 3 items"]


def test_the_fixture_makes_its_emulator_current(dispatch_emu):
    assert current_emulator() is dispatch_emu


def test_helpers_work_with_an_explicit_emulator():
    from werkzeug.test import Client

    assert current_emulator() is None
    with Emulator() as emulator:
        emulator.namespace().put_script("broken", wasm=TRAP.wasm)
        response = Client(emulator.app(emulator.dispatcher())).get("/", base_url="http://broken.localhost")
        with pytest.raises(AssertionError, match="no emulator to report on"):
            assert_worker_not_found(response)
        with pytest.raises(AssertionError, match="trap code: TrapCode.UNREACHABLE"):
            assert_worker_not_found(response, emulator=emulator)
        with use_emulator(emulator):
            assert current_emulator() is emulator
            assert_dispatch_failed(response, "Worker threw exception", worker="broken")
            with pytest.raises(AssertionError, match="'broken' in demo-account/demo: failed"):
                assert_reached(response, "broken")
        assert current_emulator() is None
