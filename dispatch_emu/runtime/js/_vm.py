"""The JavaScript request path on a QuickJS guest: :class:`QuickJsVm` drives one context's
prelude through raw guest handles (the request in and the outcome out in a dozen
crossings), serves the prelude's host calls packed (:mod:`._hostwire`), and takes and
restores :class:`VmImage`\\ s (the instance's memory once the prelude has run).

Part of the quickjs-rs adapter (:mod:`dispatch_emu.runtime.js._quickjs`, whose fast export
calls and result-buffer reads it uses): it reaches below quickjs-rs's public API for the
context's host function registry and the instance it drives.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dispatch_emu.runtime.js import _quickjs as qjs
from dispatch_emu.runtime.js._hostwire import wired
from dispatch_emu.runtime.js._quickjs import (
    _ARGV_SLOTS,
    _I32,
    _PAIR,
    _SCRATCH_MIN,
    _STATUS_JS_ERROR,
    _STATUS_OK,
    HOST_FUNCTION,
    arm_stack_check,
    install_fast_calls,
    result_field,
)
from dispatch_emu.runtime.js._quickjs_engine import _HOST_CALL_ERROR


def vm_source() -> str:
    """``vm.js``: the entry points :class:`QuickJsVm` calls, over the prelude's."""
    global _VM_SOURCE
    if _VM_SOURCE is None:
        from importlib import resources

        _VM_SOURCE = resources.files("dispatch_emu.runtime.js").joinpath("vm.js").read_text("utf-8")
    return _VM_SOURCE


_VM_SOURCE: str | None = None


#: Granularity of an image's difference from a new instance's memory.
_PAGE = 4096
#: The most promise jobs the engine's ``execute_pending_jobs`` runs before it returns.
JOB_BATCH = 100_000


@dataclass(frozen=True)
class VmImage:
    """An instance's state once the prelude ran: its linear memory, its stack pointer,
    and the raw handles :class:`QuickJsVm` keeps (valid in any instance restored from it).

    The memory is kept as the runs of pages that differ from a new instance's memory
    (about a third of it for the prelude), so a restore into a new instance writes only
    those; and whole, which a recycled instance (any page of it may have been written) is
    reset to.
    """

    size: int  # bytes of linear memory
    runs: tuple[tuple[int, bytes], ...]  # (offset, bytes) where it differs from a new instance
    stack_pointer: int
    build_id: bytes
    handles: tuple[int, ...]  # api, load, start, poll, text, bytes, slots, scratch, scratch size
    whole: bytes = field(default=b"", compare=False, repr=False)  # the whole memory

    def memory(self, baseline: bytes) -> bytes:
        """The whole memory, given a new instance's (tests)."""
        memory = bytearray(baseline[: self.size].ljust(self.size, b"\0"))
        for offset, data in self.runs:
            memory[offset : offset + len(data)] = data
        return bytes(memory)


def _differing_runs(memory: bytes, baseline: bytes) -> tuple[tuple[int, bytes], ...]:
    runs: list[tuple[int, bytes]] = []
    start = -1
    for offset in range(0, len(memory), _PAGE):
        page = memory[offset : offset + _PAGE]
        before = baseline[offset : offset + _PAGE]
        same = page == before if len(before) == len(page) else not page.strip(b"\0") and not before.strip(b"\0")
        if not same and start < 0:
            start = offset
        elif same and start >= 0:
            runs.append((start, memory[start:offset]))
            start = -1
    if start >= 0:
        runs.append((start, memory[start:]))
    return tuple(runs)


