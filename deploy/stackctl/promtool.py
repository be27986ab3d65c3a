"""promtool for the tests of deploy/prometheus, best effort: taken out of Debian's prometheus
package without installing it (no service, no system change) into .cache/promtool/<version>/.
Nothing needs it: without it, the tests that run it are skipped and say why."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import ROOT, say

CACHE = ROOT / ".cache" / "promtool"
# Written when the fetch failed, so that later runs do not try (and wait) again; delete to retry.
UNAVAILABLE = CACHE / "unavailable"


def cached_promtool() -> Path | None:
    found = sorted(CACHE.glob("*/promtool"))
    return found[-1] if found else None


def fetch_promtool() -> Path | None:
    if shutil.which("promtool") or cached_promtool() or UNAVAILABLE.exists():
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
        shutil.copy2(Path(tmp) / "x" / "usr" / "bin" / "promtool", target / "promtool")
    say(f"promtool {version} ready for the monitoring tests")
    return target / "promtool"
