"""The pytest plugin: an emulated Workers-for-Platforms account in every test.

Installed with dispatch_emu (entry point ``pytest11: dispatch_emu``); no conftest code
is needed. Outside an install, enable it with ``-p dispatch_emu.pytest_plugin``.

Fixtures
    ``dispatch_emu_session``   (session) one :class:`~dispatch_emu.emulator.Emulator` per
                               test process; compiled modules are cached for the session.
    ``dispatch_emu``           the same emulator, ``reset()`` before the test, seeded from
                               ``dispatch_namespace`` markers, with ``dispatch_emu_plugins``
                               markers registered; the assertion helpers report on it.
    ``dispatch_emu_seed``      ``seed(source, namespace="demo", name=, tags=, bindings=, ...)``:
                               upload workers from bytes, a ``.wasm`` path, a directory of
                               them, or ``{name: bytes | path}``; returns the namespace handle.
    ``dispatch_emu_namespace`` the handle of the test's namespace (the first marker's, else ``demo``).
    ``dispatch_emu_dispatcher`` the seed's dispatcher (subdomain routing) over that namespace;
                               override this fixture to route differently.
    ``dispatch_emu_client``    a werkzeug test ``Client`` over REST API + dispatcher.
    ``dispatch_emu_httpx``     an ``httpx.Client`` over the same app, ``base_url="http://demo.localhost"``.
    ``dispatch_emu_server``    (session) an :class:`~dispatch_emu.server.EmulatorServer` on a free port.
    ``dispatch_emu_url``       its URL, after the per-test reset; server-thread errors fail the test.
    ``dispatch_emu_sdk``       an official ``cloudflare.Cloudflare`` client wired to the emulator.
    ``dispatch_emu_plugins``   ``register(plugin, name=None)`` for the test's run only.
    ``dispatch_emu_logs``      ``logs(worker=None) -> list[str]``: the lines workers wrote.

Markers
    ``@pytest.mark.dispatch_namespace(name="demo", scripts=None, tags=None, account_id=None,
    trusted_workers=None)`` creates and seeds a namespace before the test (``scripts`` takes
    whatever ``dispatch_emu_seed`` does; relative paths are relative to the test file).
    ``@pytest.mark.dispatch_emu_plugins(plugin, ...)`` registers pluggy plugins for the test.
    ``@pytest.mark.dispatch_emu_entry(name, account_id=None)``: the clients' requests go to
    the regular Worker ``name`` (the platform's own dispatch Worker, e.g. deployed in the
    test with ``dispatch_emu.deploy(path)``) instead of the built-in dispatcher; 503 until
    it exists.

Options (command line, then ini, then environment)
    ``--dispatch-emu-cpu-ms`` / ``dispatch_emu_cpu_ms``: default CPU budget per request;
    ``--dispatch-emu-wall-ms`` / ``dispatch_emu_wall_ms``: default wall-clock budget;
    ``--dispatch-emu-cache-dir`` / ``dispatch_emu_cache_dir`` / ``DISPATCH_EMU_CACHE_DIR``:
    on-disk cache of compiled modules; ``--dispatch-emu-live`` / ``dispatch_emu_live``:
    clients talk to the live server over a socket instead of in process;
    ``--dispatch-emu-block-plugins`` / ``dispatch_emu_block_plugins``: plugin names kept from loading.

Everything is per process (port 0, no module-level state shared between tests), so
``pytest -n auto`` gives each xdist worker its own emulator and server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

pytest.register_assert_rewrite("dispatch_emu.testing")

if TYPE_CHECKING:
    import httpx
    from werkzeug.test import Client

    from dispatch_emu.emulator import Emulator, NamespaceHandle
    from dispatch_emu.runtime.settings import RuntimeSettings
    from dispatch_emu.server import EmulatorServer

NAMESPACE_MARKER = "dispatch_namespace"
ENTRY_MARKER = "dispatch_emu_entry"
PLUGINS_MARKER = "dispatch_emu_plugins"
SDK_BASE_PATH = "/client/v4"
DEFAULT_BASE_URL = "http://demo.localhost"


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
        f"{NAMESPACE_MARKER}(name='demo', scripts=None, tags=None, account_id=None, trusted_workers=None):"
        " create a dispatch namespace and seed it with workers before the test (dispatch_emu)",
    )
    config.addinivalue_line(
        "markers",
        f"{PLUGINS_MARKER}(*plugins): register dispatch_emu pluggy plugins for this test only",
    )
    config.addinivalue_line(
        "markers",
        f"{ENTRY_MARKER}(name, account_id=None): requests go to the regular Worker NAME instead of"
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
    from dispatch_emu.runtime.settings import RuntimeSettings

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
        for marker in reversed(list(request.node.iter_markers(PLUGINS_MARKER))):
            for plugin in marker.args:
                emulator.plugins.register(plugin)
                registered.append(plugin)
        for marker in reversed(list(request.node.iter_markers(NAMESPACE_MARKER))):
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
             trusted_workers: bool | None = None, **put_options: Any) -> dict[str, Any]:
        return dict(name=name, scripts=scripts, tags=tags, account_id=account_id,
                    trusted_workers=trusted_workers, put_options=put_options)

    try:
        return spec(*marker.args, **marker.kwargs)
    except TypeError as exc:
        raise pytest.UsageError(f"bad @pytest.mark.{NAMESPACE_MARKER}(...): {exc}") from None


def _apply_namespace_marker(emulator: Emulator, marker: pytest.Mark, base_dir: Path) -> None:
    from dispatch_emu.testing import ACCOUNT_ID, seed

    args = _namespace_marker_args(marker)
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


def _test_namespace(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(namespace, account) of the closest ``dispatch_namespace`` marker, else the demo ones."""
    from dispatch_emu.testing import ACCOUNT_ID

    marker = request.node.get_closest_marker(NAMESPACE_MARKER)
    if marker is None:
        return "demo", ACCOUNT_ID
    args = _namespace_marker_args(marker)
    return args["name"], args["account_id"] or ACCOUNT_ID


