"""CPU time of processes from /proc/<pid>/stat (utime + stime), to report CPU use per process."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (after pid and comm)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def kafka_pids(state_dir: Path) -> list[int]:
    return [p for p in all_pids() if "kafka.Kafka" in (c := _cmdline(p)) and str(state_dir) in c]


def postgres_pids(state_dir: Path) -> list[int]:
    pids = all_pids()
    data = str(state_dir / "pg" / "data")
    masters = [p for p in pids if data in _cmdline(p) and "postgres" in _cmdline(p)]
    return masters + [p for p in pids if _ppid(p) in masters]


class CpuMeter:
    """CPU seconds used by groups of processes between `start()` and `stop()`."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self._start: dict[str, float] = {}

    def _now(self, pids: list[int]) -> float:
        return sum(cpu_seconds(p) for p in pids)

    def start(self) -> None:
        self._start = {name: self._now(pids) for name, pids in self.groups.items()}

    def stop(self, wall: float) -> dict[str, float]:
        """Percent of one core per group over `wall` seconds."""
        return {
            name: round(100 * (self._now(pids) - self._start[name]) / wall, 1)
            for name, pids in self.groups.items()
        }
