"""Worker programs: small WAGI workers of a chosen behaviour that know what they will do.

A :class:`WorkerProgram` is a WASI command module speaking CGI (see ``docs/abi.md``),
written as WebAssembly text and compiled with ``wasmtime.wat2wasm``, together with the
answer it gives or the failure it causes, so a test can upload one and assert exactly
what a dispatch answers. No Hypothesis is needed here; :mod:`dispatch_emu.strategies`
generates programs of every kind from this module.

>>> program = worker_program("respond", status=201, body=b"made")
>>> program.status, program.expected_body(), program.fails
(201, b'made', False)
>>> program.wasm[:4]
b'\\x00asm'
>>> worker_program("exit", exit_code=3).message
'Worker exited with code 3.'

``program.wat`` shows the source when a test fails. Kinds:

=========== =============================================================================
``respond`` logs its lines, answers ``status`` with ``headers`` and ``body``
``echo``    answers 200 with the request body as its body
``trap``    logs, then executes ``unreachable``: the dispatch fails, trap code UNREACHABLE
``exit``    logs, then exits with a non-zero code: "Worker exited with code N."
``loop``    logs, then loops forever: stopped by its CPU budget (``put_options`` sets a small one)
=========== =============================================================================

"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dispatch_emu.errors import CpuLimitExceeded, WorkerError, WorkerException

KINDS = ("respond", "echo", "trap", "exit", "loop")

#: CPU budget given to ``loop`` programs so a runaway loop is stopped quickly.
LOOP_CPU_MS = 5


@dataclass(frozen=True)
class WorkerProgram:
    """A generated worker and the behaviour it will show when dispatched to.

    ``status``/``headers``/``body`` describe the answer of a ``respond`` program (an
    ``echo`` answers 200 with the request body: use :meth:`expected_body`); for failing
    kinds ``error`` is the ``WorkerError`` subclass the stub's ``fetch()`` raises (its
    ``status`` is the dispatcher's: :attr:`expected_status`) and ``message`` the text the
    seed dispatcher puts in the body. ``logs`` are the lines (level ``error``)
    written to stderr before anything else. ``put_options`` go to ``put_script``.
    """

    kind: str
    wat: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    logs: tuple[str, ...] = ()
    exit_code: int | None = None
    error: type[WorkerError] | None = None
    message: str | None = None
    trap_code: str | None = None
    put_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def wasm(self) -> bytes:
        return _compile(self.wat)

    @property
    def fails(self) -> bool:
        return self.error is not None

    @property
    def expected_status(self) -> int | None:
        """The status the seed dispatcher answers: the program's own, or its error class's."""
        return self.error.status if self.error is not None else self.status

    def expected_body(self, request_body: bytes = b"") -> bytes:
        return request_body if self.kind == "echo" else self.body

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis' pretty printer
        printer.text(repr(self))

    def __repr__(self) -> str:  # short: the WAT is long and Hypothesis prints examples
        detail = {
            "respond": f"status={self.status}, headers={list(self.headers)}, body={self.body[:40]!r}",
            "exit": f"exit_code={self.exit_code}",
        }.get(self.kind, "")
        return f"WorkerProgram({self.kind!r}, logs={list(self.logs)}{', ' + detail if detail else ''})"


@functools.lru_cache(maxsize=512)
def _compile(wat: str) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(wat))


def _wat_bytes(data: bytes) -> str:
    return "".join(f"\\{byte:02x}" for byte in data)


def _wat(stdout: bytes, stderr: bytes, ending: str, echo: bool) -> str:
    out_at = 1024
    err_at = out_at + len(stdout)
    buffer_at = (err_at + len(stderr) + 65535) // 65536 * 65536
    pages = buffer_at // 65536 + 1
    echo_code = f"""
    (block $done
      (loop $more
        (i32.store (i32.const 16) (i32.const {buffer_at}))
        (i32.store (i32.const 20) (i32.const 65536))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br_if $done (i32.eqz (i32.load (i32.const 24))))
        (call $write (i32.const 1) (i32.const {buffer_at}) (i32.load (i32.const 24)))
        (br $more)))""" if echo else ""
    return f"""(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") {pages})
  (data (i32.const {out_at}) "{_wat_bytes(stdout)}")
  (data (i32.const {err_at}) "{_wat_bytes(stderr)}")
  ;; write all of [ptr, ptr+len) to fd, however the host splits it
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))
  (func (export "_start")
    (call $write (i32.const 2) (i32.const {err_at}) (i32.const {len(stderr)}))
    (call $write (i32.const 1) (i32.const {out_at}) (i32.const {len(stdout)})){echo_code}
    {ending}))
"""


def _cgi_head(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"Status: {status}"] + [f"{name}: {value}" for name, value in headers]
    return ("\n".join(lines) + "\n\n").encode("latin-1")


def worker_program(
    kind: str = "respond",
    *,
    status: int = 200,
    headers: Sequence[tuple[str, str]] = (("content-type", "text/plain"),),
    body: bytes = b"",
    logs: Sequence[str] = (),
    exit_code: int = 1,
) -> WorkerProgram:
    """Build one :class:`WorkerProgram` of ``kind`` (see the table in the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown worker program kind {kind!r}; choose from {', '.join(KINDS)}")
    if any("\n" in line or "\r" in line for line in logs):
        raise ValueError("log lines may not contain line breaks")
    stderr = "".join(f"{line}\n" for line in logs).encode()
    headers = tuple(headers)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers = (("content-type", "text/plain"), *headers)
    logs = tuple(logs)
    if kind == "respond":
        return WorkerProgram(kind, _wat(_cgi_head(status, headers) + body, stderr, "", False),
                             status=status, headers=headers, body=body, logs=logs)
    if kind == "echo":
        echo_headers = (("content-type", "application/octet-stream"),)
        return WorkerProgram(kind, _wat(_cgi_head(200, echo_headers), stderr, "", True),
                             status=200, headers=echo_headers, logs=logs)
    if kind == "trap":
        return WorkerProgram(kind, _wat(b"", stderr, "(unreachable)", False), logs=logs,
                             error=WorkerException, message="Worker threw exception",
                             trap_code=str(_trap_unreachable()))
    if kind == "exit":
        if not 1 <= exit_code <= 125:
            raise ValueError("exit_code must be between 1 and 125")
        return WorkerProgram(kind, _wat(b"", stderr, f"(call $proc_exit (i32.const {exit_code}))", False),
                             logs=logs, exit_code=exit_code, error=WorkerException,
                             message=f"Worker exited with code {exit_code}.")
    return WorkerProgram(kind, _wat(b"", stderr, "(loop $forever (br $forever))", False), logs=logs,
                         error=CpuLimitExceeded, message=CpuLimitExceeded.default_message,
                         put_options={"limits": {"cpu_ms": LOOP_CPU_MS}})


def _trap_unreachable() -> object:
    import wasmtime

    return wasmtime.TrapCode.UNREACHABLE


__all__ = ["KINDS", "LOOP_CPU_MS", "WorkerProgram", "worker_program"]
