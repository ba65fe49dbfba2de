"""What the dispatcher answers when a dispatch fails: decided by the error's class, rendered here.

The seed's answers, which ``env.render_error()`` gives unless a plugin implements
``dispatch_emu_render_error``:

=======================================  ======  =====================================
error                                    status  body
=======================================  ======  =====================================
:class:`~dispatch_emu.errors.WorkerNotFound`        404     empty
:class:`~dispatch_emu.errors.DispatcherException`   500     ``error code: 1101`` and the message
any other :class:`~dispatch_emu.errors.WorkerError` 500     the message
any other exception                      500     its text
=======================================  ======  =====================================

The status comes from the class (``WorkerError.status``), so a new error class says its
own answer. The assertion helpers (:mod:`dispatch_emu.testing`), the API state machine
and the strategies derive what they expect from the same place, or from the emulator's
render hook when one is overridden.
"""

from __future__ import annotations

from werkzeug import Response

from dispatch_emu.errors import DispatcherException, WorkerError, WorkerNotFound


def error_answer(error: BaseException) -> tuple[int, str]:
    """The seed's ``(status, body)`` for a failed dispatch."""
    if isinstance(error, DispatcherException):
        return error.status, f"error code: {error.code}\n{error.message}"
    if isinstance(error, WorkerNotFound):
        return error.status, ""
    if isinstance(error, WorkerError):
        return error.status, error.message
    return 500, str(error)


def default_error_response(error: BaseException) -> Response:
    """The seed's answer as a response (see the module documentation)."""
    status, body = error_answer(error)
    if not body:
        return Response("", status=status)
    return Response(body, status=status, mimetype="text/plain")


__all__ = ["default_error_response", "error_answer"]
