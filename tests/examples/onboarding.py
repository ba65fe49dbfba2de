"""A control plane as a platform team writes one: it deploys customer workers with the official SDK.

It creates its dispatch namespace on first use and uploads each customer's JavaScript
worker; nothing in it knows about dispatch_emu.
"""

from __future__ import annotations

import cloudflare

NAMESPACE = "customers"


class Onboarding:
    def __init__(self, cf: cloudflare.Cloudflare, account_id: str) -> None:
        self.cf = cf
        self.account_id = account_id
        self.namespaces = cf.workers_for_platforms.dispatch.namespaces

    def ensure_namespace(self) -> None:
        existing = {ns.namespace_name for ns in self.namespaces.list(account_id=self.account_id)}
        if NAMESPACE not in existing:
            self.namespaces.create(account_id=self.account_id, name=NAMESPACE)

    def onboard(self, customer: str, source: str, plan: str = "free") -> None:
        self.ensure_namespace()
        self.namespaces.scripts.update(
            customer,
            account_id=self.account_id,
            dispatch_namespace=NAMESPACE,
            metadata={"main_module": "worker.js", "tags": [plan]},
            files=[("worker.js", source.encode(), "application/javascript+module")],
        )
