"""Regular Workers of an account: ``/accounts/{a}/workers/scripts/...`` and ``/workers/services/...``.

These are the account-level scripts that a plain ``wrangler deploy`` creates (a platform's
dispatch Worker, its outbound Worker, the Workers its service bindings reach). The store
keeps them in the account's namespace-like container
(:data:`~dispatch_emu.store.ACCOUNT_WORKERS`), so uploads, content, settings and secrets
are the namespace handlers themselves, run on that container through :func:`on_account`;
only the answers that differ in shape live here.

* ``PUT /workers/scripts/{name}`` uploads (same multipart dialects and checks as a
  namespaced upload); ``GET`` answers the main module's raw bytes (the SDK's
  ``scripts.get`` reads text); ``DELETE`` (``?force=`` accepted) answers ``null``.
* ``GET /workers/scripts`` lists every script of the account as bare Script objects
  (``?tags=`` filters as in a namespace).
* ``GET|PUT /content``, ``GET /content/v2``, ``GET|PATCH /settings`` (script and version
  settings), ``GET|PATCH /script-settings`` (logpush, observability, tags,
  tail_consumers), ``/secrets``, ``/secrets-bulk``, ``/bindings``: as for a namespace.
* ``POST /versions`` stores a version without deploying it and ``POST /deployments``
  (one version at 100 %) makes it live at once: wrangler re-deploys an existing Worker so.
* wrangler's deploy calls: ``GET /workers/services/{name}`` (``default_environment.script``;
  404 code 10007 for a new Worker), ``GET /workers/scripts/{name}/deployments`` (one
  deployment at 100 % of the current version), ``GET /workers/subdomain`` (the account's
  workers.dev subdomain: the account id), ``GET|POST|DELETE /workers/scripts/{name}/subdomain``
  (whether the Worker's workers.dev route and preview URLs are on). ``wrangler delete``
  uses ``DELETE /workers/services/{name}``, then lists ``/storage/kv/namespaces`` (always
  empty here: the emulator keeps no KV).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from dispatch_emu.api._calls import ApiCall, json_kind
from dispatch_emu.api._envelope import Paged, WithMessages
from dispatch_emu.api._handlers import scripts, secrets, settings
from dispatch_emu.api._serialize import HANDLERS, public_bindings, rfc3339, script_json, settings_json
from dispatch_emu.api._uploads import parse_upload
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import ACCOUNT_WORKERS, Script, thaw
from dispatch_emu.store._models import WORKERS_DEV

Handler = Callable[[ApiCall], Any]

#: The only environment a Worker has outside legacy service environments.
ENVIRONMENT = "production"
#: What ``GET /script-settings`` answers: the script-level part of the settings.
SCRIPT_SETTINGS = ("logpush", "observability", "tags", "tail_consumers")


def on_account(handler: Handler) -> Handler:
    """A namespace handler run on the account's regular Workers instead."""

    @functools.wraps(handler)
    def run(call: ApiCall) -> Any:
        call.args["namespace"] = ACCOUNT_WORKERS
        return handler(call)

    return run


upload_script = on_account(scripts.upload_script)
delete_script = on_account(scripts.delete_script)
get_content = on_account(scripts.get_content)
put_content = on_account(scripts.put_content)
get_settings = on_account(settings.get_settings)
patch_settings = on_account(settings.patch_settings)
get_bindings = on_account(settings.get_bindings)
list_secrets = on_account(secrets.list_secrets)
put_secret = on_account(secrets.put_secret)
get_secret = on_account(secrets.get_secret)
delete_secret = on_account(secrets.delete_secret)


def bulk_secrets(call: ApiCall) -> dict[str, dict[str, Any]]:
    """``PATCH /secrets-bulk``: the SDK's model of this answer is ``{NAME: {name, type}}``."""
    return {secret["name"]: secret for secret in on_account(secrets.bulk_secrets)(call)}


create_asset_upload_session = on_account(scripts.create_asset_upload_session)


def _script(call: ApiCall) -> Script:
    return call.store.get_script(call.account, ACCOUNT_WORKERS, call.arg("script"))


def list_scripts(call: ApiCall) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:  # the account-level list is one page: the store's pages are joined here
        page = call.store.list_scripts(call.account, ACCOUNT_WORKERS, cursor=cursor, tags=call.query("tags"))
        found += [script_json(script) for script in page.scripts]
        if not page.cursor:
            return found
        cursor = page.cursor


def get_script_settings(call: ApiCall) -> dict[str, Any]:
    data = settings_json(_script(call))
    return {key: data[key] for key in SCRIPT_SETTINGS if key in data}


def patch_script_settings(call: ApiCall) -> dict[str, Any]:
    patch = call.json_object()
    unknown = set(patch) - set(SCRIPT_SETTINGS)
    if unknown:
        raise ValidationError(f"Unknown script setting(s): {', '.join(sorted(unknown))}.")
    call.store.update_settings(call.account, ACCOUNT_WORKERS, call.arg("script"), patch)
    return get_script_settings(call)


def get_service(call: ApiCall) -> dict[str, Any]:
    """wrangler's first deploy call; it reads ``default_environment.script.tag`` and ``tags``."""
    script = _script(call)
    created, modified = rfc3339(script.created_on), rfc3339(script.modified_on)
    return {
        "id": script.name,
        "default_environment": {
            "environment": ENVIRONMENT,
            "created_on": created,
            "modified_on": modified,
            "script": script_json(script),
        },
        "created_on": created,
        "modified_on": modified,
        "environments": [{"environment": ENVIRONMENT, "created_on": created, "modified_on": modified}],
    }


