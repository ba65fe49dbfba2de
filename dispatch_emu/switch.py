"""One switch that points Cloudflare clients at a local emulator: ``mock_cloudflare``.

Code under test usually builds its own ``cloudflare.Cloudflare()`` client, or shells out
to wrangler. Both read their endpoint from the environment, so the switch starts an
:class:`~dispatch_emu.server.EmulatorServer` on a free loopback port and sets, for its
duration, ``CLOUDFLARE_BASE_URL`` (the Python SDK) and ``CLOUDFLARE_API_BASE_URL``
(wrangler) to it, plus a placeholder ``CLOUDFLARE_API_TOKEN`` when none is set. On exit
the server stops and the environment is put back as it was.

Use it the three ways moto's switches are used::

    @mock_cloudflare()
    def test_deploy():
        deploy_customer("acme")            # your code: Cloudflare() talks to the emulator

    with mock_cloudflare() as emu:         # emu is the Emulator behind the server
        deploy_customer("acme")
        assert "acme" in emu.namespace("customers")

    switch = mock_cloudflare(); emu = switch.start(); ...; switch.stop()

The server also runs the dispatcher for ``namespace`` (default ``demo``), so requests
to ``switch.url`` with a ``Host: <worker>.example.com`` header reach user workers.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from typing import Any, TypeVar

from dispatch_emu.emulator import DEFAULT_ACCOUNT, DEMO_NAMESPACE, Emulator
from dispatch_emu.server import EmulatorServer

_F = TypeVar("_F", bound=Callable[..., Any])

#: The variables the switch sets, and what each client reads them as.
ENV_BASE_URL = "CLOUDFLARE_BASE_URL"  # the official Python SDK
ENV_WRANGLER_BASE_URL = "CLOUDFLARE_API_BASE_URL"  # wrangler
ENV_TOKEN = "CLOUDFLARE_API_TOKEN"
_PLACEHOLDER_TOKEN = "dispatch-emu-token"


class mock_cloudflare:  # noqa: N801 - named like the decorators it is used as
    """Decorator, context manager, or start/stop switch; see the module docstring."""

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        namespace: str = DEMO_NAMESPACE,
        account_id: str = DEFAULT_ACCOUNT,
    ) -> None:
        self._given = emulator
        self.namespace = namespace
        self.account_id = account_id
        self.emulator: Emulator | None = None
        self.server: EmulatorServer | None = None
        self._saved: dict[str, str | None] = {}

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("mock_cloudflare is not started")
        return self.server.url

    def start(self) -> Emulator:
        if self.server is not None:
            raise RuntimeError("mock_cloudflare is already started")
        emulator = self._given or Emulator()
        emulator.namespace(self.namespace, account_id=self.account_id)
        server = EmulatorServer(
            emulator, port=0, dispatcher=emulator.dispatcher(self.namespace, account_id=self.account_id)
        ).start()
        api = f"{server.url}/client/v4"
        values = {ENV_BASE_URL: api, ENV_WRANGLER_BASE_URL: api}
        if not os.environ.get(ENV_TOKEN):
            values[ENV_TOKEN] = _PLACEHOLDER_TOKEN
        self._saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        self.emulator, self.server = emulator, server
        return emulator

    def stop(self) -> None:
        if self.server is None:
            return
        server, emulator = self.server, self.emulator
        self.server = self.emulator = None
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        try:
            server.stop()  # re-raises an error the server thread met
        finally:
            if self._given is None and emulator is not None:
                emulator.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _fresh(self) -> mock_cloudflare:
        # a decorated function may run many times (or concurrently): one switch per call
        return mock_cloudflare(self._given, namespace=self.namespace, account_id=self.account_id)


__all__ = ["ENV_BASE_URL", "ENV_TOKEN", "ENV_WRANGLER_BASE_URL", "mock_cloudflare"]
