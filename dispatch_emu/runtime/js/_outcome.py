"""What a JavaScript request's outcome becomes: a :class:`GuestResponse` or a :class:`WorkerError`.

The prelude reports an outcome as one string (see ``pack`` in ``prelude/entry.js`` and ``poll`` in ``vm.js``):
a response (``status``, ``headers``, ``body``), an uncaught exception (``error``), a
handler that returned no ``Response`` (``invalid``), or a finished startup (``loaded``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dispatch_emu.errors import MemoryLimitExceeded, OutputLimitExceeded, WorkerError, WorkerException
from dispatch_emu.runtime._messages import GuestResponse
from dispatch_emu.runtime.js._call import JsCall

if TYPE_CHECKING:
    from dispatch_emu.runtime.js._vm import QuickJsVm

#: Lines of a JS stack kept in an error's ``cause``.
STACK_TAIL = 10

#: Error types that cross a binding as themselves (the structured-clone error types).
STANDARD_ERRORS = frozenset(
    {"Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"}
)
#: workerd's rejection when a worker called through a binding resolves to no Response.
NOT_A_RESPONSE = ("TypeError", "Incorrect type for Promise: the Promise did not resolve to 'Response'.")


def unpack(polled: bytes, vm: QuickJsVm) -> dict[str, Any]:
    """The outcome ``vm.js``'s poll() answered: a tag, the JSON, then for tag ``t`` a line
    break and the string body, UTF-8 encoded by the guest (``s`` and ``b``: a body read
    from ``vm`` now; ``e``: none). JSON text has no raw line break."""
    tag = polled[:1]
    if tag == b"t":
        end = polled.index(b"\n", 1)
        outcome: dict[str, Any] = json.loads(polled[1:end])
        outcome["body"] = polled[end + 1 :]
        return outcome
    outcome = json.loads(polled[1:])
    if tag == b"s":
        outcome["body"] = vm.text()
    elif tag == b"b":
        outcome["body"] = vm.body_bytes()
    else:
        outcome["body"] = b""
    return outcome


def response(call: JsCall, outcome: Any) -> GuestResponse:
    """The response of a request's outcome; raises the :class:`WorkerError` it stands for."""
    if not isinstance(outcome, dict):
        raise WorkerException(
            "Worker returned a malformed response.", worker=call.worker, cause=repr(outcome)[:200], logs=call.logs
        )
    if "error" in outcome:
        raise thrown(call, outcome["error"])
    if "invalid" in outcome:
        error = WorkerException(
            f"Worker returned no Response: {outcome['invalid']}.",
            worker=call.worker,
            cause=str(outcome["invalid"]),
            logs=call.logs,
        )
        error.js_error = NOT_A_RESPONSE  # what workerd rejects a service binding's caller with
        raise error
    body = outcome.get("body") or b""
    limit = call.limits.output_bytes
    assert limit is not None
    if len(body) > limit:
        raise OutputLimitExceeded(worker=call.worker, cause=f"response passed {limit} bytes", logs=call.logs)
    headers = [(str(name), str(value)) for name, value in outcome.get("headers") or []]
    return GuestResponse(status=int(outcome["status"]), headers=headers, body=bytes(body), logs=call.logs)


def thrown(call: JsCall, error: Mapping[str, Any]) -> WorkerError:
    """The error for an uncaught JS exception, described by the prelude or quickjs-rs."""
    name = str(error.get("name") or "")
    message = str(error.get("message") or "")
    stack = str(error.get("stack") or "")
    if (name == "InternalError" and "out of memory" in message) or call.memory_full:
        return MemoryLimitExceeded(worker=call.worker, cause="QuickJS ran out of memory", logs=call.logs)
    text = f"{name}: {message}" if name else message
    # the prelude's frames (QuickJS names its scripts eval_script) and native ones are noise
    frames = [line.rstrip() for line in stack.splitlines() if line.strip()]
    tail = [line for line in frames if "eval_script" not in line and "(native)" not in line][-STACK_TAIL:]
    cause = "\n".join([text, *tail]) if tail else text
    failure = WorkerException(f"Worker threw exception: {text}", worker=call.worker, cause=cause, logs=call.logs)
    # across a binding (workerd, recorded in docs/platform.md): the standard error types keep
    # their type and message; any other error becomes an Error whose message is "Name: message",
    # and a thrown non-error an Error whose message is its text
    failure.js_error = (name, message) if name in STANDARD_ERRORS else ("Error", text)
    failure.js_remote = True
    return failure


def location(cause: str | None) -> str:
    """`` at index.js:3:7`` from the first stack line of a cause, if any."""
    for line in (cause or "").splitlines()[1:]:
        line = line.strip()
        if line.startswith("at "):
            return f"\n  {line}"
    return ""


__all__ = ["STACK_TAIL", "location", "response", "thrown", "unpack"]
