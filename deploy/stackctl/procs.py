"""Starting, finding and stopping background processes without leaving orphans behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from .common import StackError


def start_detached(
    cmd: Sequence[str | Path], log_file: Path, *, env: Mapping[str, str], cwd: Path
) -> int:
    """Start a process in its own session, so it outlives this command and can be killed as a
    group (the JVM and whatever it forks) later."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    return proc.pid


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie has exited; only its parent has not reaped it yet.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pids_referencing(marker: str) -> list[int]:
    """Processes whose command line names `marker` (a path inside one state folder). This finds
    what an earlier, interrupted run started even when its pid file is gone."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != me and marker in cmdline(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


def pids_with_env(assignment: str) -> list[int]:
    """Processes whose environment contains exactly `assignment` (NAME=value)."""
    wanted = assignment.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted in environ and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def stop_processes(pids: Iterable[int], *, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal each process's group, wait, then SIGKILL whatever is left."""
    targets = [pid for pid in pids if pid_alive(pid)]
    for pid in targets:
        _signal_group(pid, sig)
    if wait_until(lambda: not any(pid_alive(p) for p in targets), timeout):
        return
    for pid in targets:
        if pid_alive(pid):
            _signal_group(pid, signal.SIGKILL)
    if not wait_until(lambda: not any(pid_alive(p) for p in targets), 10):
        left = [p for p in targets if pid_alive(p)]
        raise StackError(f"processes {left} survived SIGKILL")


def _signal_group(pid: int, sig: int) -> None:
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return
    # Only signal a whole group that this process leads: never our own group or a shared one.
    with contextlib.suppress(ProcessLookupError):
        if pgid == pid and pgid != os.getpgrp():
            os.killpg(pgid, sig)
        else:
            os.kill(pid, sig)


def port_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_ports_free(ports: Iterable[int], timeout: float = 15) -> None:
    ports = list(ports)
    if not wait_until(lambda: not any(port_listening(p) for p in ports), timeout, 0.2):
        busy = [p for p in ports if port_listening(p)]
        raise StackError(f"ports still listening after stop: {busy}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
