"""The emulator's own endpoints, under the control prefix (``/__dispatch_emu`` by default).

======================  =================================================================
``POST /reset``         forget everything (calls the app's ``on_reset``, or ``store.reset()``)
``GET  /state``         a JSON dump for eyes and asserts: accounts → namespaces → scripts
                        with tags, etags, modules (names, types, sizes; no bytes) and
                        bindings (secret values hidden), plus whatever ``extra_state()`` adds
``GET  /snapshot``      ``store.snapshot()``: everything, module bytes included, secret
                        values left out (see below)
``POST /restore``       ``store.restore(body)``; the body is a snapshot, or the whole
                        envelope ``GET /snapshot`` answered
``GET  /health``        ``{"status": "ok", "version": ...}``
``GET  /logs``          what workers logged and what each request did, oldest first:
                        ``{"logs": [...], "requests": [...], "next": N}``. ``worker=NAME``
                        keeps one worker's; ``since=N`` only what came after ``next`` of
                        an earlier answer; ``wait=SECONDS`` (at most 30) holds the answer
                        until something new arrives, so a loop of calls follows the logs
======================  =================================================================

All answer in the usual envelope, and all take the API token when one is required (see
:mod:`dispatch_emu.api._auth`, which also keeps browsers and unexpected Hosts out).

**Secrets.** ``GET /snapshot`` never carries a secret's value in clear: ``secret_text``'s
``text`` and ``secret_key``'s key material are replaced by a ``sealed`` string that
only this app can open (:mod:`dispatch_emu.api._sealing`), so posting the snapshot back
restores them. ``GET /snapshot?secrets=include`` gives the values in clear, and only on
an app that requires a token (which the request then carried); on an open app it is
refused with 403.

**Restore** checks everything it loads as an upload would (names, tags, settings such as
``limits.cpu_ms``, bindings, module types, digests and the runtime's module check) and
has its own body limit, ``ApiConfig.max_restore_bytes`` (512 MiB by default), so any
snapshot the server produced loads back. A sealed secret this app cannot open (the
snapshot came from another process) or one without a value keeps the value the store
holds now for that script and name; failing that it is restored empty and named in the
answer's ``secrets_without_value``. A
snapshot that fails to load changes nothing (the store builds the new state aside and
swaps it in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from dispatch_emu._version import __version__
from dispatch_emu.api._calls import ApiCall
from dispatch_emu.api._sealing import Sealer
from dispatch_emu.api._serialize import module_summary, public_bindings, rfc3339
from dispatch_emu.errors import AuthenticationError, MalformedRequest, ValidationError
from dispatch_emu.store import ACCOUNT_WORKERS, MAX_LIMIT, NamespaceStore, Script
from dispatch_emu.store._bindings import SECRET_TYPES

#: ``logs(worker, since, wait_seconds)`` → the logs endpoint's result (the emulator's observer answers).
LogSource: TypeAlias = Callable[[str | None, int, float], dict[str, Any]]

#: The longest ``wait=`` the logs endpoint honours, in seconds.
MAX_LOG_WAIT = 30.0

#: The fields of a secret binding that hold its value.
SECRET_VALUE_FIELDS = ("text", "key_base64", "key_jwk")


def _script_state(script: Script) -> dict[str, Any]:
    return {
        "name": script.name,
        "tag": script.tag,
        "etag": script.etag,
        "deployment_id": script.deployment_id,
        "main_module": script.main_module,
        "modules": module_summary(script),
        "bindings": public_bindings(script.bindings),
        "tags": list(script.tags),
        "modified_on": rfc3339(script.modified_on),
    }


def state_dump(store: NamespaceStore) -> dict[str, Any]:
    """Accounts → namespaces → scripts, and each account's regular Workers (``workers``),
    without module bytes or secret values."""
    accounts: dict[str, Any] = {}

    def scripts_of(account: str, namespace: str) -> list[dict[str, Any]]:
        scripts: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = store.list_scripts(account, namespace, limit=MAX_LIMIT, cursor=cursor)
            scripts.extend(_script_state(s) for s in page.scripts)
            if not page.cursor:
                return scripts
            cursor = page.cursor

    for account in store.accounts():
        spaces = []
        for namespace in store.list_namespaces(account):
            scripts = scripts_of(account, namespace.name)
            spaces.append(
                {
                    "name": namespace.name,
                    "namespace_id": namespace.namespace_id,
                    "trusted_workers": namespace.trusted_workers,
                    "script_count": namespace.script_count,
                    "scripts": scripts,
                }
            )
        accounts[account] = {"namespaces": spaces, "workers": scripts_of(account, ACCOUNT_WORKERS)}
    return {"version": __version__, "accounts": accounts}


class Control:
    """The control handlers of one app, bound to its store and hooks."""

    def __init__(
        self,
        store: NamespaceStore,
        on_reset: Callable[[], None] | None = None,
        extra_state: Callable[[], dict[str, Any]] | None = None,
        logs: LogSource | None = None,
        *,
        token_required: bool = False,
    ) -> None:
        self.store = store
        self.on_reset = on_reset
        self.extra_state = extra_state
        self.log_source = logs
        self.token_required = token_required  # the app checked the token before any handler
        self.sealer = Sealer()

    def reset(self, call: ApiCall) -> None:
        if self.on_reset is not None:
            self.on_reset()
        else:
            self.store.reset()
        return None

    def state(self, call: ApiCall) -> dict[str, Any]:
        dump = state_dump(self.store)
        if self.extra_state is not None:
            # Extra keys sit beside ours; they may not replace the store's dump.
            extra = {k: v for k, v in self.extra_state().items() if k not in dump}
            dump.update(extra)
        return dump

    def snapshot(self, call: ApiCall) -> dict[str, Any]:
        include = call.query("secrets")
        if include not in (None, "", "include", "redact"):
            raise MalformedRequest(f"secrets must be 'include' or 'redact'; got {include!r}.")
        if include == "include":
            if not self.token_required:
                raise AuthenticationError(
                    "Secret values leave only with ?secrets=include on a server that requires"
                    " an API token (ApiConfig.required_token, serve --token)."
                )
            return self.store.snapshot()
        return seal_secrets(self.store.snapshot(), self.sealer)

    def restore(self, call: ApiCall) -> dict[str, Any]:
        data = call.json_object()
        if data.get("success") is True and isinstance(data.get("result"), dict):
            data = data["result"]  # the envelope GET /snapshot answered, posted back whole
        missing = fill_sealed_secrets(data, self.store, self.sealer)
        self.store.restore(data)  # builds aside and swaps: a bad snapshot changes nothing
        return {"secrets_without_value": missing}

    def logs(self, call: ApiCall) -> dict[str, Any]:
        since, wait = _number(call, "since", 0), _number(call, "wait", 0)
        if self.log_source is None:
            return {"logs": [], "requests": [], "next": since}
        return self.log_source(call.query("worker") or None, int(since), min(float(wait), MAX_LOG_WAIT))

    def health(self, call: ApiCall) -> dict[str, Any]:
        return {"status": "ok", "version": __version__}


def _number(call: ApiCall, name: str, default: float) -> float:
    raw = call.query(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError(f"Query parameter {name} must be a number; got {raw!r}.") from None
    if value < 0 or value != value:
        raise ValidationError(f"Query parameter {name} must not be negative; got {raw!r}.")
    return value



def _is_secret(binding: Any) -> bool:
    return isinstance(binding, dict) and binding.get("type") in SECRET_TYPES


def _sealed(binding: dict[str, Any], sealer: Sealer) -> dict[str, Any]:
    values = {k: v for k, v in binding.items() if k in SECRET_VALUE_FIELDS}
    kept = {k: v for k, v in binding.items() if k not in SECRET_VALUE_FIELDS}
    return {**kept, "sealed": sealer.seal(values)}


def _sealed_space(space: dict[str, Any], sealer: Sealer) -> dict[str, Any]:
    return {**space, "scripts": [
        {**script, "bindings": [_sealed(b, sealer) if _is_secret(b) else b for b in script["bindings"]]}
        for script in space["scripts"]
    ]}


def seal_secrets(snapshot: dict[str, Any], sealer: Sealer) -> dict[str, Any]:
    """``snapshot`` with every secret value sealed (a copy where it changes; the rest shared).

    Covers dispatch namespaces (``accounts``) and account-level Workers (``workers``).
    """
    sealed = {**snapshot, "accounts": {
        account_id: [_sealed_space(space, sealer) for space in spaces]
        for account_id, spaces in snapshot["accounts"].items()
    }}
    if "workers" in snapshot:
        sealed["workers"] = {
            account_id: _sealed_space(space, sealer) for account_id, space in snapshot["workers"].items()
        }
    return sealed


def _snapshot_spaces(data: dict[str, Any]) -> list[tuple[Any, Any, dict[str, Any]]]:
    """``(account, namespace, space)`` for every script container in a posted snapshot."""
    found: list[tuple[Any, Any, dict[str, Any]]] = []
    accounts = data.get("accounts")
    for account_id, spaces in accounts.items() if isinstance(accounts, dict) else ():
        for space in spaces if isinstance(spaces, list) else ():
            if isinstance(space, dict):
                found.append((account_id, space.get("name"), space))
    workers = data.get("workers")
    for account_id, space in workers.items() if isinstance(workers, dict) else ():
        if isinstance(space, dict):
            found.append((account_id, ACCOUNT_WORKERS, space))
    return found


def fill_sealed_secrets(data: dict[str, Any], store: NamespaceStore, sealer: Sealer) -> list[str]:
    """Open sealed secrets in ``data``, in place; fall back to the store's current values.

    Returns the secrets that got no value. Anything malformed is left for the store's
    loader to refuse.
    """
    missing: list[str] = []
    for account_id, namespace, space in _snapshot_spaces(data):
        scripts = space.get("scripts")
        for script in scripts if isinstance(scripts, list) else ():
            bindings = script.get("bindings") if isinstance(script, dict) else None
            for binding in bindings if isinstance(bindings, list) else ():
                if not _is_secret(binding):
                    continue
                if "sealed" in binding:
                    opened = sealer.unseal(binding.pop("sealed"))
                    if isinstance(opened, dict):
                        binding.update({k: v for k, v in opened.items() if k in SECRET_VALUE_FIELDS})
                if any(f in binding for f in SECRET_VALUE_FIELDS):
                    continue
                current = _current_secret(store, account_id, namespace, script.get("name"), binding.get("name"))
                if current is not None:
                    binding.update({k: v for k, v in current.items() if k in SECRET_VALUE_FIELDS})
                    continue
                missing.append(f"{account_id}/{namespace}/{script.get('name')}/{binding.get('name')}")
                if binding["type"] == "secret_key":
                    binding["key_base64"] = ""
                else:
                    binding["text"] = ""
    return missing


def _current_secret(store: NamespaceStore, account_id: Any, namespace: Any, script: Any,
                    name: Any) -> dict[str, Any] | None:
    if not all(isinstance(v, str) for v in (account_id, namespace, script, name)):
        return None
    try:
        bindings = store.get_script(account_id, namespace, script).bindings
    except Exception:  # no such namespace or script now: nothing to keep
        return None
    for binding in bindings:
        if binding.get("name") == name and binding.get("type") in SECRET_TYPES:
            return dict(binding)
    return None


__all__ = ["LogSource", "MAX_LOG_WAIT", "SECRET_VALUE_FIELDS", "Control", "fill_sealed_secrets",
           "seal_secrets", "state_dump"]
