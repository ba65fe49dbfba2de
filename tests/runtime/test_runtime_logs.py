"""The log cap shared by every ABI: lines kept up to LOG_LIMIT bytes, then one note."""

from __future__ import annotations

from dispatch_emu.runtime._settings import LOG_LIMIT, LOG_TRUNCATED, add_log_text


def test_log_lines_are_kept_until_the_cap_then_noted_once() -> None:
    lines: list[str] = []
    size = add_log_text(lines, 0, "first\nsecond")
    assert lines == ["first", "second"] and size == len("first\nsecond")
    size = add_log_text(lines, size, "x" * LOG_LIMIT)  # passes the cap: kept, then the note
    assert lines[-1] == LOG_TRUNCATED and len(lines) == 4
    assert add_log_text(lines, size, "dropped") == size
    assert "dropped" not in lines and lines.count(LOG_TRUNCATED) == 1


def test_an_empty_write_is_an_empty_line() -> None:
    lines: list[str] = []
    add_log_text(lines, 0, "")
    assert lines == [""]


def test_the_cap_counts_utf8_bytes_not_characters():
    lines: list[str] = []
    text = "é" * (LOG_LIMIT // 2 + 1)  # fewer characters than the cap, more bytes
    size = add_log_text(lines, 0, text)
    assert size == len(text.encode())
    assert lines == [text, LOG_TRUNCATED]
    assert add_log_text(lines, size, "dropped") == size
