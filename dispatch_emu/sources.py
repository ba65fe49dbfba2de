"""Worker sources: what a test points at, turned into uploads (modules, main module, vars).

The seeding functions, the ``dispatch_namespace`` marker and the fixtures all read
workers through this module, so each takes the same things:

* ``bytes`` of a ``.wasm`` module (WebAssembly magic) or of JavaScript source;
* a ``.wasm`` file;
* a ``.js`` or ``.mjs`` file: an ES module (or a service-worker script when it exports
  nothing), with the files it imports by relative path (``./lib/util.js``,
  ``./banner.txt``, ``./config.json``) uploaded beside it;
* a module folder: every module under the folder of its main module (``index.js``,
  ``index.mjs``, ``worker.js`` or ``src/index.js``);
* a folder with a ``wrangler.toml``: ``main`` names the main module, ``name`` the worker,
  ``[vars]`` become bindings and ``compatibility_date``/``compatibility_flags`` go to the
  upload's metadata.

A worker that imports an npm package by its bare name (``import { Hono } from "hono"``)
or whose main module is TypeScript needs bundling first; that is an error naming the
file and the import, as is any other problem with what was given.

>>> worker = read_worker(b'export default { fetch() { return new Response("hi") } }', name="hi")
>>> worker.main_module, [m.content_type for m in worker.modules]
('worker.js', ['application/javascript+module'])
"""

from __future__ import annotations

import os
import posixpath
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from dispatch_emu._content import EXTENSION_TYPES, JS_MODULE_TYPES, JS_SCRIPT_TYPES, WASM_MAGIC, WASM_TYPE
from dispatch_emu.store import ModuleSource

WorkerSource: TypeAlias = bytes | bytearray | str | os.PathLike

_JS_MODULE = JS_MODULE_TYPES[0]
_JS_SCRIPT = JS_SCRIPT_TYPES[0]

#: Content types of the modules a worker folder may hold, by file extension: what an
#: upload part without a content type gets, and the data files wrangler also bundles.
MODULE_TYPES = {
    **EXTENSION_TYPES, ".html": "text/plain", ".json": "application/json", ".bin": "application/octet-stream",
}
#: File names tried, in order, as the main module of a folder without a wrangler.toml.
MAIN_CANDIDATES = ("index.js", "index.mjs", "worker.js", "worker.mjs", "src/index.js", "src/index.mjs")
#: Files a folder of workers offers as single-file workers.
_WORKER_FILES = (".wasm", ".js", ".mjs")
_NEEDS_BUNDLING = (".ts", ".tsx", ".jsx", ".mts", ".cts")
_SKIP_DIRS = {"node_modules", ".wrangler", ".git", "__pycache__"}
_IMPORT = re.compile(
    r"""(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*?\sfrom\s*)?["']([^"']+)["']"""
    r"""|\bimport\s*\(\s*["']([^"']+)["']\s*\)""",
    re.MULTILINE,
)
_EXPORT = re.compile(r"(?:^|[;\s}])export\s", re.MULTILINE)


class WorkerSourceError(ValueError):
    """What was given cannot become a worker; the message names the file the user gave."""


@dataclass(frozen=True)
class WorkerUpload:
    """One worker as the store takes it: modules, main module and upload metadata."""

    name: str
    modules: tuple[ModuleSource, ...]
    main_module: str
    vars: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)  # compatibility_date, body_part, ...
    origin: str = "<bytes>"

    def put_options(self, bindings: Any = None) -> dict[str, Any]:
        """Keywords for :meth:`~dispatch_emu.emulator.NamespaceHandle.put_script` (``vars`` merged
        under explicit ``bindings`` given as a mapping)."""
        options: dict[str, Any] = {"modules": list(self.modules), "main_module": self.main_module,
                                   **self.metadata}
        if self.vars and (bindings is None or isinstance(bindings, Mapping)):
            options["bindings"] = {**self.vars, **(bindings or {})}
        elif bindings is not None:
            options["bindings"] = bindings
        return options


