"""Prometheus and promtool from Debian's prometheus package, taken out of it without installing
it (no system service, no system change) into .cache/promtool/<version>/: promtool for the tests
of deploy/prometheus (skipped, saying why, without it), prometheus for the local stack
(`deploy/stackctl/prometheus.py`), which runs without it only when the fetch failed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import ROOT, say

CACHE = ROOT / ".cache" / "promtool"
# Written when the fetch failed, so that later runs do not try (and wait) again; delete to retry.
UNAVAILABLE = CACHE / "unavailable"


BINARIES = ("promtool", "prometheus")


def cached_promtool() -> Path | None:
    found = sorted(CACHE.glob("*/promtool"))
    return found[-1] if found else None


def cached_prometheus() -> Path | None:
    found = sorted(CACHE.glob("*/prometheus"))
    return found[-1] if found else None


def fetch_promtool() -> Path | None:
    if (cached_promtool() and cached_prometheus()) or UNAVAILABLE.exists():
        return cached_promtool()
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(
                ["apt-get", "download", "-q", "prometheus"],
                cwd=tmp,
                capture_output=True,
                check=True,
                timeout=300,
                stdin=subprocess.DEVNULL,
            )
            [deb] = Path(tmp).glob("prometheus_*.deb")
            subprocess.run(["dpkg-deb", "-x", deb, Path(tmp) / "x"], check=True, timeout=120)
        except (subprocess.SubprocessError, ValueError, OSError) as error:
            say(f"promtool not fetched ({type(error).__name__}); its tests will be skipped")
            CACHE.mkdir(parents=True, exist_ok=True)
            UNAVAILABLE.write_text(f"{error!r}\n")
            return None
        version = deb.name.split("_")[1].replace(":", "_").replace("+", "_")
        target = CACHE / version
        target.mkdir(parents=True, exist_ok=True)
        for binary in BINARIES:
            shutil.copy2(Path(tmp) / "x" / "usr" / "bin" / binary, target / binary)
    say(f"prometheus and promtool {version} ready (local stack, monitoring tests)")
    return target / "promtool"