def delete_service(call: ApiCall) -> None:
    call.flag("force")  # accepted: nothing here tracks who binds a Worker
    call.store.delete_script(call.account, ACCOUNT_WORKERS, call.arg("script"))
    return None


def _deployment_json(script: Script) -> dict[str, Any]:
    return {
        "id": script.deployment_id,
        "created_on": rfc3339(script.modified_on),
        "source": "api",
        "strategy": "percentage",
        "versions": [{"version_id": script.deployment_id, "percentage": 100.0}],
    }


def list_deployments(call: ApiCall) -> dict[str, Any]:
    """The current version, deployed to 100 %: the emulator keeps no older deployments."""
    return {"deployments": [_deployment_json(_script(call))]}


def upload_version(call: ApiCall) -> WithMessages:
    """``POST .../versions``: a new version, not yet live (wrangler's re-deploy, step one)."""
    upload = parse_upload(call)
    version = call.store.upload_version(call.account, ACCOUNT_WORKERS, call.arg("script"), upload)
    return WithMessages(_version_json(version), scripts.binding_notices(version))


def _version_json(version: Script) -> dict[str, Any]:
    return {
        "id": version.deployment_id,
        "number": 1,
        "metadata": {
            "author_email": "",
            "created_on": rfc3339(version.modified_on),
            "modified_on": rfc3339(version.modified_on),
            "source": "api",
        },
        "resources": {
            "bindings": public_bindings(version.bindings),
            "script": {"etag": version.etag, "handlers": list(HANDLERS)},
            "script_runtime": {
                "compatibility_date": version.settings.get("compatibility_date") or "",
                "compatibility_flags": thaw(version.settings.get("compatibility_flags") or []),
                "usage_model": version.settings.get("usage_model") or "standard",
            },
        },
        "startup_time_ms": version.startup_time_ms,
    }


def create_deployment(call: ApiCall) -> dict[str, Any]:
    """``POST .../deployments``: make one uploaded version live at 100 %, at once.

    Gradual deployments (two versions sharing traffic) are refused: the emulator
    serves exactly one version of a Worker.
    """
    call.flag("force")
    body = call.json_object()
    if body.get("strategy", "percentage") != "percentage":
        raise ValidationError("A deployment's strategy must be 'percentage'.")
    versions = body.get("versions")
    if not isinstance(versions, list) or not versions:
        raise ValidationError("A deployment needs 'versions': [{version_id, percentage}].")
    live = [v for v in versions if isinstance(v, dict) and v.get("percentage") == 100]
    if len(versions) != 1 or len(live) != 1 or not isinstance(live[0].get("version_id"), str):
        raise ValidationError(
            "dispatch_emu deploys one version at 100 %: send versions=[{version_id, percentage: 100}]."
        )
    script = call.store.deploy_version(call.account, ACCOUNT_WORKERS, call.arg("script"), live[0]["version_id"])
    deployment = _deployment_json(script)
    annotations = body.get("annotations")
    if isinstance(annotations, dict):
        deployment["annotations"] = {k: v for k, v in annotations.items() if isinstance(v, str)}
    return deployment


def list_kv_namespaces(call: ApiCall) -> Paged:
    """``GET /storage/kv/namespaces``: always empty, since the emulator keeps no KV.
    ``wrangler delete`` lists them to clean up a Workers Sites namespace."""
    per_page = call.query("per_page") or "20"
    size = int(per_page) if per_page.isdigit() else 20
    return Paged([], {"page": 1, "per_page": size, "count": 0, "total_count": 0, "total_pages": 0})


def account_subdomain(call: ApiCall) -> dict[str, str]:
    """The account's workers.dev subdomain; here derived from the account id."""
    return {"subdomain": re.sub(r"[^a-z0-9-]+", "-", call.account.lower()).strip("-") or "account"}


def _subdomain_json(script: Script) -> dict[str, bool]:
    state = script.extra.get(WORKERS_DEV) or {}
    return {"enabled": bool(state.get("enabled")), "previews_enabled": bool(state.get("previews_enabled"))}


def get_script_subdomain(call: ApiCall) -> dict[str, bool]:
    return _subdomain_json(_script(call))


def post_script_subdomain(call: ApiCall) -> dict[str, bool]:
    body = call.json_object()
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise ValidationError(f"'enabled' must be a boolean; got {json_kind(enabled)}.")
    previews = body.get("previews_enabled", enabled)
    if not isinstance(previews, bool):
        raise ValidationError(f"'previews_enabled' must be a boolean; got {json_kind(previews)}.")
    script = call.store.set_workers_dev(
        call.account, ACCOUNT_WORKERS, call.arg("script"), enabled=enabled, previews_enabled=previews
    )
    return _subdomain_json(script)


def delete_script_subdomain(call: ApiCall) -> dict[str, bool]:
    script = call.store.set_workers_dev(
        call.account, ACCOUNT_WORKERS, call.arg("script"), enabled=False, previews_enabled=False
    )
    return _subdomain_json(script)


__all__ = [
    "account_subdomain",
    "bulk_secrets",
    "create_asset_upload_session",
    "create_deployment",
    "delete_script",
    "delete_script_subdomain",
    "delete_secret",
    "delete_service",
    "get_bindings",
    "get_content",
    "get_script_settings",
    "get_script_subdomain",
    "get_secret",
    "get_service",
    "get_settings",
    "list_deployments",
    "list_kv_namespaces",
    "list_scripts",
    "list_secrets",
    "on_account",
    "patch_script_settings",
    "patch_settings",
    "post_script_subdomain",
    "put_content",
    "put_secret",
    "upload_script",
    "upload_version",
]