# ----------------------------------------------------------------------- one worker


def js_upload(source: str | bytes, *, name: str, filename: str = "worker.js", origin: str = "<js>") -> WorkerUpload:
    """One JavaScript worker from its source: an ES module, or a service worker if it exports nothing."""
    content = source.encode() if isinstance(source, str) else bytes(source)
    text = content.decode("utf-8", "replace")
    bare = [spec for spec in _imports(text) if _is_bare(spec)]
    if bare:
        raise _bundling_error(origin, bare[0])
    relative = [spec for spec in _imports(text) if not _is_bare(spec) and not _is_builtin(spec)]
    if relative:
        raise WorkerSourceError(
            f"{origin}: imports {relative[0]!r}, but JavaScript given as a string has no folder to"
            " read it from; give the file's path (or a module folder) instead"
        )
    if _EXPORT.search(text):
        return WorkerUpload(name, (ModuleSource(filename, _JS_MODULE, content),), filename, origin=origin)
    return WorkerUpload(name, (ModuleSource(filename, _JS_SCRIPT, content),), filename,
                        metadata={"body_part": filename}, origin=origin)


def read_worker(source: WorkerSource, *, name: str | None = None, base_dir: Path | None = None,
                shown: str | None = None) -> WorkerUpload:
    """One worker from bytes, a ``.wasm``/``.js``/``.mjs`` file, or a (wrangler) module folder.

    Errors name ``shown`` (by default the path as given, before ``base_dir`` resolves it).
    """
    if isinstance(source, (bytes, bytearray)):
        if name is None:
            raise TypeError("seeding a worker from bytes needs name=")
        data = bytes(source)
        if data.startswith(WASM_MAGIC):
            return WorkerUpload(name, (ModuleSource("worker.wasm", WASM_TYPE, data),), "worker.wasm")
        return js_upload(data, name=name)
    given = shown or str(source)
    path = _resolve(source, base_dir)
    if path.is_dir():
        return _folder_worker(path, given, name)
    if not path.is_file():
        raise FileNotFoundError(f"worker {given!r} does not exist" + (f" (looked for {str(path)!r})"
                                                                      if str(path) != given else ""))
    suffix = path.suffix.lower()
    if suffix == ".wasm":
        return WorkerUpload(name or path.stem, (ModuleSource("worker.wasm", WASM_TYPE, path.read_bytes()),),
                            "worker.wasm", origin=given)
    if suffix in (".js", ".mjs"):
        modules = _module_graph(path, path.parent, given)
        return _js_worker(name or path.stem, modules, path.name, given)
    if suffix in _NEEDS_BUNDLING:
        raise WorkerSourceError(f"{given}: a {suffix} worker needs bundling first (wrangler deploy --dry-run"
                                " --outdir dist), then seed the bundle")
    raise WorkerSourceError(f"{given}: not a worker; give a .wasm, .js or .mjs file or a module folder")


