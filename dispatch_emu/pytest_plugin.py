"""The pytest plugin: an emulated Workers-for-Platforms account in every test.

Installed with dispatch_emu (entry point ``pytest11: dispatch_emu``); no conftest code
is needed. Outside an install, enable it with ``-p dispatch_emu.pytest_plugin``.

This module only wires pytest to the rest of the package: the emulator
(:mod:`dispatch_emu.emulator`), seeding and assertions (:mod:`dispatch_emu.testing`,
:mod:`dispatch_emu.sources`), clients (:mod:`dispatch_emu.clients`) and the server
(:mod:`dispatch_emu.server`). Its fixtures, markers and options are listed once, in
``docs/testing.md`` (a test checks that table against this module); ``pytest --fixtures``
prints each fixture's docstring.

Everything is per process (port 0, no module-level state shared between tests), so
``pytest -n auto`` gives each xdist worker its own emulator and server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

pytest.register_assert_rewrite("dispatch_emu.testing")

if TYPE_CHECKING:
    import httpx
    from werkzeug.test import Client

    from dispatch_emu.emulator import Emulator, NamespaceHandle
    from dispatch_emu.runtime._settings import RuntimeSettings
    from dispatch_emu.server import EmulatorServer

_NAMESPACE_MARKER = "dispatch_namespace"
_ENTRY_MARKER = "dispatch_emu_entry"
_PLUGINS_MARKER = "dispatch_emu_plugins"
_SDK_BASE_PATH = "/client/v4"


# ----------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dispatch_emu", "dispatch_emu (Workers for Platforms emulator)")
    group.addoption("--dispatch-emu-cpu-ms", type=int, default=None, dest="dispatch_emu_cpu_ms",
                    help="default CPU budget of a user worker request, in ms")
    group.addoption("--dispatch-emu-wall-ms", type=int, default=None, dest="dispatch_emu_wall_ms",
                    help="default wall-clock budget of a user worker request, in ms")
    group.addoption("--dispatch-emu-cache-dir", default=None, dest="dispatch_emu_cache_dir",
                    help="directory for compiled modules (else DISPATCH_EMU_CACHE_DIR)")
    group.addoption("--dispatch-emu-live", action="store_true", default=None, dest="dispatch_emu_live",
                    help="run dispatch_emu clients against the live server instead of in process")
    group.addoption("--dispatch-emu-block-plugins", default=None, dest="dispatch_emu_block_plugins",
                    help="comma-separated dispatch_emu plugin names to keep from loading")
    parser.addini("dispatch_emu_cpu_ms", "default CPU budget per request (ms)", default="")
    parser.addini("dispatch_emu_wall_ms", "default wall-clock budget per request (ms)", default="")
    parser.addini("dispatch_emu_cache_dir", "directory for compiled modules", default="")
    parser.addini("dispatch_emu_live", "use the live server for dispatch_emu clients", type="bool",
                  default=False)
    parser.addini("dispatch_emu_block_plugins", "dispatch_emu plugin names kept from loading",
                  type="args", default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_NAMESPACE_MARKER}(name='demo', scripts=None, tags=None, account_id=None, trusted_workers=None,"
        " create=True, **put_options): bind the clients' dispatcher to a namespace, create it and seed"
        " it with workers before the test (create=False: bind only; the code under test creates it)",
    )
    config.addinivalue_line(
        "markers",
        f"{_PLUGINS_MARKER}(*plugins): register dispatch_emu pluggy plugins for this test only",
    )
    config.addinivalue_line(
        "markers",
        f"{_ENTRY_MARKER}(name, account_id=None): requests go to the regular Worker NAME instead of"
        " the built-in dispatcher (dispatch_emu)",
    )
    for name in ("dispatch_emu_cpu_ms", "dispatch_emu_wall_ms"):
        _int_option(config, name)  # a bad value is a usage error now, not an error in every test


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    if value is None or value == "":
        value = config.getini(name)
    return None if value == "" or value == [] else value


def _int_option(config: pytest.Config, name: str) -> int | None:
    value = _option(config, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"{name} must be a whole number of milliseconds, not {value!r}") from None


def live_mode(config: pytest.Config) -> bool:
    """Whether ``--dispatch-emu-live`` (or ``dispatch_emu_live = true``) is in effect."""
    return bool(_option(config, "dispatch_emu_live"))


def _blocked(config: pytest.Config) -> list[str]:
    value = _option(config, "dispatch_emu_block_plugins")
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    return [item.strip() for item in items if item.strip()]


# ----------------------------------------------------------------------- the emulator


@pytest.fixture(scope="session")
def dispatch_emu_runtime_settings(pytestconfig: pytest.Config) -> RuntimeSettings:
    """Runtime defaults: ``DISPATCH_EMU_*`` variables, overridden by the options above."""
    from dispatch_emu.runtime._settings import RuntimeSettings

    overrides: dict[str, Any] = {}
    for field in ("cpu_ms", "wall_ms"):
        value = _int_option(pytestconfig, f"dispatch_emu_{field}")
        if value is not None:
            overrides[field] = value
    cache_dir = _option(pytestconfig, "dispatch_emu_cache_dir")
    if cache_dir is not None:
        overrides["cache_dir"] = str(cache_dir)
    return RuntimeSettings.from_env(**overrides)


@pytest.fixture(scope="session")
def dispatch_emu_session(
    pytestconfig: pytest.Config, dispatch_emu_runtime_settings: RuntimeSettings
) -> Iterator[Emulator]:
    """One emulator for the whole session (per xdist worker). Prefer ``dispatch_emu``."""
    from dispatch_emu.emulator import Emulator

    emulator = Emulator(runtime_settings=dispatch_emu_runtime_settings, block_plugins=_blocked(pytestconfig))
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture
def dispatch_emu(request: pytest.FixtureRequest, dispatch_emu_session: Emulator) -> Iterator[Emulator]:
    """The session emulator, reset, with this test's markers applied."""
    from dispatch_emu.testing import use_emulator

    emulator = dispatch_emu_session
    emulator.reset()
    registered: list[object] = []
    try:
        for marker in reversed(list(request.node.iter_markers(_PLUGINS_MARKER))):
            for plugin in marker.args:
                emulator.plugins.register(plugin)
                registered.append(plugin)
        for marker in reversed(list(request.node.iter_markers(_NAMESPACE_MARKER))):
            _apply_namespace_marker(emulator, marker, _test_dir(request))
        with use_emulator(emulator):
            yield emulator
    finally:
        for plugin in reversed(registered):
            if emulator.plugins.is_registered(plugin):
                emulator.plugins.unregister(plugin)


