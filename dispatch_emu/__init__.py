"""dispatch_emu: a local emulator of Cloudflare Workers for Platforms."""

from __future__ import annotations

from dispatch_emu._version import __version__

__all__ = ["__version__"]
