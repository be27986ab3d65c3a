"""`deploy/stack install`: bring a bare Debian machine to a runnable stack; a quick no-op after."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .common import ROOT, StackError, run, say
from .promtool import fetch_promtool

# What the stack, the browser tests and the Kafka fetch need from Debian.
# fonts-noto-core: Devanagari glyphs, so Hindi pages render (and screenshot) as Hindi in Chromium.
# nginx-light: the one origin's reverse proxy (deploy/nginx/, run as the user by stackctl.proxy).
APT_PACKAGES = ["postgresql", "chromium", "chromium-driver", "fonts-noto-core", "nginx-light"]
# Normally on the machine image; installed only when the command is missing.
APT_FOR_COMMAND = {
    "java": "openjdk-17-jre-headless",
    "mvn": "maven",
    "runuser": "util-linux",
    "node": "nodejs",
    "npm": "npm",
}

POM = ROOT / "deploy" / "kafka" / "pom.xml"
ASYNCAPI_TOOLS = ROOT / "tools" / "asyncapi"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def install() -> None:
    ensure_apt_packages()
    sync_workspace()
    kafka_libs()
    jmx_exporter()
    asyncapi_validator()
    fetch_promtool()  # prometheus for the local stack, promtool for the monitoring tests


def _apt_missing() -> list[str]:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *APT_PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {
        line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")
    }
    missing = [pkg for pkg in APT_PACKAGES if pkg not in installed]
    missing += [pkg for cmd, pkg in APT_FOR_COMMAND.items() if shutil.which(cmd) is None]
    return missing


def ensure_apt_packages() -> None:
    missing = _apt_missing()
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(f"missing Debian packages {missing}: run `deploy/stack install` as root")
    say(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    with _services_not_started():
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


@contextmanager
def _services_not_started() -> Iterator[None]:
    """The postgresql package starts a system cluster on 5432 when it can; the stack runs its own
    servers, so a policy-rc.d that refuses service starts is kept in place while installing."""
    if POLICY_RC_D.exists():
        yield
        return
    POLICY_RC_D.write_text(
        "#!/bin/sh\n# written by deploy/stack install while installing\nexit 101\n"
    )
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            POLICY_RC_D.unlink()


def uv_command() -> list[str]:
    """uv as a command line: the binary on PATH, else the one a pip-installed uv ships."""
    found = shutil.which("uv")
    if found:
        return [found]
    python = shutil.which("python3") or "python3"
    probe = subprocess.run([python, "-m", "uv", "--version"], capture_output=True, check=False)
    if probe.returncode == 0:
        return [python, "-m", "uv"]
    say("installing uv with pip")
    pip = [python, "-m", "pip", "install", "-q", "uv"]
    if subprocess.run(pip, check=False).returncode != 0:
        # Debian's own python3 marks itself externally managed (PEP 668).
        run([*pip, "--break-system-packages"])
    return [python, "-m", "uv"]


def sync_workspace() -> None:
    run([*uv_command(), "sync", "--frozen", "--quiet"], cwd=ROOT)


def kafka_version() -> str:
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not match:
        raise StackError(f"no <kafka.version> in {POM}")
    return match.group(1).strip()


def kafka_libs() -> Path:
    """The broker's jars, fetched from Maven Central once per Kafka version."""
    home = ROOT / ".cache" / "kafka" / kafka_version()
    libs = home / "libs"
    marker = home / "complete"
    if marker.exists() and libs.is_dir():
        return libs
    partial = home / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    say(f"fetching Kafka {kafka_version()} jars from Maven Central")
    run(
        [
            "mvn", "-q", "-B", "-f", POM, "dependency:copy-dependencies",
            "-DincludeScope=runtime", f"-DoutputDirectory={partial}",
        ],
        capture=True,  # shown only when Maven fails
    )  # fmt: skip
    if not any(partial.glob("kafka_2.13-*.jar")):
        raise StackError(f"Maven finished but no kafka_2.13 jar is in {partial}")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    # Written last: a fetch interrupted half-way is retried instead of trusted.
    marker.write_text(f"{len(list(libs.glob('*.jar')))} jars\n")
    return libs


def jmx_exporter() -> Path:
    """The Prometheus JMX exporter java agent Kafka runs with, from Maven Central, once."""
    match = re.search(r"<jmx\.exporter\.version>([^<]+)<", POM.read_text())
    if not match:
        raise StackError(f"no <jmx.exporter.version> in {POM}")
    version = match.group(1).strip()
    jar = ROOT / ".cache" / "jmx-exporter" / version / f"jmx_prometheus_javaagent-{version}.jar"
    if jar.exists():
        return jar
    say(f"fetching the Prometheus JMX exporter {version} from Maven Central")
    run(
        [
            "mvn", "-q", "-B", "dependency:copy",
            f"-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:{version}",
            f"-DoutputDirectory={jar.parent}",
        ],
        capture=True,
    )  # fmt: skip
    if not jar.exists():
        raise StackError(f"Maven finished but {jar.name} is not in {jar.parent}")
    return jar


def asyncapi_validator() -> None:
    """The AsyncAPI parser the contract tests run, at the versions package-lock.json pins."""
    # npm writes this copy of the lock last: missing or older means absent, partial or outdated.
    installed = ASYNCAPI_TOOLS / "node_modules" / ".package-lock.json"
    lock = ASYNCAPI_TOOLS / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    say("installing the AsyncAPI validator (npm ci in tools/asyncapi)")
    # --ignore-scripts: the parser needs no install step, and one dependency's is telemetry.
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=ASYNCAPI_TOOLS)
