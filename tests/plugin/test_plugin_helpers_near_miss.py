"""Every assertion helper FAILS on the near miss: wrong worker, 404, 500, another namespace.

A testing library that passes when it should fail is worse than none, so each helper is
checked here against the answers that look almost right.
"""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import WorkerError
from dispatch_emu.programs import worker_program
from dispatch_emu.testing import (
    assert_dispatch_failed,
    assert_reached,
    assert_worker_not_found,
    use_emulator,
)

SHOP = worker_program("respond", body=b"shop")
CART = worker_program("respond", body=b"cart")
TRAP = worker_program("trap", logs=["loading cart"])
OWN_404 = worker_program("respond", status=404, headers=[("content-type", "text/plain")], body=b"")
OWN_500 = worker_program("respond", status=500, body=b"Worker threw exception: not really")

pytestmark = pytest.mark.dispatch_namespace(
    scripts={"shop": SHOP.wasm, "cart": CART.wasm, "broken": TRAP.wasm, "gone": OWN_404.wasm,
             "liar": OWN_500.wasm}
)


@pytest.fixture(params=["werkzeug", "httpx"])
def get(request):
    client = request.getfixturevalue("dispatch_emu_client" if request.param == "werkzeug" else "dispatch_emu_httpx")
    return client.get


@pytest.fixture
def elsewhere(dispatch_emu):
    """A worker named 'ghost' that lives in another namespace than the dispatcher's."""
    dispatch_emu.namespace("customers").put_script("ghost", wasm=SHOP.wasm)


# ----------------------------------------------------------------------- assert_reached(response, worker)


def test_reached_passes_only_on_the_worker_that_answered(get):
    assert_reached(get("http://shop.localhost/"), "shop")
    assert_reached(get("http://cart.localhost/"), "cart")


def test_reached_fails_on_the_wrong_worker(get):
    response = get("http://cart.localhost/")
    with pytest.raises(AssertionError, match="the request went to 'cart' in demo-account/demo: answered 200"):
        assert_reached(response, "shop")