@pytest.fixture
def dispatch_emu_namespace(request: pytest.FixtureRequest, dispatch_emu: Emulator) -> NamespaceHandle:
    """The test's namespace (the closest ``dispatch_namespace`` marker's, else ``demo``), created if missing."""
    name, account_id = _test_namespace(request)
    return dispatch_emu.namespace(name, account_id=account_id)


@pytest.fixture
def dispatch_emu_logs(dispatch_emu: Emulator) -> Callable[..., list[str]]:
    """``logs(worker=None)``: log lines the test's workers wrote, oldest first."""
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


class _DispatcherSlot:
    """The session server's dispatcher: each test puts its own in the slot."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app is None:
            body = b"dispatch_emu: no test is using the server's dispatcher right now"
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def dispatch_emu_server(dispatch_emu_session: Emulator) -> Iterator[EmulatorServer]:
    """A live server for the session emulator, on a free port of 127.0.0.1."""
    from dispatch_emu.server import EmulatorServer

    server = EmulatorServer(dispatch_emu_session, port=0, dispatcher=_DispatcherSlot())
    server.start()
    try:
        yield server
    finally:
        server.stop(check=False)


@pytest.fixture
def dispatch_emu_url(dispatch_emu: Emulator, dispatch_emu_server: EmulatorServer,
                     dispatch_emu_dispatcher: Any) -> Iterator[str]:
    """The live server's URL (``http://127.0.0.1:PORT``); the emulator is reset first."""
    slot = dispatch_emu_server.dispatcher
    assert isinstance(slot, _DispatcherSlot)
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
    entry = request.node.get_closest_marker(ENTRY_MARKER)
    if entry is not None:
        def spec(name: str, account_id: str | None = None) -> tuple[str, str | None]:
            return name, account_id

        worker, entry_account = spec(*entry.args, **entry.kwargs)
        return dispatch_emu.entry(worker, account_id=entry_account or _test_namespace(request)[1])
    name, account_id = _test_namespace(request)
    return dispatch_emu.dispatcher(name, account_id=account_id)


