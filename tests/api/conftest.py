"""Fixtures of the API tests: a store, the app, and clients that validate every answer.

Every client made here (raw ``http``, the SDK's ``cf``, and ``client_for(app)``) runs
through an httpx ``WSGITransport`` (no socket) with a response hook that holds each
answer to the OpenAPI extract and the envelope (see ``openapi_check.py``). A violation
fails the request at once and is also re-raised when the test finishes, so not even a
client that swallows exceptions (the SDK wraps them) can hide one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cloudflare
import httpx
import pytest

from dispatch_emu.api import ApiApp
from dispatch_emu.store import NamespaceStore
from tests.api.openapi_check import OpenApiChecker

ACCOUNT = "acc"
BASE_URL = "http://emulator"


@pytest.fixture(scope="session")
def openapi() -> OpenApiChecker:
    return OpenApiChecker()


@pytest.fixture
def checked(openapi: OpenApiChecker) -> Iterator[OpenApiChecker]:
    """The checker, with this test's violations re-raised at teardown."""
    start = len(openapi.violations)
    yield openapi
    late = openapi.violations[start:]
    assert not late, "answers broke the OpenAPI contract:\n" + "\n".join(map(str, late))


@pytest.fixture
def client_for(checked: OpenApiChecker) -> Iterator[Callable[[ApiApp], httpx.Client]]:
    clients: list[httpx.Client] = []

    def check_response(response: httpx.Response) -> None:
        response.read()
        request = response.request
        problems = checked.check(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        assert not problems, "\n".join(map(str, problems))

    def make(app: ApiApp) -> httpx.Client:
        client = httpx.Client(
            transport=httpx.WSGITransport(app=app),
            base_url=BASE_URL,
            event_hooks={"response": [check_response]},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def store() -> NamespaceStore:
    return NamespaceStore()


@pytest.fixture
def app(store: NamespaceStore) -> ApiApp:
    return ApiApp(store)


@pytest.fixture
def http(app: ApiApp, client_for: Callable[[ApiApp], httpx.Client]) -> httpx.Client:
    return client_for(app)


@pytest.fixture
def cf(http: httpx.Client) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(
        api_token="x", base_url=f"{BASE_URL}/client/v4", http_client=http, max_retries=0
    )
