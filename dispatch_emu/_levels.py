"""The level of a worker's log line: ``log``, ``info``, ``debug``, ``warn`` or ``error``.

These are the levels workerd gives a worker's console lines (and wrangler shows, and a
tail worker receives): ``console.log``, ``console.info``, ``console.debug``,
``console.warn`` and ``console.error`` each log at their own level. A wasm worker's
stderr is ``error``; the reactor ABI's ``log`` call is ``log``.

A worker's log lines travel as strings everywhere (``GuestResponse.logs``,
``WorkerError.logs``, the lists a test reads), so the level rides on the string: a line
written at a level is a :class:`LogLine`, a ``str`` whose ``level`` says which. A plain
``str`` is at level ``log``, so code that builds log lists by hand keeps working:

>>> line = log_line("disk almost full", "warn")
>>> line == "disk almost full", level_of(line), level_of("plain text")
(True, 'warn', 'log')
>>> level_of(line.upper())  # a str method makes a plain str: the level stays behind
'log'
>>> check_level("warning")
Traceback (most recent call last):
...
ValueError: unknown log level 'warning': one of log, info, debug, warn, error
"""

from __future__ import annotations

from typing import ClassVar

#: Every level, as workerd spells them.
LEVELS: tuple[str, ...] = ("log", "info", "debug", "warn", "error")

#: The level of a line that says nothing else.
DEFAULT_LEVEL = "log"


class LogLine(str):
    """A log line at level ``log``; the subclasses below carry the other levels.

    One class per level (and no instance attribute) keeps a line as small as a ``str``.
    """

    __slots__ = ()
    level: ClassVar[str] = "log"


class InfoLine(LogLine):
    __slots__ = ()
    level = "info"


class DebugLine(LogLine):
    __slots__ = ()
    level = "debug"


class WarnLine(LogLine):
    __slots__ = ()
    level = "warn"


class ErrorLine(LogLine):
    __slots__ = ()
    level = "error"


_CLASSES: dict[str, type[LogLine]] = {cls.level: cls for cls in (LogLine, InfoLine, DebugLine, WarnLine, ErrorLine)}


def check_level(level: str) -> str:
    """``level`` if it is one of :data:`LEVELS`, else a ``ValueError`` naming them (a typo
    such as ``"warning"`` must not quietly match nothing)."""
    if level not in _CLASSES:
        raise ValueError(f"unknown log level {level!r}: one of {', '.join(LEVELS)}")
    return level


def line_class(level: str) -> type[LogLine]:
    """The :class:`LogLine` class of ``level`` (``ValueError`` for an unknown level)."""
    try:
        return _CLASSES[level]
    except KeyError:
        check_level(level)
        raise


def log_line(text: str, level: str = DEFAULT_LEVEL) -> LogLine:
    """``text`` as a line at ``level`` (one of :data:`LEVELS`)."""
    cls = _CLASSES[check_level(level)]
    return text if type(text) is cls else cls(text)  # type: ignore[return-value]


def level_of(line: str) -> str:
    """The level of a log line: its own for a :class:`LogLine`, ``log`` for a plain ``str``."""
    return line.level if isinstance(line, LogLine) else DEFAULT_LEVEL


__all__ = ["DEFAULT_LEVEL", "LEVELS", "DebugLine", "ErrorLine", "InfoLine", "LogLine", "WarnLine",
           "check_level", "level_of", "line_class", "log_line"]
