"""``python -m dispatch_emu serve`` — the same as the ``dispatch-emu`` command."""

from __future__ import annotations

import sys

from dispatch_emu._cli import main

if __name__ == "__main__":
    sys.exit(main())
