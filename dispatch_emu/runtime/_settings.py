"""Runtime settings and per-request execution limits.

:class:`RuntimeSettings` holds the defaults of one :class:`~dispatch_emu.runtime.Runtime`;
:class:`ExecutionLimits` holds the limits of one request, where ``None`` means "use the
setting". Build the limits of a dispatch with :meth:`ExecutionLimits.resolve`::

    limits = ExecutionLimits.resolve(
        settings,
        script_limits={"cpu_ms": 50},                     # the script's settings.limits
        dispatch_limits={"cpuMs": 10, "subRequests": 5},  # options.limits of the dispatch
    )

CPU time is measured in *fuel*, wasmtime's deterministic instruction count, so a limit
trips at the same instruction on every machine. :data:`FUEL_PER_MS` converts: it was
measured on the reference machine (2 shared cores) where a tight wasm loop burns about
0.9 million fuel per millisecond, so a ``cpu_ms`` of 1000 stops a runaway loop after
roughly one second of wall time. Wall time is measured with epoch interruption: one
timer thread per engine ticks every :data:`EPOCH_TICK_MS` milliseconds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from dispatch_emu._levels import DEFAULT_LEVEL, level_of, line_class, log_line

#: Fuel units granted per millisecond of ``cpu_ms`` (measured: ~0.88 M fuel/ms for a tight loop).
FUEL_PER_MS = 1_000_000

#: Period of the epoch timer thread; wall-time limits are rounded up to whole ticks.
EPOCH_TICK_MS = 10

#: Bytes of log output (stderr, log calls) kept per request; the rest is dropped with a note.
LOG_LIMIT = 1 << 20
#: The note that ends a log past the cap, at level "warn" (as workerd marks its own).
LOG_TRUNCATED = log_line(f"[dispatch_emu: log truncated at {LOG_LIMIT} bytes]", "warn")

#: Environment variable naming the on-disk cache directory of compiled modules.
CACHE_DIR_ENV = "DISPATCH_EMU_CACHE_DIR"


@dataclass
class RuntimeSettings:
    """Defaults of a runtime; every field of :class:`ExecutionLimits` falls back here."""

    cpu_ms: int = 1000
    wall_ms: int = 2000
    memory_bytes: int = 128 * 2**20
    output_bytes: int = 16 * 2**20
    #: Workers for Platforms accounts are on a paid plan: 10,000 subrequests a request
    #: (the free plan's is 50)
    subrequests: int = 10_000
    cache_dir: str | None = None
    reuse_instances: bool = True
    #: bytes of memory the idle reused instances may hold, per pool (reactor, JavaScript)
    pool_bytes: int = 256 * 2**20
    #: run one guest at a time in the whole process (as before guests ran concurrently)
    serialize_guests: bool = False

    def __post_init__(self) -> None:
        if self.cache_dir is None:
            self.cache_dir = os.environ.get(CACHE_DIR_ENV) or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> RuntimeSettings:
        """Settings from ``DISPATCH_EMU_<FIELD>`` variables (e.g. ``DISPATCH_EMU_CPU_MS=50``).

        Booleans accept ``1/true/yes/on`` and ``0/false/no/off``. Keyword ``overrides`` win.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(f"DISPATCH_EMU_{field.name.upper()}")
            if raw is None or field.name in overrides:
                continue
            if field.name == "cache_dir":
                values[field.name] = raw or None
            elif field.name in ("reuse_instances", "serialize_guests"):
                values[field.name] = _parse_bool(field.name, raw)
            else:
                values[field.name] = int(raw)
        values.update(overrides)
        return cls(**values)


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"DISPATCH_EMU_{name.upper()} must be a boolean, not {raw!r}")


