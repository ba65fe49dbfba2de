"""Each dispatch_emu hook used from a test, through the plugin's marker and fixture."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from werkzeug import Request, Response

from dispatch_emu._plugins import BLOCK_ENV
from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import ValidationError, WorkerNotFound
from dispatch_emu.hookspecs import hookimpl
from dispatch_emu.programs import worker_program
from dispatch_emu.testing import ACCOUNT_ID, assert_reached, assert_worker_not_found

SHOP = worker_program("respond", body=b"shop")
BLOG = worker_program("respond", body=b"blog")
ECHO = worker_program("echo")


class TenantHeaderRouting:
    """Route by ``X-Tenant`` when present; leave every other request to the built-in routing."""

    @hookimpl(tryfirst=True)
    def dispatch_emu_resolve_worker(self, request: Request, routing: object) -> str | None:
        return request.headers.get("X-Tenant")


@pytest.mark.dispatch_namespace(scripts={"shop": SHOP.wasm, "blog": BLOG.wasm})
@pytest.mark.dispatch_emu_plugins(TenantHeaderRouting())
def test_resolve_worker_overrides_routing(dispatch_emu_client):
    routed = dispatch_emu_client.get("http://blog.localhost/", headers={"X-Tenant": "shop"})
    assert routed.get_data() == b"shop"
    assert_reached(routed, "shop")
    fallback = dispatch_emu_client.get("http://blog.localhost/")
    assert fallback.get_data() == b"blog"


def test_marker_plugins_are_gone_after_their_test(dispatch_emu):
    assert not any(isinstance(p, TenantHeaderRouting) for p in dispatch_emu.plugins.get_plugins())


class RewriteRequests:
    """Before dispatch: replace the request (echo sees the new body) or answer without running."""

    @hookimpl
    def dispatch_emu_before_dispatch(self, call: SimpleNamespace) -> Response | None:
        if call.request.path == "/blocked":
            return Response("blocked by plugin", status=451)
        call.request = Request.from_values(
            path=call.request.path, method="POST", data=b"rewritten:" + call.request.get_data()
        )
        return None

    @hookimpl
    def dispatch_emu_after_dispatch(self, call: SimpleNamespace, response: Response) -> Response | None:
        replaced = Response(response.get_data().upper(), status=response.status_code)
        replaced.headers["X-Seen-By"] = call.worker_name
        return replaced


@pytest.mark.dispatch_namespace(scripts={"echo": ECHO.wasm})
def test_before_and_after_dispatch_replace_request_and_response(dispatch_emu, dispatch_emu_plugins,
                                                                dispatch_emu_client):
    dispatch_emu_plugins.register(RewriteRequests())
    response = dispatch_emu_client.post("http://echo.localhost/", data=b"body")
    assert response.get_data() == b"REWRITTEN:BODY"
    assert response.headers["X-Seen-By"] == "echo"
    blocked = dispatch_emu_client.get("http://echo.localhost/blocked")
    assert (blocked.status_code, blocked.get_data()) == (451, b"blocked by plugin")
    assert len(dispatch_emu.observer.calls("echo")) == 1  # the blocked request never ran the worker


class FriendlyNotFound:
    @hookimpl
    def dispatch_emu_render_error(self, error: Exception, request: Request) -> Response | None:
        if isinstance(error, WorkerNotFound):
            return Response(f"no tenant at {request.host}", status=404)
        return None


@pytest.mark.dispatch_emu_plugins(FriendlyNotFound())
def test_render_error_customises_the_404(dispatch_emu_client):
    response = dispatch_emu_client.get("http://nobody.localhost/")
    assert (response.status_code, response.get_data()) == (404, b"no tenant at nobody.localhost")


def test_without_the_plugin_the_404_is_the_seeds(dispatch_emu_client):
    assert_worker_not_found(dispatch_emu_client.get("http://nobody.localhost/"))


class NoTestWorkers:
    @hookimpl
    def dispatch_emu_validate_upload(self, upload: object, account_id: str, namespace: str) -> None:
        if namespace == "production":
            raise ValidationError("Uploads to the production namespace are frozen.")


def _multipart_upload(wasm: bytes) -> dict[str, tuple[str | None, bytes | str, str]]:
    return {
        "metadata": (None, json.dumps({"main_module": "worker.wasm"}), "application/json"),
        "worker.wasm": ("worker.wasm", wasm, "application/wasm"),
    }


@pytest.mark.dispatch_emu_plugins(NoTestWorkers())
def test_validate_upload_refuses_through_the_rest_api(dispatch_emu, dispatch_emu_httpx):
    dispatch_emu.namespace("production")
    dispatch_emu.namespace("staging")
    base = f"/client/v4/accounts/{ACCOUNT_ID}/workers/dispatch/namespaces"
    refused = dispatch_emu_httpx.put(f"{base}/production/scripts/shop", files=_multipart_upload(SHOP.wasm))
    assert refused.status_code == 400
    envelope = refused.json()
    assert envelope["success"] is False and envelope["result"] is None
    assert envelope["errors"] == [{"code": 10021, "message": "Uploads to the production namespace are frozen."}]
    accepted = dispatch_emu_httpx.put(f"{base}/staging/scripts/shop", files=_multipart_upload(SHOP.wasm))
    assert accepted.status_code == 200, accepted.text
    assert "shop" not in dispatch_emu.namespace("production")


@pytest.mark.dispatch_emu_plugins(NoTestWorkers())
def test_validate_upload_refuses_the_sdk_too(dispatch_emu, dispatch_emu_sdk):
    import cloudflare

    dispatch_emu.namespace("production")
    with pytest.raises(cloudflare.BadRequestError) as refused:
        dispatch_emu_sdk.workers_for_platforms.dispatch.namespaces.scripts.update(
            "shop", account_id=ACCOUNT_ID, dispatch_namespace="production",
            metadata={"main_module": "worker.wasm"},
            files=[("worker.wasm", SHOP.wasm, "application/wasm")],
        )
    assert "frozen" in str(refused.value)


# ---------------------------------------------------------------- entry points and the block list

class EntryPointPlugin:
    @hookimpl(tryfirst=True)
    def dispatch_emu_resolve_worker(self, request: Request, routing: object) -> str | None:
        return "hijacked"


class _FakeEntryPoint:
    group = "dispatch_emu"
    name = "acme-routing"
    value = "acme_routing:plugin"

    def load(self) -> object:
        return EntryPointPlugin()


class _FakeDistribution:
    entry_points = [_FakeEntryPoint()]
    metadata = {"name": "acme-routing", "version": "1.0"}
    version = "1.0"


@pytest.fixture
def installed_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a package ``acme-routing`` declares a ``dispatch_emu`` entry point."""
    import importlib.metadata

    real = importlib.metadata.distributions
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: [*real(), _FakeDistribution()])


def test_entry_point_plugins_load(installed_entry_point, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    emulator = Emulator()
    assert isinstance(emulator.plugins.get_plugin("acme-routing"), EntryPointPlugin)
    emulator.close()


def test_block_env_var_keeps_an_entry_point_plugin_out(installed_entry_point, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(BLOCK_ENV, "something-else, acme-routing")
    emulator = Emulator()
    assert emulator.plugins.get_plugin("acme-routing") is None
    assert emulator.plugins.is_blocked("acme-routing")
    handle = emulator.namespace()
    handle.put_script("shop", wasm=SHOP.wasm)
    client_app = emulator.app(emulator.dispatcher())
    from werkzeug.test import Client

    response = Client(client_app).get("/", base_url="http://shop.localhost")
    assert response.get_data() == b"shop"  # routed by subdomain, not hijacked
    emulator.close()