def _test_dir(request: pytest.FixtureRequest) -> Path:
    return Path(str(request.node.path)).parent


def _namespace_marker_args(marker: pytest.Mark) -> dict[str, Any]:
    def spec(name: str = "demo", scripts: Any = None, tags: Any = None, account_id: str | None = None,
             trusted_workers: bool | None = None, create: bool = True, **put_options: Any) -> dict[str, Any]:
        return dict(name=name, scripts=scripts, tags=tags, account_id=account_id,
                    trusted_workers=trusted_workers, create=create, put_options=put_options)

    try:
        args = spec(*marker.args, **marker.kwargs)
    except TypeError as exc:
        raise pytest.UsageError(f"bad @pytest.mark.{_NAMESPACE_MARKER}(...): {exc}") from None
    if not args["create"]:
        extra = [key for key in ("scripts", "tags", "trusted_workers") if args[key] is not None]
        extra += list(args["put_options"])
        if extra:
            raise pytest.UsageError(
                f"@pytest.mark.{_NAMESPACE_MARKER}({args['name']!r}, create=False, ...) only binds the"
                f" dispatcher; it cannot also take {', '.join(extra)} (the code under test creates the"
                " namespace and its workers)"
            )
    return args


def _apply_namespace_marker(emulator: Emulator, marker: pytest.Mark, base_dir: Path) -> None:
    from dispatch_emu.testing import ACCOUNT_ID, seed

    args = _namespace_marker_args(marker)
    if not args["create"]:
        return  # the code under test creates the namespace; the marker only binds the dispatcher
    seed(
        emulator,
        args["scripts"],
        namespace=args["name"],
        account_id=args["account_id"] or ACCOUNT_ID,
        tags=args["tags"],
        trusted_workers=args["trusted_workers"],
        base_dir=base_dir,
        **args["put_options"],
    )


