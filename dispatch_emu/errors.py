"""The exception tree of dispatch_emu, and Cloudflare's error codes as data.

Every error a user can meet derives from :class:`DispatchEmuError`::

    DispatchEmuError
    ├── ApiError                     an answer of the REST API: HTTP status + Cloudflare code
    │   ├── NotFound
    │   │   ├── ScriptNotFound           404, 10007 workers.api.error.script_not_found
    │   │   ├── NamespaceNotFound        404, 100119
    │   │   ├── SecretNotFound           404, 10056
    │   │   └── NoRoute                  404, 7003  No route for the URI
    │   ├── NamespaceAlreadyExists       400, 100120 "... already exists"
    │   ├── ValidationError              400, 10021 bad names, tags, metadata, modules
    │   │   └── InvalidModule            400, 10021 a module the runtime cannot load
    │   ├── MalformedRequest             400, 10026 broken JSON or multipart
    │   ├── MethodNotAllowed             405, 10405
    │   ├── PayloadTooLarge              413, 10413
    │   ├── AuthenticationError          403, 10000 Authentication error
    │   ├── InvalidToken                 400, 9106  Authentication failed
    │   ├── ControlForbidden             403, 10403 cross-origin or unexpected Host (control endpoints)
    │   └── InternalError                500, 10002 Unexpected internal server error
    └── WorkerError                  what a dispatch stub's ``fetch()`` raises
        ├── WorkerNotFound               "Worker not found." (the dispatcher answers 404)
        ├── WorkerException              the worker trapped, exited non-zero or answered garbage
        ├── LimitExceeded
        │   ├── CpuLimitExceeded         "Worker exceeded CPU time limit."
        │   ├── WallTimeExceeded         "Worker exceeded wall-clock time limit."
        │   ├── MemoryLimitExceeded      "Worker exceeded memory limit."
        │   ├── OutputLimitExceeded      "Worker exceeded response size limit."
        │   └── SubrequestLimitExceeded  "Too many subrequests."
        └── DispatcherException          the dispatcher function itself raised (Cloudflare 1101)

Error classes are data: each carries ``status`` (HTTP), ``code`` (Cloudflare) and a
default ``message``; an instance may override the message. A worker error's class
decides the dispatcher's answer: ``status`` is 404 for :class:`WorkerNotFound`, 500 for
the others, and :class:`DispatcherException` carries Cloudflare's code 1101; the seed's
rendering of it is :func:`dispatch_emu.dispatch._app.default_error_response`, the one place. Codes Cloudflare has not
published (marked *unconfirmed*) live here and nowhere else, so they are easy to change.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DispatchEmuError(Exception):
    """Base class of every error raised by dispatch_emu."""


# --------------------------------------------------------------------------- API errors


class ApiError(DispatchEmuError):
    """An error the REST API reports in its envelope.

    ``status`` is the HTTP status, ``code`` the Cloudflare error code and ``message``
    the human sentence; :meth:`to_error` renders the ``errors[]`` item.
    """

    status: ClassVar[int] = 400
    code: ClassVar[int] = 10000
    default_message: ClassVar[str] = "Bad request"

    def __init__(self, message: str | None = None, *, code: int | None = None) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance override of the class default
        super().__init__(self.message)

    def to_error(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class NotFound(ApiError):
    status = 404
    code = 10007
    default_message = "Not found"


class ScriptNotFound(NotFound):
    code = 10007
    default_message = "workers.api.error.script_not_found"


class NamespaceNotFound(NotFound):
    code = 100119  # unconfirmed
    default_message = "workers.api.error.dispatch_namespace_not_found"


class SecretNotFound(NotFound):
    code = 10056  # unconfirmed
    default_message = "workers.api.error.secret_not_found"


class NoRoute(NotFound):
    code = 7003
    default_message = "No route for the URI"


class NamespaceAlreadyExists(ApiError):
    status = 400
    code = 100120  # unconfirmed
    default_message = "A dispatch namespace with this name already exists"


class ValidationError(ApiError):
    status = 400
    code = 10021
    default_message = "Validation failed"


class InvalidModule(ValidationError):
    """A module the runtime refused to load (for example, bytes that are not wasm)."""

    default_message = "Uncaught Error: the module could not be loaded"


class MalformedRequest(ApiError):
    status = 400
    code = 10026  # unconfirmed
    default_message = "Malformed request body"


class MethodNotAllowed(ApiError):
    status = 405
    code = 10405  # unconfirmed
    default_message = "Method not allowed for this route"


class PayloadTooLarge(ApiError):
    status = 413
    code = 10413  # unconfirmed
    default_message = "Request body is too large"


class AuthenticationError(ApiError):
    status = 403
    code = 10000
    default_message = "Authentication error"


class InvalidToken(ApiError):
    status = 400
    code = 9106
    default_message = "Authentication failed"


class ControlForbidden(ApiError):
    """A control endpoint refused a cross-origin browser request or an unexpected Host."""

    status = 403
    code = 10403  # the emulator's own endpoints: no Cloudflare code exists
    default_message = "Forbidden"


class InternalError(ApiError):
    """Something failed inside the emulator; the answer names the exception."""

    status = 500
    code = 10002
    default_message = "Unexpected internal server error"


# ------------------------------------------------------------------------ worker errors


class WorkerError(DispatchEmuError):
    """Raised by a dispatch stub's ``fetch()``; the message is what a dispatcher sees.

    ``worker`` names the user worker, ``cause`` says what happened in a few words,
    ``trap_code`` is wasmtime's trap code when the guest trapped, and ``logs`` holds the
    lines the worker wrote before it failed (its stderr, or its log calls).
    """

    default_message: ClassVar[str] = "Worker failed."
    #: The HTTP status of the dispatcher's answer to this error.
    status: ClassVar[int] = 500
    #: What a JavaScript worker calling this one through a binding catches: ``(type,
    #: message)`` of the error its ``fetch()`` rejects with; ``None`` means
    #: ``("Error", message)``. Set for an exception the worker threw (its own type and
    #: message, as workerd passes them across a service binding).
    js_error: tuple[str, str] | None = None
    #: Whether that error was thrown by the called worker itself (workerd marks such an
    #: error ``remote: true`` on the caller's side).
    js_remote: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        worker: str | None = None,
        cause: str | None = None,
        trap_code: str | None = None,
        logs: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.worker = worker
        self.cause = cause
        self.trap_code = trap_code
        self.logs = list(logs)
        super().__init__(self.message)

    def describe(self) -> str:
        """A multi-line account for test failure reports: message, worker, cause, trap, log tail."""
        lines = [self.message]
        if self.worker is not None:
            lines.append(f"worker: {self.worker}")
        if self.cause:
            lines.append(f"cause: {self.cause}")
        if self.trap_code:
            lines.append(f"trap code: {self.trap_code}")
        if self.logs:
            lines.append("log tail:")
            lines.extend(f"  {line}" for line in self.logs[-10:])
        return "\n".join(lines)


class WorkerNotFound(WorkerError):
    """The name does not exist in the namespace; the message is exactly Cloudflare's."""

    default_message = "Worker not found."
    status = 404


