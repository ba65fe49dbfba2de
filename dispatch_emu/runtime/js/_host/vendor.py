"""Vendored JavaScript libraries, loaded into a context on first use.

The prelude evaluates a vendored library only when a worker first touches what it
provides (``ReadableStream``, ``URLPattern``...): parsing the streams library costs more
than the rest of the prelude, and most requests never need it. ``host("vendor", name)``
answers the library's CommonJS source; the prelude runs it once per context with a
private ``module``/``exports`` pair. The files, their licences and versions are under
``runtime/js/vendor/``; ``tools/refresh-vendored-js.sh`` refreshes them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from dispatch_emu.runtime.js._host.errors import HostError

#: name the prelude asks for → file under runtime/js/vendor/
VENDORED = {
    "web-streams-polyfill": "web-streams-polyfill/ponyfill.js",
    "urlpattern-polyfill": "urlpattern-polyfill/urlpattern.cjs",
}


@cache
def vendored_source(name: str) -> str:
    path = VENDORED.get(name)
    if path is None:
        raise HostError("TypeError", f"no vendored library {name!r}")
    folder = resources.files("dispatch_emu.runtime.js").joinpath("vendor")
    return folder.joinpath(path).read_text("utf-8")


__all__ = ["VENDORED", "vendored_source"]
