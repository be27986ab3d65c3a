"""Where the tests find promtool: NAZAR_PROMTOOL, then PATH, then the copy `deploy/stack install`
keeps in .cache/promtool/<version>/ (taken from Debian's prometheus package when it can be)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def promtool() -> str | None:
    given = os.environ.get("NAZAR_PROMTOOL")
    if given:
        return given
    found = shutil.which("promtool")
    if found:
        return found
    cached = sorted((ROOT / ".cache" / "promtool").glob("*/promtool"))
    return str(cached[-1]) if cached else None