class WorkerException(WorkerError):
    """The worker trapped, exited non-zero, or answered with output that is not HTTP."""

    default_message = "Worker threw exception."


class LimitExceeded(WorkerError):
    default_message = "Worker exceeded a resource limit."


class CpuLimitExceeded(LimitExceeded):
    default_message = "Worker exceeded CPU time limit."


class WallTimeExceeded(LimitExceeded):
    default_message = "Worker exceeded wall-clock time limit."


class MemoryLimitExceeded(LimitExceeded):
    default_message = "Worker exceeded memory limit."


class OutputLimitExceeded(LimitExceeded):
    default_message = "Worker exceeded response size limit."


class SubrequestLimitExceeded(LimitExceeded):
    default_message = "Too many subrequests."


class DispatcherException(WorkerError):
    """The dispatcher function itself raised: Cloudflare answers error 1101."""

    default_message = "Worker threw exception"
    code: ClassVar[int] = 1101


__all__ = [
    "ApiError",
    "AuthenticationError",
    "ControlForbidden",
    "CpuLimitExceeded",
    "DispatchEmuError",
    "DispatcherException",
    "InvalidModule",
    "InternalError",
    "InvalidToken",
    "LimitExceeded",
    "MalformedRequest",
    "MemoryLimitExceeded",
    "MethodNotAllowed",
    "NamespaceAlreadyExists",
    "NamespaceNotFound",
    "NoRoute",
    "NotFound",
    "OutputLimitExceeded",
    "PayloadTooLarge",
    "ScriptNotFound",
    "SecretNotFound",
    "SubrequestLimitExceeded",
    "ValidationError",
    "WallTimeExceeded",
    "WorkerError",
    "WorkerException",
    "WorkerNotFound",
]