class QuickJsVm:
    """One context's guest, driven directly: the prelude's entry points as raw handles.

    ``context`` is a quickjs-rs ``Context``; its instance gets :func:`install_fast_calls`.
    After the prelude has been evaluated, :meth:`bind` takes the handles of
    ``__dispatch_emu`` and its ``start`` and ``poll`` functions and allocates the slots
    and the scratch buffer the request path writes into; :meth:`image` captures that
    state and :meth:`restore` puts it into a new instance.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.inst = context._engine_ctx._inst
        install_fast_calls(self.inst)
        self.c = self.inst.c
        self._bound = False
        self._api = self._load = self._start = self._poll = self._text = self._bytes = 0
        self._slots = 0  # _ARGV_SLOTS i32 for argv, then one out slot
        self._scratch = 0
        self._scratch_size = 0
        self._baseline: bytes | None = None
        self.held: VmImage | None = None  # the image this instance started from (taken or restored)
        self._host_fn: Callable[..., Any] | None = None  # the prelude's host function, wired (_hostwire)

    # -- raw memory

    def _base(self) -> int:
        inst = self.inst
        return qjs._memory_data(inst.store._context(), ctypes.byref(inst.mem._memory)) or 0

    def _size(self) -> int:
        inst = self.inst
        return int(qjs._memory_size(inst.store._context(), ctypes.byref(inst.mem._memory)))

    def _write(self, address: int, data: bytes) -> None:
        inst = self.inst
        context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        if address < 0 or address + len(data) > qjs._memory_size(context, memory):
            raise self._engine_error(f"out-of-range guest write at {address} ({len(data)} bytes)")
        ctypes.memmove(qjs._memory_data(context, memory) + address, data, len(data))

    def _read(self, address: int, length: int) -> bytes:
        inst = self.inst
        context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        if address < 0 or length < 0 or address + length > qjs._memory_size(context, memory):
            raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
        return ctypes.string_at(qjs._memory_data(context, memory) + address, length)

    @staticmethod
    def _engine_error(message: str) -> Exception:
        from quickjs_rs.errors import QuickJSError

        return QuickJSError(message)

    # -- binding the prelude

    def register_host(self, fn: Callable[..., Any], *, for_image: bool = False) -> None:
        """Register the prelude's host function (before the prelude is evaluated); with
        ``for_image``, first keep the new instance's memory, which :meth:`image` diffs against."""
        if for_image:
            self._baseline = self.memory()
        self._host_fn = wired(fn)
        self.context.register(HOST_FUNCTION, self._host_fn, is_async=False)
        self._install_host_call()

    def memory(self) -> bytes:
        """A copy of the instance's linear memory."""
        return ctypes.string_at(self._base(), self._size())

    def bind(self) -> None:
        """Evaluate ``vm.js`` and keep the entry points as raw handles (after the prelude ran)."""
        inst = self.inst
        self.context.eval(vm_source(), filename="dispatch_emu:vm")
        self._api = self._global_property("__dispatch_emu")
        self._load = self._property(self._api, "load")
        self._start = self._property(self._api, "start")
        self._poll = self._property(self._api, "poll")
        self._text = self._property(self._api, "text")
        arm_stack_check(inst)  # the runtime exists now (the prelude ran), and stays
        self._bytes = self._property(self._api, "bytes")
        self._slots = int(self.c("qjs_alloc", 4 * (_ARGV_SLOTS + 1)))
        self._scratch_size = _SCRATCH_MIN
        self._scratch = int(self.c("qjs_alloc", self._scratch_size))
        handles = (self._slots, self._scratch, self._api, self._load, self._start, self._poll, self._text, self._bytes)
        if not all(handles):
            raise self._engine_error("the prelude's entry points are missing")
        del inst
        self._bound = True

    def _global_property(self, name: str) -> int:
        glob = int(self.c("global_object"))
        try:
            return self._property(glob, name)
        finally:
            self.c("free_value", glob)

    def _property(self, obj: int, name: str) -> int:
        return int(self.inst._get_prop(obj, name))

    def api_handle(self) -> Any:
        """A quickjs-rs ``Handle`` of ``__dispatch_emu`` (for the rarely used entry points)."""
        from quickjs_rs import _engine
        from quickjs_rs.handle import Handle

        inner = _engine.QjsHandle._adopt(self.inst, int(self.c("dup_handle", self._api)), context=self.context._engine_ctx)
        return Handle(self.context, inner)

    # -- snapshot

    def image(self) -> VmImage:
        """The instance's memory and stack pointer now (after :meth:`bind`, on an instance
        registered ``for_image``, before it served anything)."""
        assert self._bound and self._baseline is not None
        memory = self.memory()
        image = VmImage(
            size=len(memory),
            runs=_differing_runs(memory, self._baseline),
            stack_pointer=int(self.inst.sp.value(self.inst.store)),
            build_id=bytes(self.inst.build_id),
            handles=(
                self._api, self._load, self._start, self._poll, self._text, self._bytes, self._slots, self._scratch,
                self._scratch_size,
            ),
            whole=memory,
        )
        self.held = image
        return image

    def restore(self, image: VmImage, host: Callable[..., Any]) -> None:
        """Put ``image`` into this (new) instance and route the prelude's host calls to ``host``.

        Raises a quickjs-rs ``QuickJSError`` if the image comes from another guest build,
        and what wasmtime raises if the memory cannot grow to its size (the store's limit).
        """
        inst = self.inst
        if image.build_id != bytes(inst.build_id):
            raise self._engine_error("the snapshot was taken from another QuickJS build")
        current = self._size()
        if getattr(inst, "_dispatch_emu_recycled", False):
            # an instance another context used (see JsRunner): every byte of its memory,
            # and its one global, are set to the image's, so nothing of that context is left
            limit = getattr(inst, "_dispatch_emu_memory_limit", None)
            if current != image.size or len(image.whole) != image.size:
                raise self._engine_error("a recycled instance's memory is not the image's size")
            if limit is not None and image.size > limit:
                raise self._engine_error("the memory limit is below the size of the prelude's image")
            ctypes.memmove(self._base(), image.whole, image.size)
            inst._dispatch_emu_recycled = False
        else:
            if image.size > current:
                page = 65536
                inst.mem.grow(inst.store, (image.size - current + page - 1) // page)
            base = self._base()
            for offset, data in image.runs:
                ctypes.memmove(base + offset, data, len(data))
        inst.sp.set_value(inst.store, image.stack_pointer)
        # (QuickJS's stack limit is in the image: bind() armed it before the image was taken)
        self.held = image
        # the guest dispatches host calls by name; only the Python side needs registering
        context = self.context
        fn_id = context._next_fn_id
        context._next_fn_id += 1
        self._host_fn = wired(host)
        context._host_registry[fn_id] = self._host_fn
        inst.name_to_fn_id[HOST_FUNCTION] = fn_id
        inst.async_names.discard(HOST_FUNCTION)
        (
            self._api, self._load, self._start, self._poll, self._text, self._bytes, self._slots, self._scratch,
            self._scratch_size,
        ) = image.handles
        self._bound = True
        self._install_host_call()

    @property
    def bound(self) -> bool:
        return self._bound

    # -- requests

    def load(self, kind: str, main: str) -> None:
        """Call ``__dispatch_emu.load(kind, main)`` (import the main module; :meth:`poll` says how it went)."""
        assert self._bound
        self._call(self._load, [kind, main], None)

    def start(self, request_json: str, body: bytes | None) -> None:
        """Call ``__dispatch_emu.start(json, body)``: one string, one optional ``Uint8Array``."""
        assert self._bound
        self._call(self._start, [request_json], body)

    def _call(self, function: int, texts: list[str], body: bytes | None) -> None:
        """Call one of the prelude's functions with string arguments and an optional last ``Uint8Array``."""
        c = self.c
        out = self._slots + 4 * _ARGV_SLOTS
        handles: list[int] = []
        try:
            for text in texts:
                data = text.encode()
                self._ensure_scratch(len(data))
                self._write(self._scratch, data)
                handles.append(int(c("new_string", self._scratch, len(data))))
            if body is not None:
                self._ensure_scratch(len(body))
                self._write(self._scratch, body)
                status = c("new_uint8array", self._scratch, len(body), out)
                if status != _STATUS_OK:
                    raise self._engine_error(f"new_uint8array status={status}")
                handles.append(_I32.unpack(self._read(out, 4))[0])
            assert len(handles) <= _ARGV_SLOTS
            self._write(self._slots, struct.pack(f"<{len(handles)}i", *handles))
            status = c("call_function", function, self._api, self._slots, len(handles), out)
            if status == _STATUS_OK:
                handles.append(_I32.unpack(self._read(out, 4))[0])  # undefined, still a handle to free
        finally:
            for handle in handles:
                c("free_value", handle)
        self._check(status)

    def poll(self) -> bytes:
        """Call ``__dispatch_emu.poll()``: its string, UTF-8 encoded (see ``vm.js``)."""
        assert self._bound
        return self._call_reading(self._poll, "get_string", 0)

    def text(self) -> bytes:
        """Call ``__dispatch_emu.text()``: the long string body of an outcome :meth:`poll`
        tagged ``s``, UTF-8 encoded (the prelude made it well-formed)."""
        assert self._bound
        return self._call_reading(self._text, "get_string", 0)

    def body_bytes(self) -> bytes:
        """Call ``__dispatch_emu.bytes()``: the body of an outcome :meth:`poll` tagged ``b``."""
        assert self._bound
        return self._call_reading(self._bytes, "get_typed_array_buffer", 3)

    def _call_reading(self, function: int, reader: str, outs: int) -> bytes:
        """Call a function of no arguments; its result read through the guest's result buffer."""
        c = self.c
        out = self._slots + 4 * _ARGV_SLOTS
        status = c("call_function", function, self._api, 0, 0, out)
        self._check(status)
        result = _I32.unpack(self._read(out, 4))[0]
        try:
            slots = self._slots  # out-parameters the reader writes (a typed array's offset, length, size)
            status = c(reader, result, *(slots + 4 * i for i in range(outs)))
            if status != _STATUS_OK:
                raise self._engine_error(f"{reader} failed on the prelude's answer (status {status})")
            length = int(c("qjs_last_len"))
            data = self._read(int(c("qjs_last_ptr")), length) if length else b""
            c("qjs_result_free")
            return data
        finally:
            c("free_value", result)

    # -- the prelude's host calls (see _hostwire)

    def _install_host_call(self) -> None:
        """Serve the guest's calls of :data:`HOST_FUNCTION` here instead of through
        quickjs-rs's ``_Instance._host_call`` (which marshals value by value): the packed
        string and each byte array read in 4 crossings, the answer made in 1 (a string or
        bytes) or 3 + 3 per byte array (a list). The instance's other host functions, and
        this one before :meth:`bind`, take quickjs-rs's path."""
        inst = self.inst
        generic = type(inst)._host_call
        name = HOST_FUNCTION.encode()
        size = len(name)
        fn_id = inst.name_to_fn_id.get(HOST_FUNCTION)
        leaf = inst._dispatch_emu_leaf
        get_string, get_bytes = leaf("get_string"), leaf("get_typed_array_buffer")
        last_len, last_ptr, result_free = leaf("qjs_last_len"), leaf("qjs_last_ptr"), leaf("qjs_result_free")
        new_string, new_uint8array = leaf("new_string"), leaf("new_uint8array")
        store_context, memory = inst.store._context(), ctypes.byref(inst.mem._memory)
        memory_data, memory_size, string_at = qjs._memory_data, qjs._memory_size, ctypes.string_at
        unpack_handles = struct.Struct("<i").unpack_from

        def read(address: int, length: int) -> bytes:
            if address < 0 or length < 0 or address + length > memory_size(store_context, memory):
                raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
            return string_at(memory_data(store_context, memory) + address, length)

        field = result_field(inst)
        pair = _PAIR.unpack_from

        def take_result() -> bytes:
            if field >= 0:  # (the buffer stays until the next accessor replaces it)
                size, base = memory_size(store_context, memory), memory_data(store_context, memory)
                address, length = pair(string_at(base + field, 8)) if field + 8 <= size else (-1, 0)
                if address < 0 or address + length > size:
                    raise self._engine_error(f"out-of-range guest read at {address} ({length} bytes)")
                return string_at(base + address, length) if length else b""
            length = last_len()
            data = read(last_ptr(), length) if length else b""
            result_free()
            return data

        def new_value(value: str | bytes) -> int:
            data = value.encode() if isinstance(value, str) else value
            if len(data) > self._scratch_size:
                self._ensure_scratch(len(data))
            scratch = self._scratch
            limit = memory_size(store_context, memory)
            if scratch + len(data) > limit:
                raise self._engine_error("the scratch buffer is out of range")
            base = memory_data(store_context, memory)
            ctypes.memmove(base + scratch, data, len(data))
            if type(value) is str:
                return int(new_string(scratch, len(data)))
            out = self._slots + 4 * _ARGV_SLOTS
            status = new_uint8array(scratch, len(data), out)
            if status != _STATUS_OK:
                raise self._engine_error(f"new_uint8array status={status}")
            if memory_size(store_context, memory) != limit:  # (linear memory moves only when it grows)
                base = memory_data(store_context, memory)
            return unpack_handles(string_at(base + out, 4))[0]

        def host_call(name_ptr: int, name_len: int, this: int, argc: int, argv_ptr: int) -> int:
            if (
                name_len != size
                or argc < 1
                or not self._bound
                or self.inst is not inst
                or inst.name_to_fn_id.get(HOST_FUNCTION) != fn_id
            ):
                return generic(inst, name_ptr, name_len, this, argc, argv_ptr)
            limit, base = memory_size(store_context, memory), memory_data(store_context, memory)
            if name_ptr < 0 or name_ptr + size > limit or string_at(base + name_ptr, size) != name:
                return generic(inst, name_ptr, name_len, this, argc, argv_ptr)
            try:
                if argv_ptr < 0 or argv_ptr + 4 * argc > limit:
                    raise self._engine_error(f"out-of-range guest read at {argv_ptr} ({4 * argc} bytes)")
                handles = struct.unpack(f"<{argc}i", string_at(base + argv_ptr, 4 * argc))
                status = get_string(handles[0])
                if status != _STATUS_OK:
                    raise self._engine_error(f"get_string status={status}")
                head = take_result().decode()
                buffers = []
                out = self._slots + 4 * _ARGV_SLOTS  # (the three out-parameters share one slot)
                for handle in handles[1:]:
                    status = get_bytes(handle, out, out, out)
                    if status != _STATUS_OK:
                        raise self._engine_error(f"a host call's byte array did not read (status {status})")
                    buffers.append(take_result())
                host_fn = self._host_fn
                assert host_fn is not None  # wired before the first host call can happen
                answer = host_fn(head, *buffers)
                if type(answer) is str or type(answer) is bytes:
                    return new_value(answer)
                return self._answer_list(answer, new_value)
            except BaseException as error:  # as quickjs-rs does: the guest sees a HostError
                self.context._last_host_exception = error
                return _HOST_CALL_ERROR

        inst._host_call = host_call

    def _answer_list(self, values: list[Any], new_value: Callable[[Any], int]) -> int:
        """A guest array of the packed answer's string and byte arrays."""
        c = self.c
        array = int(c("new_array"))
        try:
            for index, item in enumerate(values):
                handle = new_value(item)
                status = c("set_index", array, index, handle)
                c("free_value", handle)
                if status != _STATUS_OK:
                    raise self._engine_error(f"set_index status={status}")
        except BaseException:
            c("free_value", array)
            raise
        return array

    def run_jobs(self) -> int:
        """Run queued promise jobs, at most :data:`JOB_BATCH` of them: how many ran."""
        return int(self.c("execute_pending_jobs"))

    def _ensure_scratch(self, size: int) -> None:
        if size <= self._scratch_size:
            return
        new_size = max(size, 2 * self._scratch_size)
        scratch = int(self.c("qjs_alloc", new_size))
        if not scratch:
            raise self._engine_error("qjs_alloc returned null")
        self.c("qjs_free", self._scratch, self._scratch_size)
        self._scratch, self._scratch_size = scratch, new_size

    def _check(self, status: int) -> None:
        """Raise the quickjs-rs error of a failed ``call_function`` (as its ``Handle`` would)."""
        if status == _STATUS_OK:
            return
        if status == _STATUS_JS_ERROR:
            error = self.inst.take_exception()
            name, message, stack = error.args
            raise self.context._classify_jserror(name, message, stack, None) from None
        from quickjs_rs.errors import JSError

        raise JSError("Error", f"call status={status}", None)


__all__ = ["JOB_BATCH", "QuickJsVm", "VmImage", "vm_source"]
