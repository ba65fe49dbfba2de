"""Images of the evaluated prelude, shared by every JavaScript runner of the process.

Evaluating the prelude (``prelude/*.js``) is most of what a new context costs: parsing and
running ~1,200 lines of JavaScript. Its outcome is the same in every context, so the
first context of a process that evaluates it keeps a :class:`~.quickjs.VmImage` of its
instance (linear memory, stack pointer, the prelude's entry points), and each later
context is a new wasm instance with that image written into its memory. The image is
taken before any worker code runs and before ``Math.random`` is first used (the prelude
seeds it from host entropy on first use), so a context restored from it is exactly a
context that has just evaluated the prelude: nothing of one worker reaches another.

The image is kept per prelude text (with ``vm.js``) and QuickJS build (a different build is refused at
restore anyway); it is written into an instance whose memory limit is already set, so a
limit below the image's size fails the way a growing heap would.
"""

from __future__ import annotations

import hashlib
import threading

from dispatch_emu.runtime.js._vm import VmImage

_LOCK = threading.Lock()
_IMAGES: dict[tuple[str, bytes], VmImage] = {}


#: The digest of each prelude text seen: hashing ~100 KB again for every new context cost
#: about 0.15 ms (the runner passes the same string object, whose dict hash is kept).
_DIGESTS: dict[str, str] = {}


def _key(prelude: str, build_id: bytes) -> tuple[str, bytes]:
    digest = _DIGESTS.get(prelude)
    if digest is None:
        digest = hashlib.sha256(prelude.encode()).hexdigest()
        if len(_DIGESTS) < 16:  # a prelude per process, in practice; a few more in tests
            _DIGESTS[prelude] = digest
    return digest, bytes(build_id)


def prelude_image(prelude: str, build_id: bytes) -> VmImage | None:
    """The image of ``prelude`` evaluated by the QuickJS build ``build_id``, if taken."""
    with _LOCK:
        return _IMAGES.get(_key(prelude, build_id))


def keep_prelude_image(prelude: str, image: VmImage) -> None:
    with _LOCK:
        _IMAGES.setdefault(_key(prelude, image.build_id), image)


def forget_prelude_images() -> None:
    """Drop the kept images (tests: the next context evaluates the prelude again)."""
    with _LOCK:
        _IMAGES.clear()


__all__ = ["forget_prelude_images", "keep_prelude_image", "prelude_image"]
