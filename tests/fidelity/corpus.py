"""The differential corpus: its apps, their requests, and what "the same answer" means.

Shared by ``record.py`` (which records workerd's answers) and ``test_fidelity.py`` (which
compares dispatch_emu's answers with them), so both sides normalise identically.

An answer is its status, its *compared* headers and its body:

- Headers not compared (``IGNORED_HEADERS``) are the ones the transport or the edge adds,
  not the worker: ``date`` and ``server``; ``content-length``, ``transfer-encoding``,
  ``connection`` and ``keep-alive`` (how the body is framed: workerd streams some bodies
  chunked, the emulator buffers; the body itself is compared byte for byte);
  ``cf-ray``, ``cf-cache-status``, ``report-to``, ``nel``, ``alt-svc`` (edge headers
  production adds in front of every worker). Every other header is compared, name
  (case-insensitive) and value, repeated headers (``set-cookie``) in order.
- Normalised values (``normalise``): a multipart boundary (random per response) becomes
  ``<boundary>`` in ``content-type`` and in the body. Nothing else varies in these apps:
  they are written to answer deterministically (fixed keys, fixed JWT timestamps,
  randomness reported only by shape).
- Bodies are compared exactly; those over ``INLINE_LIMIT`` bytes are stored as their
  length and SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APPS_DIR = HERE / "apps"
DIFFERENCES = HERE / "differences.toml"
HOST_SUFFIX = ".example.com"  # the worker named NAME is reached as https://NAME.example.com
INLINE_LIMIT = 64 * 1024
VARIES = "<varies>"  # a recorded header value that differed between the two runs: any value matches

IGNORED_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "cf-ray",
        "cf-cache-status",
        "report-to",
        "nel",
        "alt-svc",
    }
)
_BOUNDARY = re.compile(r"boundary=(\"?)([^\";,\s]+)\1")


@dataclass(frozen=True)
class CorpusRequest:
    id: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class App:
    name: str
    path: Path

    @property
    def host(self) -> str:
        return f"{self.name}{HOST_SUFFIX}"

    def requests(self) -> list[CorpusRequest]:
        raw = json.loads((self.path / "requests.json").read_text())
        out = []
        for item in raw:
            body = item.get("body")
            out.append(
                CorpusRequest(
                    id=item["id"],
                    method=item["method"],
                    path=item["path"],
                    headers=dict(item.get("headers", {})),
                    body=None if body is None else body.encode(),
                )
            )
        ids = [r.id for r in out]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: duplicate request ids in requests.json")
        return out

    def expected(self) -> dict[str, Any]:
        return json.loads((self.path / "expected.json").read_text())

    @property
    def bundle_dir(self) -> Path:
        return self.path / "dist"


def apps() -> list[App]:
    return [App(p.name, p) for p in sorted(APPS_DIR.iterdir()) if (p / "requests.json").is_file()]


def normalise(status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The comparable form of an answer (see the module docstring)."""
    kept: list[list[str]] = []
    boundary = None
    for name, value in headers:
        lname = name.lower()
        if lname in IGNORED_HEADERS:
            continue
        if lname == "content-type" and (match := _BOUNDARY.search(value)):
            boundary = match.group(2)
            value = _BOUNDARY.sub("boundary=<boundary>", value)
        kept.append([lname, value])
    kept.sort(key=lambda pair: pair[0])  # stable: repeated headers keep their order
    if boundary:
        body = body.replace(boundary.encode(), b"<boundary>")
    answer: dict[str, Any] = {"status": status, "headers": kept}
    answer.update(encode_body(body))
    return answer


def encode_body(body: bytes) -> dict[str, Any]:
    if len(body) > INLINE_LIMIT:
        return {"body_length": len(body), "body_sha256": hashlib.sha256(body).hexdigest()}
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode()}


def differences(answer: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """What differs between two normalised answers, in words (empty when identical)."""
    out = []
    if any(value == VARIES for _, value in expected["headers"]):
        answer = {**answer, "headers": _mask_varying(answer["headers"], expected["headers"])}
    if answer["status"] != expected["status"]:
        out.append(f"status {answer['status']} != {expected['status']}")
    if answer["headers"] != expected["headers"]:
        mine, theirs = answer["headers"], expected["headers"]
        extra = [h for h in mine if h not in theirs]
        missing = [h for h in theirs if h not in mine]
        out.append(f"headers: extra {extra}, missing {missing}" if extra or missing else "headers: order")
    body_keys = ("body", "body_base64", "body_length", "body_sha256")
    mine_body = {k: answer[k] for k in body_keys if k in answer}
    theirs_body = {k: expected[k] for k in body_keys if k in expected}
    if mine_body != theirs_body:
        out.append(f"body {_short(mine_body)} != {_short(theirs_body)}")
    return out


def _mask_varying(mine: list[list[str]], theirs: list[list[str]]) -> list[list[str]]:
    """``mine`` with the values of the headers recorded as varying (the n-th of a name) masked."""
    varying = {key for key, value in _numbered(theirs) if value == VARIES}
    return [[key[0], VARIES if key in varying else value] for key, value in _numbered(mine)]


def _numbered(headers: list[list[str]]) -> list[tuple[tuple[str, int], str]]:
    return [((name, n), value) for (name, value), n in zip(headers, _ordinals(headers), strict=True)]


def _ordinals(headers: list[list[str]]) -> list[int]:
    seen: dict[str, int] = {}
    out = []
    for name, _ in headers:
        out.append(seen.get(name, 0))
        seen[name] = out[-1] + 1
    return out


def _short(body: dict[str, Any]) -> str:
    text = json.dumps(body, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."