@pytest.fixture
def dispatch_emu_seed(request: pytest.FixtureRequest, dispatch_emu: Emulator) -> Callable[..., NamespaceHandle]:
    """``seed(source=None, *, namespace="demo", account_id=..., name=None, tags=None, **put_options)``."""
    from dispatch_emu.testing import seed

    base_dir = _test_dir(request)

    def seed_namespace(source: Any = None, **options: Any) -> NamespaceHandle:
        options.setdefault("base_dir", base_dir)
        return seed(dispatch_emu, source, **options)

    return seed_namespace


def _test_namespace(request: pytest.FixtureRequest) -> tuple[str, str, bool]:
    """(namespace, account, create) of the closest ``dispatch_namespace`` marker, else the demo ones."""
    from dispatch_emu.testing import ACCOUNT_ID

    marker = request.node.get_closest_marker(_NAMESPACE_MARKER)
    if marker is None:
        return "demo", ACCOUNT_ID, True
    args = _namespace_marker_args(marker)
    return args["name"], args["account_id"] or ACCOUNT_ID, args["create"]


@pytest.fixture
def dispatch_emu_namespace(request: pytest.FixtureRequest, dispatch_emu: Emulator) -> NamespaceHandle:
    """The test's namespace (the closest ``dispatch_namespace`` marker's, else ``demo``).

    Created if missing, unless the marker says ``create=False``: then the handle names a
    namespace the code under test is expected to create.
    """
    from dispatch_emu.emulator import NamespaceHandle

    name, account_id, create = _test_namespace(request)
    if not create:
        return NamespaceHandle(dispatch_emu, account_id, name)
    return dispatch_emu.namespace(name, account_id=account_id)


@pytest.fixture
def dispatch_emu_logs(dispatch_emu: Emulator) -> Callable[..., list[str]]:
    """``logs(worker=None, *, level=None)``: log lines the test's workers wrote, oldest first
    (only ``level``'s when given; each line's ``.level`` says its level)."""
    return dispatch_emu.observer.lines


class _Registrar:
    """Registers dispatch_emu plugins on an emulator and forgets them after the test."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.registered: list[object] = []

    def register(self, plugin: object, name: str | None = None) -> object:
        self.emulator.plugins.register(plugin, name=name)
        self.registered.append(plugin)
        return plugin

    def unregister_all(self) -> None:
        while self.registered:
            plugin = self.registered.pop()
            if self.emulator.plugins.is_registered(plugin):
                self.emulator.plugins.unregister(plugin)


@pytest.fixture
def dispatch_emu_plugins(dispatch_emu: Emulator) -> Iterator[_Registrar]:
    """``dispatch_emu_plugins.register(plugin, name=None)``: a plugin for this test only."""
    registrar = _Registrar(dispatch_emu)
    try:
        yield registrar
    finally:
        registrar.unregister_all()


# ----------------------------------------------------------------------- clients


@pytest.fixture(scope="session")
def dispatch_emu_server(dispatch_emu_session: Emulator) -> Iterator[EmulatorServer]:
    """A live server for the session emulator, on a free port of 127.0.0.1."""
    from dispatch_emu.clients import DispatcherSlot
    from dispatch_emu.server import EmulatorServer

    server = EmulatorServer(dispatch_emu_session, port=0, dispatcher=DispatcherSlot())
    server.start()
    try:
        yield server
    finally:
        server.stop(check=False)


@pytest.fixture
def dispatch_emu_url(dispatch_emu: Emulator, dispatch_emu_server: EmulatorServer,
                     dispatch_emu_dispatcher: Any) -> Iterator[str]:
    """The live server's URL (``http://127.0.0.1:PORT``); the emulator is reset first."""
    from dispatch_emu.clients import DispatcherSlot

    slot = dispatch_emu_server.dispatcher
    assert isinstance(slot, DispatcherSlot)
    dispatch_emu_server.check()  # errors of earlier tests are theirs, already reported
    slot.app = dispatch_emu_dispatcher
    try:
        yield dispatch_emu_server.url
    finally:
        slot.app = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test whose requests raised inside the live server's thread."""
    try:
        return (yield)
    finally:
        funcargs = getattr(item, "funcargs", {})
        server = funcargs.get("dispatch_emu_server") if "dispatch_emu_url" in funcargs else None
        if server is not None:
            server.check()


