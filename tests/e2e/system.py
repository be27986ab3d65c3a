"""The whole system as `deploy/stack up` runs it, on the test session's Kafka and PostgreSQL.

The processes are the stack's own list (`deploy/stackctl/services.py`: SERVICES, then AFTER_UP),
started with the same command lines and environment as `up` gives them (`services.argv_of`,
`services.env_of`), each in its own process group so that a test can SIGKILL a service with
everything it forked and start the same command again. Tests talk to them only over HTTP: the
services' public APIs and the fake providers' inspection endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from stackctl import services  # noqa: E402
from stackctl.common import Ports, State  # noqa: E402

LOGS = ROOT / ".state" / "e2e-logs"  # kept after the session's stack is wiped, for a failure

ALERT_ESCALATION_SECONDS = 20

# Test-sized waits, never other code: the publisher resends an unanswered send after
# ANSWER_WAIT (10 min in production; here it must outlast a restart and the webhooks queued
# meanwhile), and a killed member of a consumer group is noticed after the session timeout.
SYSTEM_OVERRIDES = {
    "social-publisher": {"NAZAR_ANSWER_WAIT": "PT12S", "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000"},
    "directive": {
        "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "NAZAR_SCHEDULER_INTERVAL": "PT1S",
        "NAZAR_REACH_STREAM_INTERVAL": "PT0.5S",
        # Field alerts' escalation clock (seconds; production: 600, 3600 and 3600 more), short
        # enough for the alert flow's "nobody acknowledges: it reaches the range IG".
        "NAZAR_ALERT_IMMEDIATE_TO_IG_AFTER": str(ALERT_ESCALATION_SECONDS),
        "NAZAR_ALERT_SOON_TO_SP_AFTER": str(ALERT_ESCALATION_SECONDS),
        "NAZAR_ALERT_SOON_TO_IG_AFTER": str(ALERT_ESCALATION_SECONDS),
    },
    # A field app's request cut off by a SIGKILL leaves its Idempotency-Key claimed; its retry
    # runs again once this lease ends (production: 2 minutes).
    "story-intake": {
        "NAZAR_IDEMPOTENCY_LEASE": "PT10S",
        "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000",
    },
}


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    health_url: str
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n==== start {self.starts + 1} at {time.strftime('%X')} ====\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches all of it
            )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL, no goodbye: the process group, then reap it."""
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    async def healthy(self, client: httpx.AsyncClient) -> bool:
        if self.popen is None or self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited; see {self.log}")
        try:
            return (await client.get(self.health_url, timeout=2)).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_healthy(self, client: httpx.AsyncClient, within: float = 90) -> None:
        deadline = time.monotonic() + within
        while not await self.healthy(client):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not healthy in {within}s; see {self.log}")
            await asyncio.sleep(0.3)


@dataclass
class System:
    ports: Ports
    processes: dict[str, Process]
    env: dict[str, str]
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    def url(self, service: str, path: str = "") -> str:
        return next(s for s in services.SERVICES if s.name == service).url(self.ports, path)

    async def restart(self, name: str) -> None:
        """The same command again, after a kill (not waiting for health: it recovers alone)."""
        self.processes[name].start()

    async def kill_and_restart(self, name: str) -> None:
        self.processes[name].kill()
        self.processes[name].start()


@contextlib.asynccontextmanager
async def running_system(
    stack_env: Mapping[str, str], overrides: Mapping[str, Mapping[str, str]]
) -> AsyncIterator[System]:
    """Every service of `up`, then the AFTER_UP commands (the demo roster); stopped after.
    `overrides`: extra environment per service (short deadlines for a test, never new code)."""
    state = State(stack_env.get("NAZAR_STACK_NAME", "test"))
    ports = Ports(int(stack_env["NAZAR_PORT_BASE"]))
    processes = {
        s.name: Process(
            s.name,
            services.argv_of(s, ports, state),
            {**services.env_of(s, ports, state, stack_env), **overrides.get(s.name, {})},
            LOGS / f"{s.name}.log",
            s.url(ports, s.health_path),
        )
        for s in services.SERVICES
    }
    system = System(ports, processes, {**os.environ, **stack_env})
    shutil.rmtree(LOGS, ignore_errors=True)  # this session's logs only
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.wait_healthy(system.http)
        for command in services.AFTER_UP:
            done = await asyncio.to_thread(
                subprocess.run,
                services.argv_of(services.Service("after-up", command, 0), ports, state),
                env=system.env,
                cwd=ROOT,
                capture_output=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, done.stderr.decode()[-2000:]
        yield system
    finally:
        for process in reversed(processes.values()):
            process.stop()
        await system.http.aclose()