@pytest.fixture
def dispatch_emu_app(request: pytest.FixtureRequest, dispatch_emu: Emulator, dispatch_emu_dispatcher: Any) -> Any:
    """The WSGI app the clients use: REST API + dispatcher, or a proxy to the live server."""
    if live_mode(request.config):
        return _LiveProxy(request.getfixturevalue("dispatch_emu_url"))
    return dispatch_emu.app(dispatch_emu_dispatcher)


def _absolute_url_client(app: Any) -> Client:
    """A werkzeug ``Client`` that also takes absolute URLs: ``client.get("http://shop.localhost/a")``.

    werkzeug's own client drops the host of an absolute URL (it only honours
    ``base_url=``), which would make subdomain routing see ``localhost``.
    """
    from urllib.parse import urlsplit

    from werkzeug.test import Client

    class DispatchClient(Client):
        def open(self, *args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], str) and "://" in args[0] and "base_url" not in kwargs:
                parts = urlsplit(args[0])
                kwargs["base_url"] = f"{parts.scheme}://{parts.netloc}"
                path = parts.path or "/"
                args = (path + (f"?{parts.query}" if parts.query else ""), *args[1:])
            return super().open(*args, **kwargs)

    return DispatchClient(app)


@pytest.fixture
def dispatch_emu_client(dispatch_emu_app: Any) -> Client:
    """A werkzeug test client: ``dispatch_emu_client.get("http://shop.localhost/")``."""
    return _absolute_url_client(dispatch_emu_app)


def _httpx_client(request: pytest.FixtureRequest, app: Any, base_url: str) -> httpx.Client:
    import httpx

    if live_mode(request.config):
        transport: httpx.BaseTransport = _live_transport(request.getfixturevalue("dispatch_emu_url"))
    else:
        transport = httpx.WSGITransport(app=app)
    return httpx.Client(transport=transport, base_url=base_url)


@pytest.fixture
def dispatch_emu_httpx(request: pytest.FixtureRequest, dispatch_emu_app: Any) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` with ``base_url="http://demo.localhost"``; absolute URLs pick the worker."""
    pytest.importorskip("httpx", reason="dispatch_emu_httpx needs httpx (pip install httpx)")
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
            base_url=base + SDK_BASE_PATH,
            max_retries=0,
            http_client=http_client,
        )


# ----------------------------------------------------------------------- live mode

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authorization", "proxy-authenticate"})


def _live_transport(server_url: str) -> httpx.BaseTransport:
    """An httpx transport that sends every request to the live server, keeping its Host.

    ``http://shop.localhost/`` then reaches the server on 127.0.0.1 with ``Host:
    shop.localhost``, so subdomain routing works without any DNS for ``*.localhost``.
    """
    import httpx

    target = httpx.URL(server_url)

    class LiveTransport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            return super().handle_request(request)

    return LiveTransport()


class _LiveProxy:
    """A WSGI app forwarding to the live server, so the werkzeug ``Client`` works live too."""

    def __init__(self, server_url: str) -> None:
        import httpx

        self.server_url = server_url
        self.http = httpx.Client(transport=_live_transport(server_url))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from werkzeug.wrappers import Request

        request = Request(environ)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        url = f"{request.scheme}://{request.host}{request.full_path if request.query_string else request.path}"
        outgoing = self.http.build_request(request.method, url, headers=headers, content=request.get_data())
        response = self.http.send(outgoing, stream=True)
        try:
            body = b"".join(response.iter_raw())
        finally:
            response.close()
        reply_headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
        start_response(f"{response.status_code} {response.reason_phrase}", reply_headers)
        return [body]


__all__ = ["live_mode"]
