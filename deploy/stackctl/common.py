"""Paths, ports and small helpers shared by every stack command."""

from __future__ import annotations

import fcntl
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

# Names with a documented default port base; any other name needs NAZAR_PORT_BASE.
DEFAULT_PORT_BASES = {"dev": 19000, "test": 29000}


class StackError(Exception):
    """A failure the user can act on; printed without a traceback."""


def say(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str | Path],
    *,
    check: bool = True,
    capture: bool = False,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    args = [str(c) for c in cmd]
    result = subprocess.run(  # noqa: PLW1510 - checked below with a readable message
        args,
        text=True,
        capture_output=capture,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip() if capture else ""
        raise StackError(
            f"command failed ({result.returncode}): {shlex.join(args)}"
            + (f"\n{detail}" if detail else "")
        )
    return result


@dataclass(frozen=True)
class Ports:
    base: int

    @property
    def kafka(self) -> int:
        return self.base + 92

    @property
    def controller(self) -> int:
        return self.base + 93

    @property
    def postgres(self) -> int:
        return self.base + 432

    @property
    def prometheus(self) -> int:
        return self.base + 90

    @property
    def kafka_metrics(self) -> int:
        """The broker's Prometheus JMX exporter (a java agent in Kafka's JVM)."""
        return self.base + 94

    def service(self, offset: int) -> int:
        return self.base + offset


@dataclass(frozen=True)
class State:
    """One state folder, .state/NAME: everything a named stack writes lives under it."""

    name: str

    @property
    def dir(self) -> Path:
        return ROOT / ".state" / self.name

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def pids(self) -> Path:
        return self.dir / "pids"

    @property
    def env_file(self) -> Path:
        return self.dir / "stack.env"

    @property
    def dev_signing_key(self) -> Path:
        """The stack's development token key: created by the first process that needs it."""
        return self.dir / "auth" / "dev-signing-key.pem"

    @property
    def is_test(self) -> bool:
        # Test stacks trade durability for speed (fsync off, smaller heap).
        return self.name == "test" or self.name.startswith("test-")

    def ports(self) -> Ports:
        """Ports wanted now: NAZAR_PORT_BASE, else what this state last used, else the default."""
        wanted = os.environ.get("NAZAR_PORT_BASE")
        if wanted is None:
            recorded = self.recorded_ports()
            if recorded is not None:
                return recorded
            default = DEFAULT_PORT_BASES.get(self.name)
            wanted = str(default) if default is not None else None
        if wanted is None:
            raise StackError(f"set NAZAR_PORT_BASE for stack name {self.name!r}")
        if not wanted.isdigit() or not 1024 <= int(wanted) <= 64000:
            raise StackError(f"NAZAR_PORT_BASE must be a number in 1024..64000, got {wanted!r}")
        return Ports(int(wanted))

    def recorded_ports(self) -> Ports | None:
        """Ports this state was started with; stopping uses these whatever the environment says."""
        path = self.dir / "port_base"
        recorded = path.read_text().strip() if path.exists() else ""
        return Ports(int(recorded)) if recorded.isdigit() else None

    def record_ports(self, ports: Ports) -> None:
        # Written before anything starts, so that a half-finished infra-up can still be stopped.
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "port_base").write_text(f"{ports.base}\n")

    def recorded_env(self) -> dict[str, str]:
        return read_env_file(self.env_file)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialise commands on one state folder (e.g. two test sessions starting `test`)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    body = "".join(f"{key}={value}\n" for key, value in values.items())
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# written by deploy/stack infra-up; sourced by tests and services\n" + body)
    tmp.replace(path)


def venv_python() -> Path:
    if not VENV_PYTHON.exists():
        raise StackError("the workspace venv is missing: run `deploy/stack install`")
    return VENV_PYTHON
