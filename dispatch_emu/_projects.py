"""wrangler projects deployed in process, without node: ``wrangler.toml`` → an upload.

A platform's repository holds its Workers as wrangler projects (a ``wrangler.toml`` and a
``src/`` folder). :func:`read_project` turns one into what ``wrangler deploy`` would
upload, and :func:`deploy_project` stores it, as a regular Worker of the account or
(``dispatch_namespace=``) into a namespace. :meth:`Emulator.deploy
<dispatch_emu.emulator.Emulator.deploy>` is the usual way in (the emulator's checks run)::

    emu = Emulator()
    emu.deploy("platform/dispatcher")                          # plain `wrangler deploy`
    emu.deploy("customers/shop", dispatch_namespace="customers")

What is read, as wrangler 4 sends it: ``name``, ``main``, ``compatibility_date``,
``compatibility_flags``, ``vars`` (strings → ``plain_text``, other values → ``json``),
``[[dispatch_namespaces]]`` (with ``outbound = { service, parameters }``),
``[[services]]``, and the other binding tables wrangler knows (``kv_namespaces``,
``r2_buckets``, ``d1_databases``, ``queues.producers``, ``durable_objects.bindings``),
which the emulator stores but does not run (the upload says so in its ``messages``).

There is no bundler here: the main module and every ``.js``/``.mjs`` file beside it (and
below) are uploaded as ES modules named by their path relative to the main module's
folder, so relative imports work; npm imports do not (deploy those with real wrangler).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch_emu.store import ACCOUNT_WORKERS, ModuleSource, NamespaceStore, Script, ScriptUpload

CONFIG_FILE = "wrangler.toml"
MODULE_TYPE = "application/javascript+module"
JS_SUFFIXES = (".js", ".mjs")


@dataclass
class Project:
    """A wrangler project read from disk: the Worker's name and what an upload carries."""

    name: str
    main_module: str
    modules: list[ModuleSource]
    metadata: dict[str, Any] = field(default_factory=dict)

    def upload(self) -> ScriptUpload:
        return ScriptUpload(list(self.modules), dict(self.metadata), bindings_inherit="strict")


def _bindings(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``metadata.bindings`` wrangler sends for a config."""
    bindings: list[dict[str, Any]] = []
    for name, value in (config.get("vars") or {}).items():
        if isinstance(value, str):
            bindings.append({"name": name, "type": "plain_text", "text": value})
        else:
            bindings.append({"name": name, "type": "json", "json": value})
    for entry in config.get("dispatch_namespaces") or []:
        binding: dict[str, Any] = {"name": entry["binding"], "type": "dispatch_namespace",
                                   "namespace": entry["namespace"]}
        outbound = entry.get("outbound")
        if outbound:
            binding["outbound"] = {
                "worker": {"service": outbound["service"]},
                "params": [{"name": p} for p in outbound.get("parameters") or []],
            }
        bindings.append(binding)
    for entry in config.get("services") or []:
        binding = {"name": entry["binding"], "type": "service", "service": entry["service"]}
        if entry.get("entrypoint"):
            binding["entrypoint"] = entry["entrypoint"]
        bindings.append(binding)
    for entry in config.get("kv_namespaces") or []:
        bindings.append({"name": entry["binding"], "type": "kv_namespace", "namespace_id": entry.get("id", "")})
    for entry in config.get("r2_buckets") or []:
        bindings.append({"name": entry["binding"], "type": "r2_bucket", "bucket_name": entry.get("bucket_name", "")})
    for entry in config.get("d1_databases") or []:
        bindings.append({"name": entry["binding"], "type": "d1", "id": entry.get("database_id", "")})
    for entry in (config.get("queues") or {}).get("producers") or []:
        bindings.append({"name": entry["binding"], "type": "queue", "queue_name": entry.get("queue", "")})
    for entry in (config.get("durable_objects") or {}).get("bindings") or []:
        bindings.append({"name": entry["name"], "type": "durable_object_namespace",
                         "class_name": entry.get("class_name", "")})
    return bindings


def read_project(path: str | Path) -> Project:
    """Read ``path/wrangler.toml`` and the modules it names; raises ``ValueError`` when unusable."""
    folder = Path(path)
    config_path = folder / CONFIG_FILE
    try:
        config = tomllib.loads(config_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {config_path}: {exc}") from None
    name, main = config.get("name"), config.get("main")
    if not isinstance(name, str) or not isinstance(main, str):
        raise ValueError(f"{config_path} needs a 'name' and a 'main'")
    main_path = (folder / main).resolve()
    if not main_path.is_file():
        raise ValueError(f"{config_path}: main module {main!r} not found")
    root = main_path.parent
    modules = [
        ModuleSource(file.relative_to(root).as_posix(), MODULE_TYPE, file.read_bytes())
        for file in sorted(root.rglob("*"))
        if file.suffix in JS_SUFFIXES and file.is_file()
    ]
    metadata: dict[str, Any] = {
        "main_module": main_path.name,
        "bindings": _bindings(config),
        "compatibility_date": config.get("compatibility_date", ""),
        "compatibility_flags": list(config.get("compatibility_flags") or []),
    }
    return Project(name, main_path.name, modules, metadata)


def deploy_project(
    store: NamespaceStore,
    path: str | Path,
    *,
    account_id: str,
    dispatch_namespace: str | None = None,
    name: str | None = None,
) -> Script:
    """Upload the project at ``path`` as ``wrangler deploy`` would; returns the stored script.

    Without ``dispatch_namespace`` it becomes a regular Worker of the account (created
    when missing, as wrangler does); with one, a user worker of that namespace (which must
    exist, as for ``wrangler deploy --dispatch-namespace``). The store's upload validators
    (an emulator's wasm and JavaScript checks) run as for any upload.
    """
    project = read_project(path)
    namespace = ACCOUNT_WORKERS if dispatch_namespace is None else dispatch_namespace
    return store.put_script(account_id, namespace, name or project.name, project.upload())


__all__ = ["CONFIG_FILE", "Project", "deploy_project", "read_project"]
