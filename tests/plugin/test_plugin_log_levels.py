"""A test can read and assert log lines by level; ``assert_logged`` fails on each near miss
(the right text at another level, from another worker, or not written at all)."""

from __future__ import annotations

import pytest

from dispatch_emu.testing import assert_logged, worker_logs

CHECKOUT_JS = """export default {
  async fetch(request) {
    console.log("cart has 3 items");
    console.warn("card expires soon");
    console.error("payment declined");
    return new Response("declined", { status: 402 });
  },
};
"""
SHOP_JS = 'export default { async fetch() { console.log("payment declined"); return new Response("ok"); } };'


@pytest.fixture
def checkout(dispatch_emu, dispatch_emu_client):
    namespace = dispatch_emu.namespace()
    namespace.put_script("checkout", js=CHECKOUT_JS)
    namespace.put_script("shop", js=SHOP_JS)
    assert dispatch_emu_client.get("http://checkout.localhost/").status_code == 402
    assert dispatch_emu_client.get("http://shop.localhost/").status_code == 200


def test_logs_filter_by_level(checkout, dispatch_emu_logs):
    assert dispatch_emu_logs("checkout") == ["cart has 3 items", "card expires soon", "payment declined"]
    assert dispatch_emu_logs("checkout", level="error") == ["payment declined"]
    assert dispatch_emu_logs(level="log") == ["cart has 3 items", "payment declined"]  # checkout's, then shop's
    assert [line.level for line in dispatch_emu_logs("checkout")] == ["log", "warn", "error"]
    assert worker_logs("checkout", level="warn") == ["card expires soon"]
    assert worker_logs("checkout", level="debug") == []


def test_an_unknown_level_is_an_error_not_an_empty_list(checkout, dispatch_emu_logs):
    with pytest.raises(ValueError, match="unknown log level 'warning'"):
        dispatch_emu_logs("checkout", level="warning")
    with pytest.raises(ValueError, match="unknown log level 'ERROR'"):
        assert_logged("payment declined", "checkout", level="ERROR")


def test_assert_logged_passes_on_the_line_at_its_level(checkout):
    assert_logged("payment declined", "checkout", level="error")
    assert_logged("card expires", "checkout", level="warn")  # a part of the line is enough
    assert_logged("cart has 3 items", level="log")
    assert_logged("payment declined")  # any worker, any level


def test_assert_logged_fails_on_the_wrong_level(checkout):
    with pytest.raises(AssertionError) as failure:
        assert_logged("card expires soon", "checkout", level="error")
    message = str(failure.value)
    assert "expected a log line containing 'card expires soon' at level 'error' from worker 'checkout'" in message
    assert "  [warn] checkout: card expires soon" in message  # where it was found instead


def test_assert_logged_fails_on_the_right_level_from_another_worker(checkout):
    # shop logged "payment declined" at level log, checkout at level error
    with pytest.raises(AssertionError, match=r"\[error\] checkout: payment declined"):
        assert_logged("payment declined", "shop", level="error")
    with pytest.raises(AssertionError, match="from worker 'nobody'"):
        assert_logged("payment declined", "nobody")


def test_assert_logged_fails_when_nothing_like_it_was_written(checkout):
    with pytest.raises(AssertionError) as failure:
        assert_logged("refund issued", "checkout")
    message = str(failure.value)
    assert "lines with that text" not in message
    assert "log tail of 'checkout':\n  [log] checkout: cart has 3 items" in message


def test_assert_logged_forgets_earlier_tests(dispatch_emu):
    # the fixture resets the emulator between tests: the lines above are gone
    assert worker_logs() == []
    with pytest.raises(AssertionError, match="no worker wrote a log line"):
        assert_logged("payment declined")


def test_other_helpers_show_the_log_tail_with_levels(dispatch_emu, dispatch_emu_client):
    from dispatch_emu.testing import assert_dispatch_failed

    dispatch_emu.namespace().put_script("checkout", js=CHECKOUT_JS)
    response = dispatch_emu_client.get("http://checkout.localhost/")
    with pytest.raises(AssertionError) as failure:
        assert_dispatch_failed(response, "declined", worker="checkout")  # it answered 402: not a failure
    message = [line.strip() for line in str(failure.value).splitlines()]  # pytest may indent it
    tail = message.index("log tail of 'checkout':")
    assert message[tail + 1:tail + 4] == ["[log] cart has 3 items", "[warn] card expires soon", "[error] payment declined"]
