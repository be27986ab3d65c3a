"""The services a field alert goes through, as `deploy/stack up` starts them (the stack's own
commands and environments, `stackctl.services`), on the benchmark's Kafka and PostgreSQL: the
roster (seeded with the synthetic roster at the chosen scale), story-intake, the directive, the
social-publisher and the fake WhatsApp and SMS gateways. Only what a benchmark must change
differs: the fake's cap and the publisher's pacing (a provider's tier, not our code, would
otherwise bound raise → delivered), no automatic replies, quieter logs.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint

from bench.sender.procs import all_pids
from tests.e2e.system import Process

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from stackctl import services
from stackctl.common import ROOT, Ports, State, venv_python

__all__ = ["ROOT", "AlertStack", "Ports", "State"]

# The proxy too: the fakes' webhooks reach the publisher through the one origin, as in `up`.
NAMES = (
    "roster", "fake-whatsapp", "fake-sms", "social-publisher", "story-intake", "directive", "proxy"
)  # fmt: skip
LOGS = ROOT / ".state" / "bench-alerts-logs"


def _argv(name: str, argv: list[str], cap: int) -> list[str]:
    """The fake WhatsApp at the benchmark's cap, replying to nobody (a reply is an
    acknowledgement: it would take the alert, which is not what is measured)."""
    if name != "fake-whatsapp":
        return argv
    out = list(argv)
    out[out.index("--mps-cap") + 1] = str(cap)
    out[out.index("--reply-share") + 1] = "0"
    return out


def overrides(cap: int) -> dict[str, dict[str, str]]:
    quiet = {"NAZAR_LOG_LEVEL": "WARNING"}
    return {
        "roster": quiet,
        "story-intake": quiet,
        "directive": quiet,
        "social-publisher": {
            **quiet,
            "NAZAR_WHATSAPP_MPS_CAP": str(cap),
            # A state-wide fan-out reaches more members in a day than a new portfolio may.
            "NAZAR_WHATSAPP_PORTFOLIO_LIMIT": "10000000",
        },
    }


@dataclass
class AlertStack:
    ports: Ports
    state: State
    env: dict[str, str]  # the stack's: Kafka, PostgreSQL, the dev signing key
    cap: int
    # Another benchmark runs a part of the same stack (bench/signin: the roster alone), with
    # settings of its own on top.
    names: tuple[str, ...] = NAMES
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: Path = LOGS
    processes: dict[str, Process] = field(default_factory=dict)
    http: httpx.AsyncClient = field(
        default_factory=lambda: httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)
        )
    )

    def url(self, service: str, path: str = "") -> str:
        return next(s for s in services.SERVICES if s.name == service).url(self.ports, path)

    async def start(self) -> None:
        extra = overrides(self.cap)
        for s in services.SERVICES:
            if s.name not in self.names:
                continue
            argv = _argv(s.name, services.argv_of(s, self.ports, self.state), self.cap)
            env = {
                **services.env_of(s, self.ports, self.state, self.env),
                **extra.get(s.name, {}),
                **self.settings.get(s.name, {}),
            }
            self.processes[s.name] = Process(
                s.name, argv, env, self.logs / f"{s.name}.log", s.url(self.ports, s.health_path)
            )
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            await process.wait_healthy(self.http, within=180)

    async def seed(self, scale: str) -> None:
        """The synthetic roster through the roster's own import (then its topics feed the
        other services' read models, as in production)."""
        done = await asyncio.to_thread(
            subprocess.run,
            [str(venv_python()), "-m", "nazar_rostergen", "seed", "--scale", scale],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=1800,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode()[-2000:])

    def pids(self) -> dict[str, list[int]]:
        """Each service's processes (its process group: the stack starts each in its own)."""
        out = {}
        for name, process in self.processes.items():
            if process.popen is not None:
                lead = process.popen.pid
                out[name] = [p for p in all_pids() if _group_of(p) == lead]
        return out

    async def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.stop()
        await self.http.aclose()

    def token(self, member_id: str, role: Role, unit: str) -> str:
        settings = AuthSettings()  # the issuer and audience every service of the stack expects
        key = ensure_dev_keypair(Path(self.env["NAZAR_AUTH_DEV_PRIVATE_KEY_PATH"]))
        return mint(
            member_id,
            [Grant(role, unit)],
            private_key=key,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=timedelta(hours=2),
            kid=settings.dev_kid,
        )

    async def members(self, role: Role, enough: int | None = None) -> list[dict[str, Any]]:
        """The active members holding `role` (all, or the first pages holding `enough`),
        through the roster's API as the ADG."""
        adg = self.token("bench-alerts-adg", Role.ADG, "PHQ")
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = f"role={role}&unit=PHQ&limit=500" + (f"&cursor={cursor}" if cursor else "")
            r = await self.http.get(
                self.url("roster", f"/api/v1/members?{query}"),
                headers={"Authorization": f"Bearer {adg}"},
            )
            r.raise_for_status()
            out += [m for m in r.json()["items"] if m["active"]]
            cursor = r.json()["next_cursor"]
            if not cursor or (enough is not None and len(out) >= enough):
                return out


def _group_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, ValueError, IndexError):
        return -1
