"""The corpus comparison itself: it must tell every near miss apart from a match."""

from __future__ import annotations

from corpus import IGNORED_HEADERS, differences, normalise

HEADERS = [
    ("Content-Type", "application/json"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Path=/"),
    ("Date", "Mon, 07 Dec 2026 17:00:00 GMT"),
    ("Content-Length", "11"),
]
BASE = normalise(200, HEADERS, b'{"ok":true}')


def test_transport_headers_are_dropped_and_the_rest_kept_in_order() -> None:
    assert BASE["headers"] == [
        ["content-type", "application/json"],
        ["set-cookie", "a=1; Path=/"],
        ["set-cookie", "b=2; Path=/"],
    ]
    assert {"date", "content-length", "cf-ray", "server"} <= IGNORED_HEADERS
    # a different date or framing is still the same answer
    other = normalise(200, [*HEADERS[:3], ("date", "Tue, 08 Dec 2026 00:00:00 GMT")], b'{"ok":true}')
    assert differences(other, BASE) == []


def test_every_near_miss_is_a_difference() -> None:
    assert differences(normalise(201, HEADERS, b'{"ok":true}'), BASE) == ["status 201 != 200"]
    assert differences(normalise(200, HEADERS, b'{"ok":true }'), BASE)
    assert differences(normalise(200, HEADERS[:2], b'{"ok":true}'), BASE)  # a set-cookie missing
    swapped = [HEADERS[0], HEADERS[2], HEADERS[1]]
    assert differences(normalise(200, swapped, b'{"ok":true}'), BASE) == ["headers: order"]
    charset = [("Content-Type", "application/json; charset=utf-8"), *HEADERS[1:]]
    assert differences(normalise(200, charset, b'{"ok":true}'), BASE)
    extra = [*HEADERS, ("X-Extra", "1")]
    assert differences(normalise(200, extra, b'{"ok":true}'), BASE)
    assert (
        differences(
            normalise(200, [("Content-type", "application/json"), *HEADERS[1:]], b'{"ok":true}'), BASE
        )
        == []
    )


def test_large_and_binary_bodies() -> None:
    big = b"x" * (64 * 1024 + 1)
    assert set(normalise(200, [], big)) == {"status", "headers", "body_length", "body_sha256"}
    assert differences(normalise(200, [], big), normalise(200, [], big[:-1] + b"y"))
    binary = normalise(200, [], bytes(range(256)))
    assert "body_base64" in binary and differences(binary, normalise(200, [], bytes(range(255))))


def test_multipart_boundaries_are_normalised() -> None:
    one = normalise(
        200, [("Content-Type", "multipart/form-data; boundary=abc123")], b"--abc123\r\nx\r\n--abc123--"
    )
    two = normalise(200, [("Content-Type", "multipart/form-data; boundary=zz9")], b"--zz9\r\nx\r\n--zz9--")
    assert one == two and one["headers"] == [["content-type", "multipart/form-data; boundary=<boundary>"]]
    three = normalise(200, [("Content-Type", "multipart/form-data; boundary=zz9")], b"--zz9\r\ny\r\n--zz9--")
    assert differences(three, one)


def test_a_header_recorded_as_varying_matches_any_value_but_must_be_there() -> None:
    recorded = normalise(200, [("Set-Cookie", "a=1"), ("Set-Cookie", "<varies>"), ("X-Id", "7")], b"")
    assert (
        differences(
            normalise(200, [("Set-Cookie", "a=1"), ("Set-Cookie", "sid=9"), ("X-Id", "7")], b""), recorded
        )
        == []
    )
    assert differences(
        normalise(200, [("Set-Cookie", "a=2"), ("Set-Cookie", "sid=9"), ("X-Id", "7")], b""), recorded
    )
    assert differences(normalise(200, [("Set-Cookie", "a=1"), ("X-Id", "7")], b""), recorded)