@pytest.fixture
def dispatch_emu_dispatcher(request: pytest.FixtureRequest, dispatch_emu: Emulator) -> Any:
    """The seed's dispatcher over the test's namespace, or the ``dispatch_emu_entry``
    marker's Worker. Override to change routing."""
    entry = request.node.get_closest_marker(_ENTRY_MARKER)
    if entry is not None:
        def spec(name: str, account_id: str | None = None) -> tuple[str, str | None]:
            return name, account_id

        worker, entry_account = spec(*entry.args, **entry.kwargs)
        return dispatch_emu.entry(worker, account_id=entry_account or _test_namespace(request)[1])
    name, account_id, _ = _test_namespace(request)
    return dispatch_emu.dispatcher(name, account_id=account_id)


@pytest.fixture
def dispatch_emu_app(request: pytest.FixtureRequest, dispatch_emu: Emulator,
                     dispatch_emu_dispatcher: Any) -> Iterator[Any]:
    """The WSGI app the clients use: REST API + dispatcher, or a proxy to the live server."""
    if not live_mode(request.config):
        yield dispatch_emu.app(dispatch_emu_dispatcher)
        return
    from dispatch_emu.clients import LiveProxy

    with LiveProxy(request.getfixturevalue("dispatch_emu_url")) as proxy:
        yield proxy


@pytest.fixture
def dispatch_emu_client(dispatch_emu_app: Any) -> Client:
    """A werkzeug test client: ``dispatch_emu_client.get("http://shop.localhost/")``."""
    from dispatch_emu.clients import dispatch_client

    return dispatch_client(dispatch_emu_app)


def _httpx_client(request: pytest.FixtureRequest, app: Any, base_url: str) -> httpx.Client:
    from dispatch_emu.clients import httpx_client

    if live_mode(request.config):
        return httpx_client(server_url=request.getfixturevalue("dispatch_emu_url"), base_url=base_url)
    return httpx_client(app, base_url=base_url)


@pytest.fixture
def dispatch_emu_httpx(request: pytest.FixtureRequest, dispatch_emu_app: Any) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` with ``base_url="http://demo.localhost"``; absolute URLs pick the worker."""
    pytest.importorskip("httpx", reason="dispatch_emu_httpx needs httpx (pip install httpx)")
    from dispatch_emu.clients import DEFAULT_BASE_URL

    with _httpx_client(request, dispatch_emu_app, DEFAULT_BASE_URL) as client:
        yield client


@pytest.fixture
def dispatch_emu_sdk(request: pytest.FixtureRequest, dispatch_emu: Emulator) -> Iterator[Any]:
    """The official ``cloudflare.Cloudflare`` client, talking to the emulator's REST API."""
    cloudflare = pytest.importorskip(
        "cloudflare", reason="dispatch_emu_sdk needs the official SDK: pip install 'cloudflare>=5.9'"
    )
    pytest.importorskip("httpx", reason="dispatch_emu_sdk needs httpx")
    base = "http://emulator.localhost"
    with _httpx_client(request, dispatch_emu.api, base) as http_client:
        yield cloudflare.Cloudflare(
            api_token="dispatch-emu-test-token",
            base_url=base + _SDK_BASE_PATH,
            max_retries=0,
            http_client=http_client,
        )


__all__ = ["live_mode"]
