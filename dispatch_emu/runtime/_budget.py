"""One memory limit for everything a module can allocate: all its memories and tables together.

wasmtime's store limits are per item (``memory_size`` caps *each* memory, and
``table_elements`` *each* table), and a wasm module may declare many memories and tables
and grow tables by hundreds of millions of elements. So the runtime splits a request's
``memory_bytes`` over what the module declares (all are known when it is instantiated;
none can be added later):

* a module with tables sets aside :data:`TABLE_SHARE` of the limit for them, shared
  equally: each table may hold ``reserve / (tables × 8 bytes)`` elements (wasmtime
  stores each element in 8 bytes);
* the rest is shared equally by its memories (a module with one memory, the usual
  case, has it all, or all but the table share);
* the store may hold as many memories and tables as the module declares and one
  instance, so nothing else can be created in it.

So the memories and tables of a request together never pass ``memory_bytes``. A grow
past its share fails (``memory.grow`` and ``table.grow`` return -1 at once), and a
module whose declared minimum does not fit fails to instantiate with
:class:`~dispatch_emu.errors.MemoryLimitExceeded`. When a guest fails while one of the
memories or tables it exports is near its share, the failure is reported as the memory
limit's doing (:meth:`MemoryBudget.near_cap`).
"""

from __future__ import annotations

from dataclasses import dataclass

import wasmtime

from dispatch_emu.runtime import _fastcalls as fast

WASM_PAGE = 65536

#: Part of the memory limit set aside for tables, in a module that has any.
TABLE_SHARE = 1 / 16

#: Bytes wasmtime uses per table element.
TABLE_ELEMENT_BYTES = 8

#: Smallest headroom under a cap that still counts as "near the cap" (memories).
MEMORY_MARGIN = 1 << 20


@dataclass(frozen=True)
class MemoryBudget:
    """How ``limit`` bytes are shared by one module's memories and tables."""

    limit: int
    memories: int
    tables: int
    memory_cap: int  # bytes, per memory
    table_cap: int  # elements, per table
    memory_minimums: tuple[int, ...]  # bytes
    table_minimums: tuple[int, ...]  # elements

    @classmethod
    def of(cls, wasm: bytes, limit: int) -> MemoryBudget:
        """The budget of the module ``wasm`` (its binary: wasmtime-py lists only the
        memories and tables a module imports or exports, not all it declares)."""
        memories, tables = declared(wasm)
        n_memories = max(1, len(memories))
        reserve = int(limit * TABLE_SHARE) if tables else 0
        return cls(
            limit=limit,
            memories=n_memories,
            tables=len(tables),
            memory_cap=max(0, (limit - reserve) // n_memories) // WASM_PAGE * WASM_PAGE,
            table_cap=reserve // (max(1, len(tables)) * TABLE_ELEMENT_BYTES),
            memory_minimums=tuple(pages * WASM_PAGE for pages in memories),
            table_minimums=tuple(tables),
        )

    def apply(self, store: wasmtime.Store) -> None:
        store.set_limits(
            memory_size=self.memory_cap,
            table_elements=self.table_cap,
            instances=1,
            tables=self.tables,
            memories=self.memories,
        )

    def shortfall(self) -> str | None:
        """Why the module cannot be instantiated under this budget, or ``None``."""
        need = sum(self.memory_minimums)
        if need > self.limit or any(m > self.memory_cap for m in self.memory_minimums):
            return f"the module needs {need} bytes of memory, the limit is {self.limit}"
        if any(t > self.table_cap for t in self.table_minimums):
            elements = max(self.table_minimums)
            return (
                f"the module declares a table of {elements} elements ({elements * TABLE_ELEMENT_BYTES} bytes); "
                f"its share of the {self.limit}-byte memory limit holds {self.table_cap}"
            )
        return None

    def memory_near_cap(self, memory: wasmtime.Memory, store: wasmtime.Store) -> bool:
        """Whether ``memory`` (one of the module's) is near its share: the quick check of
        a request that succeeded, before its instance goes back to a pool."""
        return self.memory_cap - fast.memory_len(store, memory) < max(MEMORY_MARGIN, self.memory_cap // 8)

    def near_cap(self, instance: wasmtime.Instance | None, store: wasmtime.Store) -> str | None:
        """``"memory"`` or ``"table"`` when one ``instance`` exports is near its share (a
        refused grow is the likely cause of a failure), else ``None``."""
        if instance is None:
            return None
        try:
            exports = instance.exports(store)
            for name in exports:
                item = exports[name]
                if isinstance(item, wasmtime.Memory):
                    if self.memory_cap - fast.memory_len(store, item) < max(MEMORY_MARGIN, self.memory_cap // 8):
                        return "memory"
                elif isinstance(item, wasmtime.Table):
                    if self.table_cap - item.size(store) < max(1, self.table_cap // 8):
                        return "table"
        except wasmtime.WasmtimeError:
            return None
        return None


def declared(wasm: bytes) -> tuple[list[int], list[int]]:
    """The minimum sizes of the memories (pages) and tables (elements) ``wasm`` imports
    or defines, from its binary (the module is valid: it compiled). A minimum that
    cannot be read (an encoding this reader does not know) counts as 0."""
    memories: list[int] = []
    tables: list[int] = []
    pos = 8
    while pos < len(wasm):
        section = wasm[pos]
        size, pos = _leb(wasm, pos + 1)
        body = wasm[pos : pos + size]
        pos += size
        if section == 2:  # imports
            count, at = _leb(body, 0)
            for _ in range(count):
                for _name in range(2):
                    length, at = _leb(body, at)
                    at += length
                kind = body[at]
                at += 1
                if kind == 0:  # function: type index
                    _, at = _leb(body, at)
                elif kind == 1:  # table: reftype, limits
                    at = _skip_reftype(body, at)
                    minimum, at = _limits(body, at)
                    tables.append(minimum)
                elif kind == 2:  # memory
                    minimum, at = _limits(body, at)
                    memories.append(minimum)
                elif kind == 3:  # global: valtype, mutability
                    at = _skip_reftype(body, at) + 1
                else:  # a tag or an unknown kind: nothing after it is read
                    break
        elif section == 4:  # tables
            count, at = _leb(body, 0)
            for _ in range(count):
                if at >= len(body) or body[at] == 0x40:  # a table with an initializer
                    tables.append(0)
                    at = len(body)
                    continue
                at = _skip_reftype(body, at)
                minimum, at = _limits(body, at)
                tables.append(minimum)
        elif section == 5:  # memories
            count, at = _leb(body, 0)
            for _ in range(count):
                minimum, at = _limits(body, at)
                memories.append(minimum)
    return memories, tables


def _leb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return result, pos


def _limits(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        return 0, pos
    flags = data[pos]
    minimum, pos = _leb(data, pos + 1)
    if flags & 1:
        _, pos = _leb(data, pos)
    if flags & 8:  # custom page size: its log2 follows
        _, pos = _leb(data, pos)
    return minimum, pos


def _skip_reftype(data: bytes, pos: int) -> int:
    if pos < len(data) and data[pos] in (0x63, 0x64):  # (ref null? heaptype)
        _, pos = _leb(data, pos + 1)
        return pos
    return pos + 1


__all__ = ["MEMORY_MARGIN", "TABLE_ELEMENT_BYTES", "TABLE_SHARE", "WASM_PAGE", "MemoryBudget", "declared"]
