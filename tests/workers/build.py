"""Rebuild every worker fixture: ``python tests/workers/build.py [name ...]``.

* ``tests/workers/reactor/*.wat`` and ``dispatch_emu/demo/*.wat`` → ``.wasm`` with
  ``wasmtime.wat2wasm`` (no compiler needed). Each ``(data ...)`` line that ends in a
  ``;; N bytes`` comment is checked, because the code passes those lengths by hand.
* ``tests/workers/wagi/*.c`` → ``.wasm`` with zig's clang for wasm32-wasi
  (``pip install ziglang``; the first build takes ~30 s to build wasi-libc).

The built ``.wasm`` files are committed, so tests never need a compiler. Give names
(``hello``, ``echo``) to rebuild only those.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import wasmtime

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WAT_DIRS = [HERE / "reactor", HERE / "hostile", ROOT / "dispatch_emu" / "demo"]
C_DIRS = [HERE / "wagi"]

_DATA = re.compile(r'\(data \(i32\.const \d+\) "((?:[^"\\]|\\.)*)"\)+\s*;;\s*(\d+) bytes?')


def wat_string_length(literal: str) -> int:
    """Length in bytes of a WAT string literal body (escapes: \\n \\t \\\\ \\" \\' \\hh)."""
    out = bytearray()
    i = 0
    while i < len(literal):
        ch = literal[i]
        if ch != "\\":
            out += ch.encode()
            i += 1
            continue
        nxt = literal[i + 1]
        if nxt in "nt\\\"'r":
            out.append({"n": 10, "t": 9, "\\": 92, '"': 34, "'": 39, "r": 13}[nxt])
            i += 2
        else:
            out.append(int(literal[i + 1 : i + 3], 16))
            i += 3
    return len(out)


def check_lengths(source: Path) -> None:
    for number, line in enumerate(source.read_text().splitlines(), 1):
        match = _DATA.search(line)
        if match and wat_string_length(match.group(1)) != int(match.group(2)):
            raise SystemExit(
                f"{source}:{number}: data is {wat_string_length(match.group(1))} bytes, comment says {match.group(2)}"
            )


def build_wat(source: Path) -> Path:
    check_lengths(source)
    target = source.with_suffix(".wasm")
    target.write_bytes(wasmtime.wat2wasm(source.read_text()))
    return target


def build_c(source: Path) -> Path:
    target = source.with_suffix(".wasm")
    subprocess.run(
        [sys.executable, "-m", "ziglang", "cc", "--target=wasm32-wasi", "-O2", "-s", str(source), "-o", str(target)],
        check=True,
    )
    return target


def main(names: list[str]) -> None:
    wanted = set(names)
    jobs = [(p, build_wat) for d in WAT_DIRS for p in sorted(d.glob("*.wat"))]
    jobs += [(p, build_c) for d in C_DIRS for p in sorted(d.glob("*.c"))]
    for source, build in jobs:
        if wanted and source.stem not in wanted:
            continue
        target = build(source)
        print(f"{target.relative_to(ROOT)}  {target.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
