"""The URL map: every route of the API and of the control endpoints.

:func:`make_map` builds a werkzeug :class:`~werkzeug.routing.Map` whose endpoints are
the handler functions themselves, so matching a request yields what to call::

    adapter = make_map(control).bind("emulator")
    handler, args = adapter.match("/client/v4/accounts/acc/workers/dispatch/namespaces", "GET")

A path with no rule raises werkzeug's ``NotFound`` (the app answers 404, code 7003); a
path whose rules take other methods raises ``MethodNotAllowed`` (405, naming them).
Trailing slashes are tolerated (``.../scripts/?limit=10`` works) rather than
redirected: API clients do not follow redirects for PUTs.

:data:`ROUTE_TABLE` lists the API routes as ``(path template, {method: handler})``; it
is the one place to look for what the emulator serves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Map, Rule

from dispatch_emu.api._config import API_PREFIX
from dispatch_emu.api._handlers import namespaces, scripts, secrets, settings, tags
from dispatch_emu.api._handlers import workers_scripts as workers
from dispatch_emu.api._handlers.control import Control

Handler = Callable[..., Any]

ACCOUNT = f"{API_PREFIX}/accounts/<account_id>"
NAMESPACES = f"{ACCOUNT}/workers/dispatch/namespaces"
NAMESPACE = f"{NAMESPACES}/<namespace>"
SCRIPT = f"{NAMESPACE}/scripts/<script>"
WORKERS = f"{ACCOUNT}/workers/scripts"
WORKER = f"{WORKERS}/<script>"

ROUTE_TABLE: tuple[tuple[str, Mapping[str, Handler]], ...] = (
    (NAMESPACES, {"GET": namespaces.list_namespaces, "POST": namespaces.create_namespace}),
    (
        NAMESPACE,
        {
            "GET": namespaces.get_namespace,
            "PUT": namespaces.put_namespace,
            "PATCH": namespaces.patch_namespace,
            "DELETE": namespaces.delete_namespace,
        },
    ),
    (f"{NAMESPACE}/scripts", {"GET": scripts.list_scripts, "DELETE": scripts.delete_scripts_by_tags}),
    (SCRIPT, {"GET": scripts.get_script, "PUT": scripts.upload_script, "DELETE": scripts.delete_script}),
    (f"{SCRIPT}/content", {"GET": scripts.get_content, "PUT": scripts.put_content}),
    (f"{SCRIPT}/settings", {"GET": settings.get_settings, "PATCH": settings.patch_settings}),
    (f"{SCRIPT}/bindings", {"GET": settings.get_bindings}),
    (f"{SCRIPT}/secrets", {"GET": secrets.list_secrets, "PUT": secrets.put_secret}),
    # path: a url_encoded secret name may carry an encoded '/', which WSGI decodes.
    (f"{SCRIPT}/secrets/<path:secret>", {"GET": secrets.get_secret, "DELETE": secrets.delete_secret}),
    (f"{SCRIPT}/secrets-bulk", {"PATCH": secrets.bulk_secrets}),
    (f"{SCRIPT}/tags", {"GET": tags.list_tags, "PUT": tags.put_tags}),
    (f"{SCRIPT}/tags/<tag>", {"PUT": tags.put_tag, "DELETE": tags.delete_tag}),
    (f"{SCRIPT}/assets-upload-session", {"POST": scripts.create_asset_upload_session}),
    # The account's regular Workers (wrangler asks .../settings before a dispatch deploy too).
    (WORKERS, {"GET": workers.list_scripts}),
    (WORKER, {"GET": workers.get_content, "PUT": workers.upload_script, "DELETE": workers.delete_script}),
    (f"{WORKER}/content", {"GET": workers.get_content, "PUT": workers.put_content}),
    (f"{WORKER}/content/v2", {"GET": workers.get_content}),
    (f"{WORKER}/settings", {"GET": workers.get_settings, "PATCH": workers.patch_settings}),
    (f"{WORKER}/script-settings", {"GET": workers.get_script_settings, "PATCH": workers.patch_script_settings}),
    (f"{WORKER}/bindings", {"GET": workers.get_bindings}),
    (f"{WORKER}/secrets", {"GET": workers.list_secrets, "PUT": workers.put_secret}),
    (f"{WORKER}/secrets/<path:secret>", {"GET": workers.get_secret, "DELETE": workers.delete_secret}),
    (f"{WORKER}/secrets-bulk", {"PATCH": workers.bulk_secrets}),
    (f"{WORKER}/deployments", {"GET": workers.list_deployments, "POST": workers.create_deployment}),
    (f"{WORKER}/versions", {"POST": workers.upload_version}),
    (f"{WORKER}/assets-upload-session", {"POST": workers.create_asset_upload_session}),
    (
        f"{WORKER}/subdomain",
        {
            "GET": workers.get_script_subdomain,
            "POST": workers.post_script_subdomain,
            "DELETE": workers.delete_script_subdomain,
        },
    ),
    (f"{ACCOUNT}/workers/services/<script>", {"GET": workers.get_service, "DELETE": workers.delete_service}),
    (f"{ACCOUNT}/workers/subdomain", {"GET": workers.account_subdomain}),
    (f"{ACCOUNT}/storage/kv/namespaces", {"GET": workers.list_kv_namespaces}),
)


def control_routes(prefix: str, control: Control) -> tuple[tuple[str, Mapping[str, Handler]], ...]:
    return (
        (f"{prefix}/reset", {"POST": control.reset}),
        (f"{prefix}/state", {"GET": control.state}),
        (f"{prefix}/snapshot", {"GET": control.snapshot}),
        (f"{prefix}/restore", {"POST": control.restore}),
        (f"{prefix}/health", {"GET": control.health}),
        (f"{prefix}/logs", {"GET": control.logs}),
    )


def make_map(control: Control, control_prefix: str = "/__dispatch_emu") -> Map:
    rules = [
        Rule(path, methods=[method], endpoint=handler)
        for path, methods in (*ROUTE_TABLE, *control_routes(control_prefix, control))
        for method, handler in methods.items()
    ]
    return Map(rules, strict_slashes=False, merge_slashes=False)


__all__ = ["ROUTE_TABLE", "Handler", "control_routes", "make_map"]
