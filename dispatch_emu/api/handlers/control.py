"""The emulator's own endpoints, under the control prefix (``/__dispatch_emu`` by default).

======================  =================================================================
``POST /reset``         forget everything (calls the app's ``on_reset``, or ``store.reset()``)
``GET  /state``         a JSON dump for eyes and asserts: accounts → namespaces → scripts
                        with tags, etags, modules (names, types, sizes; no bytes) and
                        bindings (secret values hidden), plus whatever ``extra_state()`` adds
``GET  /snapshot``      ``store.snapshot()``: everything, module bytes included
``POST /restore``       ``store.restore(body)``; the body is a snapshot, or the whole
                        envelope ``GET /snapshot`` answered
``GET  /health``        ``{"status": "ok", "version": ...}``
``GET  /logs``          what workers logged and what each request did, oldest first:
                        ``{"logs": [...], "requests": [...], "next": N}``. ``worker=NAME``
                        keeps one worker's; ``since=N`` only what came after ``next`` of
                        an earlier answer; ``wait=SECONDS`` (at most 30) holds the answer
                        until something new arrives, so a loop of calls follows the logs
======================  =================================================================

All answer in the usual envelope. A snapshot that fails to load changes nothing (the
store builds the new state aside and swaps it in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from dispatch_emu._version import __version__
from dispatch_emu.api.calls import ApiCall
from dispatch_emu.api.serialize import module_summary, public_bindings, rfc3339
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import ACCOUNT_WORKERS, MAX_LIMIT, NamespaceStore, Script

#: ``logs(worker, since, wait_seconds)`` → the logs endpoint's result (the emulator's observer answers).
LogSource: TypeAlias = Callable[[str | None, int, float], dict[str, Any]]

#: The longest ``wait=`` the logs endpoint honours, in seconds.
MAX_LOG_WAIT = 30.0


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
    ) -> None:
        self.store = store
        self.on_reset = on_reset
        self.extra_state = extra_state
        self.log_source = logs

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
        return self.store.snapshot()

    def restore(self, call: ApiCall) -> None:
        data = call.json_object()
        if data.get("success") is True and isinstance(data.get("result"), dict):
            data = data["result"]  # the envelope GET /snapshot answered, posted back whole
        self.store.restore(data)  # builds aside and swaps: a bad snapshot changes nothing
        return None

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


__all__ = ["LogSource", "MAX_LOG_WAIT", "Control", "state_dump"]