@dataclass(frozen=True)
class ExecutionLimits:
    """The limits of one request; ``None`` fields take the runtime's settings."""

    cpu_ms: int | None = None
    wall_ms: int | None = None
    memory_bytes: int | None = None
    output_bytes: int | None = None
    subrequests: int | None = None
    #: ``options.limits.subRequests`` set the subrequest limit: past it the worker fails at
    #: once (the contract). Past the plan's limit only the ``fetch()`` rejects (catchably).
    subrequests_strict: bool = False

    def filled(self, settings: RuntimeSettings) -> ExecutionLimits:
        """A copy with every ``None`` replaced by the matching setting (``self`` if none is)."""
        if None not in (self.cpu_ms, self.wall_ms, self.memory_bytes, self.output_bytes, self.subrequests):
            return self  # frozen, so sharing is safe; dispatches pass filled limits
        return ExecutionLimits(
            **{
                f.name: getattr(settings, f.name) if getattr(self, f.name) is None else getattr(self, f.name)
                for f in fields(self)
            }
        )

    @classmethod
    def resolve(
        cls,
        settings: RuntimeSettings,
        script_limits: Mapping[str, Any] | None = None,
        dispatch_limits: Mapping[str, Any] | None = None,
    ) -> ExecutionLimits:
        """Merge the settings, a script's ``limits`` and a dispatch's ``options.limits``.

        * ``script_limits`` is the script's ``settings.limits`` (``{"cpu_ms": N}``). An
          explicit value *replaces* the runtime default, up or down, as an account's
          per-script CPU limit does on Cloudflare.
        * ``dispatch_limits`` is ``options.limits`` of ``env.DISPATCHER.get()``
          (``{"cpuMs": N, "subRequests": M}``). It can only *tighten*: the smaller value wins.

        Unknown keys are ignored; a value that is not a non-negative integer raises ``ValueError``.
        """
        cpu_ms = settings.cpu_ms
        subrequests = settings.subrequests
        strict = False
        if script_limits:
            explicit = _limit_value(script_limits, "cpu_ms")
            if explicit is not None:
                cpu_ms = explicit
        if dispatch_limits:
            tighter = _limit_value(dispatch_limits, "cpuMs")
            if tighter is not None:
                cpu_ms = min(cpu_ms, tighter)
            tighter = _limit_value(dispatch_limits, "subRequests")
            if tighter is not None:
                strict = tighter <= subrequests
                subrequests = min(subrequests, tighter)
        return replace(cls().filled(settings), cpu_ms=cpu_ms, subrequests=subrequests, subrequests_strict=strict)

    def fuel(self) -> int:
        """The fuel budget of ``cpu_ms`` (the limits must be filled)."""
        assert self.cpu_ms is not None
        return max(1, self.cpu_ms * FUEL_PER_MS)

    def epoch_ticks(self) -> int:
        """Epoch ticks until the wall deadline; one extra tick because the first may be partial."""
        assert self.wall_ms is not None
        return max(1, math.ceil(self.wall_ms / EPOCH_TICK_MS)) + 1


def _limit_value(limits: Mapping[str, Any], key: str) -> int | None:
    value = limits.get(key)
    if value is None:
        return None
    # bool is an int subclass; True as a CPU limit is a caller bug, not 1 ms
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ValueError(f"limit {key!r} must be a non-negative integer, not {value!r}")
    return int(value)


def add_log_text(lines: list[str], size: int, text: str, level: str | None = None) -> int:
    """Append ``text``'s lines to a worker's log unless :data:`LOG_LIMIT` bytes (of UTF-8)
    are kept already; the first time the cap is passed, a note says so. Returns the new size.

    Each line is at ``level`` (:mod:`dispatch_emu._levels`), or at ``text``'s own level when
    none is given (a line kept earlier and added again keeps its level)."""
    if size > LOG_LIMIT:
        return size
    size += len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
    if level is None:
        level = level_of(text)
    split = text.splitlines() or [""]
    if level == DEFAULT_LEVEL:
        lines.extend(split)  # plain strs are at level "log": the common case costs no copy
    else:
        cls = line_class(level)
        lines.extend([cls(line) for line in split])
    if size > LOG_LIMIT:
        lines.append(LOG_TRUNCATED)
    return size


__all__ = [
    "CACHE_DIR_ENV",
    "EPOCH_TICK_MS",
    "FUEL_PER_MS",
    "LOG_LIMIT",
    "LOG_TRUNCATED",
    "ExecutionLimits",
    "RuntimeSettings",
    "add_log_text",
]
