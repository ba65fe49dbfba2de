"""``dispatch-emu tail``: follow a running server's logs from a terminal, as ``wrangler tail`` does.

It polls the control endpoint ``GET /__dispatch_emu/logs?since=N&wait=S`` (which holds
each answer until something new arrives) and prints every request the dispatcher
answered, with its worker's log lines and the cause of a failure, in the server's own
format (or as JSON lines)::

    dispatch-emu tail --url http://127.0.0.1:8787 --worker shop
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any, TextIO

from dispatch_emu._requestlog import format_text

#: Seconds each poll may be held open by the server.
WAIT_SECONDS = 20


def fetch_page(url: str, *, worker: str | None = None, since: int = 0, wait: float = 0,
               token: str | None = None) -> dict[str, Any]:
    """One answer of the logs endpoint (its ``result``)."""
    query = {"since": str(since), "wait": str(wait), **({"worker": worker} if worker else {})}
    request = urllib.request.Request(f"{url.rstrip('/')}/__dispatch_emu/logs?{urllib.parse.urlencode(query)}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=wait + 30) as answer:
        return json.loads(answer.read())["result"]


def follow(url: str, out: TextIO, *, worker: str | None = None, since: int | None = None,
           once: bool = False, log_format: str = "text", token: str | None = None) -> int:
    """Print requests as they come; ``once`` prints what is there and returns. Returns ``next``."""
    if since is None:  # from now on, unless told otherwise
        since = int(fetch_page(url, worker=worker, token=token)["next"]) if not once else 0
    while True:
        page = fetch_page(url, worker=worker, since=since, wait=0 if once else WAIT_SECONDS, token=token)
        for entry in page["requests"]:
            entry.setdefault("kind", "dispatch")
            print(json.dumps(entry) if log_format == "json" else format_text(entry), file=out, flush=True)
        since = int(page["next"])
        if once:
            return since


__all__ = ["WAIT_SECONDS", "fetch_page", "follow"]
