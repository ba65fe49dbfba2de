"""CGI 1.1 as WAGI uses it: a request as environment variables, a response from stdout.

:func:`cgi_environ` builds the variables of one request::

    REQUEST_METHOD=POST  PATH_INFO=/items  QUERY_STRING=a=1  X_FULL_URL=https://h/items?a=1
    SERVER_NAME=h  SERVER_PORT=443  SERVER_PROTOCOL=HTTP/1.1  SCRIPT_NAME=
    GATEWAY_INTERFACE=CGI/1.1  CONTENT_TYPE=...  CONTENT_LENGTH=...  HTTP_<HEADER>=...
    X_CF={...}   (only when the request carries ``cf``, i.e. the namespace is trusted)

and adds the worker's bindings: text bindings as they are, JSON bindings as JSON text.
On a name clash the request's variables win, so a binding cannot fake the request.

:func:`parse_cgi_response` reads what the guest printed: header lines, a blank line
(``\\n`` or ``\\r\\n``), then the body. ``Status: 404 Not Found`` sets the status; a
``Location`` without a status means 302. A response needs ``Content-Type`` or
``Location``; anything else is malformed and raises
:class:`~dispatch_emu.errors.WorkerException`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from dispatch_emu.errors import WorkerException
from dispatch_emu.runtime._messages import GuestRequest

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def binding_text(value: object) -> str:
    """A binding as a guest reads it: a ``str`` as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def cgi_environ(
    request: GuestRequest, env: Mapping[str, object], parts: SplitResult | None = None
) -> list[tuple[str, str]]:
    """The environment of one WAGI request (see the module documentation).

    ``parts`` is ``urlsplit(request.url)`` when the caller has it already.
    """
    parts = parts or urlsplit(request.url)
    variables: dict[str, str] = {}
    for name, value in request.headers:
        key = name.strip().lower()
        if key == "content-type":
            variables["CONTENT_TYPE"] = value
            continue
        if key == "content-length":
            continue  # recomputed from the body we really pass on stdin
        var = "HTTP_" + key.upper().replace("-", "_")
        # repeated headers are joined, as HTTP allows for all but set-cookie
        variables[var] = f"{variables[var]}, {value}" if var in variables else value
    variables.update(
        {
            "GATEWAY_INTERFACE": "CGI/1.1",
            "REQUEST_METHOD": request.method.upper(),
            "PATH_INFO": parts.path or "/",
            "QUERY_STRING": parts.query,
            "X_FULL_URL": request.url,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port) if parts.port else _DEFAULT_PORTS.get(parts.scheme, "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SCRIPT_NAME": "",
            "CONTENT_LENGTH": str(len(request.body)),
        }
    )
    variables.setdefault("CONTENT_TYPE", "")
    if request.cf is not None:
        variables["X_CF"] = json.dumps(request.cf, separators=(",", ":"))
    merged = {name: binding_text(value) for name, value in env.items()}
    merged.update(variables)
    # WASI passes C strings: a NUL would end the value early, so drop NULs instead
    return [(k.replace("\0", ""), v.replace("\0", "")) for k, v in merged.items()]


def parse_cgi_response(output: bytes, *, worker: str, logs: list[str]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body from a CGI guest's stdout."""

    def malformed(why: str) -> WorkerException:
        return WorkerException(
            f"Worker returned a malformed response: {why}.", worker=worker, cause=why, logs=logs
        )

    if not output:
        raise malformed("it wrote nothing to stdout")
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := output.find(sep)) >= 0]
    if output.startswith((b"\n", b"\r\n")):
        raise malformed("no header lines before the blank line")
    if not ends:
        raise malformed("no blank line after the headers")
    end, sep_len = min(ends)
    head, body = output[:end], output[end + sep_len :]
    status: int | None = None
    headers: list[tuple[str, str]] = []
    for raw in head.replace(b"\r\n", b"\n").split(b"\n"):
        line = raw.decode("latin-1")
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise malformed(f"the header line {line[:80]!r} is not 'Name: value'")
        value = value.strip()
        if name.lower() == "status":
            code = value.split(" ", 1)[0]
            if not (code.isdigit() and 100 <= int(code) <= 999):
                raise malformed(f"the status {value[:40]!r} is not a number between 100 and 999")
            status = int(code)
        else:
            headers.append((name, value))
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names and "location" not in names:
        raise malformed("it sent neither a content-type nor a location header")
    if status is None:
        status = 302 if "location" in names else 200
    return status, headers, body


__all__ = ["binding_text", "cgi_environ", "parse_cgi_response"]
