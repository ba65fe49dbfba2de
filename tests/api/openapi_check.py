"""Validate API responses against the augmented OpenAPI extract (tests/data).

:class:`OpenApiChecker` picks the response schema of an answer by path template, method
and status class (``200``, then ``2XX``, ``4XX``, ``default``), resolves ``$ref``s
against the whole document and validates with jsonschema. Every JSON answer is also held
to Cloudflare's envelope (all four keys; on failure ``success: false``, ``result: null``
and at least one error), including answers of routes the extract does not describe
(``secrets-bulk``, the control endpoints, wrangler's settings probe) and server errors,
which the extract does not document. Checks are recorded
in :attr:`OpenApiChecker.covered` so a test can prove every operation was exercised.

OpenAPI 3.0 is not quite JSON Schema: ``nullable: true`` is turned into a ``null`` type
(and enum member) before validation, and ``date-time`` is checked as RFC 3339.

The extract is a 2024 snapshot, and a few of its schemas contradict both the contract
and the official SDK 5.9 (generated from the current schema). :data:`CORRECTIONS`
overrides exactly those, each with its evidence, and fails loudly if a corrected
location disappears from the file. Everything else is validated as the file says.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "openapi-dispatch-namespaces-augmented.json"
API_PREFIX = "/client/v4"
SPEC_URI = "urn:dispatch-emu:openapi"

# The binding kinds the 2024 extract's `workers_binding` oneOf knows.
SPEC_BINDING_TYPES = [
    "kv_namespace", "service", "durable_object_namespace", "r2_bucket", "queue", "d1",
    "dispatch_namespace", "mtls_certificate",
]

#: Routes outside the extract whose successful GET answers raw code, not an envelope: the
#: account-level Worker download (the SDK's ``workers.scripts.get`` reads text) and its
#: ``/content`` and ``/content/v2`` (``workers.scripts.content.get`` reads bytes).
RAW_OUTSIDE_EXTRACT = [
    re.compile(rf"^{API_PREFIX}/accounts/[^/]+/workers/scripts/[^/]+(/content(/v2)?)?/?$"),
]

#: JSON pointer → (replacement schema, evidence). Applied after loading the extract.
CORRECTIONS: dict[str, tuple[Any, str]] = {
    "/components/schemas/workers_usage_model": (
        {"type": "string", "enum": ["standard", "bundled", "unbound"]},
        "The extract allows only bundled|unbound; the SDK 5.9 types say "
        "Literal['standard', 'bundled', 'unbound'] and contract §2 says usage_model 'standard'.",
    ),
    "/components/schemas/workers_binding/oneOf": (
        [
            *({"$ref": f"#/components/schemas/{name}"} for name in (
                "workers_kv_namespace_binding", "workers_service_binding", "workers_do_binding",
                "workers_r2_binding", "workers_queue_binding", "workers_d1_binding",
                "workers_dispatch_namespace_binding", "workers_mtls_cert_binding",
            )),
            {  # secrets are listed without their value (SDK: WorkersBindingKindSecretText)
                "type": "object",
                "required": ["name", "type"],
                "properties": {"name": {"type": "string"}, "type": {"enum": ["secret_text", "secret_key"]}},
                "not": {"anyOf": [{"required": ["text"]}, {"required": ["key_base64"]}, {"required": ["key_jwk"]}]},
            },
            {
                "type": "object",
                "required": ["name", "type", "text"],
                "properties": {"type": {"enum": ["plain_text"]}, "text": {"type": "string"}},
            },
            {  # the other kinds the SDK lists (json, wasm_module, text_blob, inherit, ...)
                "type": "object",
                "required": ["name", "type"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {
                        "type": "string",
                        "not": {"enum": [*SPEC_BINDING_TYPES, "secret_text", "secret_key", "plain_text"]},
                    },
                },
            },
        ],
        "The extract lists 8 binding kinds; SDK 5.9 binding_get_response.py lists ~30 "
        "(plain_text, secret_text without text, json, wasm_module, text_blob, data_blob, inherit, ...).",
    ),
    "/components/schemas/workers_dispatch_namespace_binding/properties/outbound/properties/params/items": (
        {"anyOf": [
            {"type": "string"},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        ]},
        "wrangler sends params as [{name}] and SDK 5.9 models them so "
        "(WorkersBindingKindDispatchNamespaceOutboundParam); contract §3: accept both.",
    ),
    "/components/schemas/workers_service_binding/required": (
        ["name", "type", "service"],
        "SDK 5.9: WorkersBindingKindService.environment is Optional.",
    ),
    "/components/schemas/workers_secret-response/properties/type/enum": (
        ["secret_text", "secret_key"],
        "SDK 5.9 secrets.update takes type Literal['secret_text', 'secret_key'] with key_base64/key_jwk, "
        "and its SecretUpdateResponse is a union of both kinds; the 2024 extract knows only secret_text.",
    ),
    "/components/schemas/workers_mtls_cert_binding/required": (
        ["name", "type", "certificate_id"],
        "The extract requires 'certificate', a property it does not define; SDK 5.9 requires certificate_id.",
    ),
}

#: Held against every JSON answer, on top of the operation's own schema.
ENVELOPE_OK = {
    "type": "object",
    "required": ["success", "errors", "messages", "result"],
    "properties": {"success": {"enum": [True]}, "errors": {"type": "array", "maxItems": 0},
                   "messages": {"type": "array"}},
}
ENVELOPE_FAILURE = {
    "type": "object",
    "required": ["success", "errors", "messages", "result"],
    "properties": {
        "success": {"enum": [False]},
        "result": {"type": "null"},
        "messages": {"type": "array"},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "integer", "minimum": 1000}, "message": {"type": "string", "minLength": 1}},
            },
        },
    },
}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True  # format applies to strings only
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # ValueError on impossible dates
    return True


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _denull(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` → JSON Schema (a ``null`` type and enum member)."""
    if isinstance(node, list):
        return [_denull(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _denull(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _set_pointer(document: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]
    node: Any = document
    for token in tokens[:-1]:
        node = node[token]
    if tokens[-1] not in node:
        raise KeyError(f"correction target {pointer} is not in the OpenAPI file any more")
    node[tokens[-1]] = copy.deepcopy(value)


@dataclass
class Violation:
    method: str
    path: str
    status: int
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}: {self.problem}"


@dataclass
class OpenApiChecker:
    spec_path: Path = SPEC_PATH
    document: dict[str, Any] = field(init=False)
    covered: set[tuple[str, str, str]] = field(default_factory=set, init=False)
    violations: list[Violation] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        raw = json.loads(self.spec_path.read_text())
        for pointer, (value, _why) in CORRECTIONS.items():
            _set_pointer(raw, pointer, value)
        self.document = _denull(raw)
        self.registry = Registry().with_resource(SPEC_URI, Resource(self.document, DRAFT4))
        self._templates = [
            (self._template_regex(template), template) for template in self.document["paths"]
        ]

    # ------------------------------------------------------------------ lookup

    @staticmethod
    def _template_regex(template: str) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        return re.compile(f"^{pattern}$")

    def operations(self) -> set[tuple[str, str]]:
        """Every (METHOD, path template) of the extract."""
        return {
            (method.upper(), template)
            for template, item in self.document["paths"].items()
            for method in item
            if method != "parameters"
        }

    def template_for(self, path: str) -> str | None:
        if not path.startswith(API_PREFIX + "/"):
            return None
        rest = path[len(API_PREFIX):].rstrip("/")
        for regex, template in self._templates:
            if regex.match(rest):
                return template
        return None

    def _resolve(self, node: Mapping[str, Any], pointer: str) -> tuple[Mapping[str, Any], str]:
        while "$ref" in node:
            pointer = node["$ref"].lstrip("#")
            node = self._at(pointer)
        return node, pointer

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    # ------------------------------------------------------------------ checking

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> list[Violation]:
        """Check one answer; returns (and records) what is wrong with it."""
        found: list[Violation] = []

        def fail(problem: str) -> None:
            found.append(Violation(method, path, status, problem))

        template = self.template_for(path)
        status_class = "200" if 200 <= status < 300 else f"{status // 100}XX"
        schema_pointer: str | None = None
        media = "application/json"
        if template is not None and method.lower() in self.document["paths"][template]:
            operation = self.document["paths"][template][method.lower()]
            responses = operation["responses"]
            key = next((k for k in (str(status), status_class, "default") if k in responses), None)
            if key is None:
                # The extract documents no server errors; a 5XX is only held to the envelope.
                if status < 500:
                    fail(f"status {status} is not a documented answer of {method} {template}")
                self.covered.add((method.upper(), template, status_class))
            else:
                base = f"/paths/{_escape(template)}/{method.lower()}/responses/{_escape(key)}"
                response, pointer = self._resolve(responses[key], base)
                content = response.get("content", {})
                if content:
                    media = next(iter(content))
                    if "schema" in content[media]:
                        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
                self.covered.add((method.upper(), template, status_class))
        else:
            self.covered.add((method.upper(), path if template is None else template, status_class))
            if method.upper() == "GET" and status < 400 and any(r.match(path) for r in RAW_OUTSIDE_EXTRACT):
                media = "application/javascript"  # raw code, as the extract says of .../content

        if media != "application/json":  # the raw content answer: bytes, not an envelope
            if content_type.startswith("application/json"):
                fail(f"expected a raw {media!r} body, got {content_type}")
            self.violations.extend(found)
            return found
        if not content_type.startswith("application/json"):
            fail(f"expected JSON, got Content-Type {content_type!r}")
            self.violations.extend(found)
            return found
        try:
            data = json.loads(body)
        except ValueError as exc:
            fail(f"body is not JSON: {exc}")
            self.violations.extend(found)
            return found
        envelope = ENVELOPE_OK if status < 400 else ENVELOPE_FAILURE
        for error in jsonschema.Draft4Validator(envelope).iter_errors(data):
            fail(f"envelope: {error.message} at {list(error.absolute_path)}")
        if schema_pointer is not None:
            validator = jsonschema.Draft4Validator(
                {"$ref": f"{SPEC_URI}#{schema_pointer}"}, registry=self.registry, format_checker=FORMATS
            )
            for error in validator.iter_errors(data):
                fail(f"schema {schema_pointer}: {error.message} at {list(error.absolute_path)}")
        self.violations.extend(found)
        return found


__all__ = ["CORRECTIONS", "SPEC_PATH", "OpenApiChecker", "Violation"]