def test_reached_fails_on_worker_not_found(get):
    """The bug of issue 8: the journal named 'ghost' although nothing ran."""
    response = get("http://ghost.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_reached(response, "ghost")
    message = str(failure.value)
    assert "the request went to 'ghost' in demo-account/demo: not found" in message
    assert "dispatcher bound to demo-account/demo, answered 404" in message


def test_reached_fails_on_a_failing_worker(get):
    response = get("http://broken.localhost/")
    with pytest.raises(AssertionError, match="'broken' in demo-account/demo: failed: Worker threw exception"):
        assert_reached(response, "broken")


def test_reached_fails_when_the_worker_lives_in_another_namespace(get, elsewhere):
    response = get("http://ghost.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_reached(response, "ghost")
    message = str(failure.value)
    assert "not found" in message
    assert "note: a worker named 'ghost' exists in namespace demo-account/customers" in message


def test_reached_fails_when_an_earlier_request_reached_the_worker(dispatch_emu, get, dispatch_emu_plugins):
    """A later request that called no worker at all is not credited with an earlier one's call."""
    from dispatch_emu.hookspecs import hookimpl

    class NoName:
        @hookimpl(tryfirst=True)
        def dispatch_emu_resolve_worker(self, request, routing):
            if request.path == "/skip":
                raise WorkerError("Worker not found.")  # the dispatcher answers without a call
            return None

    get("http://shop.localhost/")
    dispatch_emu_plugins.register(NoName())
    response = get("http://shop.localhost/skip")
    with pytest.raises(AssertionError, match="but no worker was called"):
        assert_reached(response, "shop")


# ----------------------------------------------------------------------- assert_reached(emulator, worker)


def test_reached_in_the_journal_fails_on_each_near_miss(dispatch_emu, get, elsewhere):
    get("http://cart.localhost/")
    get("http://ghost.localhost/")
    get("http://broken.localhost/")
    assert_reached(dispatch_emu, "cart")
    with pytest.raises(AssertionError, match="calls: 'cart' in demo-account/demo: answered 200"):
        assert_reached(dispatch_emu, "shop")                      # wrong worker
    with pytest.raises(AssertionError, match="'ghost' in demo-account/demo: not found"):
        assert_reached(dispatch_emu, "ghost")                     # 404 (and another namespace)
    with pytest.raises(AssertionError, match="exists in namespace demo-account/customers"):
        assert_reached(dispatch_emu, "ghost")
    with pytest.raises(AssertionError, match="'broken' in demo-account/demo: failed"):
        assert_reached(dispatch_emu, "broken")                    # 500


def test_reached_in_the_journal_forgets_earlier_tests(dispatch_emu):
    """Nothing ran in this test yet: the reset emptied the journal."""
    with pytest.raises(AssertionError, match="calls: none"):
        assert_reached(dispatch_emu, "shop")


# ----------------------------------------------------------------------- assert_worker_not_found


def test_not_found_passes_with_the_name(get):
    assert_worker_not_found(get("http://nobody.localhost/"), "nobody")


def test_not_found_fails_on_an_answer(get):
    with pytest.raises(AssertionError, match="got 200"):
        assert_worker_not_found(get("http://shop.localhost/"))


def test_not_found_fails_on_a_failure(get):
    with pytest.raises(AssertionError, match="got 500"):
        assert_worker_not_found(get("http://broken.localhost/"))


def test_not_found_fails_on_a_workers_own_empty_404(get):
    response = get("http://gone.localhost/")
    assert response.status_code == 404
    with pytest.raises(AssertionError, match="the 404 came from a worker that was found: 'gone'"):
        assert_worker_not_found(response)


def test_not_found_fails_on_the_wrong_name(get):
    with pytest.raises(AssertionError, match="expected worker 'ghost' not to be found, but the name looked up "
                                             "was 'nobody'"):
        assert_worker_not_found(get("http://nobody.localhost/"), "ghost")


# ----------------------------------------------------------------------- assert_dispatch_failed


def test_dispatch_failed_passes_with_the_worker(get):
    assert_dispatch_failed(get("http://broken.localhost/"), "Worker threw exception", worker="broken")


def test_dispatch_failed_fails_on_an_answer_and_on_404(get):
    with pytest.raises(AssertionError, match="got 200"):
        assert_dispatch_failed(get("http://shop.localhost/"), "Worker")
    with pytest.raises(AssertionError, match="got 404"):
        assert_dispatch_failed(get("http://nobody.localhost/"), "")


def test_dispatch_failed_fails_on_a_workers_own_500(get):
    response = get("http://liar.localhost/")
    assert response.status_code == 500
    with pytest.raises(AssertionError, match="expected a worker to be found and fail, but the calls were: "
                                             "'liar' in demo-account/demo: answered 500"):
        assert_dispatch_failed(response, "Worker threw exception")


def test_dispatch_failed_fails_on_the_wrong_worker(get):
    with pytest.raises(AssertionError, match="expected worker 'shop' to be found and fail"):
        assert_dispatch_failed(get("http://broken.localhost/"), "Worker threw exception", worker="shop")


def test_dispatch_failed_names_another_namespace(dispatch_emu, get):
    dispatch_emu.namespace("customers").put_script("crash", wasm=TRAP.wasm)
    dispatch_emu.namespace().put_script("crash2", wasm=TRAP.wasm)
    response = get("http://crash2.localhost/")
    with pytest.raises(AssertionError, match="exists in namespace demo-account/customers"):
        assert_dispatch_failed(response, "Worker threw exception", worker="crash")


def test_dispatch_failed_accepts_a_failing_dispatcher_function():
    """Cloudflare's 1101: the platform's own code raised; no worker failed."""
    def fetch(request, env):
        raise KeyError("X-Customer")

    with Emulator() as emulator, use_emulator(emulator):
        response = Client(emulator.app(emulator.dispatcher(fetch=fetch))).get("/")
        assert_dispatch_failed(response, "error code: 1101")
        with pytest.raises(AssertionError) as failure:
            assert_dispatch_failed(response, "error code: 1101", worker="shop")
        message = str(failure.value)
        assert "the dispatcher function failed: Worker threw exception: KeyError" in message
        assert "raise KeyError" in message  # the traceback's tail


def test_direct_stub_calls_count_as_the_latest_exchange():
    """A ``stub.fetch()`` made after a request is what the next assertion is about."""
    with Emulator() as emulator, use_emulator(emulator):
        handle = emulator.namespace()
        handle.put_script("shop", wasm=SHOP.wasm)
        response = Client(emulator.app(emulator.dispatcher())).get("/", base_url="http://shop.localhost")
        assert_reached(response, "shop")
        with pytest.raises(WorkerError):
            handle.binding().get("cart").fetch("http://cart.localhost/")
        with pytest.raises(AssertionError, match="the request went to 'cart' in demo-account/demo: not found"):
            assert_reached(response, "shop")
        answer = handle.binding().get("shop").fetch("http://shop.localhost/")
        assert_reached(answer, "shop")
