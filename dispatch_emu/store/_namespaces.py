"""The namespace store: accounts → dispatch namespaces → scripts, in memory.

:class:`NamespaceStore` is the single source of truth that the REST API writes and the
dispatcher reads. It knows nothing of HTTP or WebAssembly. Every public method takes one
re-entrant lock, so the store is safe to share between a server's threads; scripts are
immutable :class:`~dispatch_emu.store._models.Script` values replaced wholesale, so a
dispatch in flight keeps the version it started with while an upload lands.

Upload validators (``validators=[callable(upload, account_id, namespace)]``) run after the
store's own checks and before anything is written; the runtime plugs its wasm check in
there without the store knowing what wasm is.

An account's regular Workers (outside any dispatch namespace, what a plain ``wrangler
deploy`` creates) live in a namespace-like container of their own: pass
:data:`~dispatch_emu.store._models.ACCOUNT_WORKERS` as the namespace to any script method.
The container always exists (empty until the first upload), is never listed among the
namespaces, and cannot be created, renamed or deleted.

``reset()`` empties everything; ``snapshot()`` returns a JSON-able dict and
``restore(data)`` brings it back, so a test can seed once and rewind cheaply.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from dispatch_emu.errors import (
    NamespaceAlreadyExists,
    NamespaceNotFound,
    ScriptNotFound,
    SecretNotFound,
    ValidationError,
)
from dispatch_emu.store import _bindings as binding_rules
from dispatch_emu.store._blobs import BlobStore, ModuleRef
from dispatch_emu.store._models import (
    ACCOUNT_WORKERS,
    EXTRA_METADATA,
    SETTINGS_DEFAULTS,
    WORKERS_DEV,
    Namespace,
    Page,
    Script,
    ScriptUpload,
    is_account_workers,
)
from dispatch_emu.store._names import check_namespace_name, check_script_name, check_tags, with_tag
from dispatch_emu.store._paging import TagFilter, check_limit, decode_cursor, encode_cursor
from dispatch_emu.store._snapshots import as_upload, dump_snapshot, load_snapshot
from dispatch_emu.store._state import Interner, NamespaceState, utcnow
from dispatch_emu.store._uploads import check_upload

#: Undeployed versions kept per script (see :meth:`NamespaceStore.upload_version`).
MAX_PENDING_VERSIONS = 10

UploadValidator = Callable[[ScriptUpload, str, str], None]
Clock = Callable[[], datetime]


class NamespaceStore:
    """Accounts → dispatch namespaces → scripts, thread-safe, in memory."""

    def __init__(
        self,
        *,
        validators: Iterable[UploadValidator] = (),
        clock: Clock = utcnow,
        actor: str = "dispatch_emu",
    ) -> None:
        self._lock = threading.RLock()
        self._accounts: dict[str, dict[str, NamespaceState]] = {}
        self._workers: dict[str, NamespaceState] = {}  # account → its regular Workers
        self._blobs = BlobStore()
        self._interner = Interner()
        self.validators: list[UploadValidator] = list(validators)
        #: called (no arguments, outside the store's lock) after a change that may have made
        #: a deployed version unreachable: a delete, a replacement, a reset or a restore
        self.removal_listeners: list[Callable[[], None]] = []
        self.clock = clock
        self.actor = actor

    # ----------------------------------------------------------------- whole store

    def reset(self) -> None:
        """Forget every account, namespace, script and module."""
        with self._lock:
            self._accounts.clear()
            self._workers.clear()
            self._blobs.clear()
            self._interner.clear()
        self._removed()

    @property
    def blob_count(self) -> int:
        """How many distinct module bodies are held (each is stored once)."""
        with self._lock:
            return len(self._blobs)

    def accounts(self) -> list[str]:
        """Every account with a namespace or a regular Worker."""
        with self._lock:
            return sorted(set(self._accounts) | {a for a, state in self._workers.items() if state.scripts})

    # ----------------------------------------------------------------- namespaces

    def create_namespace(
        self, account_id: str, name: str | None = None, *, trusted_workers: bool = False
    ) -> Namespace:
        """Create a namespace; ``name=None`` generates one, as the API does for ``{}``."""
        with self._lock:
            spaces = self._accounts.setdefault(account_id, {})
            if name is None:
                name = f"namespace-{uuid.uuid4().hex[:12]}"
            check_namespace_name(name)
            if name in spaces:
                raise NamespaceAlreadyExists(
                    f"A dispatch namespace named {name!r} already exists in this account."
                )
            now = self.clock()
            state = NamespaceState(
                namespace_id=str(uuid.uuid4()),
                name=name,
                created_on=now,
                created_by=self.actor,
                modified_on=now,
                modified_by=self.actor,
                trusted_workers=bool(trusted_workers),
            )
            spaces[name] = state
            return state.freeze(account_id)

    def list_namespaces(self, account_id: str) -> list[Namespace]:
        with self._lock:
            spaces = self._accounts.get(account_id, {})
            return [spaces[name].freeze(account_id) for name in sorted(spaces)]

    def get_namespace(self, account_id: str, name: str) -> Namespace:
        with self._lock:
            return self._namespace(account_id, name).freeze(account_id)

    def has_namespace(self, account_id: str, name: str) -> bool:
        if is_account_workers(name):
            return True
        with self._lock:
            return name in self._accounts.get(account_id, {})

    def update_namespace(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        trusted_workers: bool | None = None,
    ) -> Namespace:
        """Rename and/or change ``trusted_workers``; scripts move with a rename."""
        _not_the_account_workers(name)
        with self._lock:
            state = self._namespace(account_id, name)
            spaces = self._accounts[account_id]
            if new_name is not None and new_name != name:
                check_namespace_name(new_name)
                if new_name in spaces:
                    raise NamespaceAlreadyExists(
                        f"A dispatch namespace named {new_name!r} already exists in this account."
                    )
                del spaces[name]
                state.name = new_name
                spaces[new_name] = state
            if trusted_workers is not None:
                state.trusted_workers = bool(trusted_workers)
            state.modified_on = self.clock()
            state.modified_by = self.actor
            return state.freeze(account_id)

    def delete_namespace(self, account_id: str, name: str) -> None:
        """Delete a namespace and, at once, every script in it."""
        _not_the_account_workers(name)
        with self._lock:
            state = self._namespace(account_id, name)
            for script in state.scripts.values():
                self._release(script.modules)
            del self._accounts[account_id][name]
        self._removed()

    # ----------------------------------------------------------------- scripts

    def put_script(
        self, account_id: str, namespace: str, name: str, upload: ScriptUpload
    ) -> Script:
        """Create or replace a script from an upload; returns the stored version."""
        metadata = self._check_new_version(account_id, namespace, name, upload)
        with self._lock:
            state = self._namespace(account_id, namespace)
            previous = state.scripts.get(name)
            script = self._build_version(state, name, upload, metadata)
            self._replace(state, script, previous)
        if previous is not None:
            self._removed()
        return script

    def upload_version(self, account_id: str, namespace: str, name: str, upload: ScriptUpload) -> Script:
        """Store a new version of an existing script *without* deploying it (wrangler's
        re-deploy: ``POST .../versions`` then ``POST .../deployments``). Its
        ``deployment_id`` is the version id that :meth:`deploy_version` takes. Up to
        :data:`MAX_PENDING_VERSIONS` undeployed versions are kept per script (the oldest
        goes first); they are not part of snapshots."""
        metadata = self._check_new_version(account_id, namespace, name, upload)
        with self._lock:
            state = self._namespace(account_id, namespace)
            self._script(account_id, namespace, name)
            version = self._build_version(state, name, upload, metadata)
            pending = state.pending.setdefault(name, {})
            pending[version.deployment_id] = version
            while len(pending) > MAX_PENDING_VERSIONS:
                self._release(pending.pop(next(iter(pending))).modules)
            return version

    def deploy_version(self, account_id: str, namespace: str, name: str, version_id: str) -> Script:
        """Make an uploaded version the live one, at once; the live version is returned."""
        with self._lock:
            state = self._namespace(account_id, namespace)
            previous = self._script(account_id, namespace, name)
            if version_id == previous.deployment_id:
                return previous
            version = state.pending.get(name, {}).pop(version_id, None)
            if version is None:
                raise ValidationError(f"Version {version_id!r} of script {name!r} not found.")
            script = replace(version, modified_on=self.clock())
            self._replace(state, script, previous)
        self._removed()
        return script

    def _check_new_version(
        self, account_id: str, namespace: str, name: str, upload: ScriptUpload
    ) -> dict[str, Any]:
        check_script_name(name)
        metadata = check_upload(upload)
        with self._lock:
            self._namespace(account_id, namespace)  # fail fast, before validators run
        for validate in self.validators:
            validate(upload, account_id, namespace)
        return metadata

    def _build_version(
        self, state: NamespaceState, name: str, upload: ScriptUpload, metadata: Mapping[str, Any]
    ) -> Script:
        """A new Script from an upload, inheriting from the live version; stores nothing
        but the module bytes (the caller holds the lock)."""
        previous = state.scripts.get(name)
        bindings = binding_rules.resolve_upload_bindings(
            metadata.get("bindings", []),
            previous.bindings if previous else (),
            keep=metadata.get("keep_bindings", []),
            strict=upload.bindings_inherit == "strict",
        )
        settings = dict(previous.settings) if previous else dict(SETTINGS_DEFAULTS)
        settings.update({k: metadata[k] for k in SETTINGS_DEFAULTS if k in metadata})
        extra = {k: metadata[k] for k in EXTRA_METADATA if k in metadata}
        if previous is not None and WORKERS_DEV in previous.extra:  # a trigger, not part of the upload
            extra[WORKERS_DEV] = previous.extra[WORKERS_DEV]
        tags = check_tags(metadata["tags"]) if "tags" in metadata else (
            previous.tags if previous else ()
        )
        modules = tuple(self._blobs.add(m.name, m.content_type, m.content) for m in upload.modules)
        now = self.clock()
        return Script(
            name=name,
            tag=previous.tag if previous else uuid.uuid4().hex,
            etag=_etag(modules, upload.main_module or ""),
            deployment_id=str(uuid.uuid4()),
            modules=modules,
            main_module=upload.main_module or "",
            has_modules=upload.uses_modules,
            bindings=self._interner.bindings(bindings),
            settings=self._interner.mapping(settings),
            extra=self._interner.mapping(extra),
            tags=tags,
            created_on=previous.created_on if previous else now,
            modified_on=now,
            has_assets=bool(metadata.get("assets")),
        )

    def put_content(self, account_id: str, namespace: str, name: str, upload: ScriptUpload) -> Script:
        """Replace only the code of an existing script; bindings and settings stay."""
        check_upload(upload, content_only=True)
        with self._lock:
            self._script(account_id, namespace, name)
        for validate in self.validators:
            validate(upload, account_id, namespace)
        with self._lock:
            state = self._namespace(account_id, namespace)
            previous = self._script(account_id, namespace, name)
            modules = tuple(self._blobs.add(m.name, m.content_type, m.content) for m in upload.modules)
            script = replace(
                previous,
                modules=modules,
                main_module=upload.main_module or "",
                has_modules=upload.uses_modules,
                etag=_etag(modules, upload.main_module or ""),
                deployment_id=str(uuid.uuid4()),
                modified_on=self.clock(),
            )
            self._replace(state, script, previous)
        if previous is not None:
            self._removed()
        return script

    def get_script(self, account_id: str, namespace: str, name: str) -> Script:
        with self._lock:
            return self._script(account_id, namespace, name)

    def find_script(self, account_id: str, namespace: str, name: str) -> Script | None:
        """The script, or ``None`` when it (or its namespace) does not exist."""
        with self._lock:
            state = self._find_namespace(account_id, namespace)
            return state.scripts.get(name) if state else None

    def find_worker(self, account_id: str, namespace: str, name: str) -> tuple[Script, bytes, bool] | None:
        """What a dispatch needs, under one lock: the script, its main module's bytes, and
        whether the namespace is trusted; ``None`` when the script or namespace is missing."""
        with self._lock:
            state = self._find_namespace(account_id, namespace)
            script = state.scripts.get(name) if state else None
            if script is None or state is None:
                return None
            return script, self._blobs.get(script.main.digest), state.trusted_workers

    def module_bytes(self, module: ModuleRef) -> bytes:
        with self._lock:
            return self._blobs.get(module.digest)

    def delete_script(self, account_id: str, namespace: str, name: str) -> None:
        with self._lock:
            state = self._namespace(account_id, namespace)
            self._script(account_id, namespace, name)
            self._remove(state, name)
        self._removed()

    def list_scripts(
        self,
        account_id: str,
        namespace: str,
        *,
        limit: int | str | None = None,
        cursor: str | None = None,
        tags: TagFilter | str | None = None,
    ) -> Page:
        """One page in name order; the page's cost grows with its size, not the namespace's."""
        size = check_limit(limit)
        tag_filter = TagFilter.parse(tags) if isinstance(tags, str) or tags is None else tags
        with self._lock:
            state = self._namespace(account_id, namespace)
            start = 0
            if cursor:
                start = bisect.bisect_right(state.order, decode_cursor(cursor, state.namespace_id))
            found: list[Script] = []
            index = start
            while index < len(state.order) and len(found) < size:
                script = state.scripts[state.order[index]]
                index += 1
                if tag_filter is None or tag_filter.matches(script.tags):
                    found.append(script)
            more = index < len(state.order) and len(found) == size
            next_cursor = encode_cursor(state.namespace_id, found[-1].name) if more else ""
            return Page(tuple(found), next_cursor, len(found))

    def delete_scripts_by_tags(
        self, account_id: str, namespace: str, tags: TagFilter | str, *, limit: int | str | None = None
    ) -> tuple[list[str], bool]:
        """Delete up to ``limit`` scripts matching the filter; returns (names, has_more)."""
        tag_filter = TagFilter.parse(tags) if isinstance(tags, str) else tags
        if tag_filter is None:
            raise ValidationError("Deleting scripts by tag needs a tags filter, e.g. tags=customer-123:yes.")
        size = check_limit(limit)
        with self._lock:
            state = self._namespace(account_id, namespace)
            matching = [n for n in state.order if tag_filter.matches(state.scripts[n].tags)]
            for name in matching[:size]:
                self._remove(state, name)
        if matching:
            self._removed()
        return matching[:size], len(matching) > size

    # ----------------------------------------------------------------- script parts

    def update_settings(
        self, account_id: str, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> Script:
        """Apply a partial settings update (the API's PATCH /settings)."""
        if not isinstance(patch, Mapping):
            raise ValidationError("Settings must be a JSON object.")
        unknown = set(patch) - set(SETTINGS_DEFAULTS) - {"bindings", "tags"}
        if unknown:
            raise ValidationError(f"Unknown settings field(s): {', '.join(sorted(unknown))}.")
        with self._lock:
            state = self._namespace(account_id, namespace)
            previous = self._script(account_id, namespace, name)
            changes: dict[str, Any] = {}
            if "bindings" in patch:
                changes["bindings"] = self._interner.bindings(
                    binding_rules.resolve_settings_bindings(patch["bindings"], previous.bindings)
                )
            if "tags" in patch and patch["tags"] is not None:
                changes["tags"] = check_tags(patch["tags"])
            settings = dict(previous.settings)
            settings.update({k: v for k, v in patch.items() if k in SETTINGS_DEFAULTS})
            binding_rules.check_settings(settings)
            changes["settings"] = self._interner.mapping(settings)
            script = replace(previous, modified_on=self.clock(), **changes)
            self._replace(state, script, previous)
        if previous is not None:
            self._removed()
        return script

    def set_workers_dev(
        self, account_id: str, namespace: str, name: str, *, enabled: bool, previews_enabled: bool
    ) -> Script:
        """Turn the script's workers.dev route (and its preview URLs) on or off."""
        with self._lock:
            previous = self._script(account_id, namespace, name)
            extra = {**previous.extra, WORKERS_DEV: {"enabled": enabled, "previews_enabled": previews_enabled}}
            return self._change(account_id, namespace, name, extra=self._interner.mapping(extra))

    def set_tags(self, account_id: str, namespace: str, name: str, tags: Sequence[str]) -> Script:
        return self._change(account_id, namespace, name, tags=check_tags(list(tags)))

    def add_tag(self, account_id: str, namespace: str, name: str, tag: str) -> Script:
        with self._lock:
            current = self._script(account_id, namespace, name).tags
            return self._change(account_id, namespace, name, tags=with_tag(current, tag))

    def remove_tag(self, account_id: str, namespace: str, name: str, tag: str) -> Script:
        with self._lock:
            current = self._script(account_id, namespace, name).tags
            return self._change(account_id, namespace, name, tags=tuple(t for t in current if t != tag))

    def put_secret(
        self, account_id: str, namespace: str, name: str, secret_name: str, text: str | None = None,
        *, type: str = "secret_text", extra: Mapping[str, Any] | None = None,
    ) -> Script:
        """Add or replace one secret (``extra`` carries a ``secret_key``'s key fields)."""
        binding = binding_rules.check_secret(secret_name, text, type, extra)
        with self._lock:
            current = self._script(account_id, namespace, name).bindings
            kept = [b for b in current if b.get("name") != secret_name]
            return self._change(
                account_id, namespace, name, bindings=self._interner.bindings([*kept, binding])
            )

    def get_secret(self, account_id: str, namespace: str, name: str, secret_name: str) -> Mapping[str, Any]:
        with self._lock:
            for binding in self._script(account_id, namespace, name).secrets:
                if binding["name"] == secret_name:
                    return binding
            raise SecretNotFound(f"Secret {secret_name!r} not found on script {name!r}.")

    def delete_secret(self, account_id: str, namespace: str, name: str, secret_name: str) -> Script:
        with self._lock:
            self.get_secret(account_id, namespace, name, secret_name)
            current = self._script(account_id, namespace, name).bindings
            kept = [b for b in current if b.get("name") != secret_name]
            return self._change(account_id, namespace, name, bindings=self._interner.bindings(kept))

    def bulk_secrets(
        self, account_id: str, namespace: str, name: str, secrets: Mapping[str, Any]
    ) -> Script:
        """Set (``{name: {text, type}}``) and delete (``{name: None}``) secrets at once."""
        if not isinstance(secrets, Mapping):
            raise ValidationError("secrets must be an object mapping names to secrets or null.")
        new: dict[str, Mapping[str, Any] | None] = {}
        for secret_name, value in secrets.items():
            if value is None:
                new[secret_name] = None
            elif isinstance(value, Mapping):
                new[secret_name] = binding_rules.check_secret(
                    value.get("name", secret_name), value.get("text"), value.get("type", "secret_text"), value
                )
            else:
                raise ValidationError(f"Secret {secret_name!r} must be an object or null.")
        with self._lock:
            current = self._script(account_id, namespace, name).bindings
            kept = [b for b in current if b.get("name") not in new]
            added = [b for b in new.values() if b is not None]
            return self._change(
                account_id, namespace, name, bindings=self._interner.bindings([*kept, *added])
            )

    # ----------------------------------------------------------------- snapshots

    def snapshot(self) -> dict[str, Any]:
        """Everything, as a JSON-able dict (module bytes hex-encoded, stored once)."""
        with self._lock:
            return dump_snapshot(self._accounts, self._blobs, self._workers)

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the whole state with a :meth:`snapshot`.

        The new state is built aside and swapped in, so a snapshot that fails to load
        leaves the store exactly as it was.
        """
        accounts, workers, blobs, interner = load_snapshot(data)
        for state in workers.values():
            state.name = ACCOUNT_WORKERS  # JSON gave back plain text; the container is told by type
        checked = [(account_id, state.name, state) for account_id, spaces in accounts.items()
                   for state in spaces.values()]
        checked += [(account_id, state.name, state) for account_id, state in workers.items()]
        for account_id, namespace, state in checked:  # the runtime's module checks, as an upload
            for script in state.scripts.values():
                upload = as_upload(script, {m.digest: blobs.get(m.digest) for m in script.modules})
                for validate in self.validators:
                    try:
                        validate(upload, account_id, namespace)
                    except ValidationError as exc:
                        raise ValidationError(f"Snapshot script {script.name!r}: {exc.message}") from None
        with self._lock:
            self._accounts, self._workers = accounts, workers
            self._blobs, self._interner = blobs, interner
        self._removed()

    # ----------------------------------------------------------------- internals

    def _find_namespace(self, account_id: str, name: str) -> NamespaceState | None:
        if is_account_workers(name):
            return self._workers.get(account_id)
        return self._accounts.get(account_id, {}).get(name)

    def _namespace(self, account_id: str, name: str) -> NamespaceState:
        if is_account_workers(name):
            state = self._workers.get(account_id)
            if state is None:  # every account has the container; make it on first use
                now = self.clock()
                state = self._workers[account_id] = NamespaceState(
                    namespace_id=str(uuid.uuid4()), name=ACCOUNT_WORKERS, created_on=now,
                    created_by=self.actor, modified_on=now, modified_by=self.actor,
                )
            return state
        state = self._accounts.get(account_id, {}).get(name)
        if state is None:
            raise NamespaceNotFound(f"Dispatch namespace {name!r} not found.")
        return state

    def _script(self, account_id: str, namespace: str, name: str) -> Script:
        script = self._namespace(account_id, namespace).scripts.get(name)
        if script is None:
            raise ScriptNotFound()
        return script

    def _change(self, account_id: str, namespace: str, name: str, **changes: Any) -> Script:
        with self._lock:
            state = self._namespace(account_id, namespace)
            previous = self._script(account_id, namespace, name)
            script = replace(previous, modified_on=self.clock(), **changes)
            self._replace(state, script, previous)
        if previous is not None:
            self._removed()
        return script

    def _replace(self, state: NamespaceState, script: Script, previous: Script | None) -> None:
        if previous is None:
            bisect.insort(state.order, script.name)
        elif previous.modules is not script.modules:
            self._release(previous.modules)
        state.scripts[script.name] = script
        state.modified_on = script.modified_on

    def _remove(self, state: NamespaceState, name: str) -> None:
        for version in state.pending.pop(name, {}).values():
            self._release(version.modules)
        script = state.scripts.pop(name)
        del state.order[bisect.bisect_left(state.order, name)]
        self._release(script.modules)

    def _removed(self) -> None:
        for listener in list(self.removal_listeners):
            listener()

    def _release(self, modules: Iterable[ModuleRef]) -> None:
        for module in modules:
            self._blobs.release(module)

    def __repr__(self) -> str:
        with self._lock:
            spaces = sum(len(s) for s in self._accounts.values())
        return f"<NamespaceStore accounts={len(self._accounts)} namespaces={spaces}>"


def _not_the_account_workers(name: str) -> None:
    if is_account_workers(name):
        raise ValidationError("The account's regular Workers are not a dispatch namespace.")


def _etag(modules: Sequence[ModuleRef], main_module: str) -> str:
    digest = hashlib.sha256(main_module.encode())
    for module in modules:
        digest.update(f"\0{module.name}\0{module.content_type}\0{module.digest}".encode())
    return digest.hexdigest()


__all__ = ["NamespaceStore", "UploadValidator"]