def _folder_worker(folder: Path, given: str, name: str | None) -> WorkerUpload:
    config_path = folder / "wrangler.toml"
    config: dict[str, Any] = {}
    if config_path.is_file():
        try:
            config = tomllib.loads(config_path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise WorkerSourceError(f"{given}/wrangler.toml: {exc}") from None
    main = config.get("main")
    if main is not None:
        main_path = folder / str(main)
        if main_path.suffix.lower() in _NEEDS_BUNDLING:
            raise WorkerSourceError(f"{given}: main = {main!r} is TypeScript/JSX and needs bundling first"
                                    " (wrangler deploy --dry-run --outdir dist), then seed the bundle")
        if not main_path.is_file():
            raise WorkerSourceError(f"{given}/wrangler.toml: main = {main!r} does not exist")
    else:
        found = [folder / c for c in MAIN_CANDIDATES if (folder / c).is_file()]
        if not found:
            raise WorkerSourceError(
                f"{given}: no main module; add a wrangler.toml with main = \"...\" or one of "
                + ", ".join(MAIN_CANDIDATES)
            )
        main_path = found[0]
    base = main_path.parent
    modules: dict[str, ModuleSource] = {}
    for path in sorted(base.rglob("*")):
        if not path.is_file() or _SKIP_DIRS.intersection(path.relative_to(base).parts[:-1]):
            continue
        kind = MODULE_TYPES.get(path.suffix.lower())
        if kind is None:
            continue
        module_name = path.relative_to(base).as_posix()
        modules[module_name] = ModuleSource(module_name, kind, path.read_bytes())
    for module in modules.values():  # every import must be uploaded, or be a platform module
        if module.content_type == _JS_MODULE:
            for spec in _imports(module.content.decode("utf-8", "replace")):
                _check_import(spec, module.name, modules, f"{given} (module {module.name})")
    metadata: dict[str, Any] = {}
    for key in ("compatibility_date", "compatibility_flags"):
        if key in config:
            metadata[key] = config[key]
    worker_name = name or str(config.get("name") or folder.name)
    upload = _js_worker(worker_name, modules, main_path.relative_to(base).as_posix(), given)
    vars_ = config.get("vars") or {}
    if not isinstance(vars_, dict):
        raise WorkerSourceError(f"{given}/wrangler.toml: [vars] must be a table")
    return WorkerUpload(upload.name, upload.modules, upload.main_module, vars=dict(vars_),
                        metadata={**upload.metadata, **metadata}, origin=given)


def _js_worker(name: str, modules: Mapping[str, ModuleSource], main: str, given: str) -> WorkerUpload:
    main_module = modules[main]
    if main_module.content_type == _JS_MODULE and not _EXPORT.search(main_module.content.decode("utf-8", "replace")):
        # a service-worker script: addEventListener("fetch", ...) and no exports
        script = ModuleSource(main, _JS_SCRIPT, main_module.content)
        others = tuple(m for n, m in modules.items() if n != main)
        return WorkerUpload(name, (script, *others), main, metadata={"body_part": main}, origin=given)
    ordered = (main_module, *(m for n, m in modules.items() if n != main))
    return WorkerUpload(name, ordered, main, origin=given)


def _module_graph(main: Path, base: Path, given: str) -> dict[str, ModuleSource]:
    """The main module and every file it imports by relative path, named relative to ``base``."""
    modules: dict[str, ModuleSource] = {}
    pending = [main]
    while pending:
        path = pending.pop()
        module_name = path.relative_to(base).as_posix()
        if module_name in modules:
            continue
        kind = MODULE_TYPES.get(path.suffix.lower(), "application/octet-stream")
        modules[module_name] = ModuleSource(module_name, kind, path.read_bytes())
        if kind != _JS_MODULE:
            continue
        shown = given if path == main else f"{given} (through {module_name})"
        for spec in _imports(path.read_text(errors="replace")):
            if _is_builtin(spec):
                continue
            if _is_bare(spec):
                raise _bundling_error(shown, spec)
            target = (path.parent / spec).resolve()
            try:
                target.relative_to(base.resolve())
            except ValueError:
                raise WorkerSourceError(f"{shown}: imports {spec!r}, outside the worker's folder "
                                        f"{str(base)!r}; seed a folder that holds every module") from None
            if not target.is_file():
                raise WorkerSourceError(f"{shown}: imports {spec!r}, which does not exist")
            if target.suffix.lower() in _NEEDS_BUNDLING:
                raise WorkerSourceError(f"{shown}: imports TypeScript {spec!r}; that needs bundling first")
            pending.append(base / target.relative_to(base.resolve()))
    return modules


def _check_import(spec: str, importer: str, modules: Mapping[str, ModuleSource], shown: str) -> None:
    if _is_builtin(spec):
        return
    if _is_bare(spec):
        raise _bundling_error(shown, spec)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    if target.startswith("../") or target not in modules:
        raise WorkerSourceError(f"{shown}: imports {spec!r}, which is not a module of the worker's folder")


def _imports(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)
    return [a or b for a, b in _IMPORT.findall(text)]


def _is_builtin(spec: str) -> bool:
    return spec.startswith(("cloudflare:", "node:"))


def _is_bare(spec: str) -> bool:
    return not spec.startswith(("./", "../", "/")) and not _is_builtin(spec)


def _bundling_error(shown: str, spec: str) -> WorkerSourceError:
    return WorkerSourceError(
        f"{shown}: imports {spec!r}, an npm package: this worker needs bundling first "
        "(wrangler deploy --dry-run --outdir dist, or esbuild --bundle), then seed the bundle"
    )


def _resolve(path: str | os.PathLike, base_dir: Path | None) -> Path:
    candidate = Path(path)
    if not candidate.is_absolute() and base_dir is not None:
        candidate = base_dir / candidate
    return candidate


# ----------------------------------------------------------------------- many workers


def read_workers(
    source: Any, *, name: str | None = None, base_dir: str | os.PathLike | None = None
) -> dict[str, WorkerUpload]:
    """Any seed source → ``{script name: WorkerUpload}``.

    * ``bytes`` (wasm or JavaScript): one worker, ``name`` required;
    * a file, or a module folder (``wrangler.toml``, or ``name=`` given): one worker,
      named ``name``, the ``wrangler.toml`` name, or the file's stem / folder's name;
    * any other folder: a folder of workers; each ``.wasm``/``.js``/``.mjs`` file in it is
      one (named after its stem), and so is each sub-folder with a main module;
    * a mapping ``{name: source}``;
    * an iterable of paths.

    Relative paths are resolved against ``base_dir`` when given.
    """
    base = Path(base_dir) if base_dir is not None else None
    if isinstance(source, Mapping):
        return {str(key): read_worker(value, name=str(key), base_dir=base) for key, value in source.items()}
    if isinstance(source, (bytes, bytearray)):
        worker = read_worker(source, name=name)
        return {worker.name: worker}
    if isinstance(source, (str, os.PathLike)):
        path = _resolve(source, base)
        if path.is_dir() and name is None and not (path / "wrangler.toml").is_file():
            return _folder_of_workers(path, str(source))
        worker = read_worker(source, name=name, base_dir=base)
        return {worker.name: worker}
    workers: dict[str, WorkerUpload] = {}
    for item in _paths(source):
        worker = read_worker(item, base_dir=base)
        workers[worker.name] = worker
    return workers


def _folder_of_workers(folder: Path, given: str) -> dict[str, WorkerUpload]:
    workers: dict[str, WorkerUpload] = {}
    for path in sorted(folder.iterdir()):
        shown = f"{given.rstrip('/')}/{path.name}"
        if path.is_file() and path.suffix.lower() in _WORKER_FILES:
            workers[path.stem] = read_worker(path, shown=shown)
        elif path.is_dir() and path.name not in _SKIP_DIRS and (
            (path / "wrangler.toml").is_file() or any((path / c).is_file() for c in MAIN_CANDIDATES)
        ):
            worker = read_worker(path, shown=shown)
            workers[worker.name] = worker
    if not workers:
        raise FileNotFoundError(
            f"no workers in directory {given!r}: no *.wasm, *.js or *.mjs files and no module folders"
        )
    return workers


def _paths(items: Iterable[Any]) -> Iterable[str | os.PathLike]:
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"a list of workers takes paths, not {type(item).__name__}")
        yield item


__all__ = [
    "MAIN_CANDIDATES",
    "MODULE_TYPES",
    "WorkerSource",
    "WorkerSourceError",
    "WorkerUpload",
    "js_upload",
    "read_worker",
    "read_workers",
]
