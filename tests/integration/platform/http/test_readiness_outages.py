"""`/readyz` while Kafka, then PostgreSQL, is really stopped, and again once each is back.

The processes are stopped and started for real, with the stack's own helpers (deploy/stackctl),
on a stack of this module's own (`.state/test-readyz`, port base + 400) so that the session's
stack, which every other test uses, is never touched. The module stops that stack at the end.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import TopicFactory, dsn_for_database
from tests.integration.platform.http.server import client, serve_app
from tests.integration.platform.http.test_problems import assert_problem

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "deploy"))
from stackctl.common import Ports, State, read_env_file  # noqa: E402
from stackctl.kafka import Kafka  # noqa: E402
from stackctl.postgres import Postgres  # noqa: E402

NAME = "test-readyz"
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class OwnStack:
    kafka: Kafka
    postgres: Postgres
    ports: Ports
    bootstrap: str
    admin_dsn: str


def _stack(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [ROOT / "deploy" / "stack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
async def own_stack() -> AsyncIterator[OwnStack]:
    base = int(os.environ.get("NAZAR_PORT_BASE", "29000")) + 400
    env = {
        k: v for k, v in os.environ.items() if k not in {"NAZAR_PG_DSN", "NAZAR_KAFKA_BOOTSTRAP"}
    }
    env["NAZAR_PORT_BASE"] = str(base)
    state = State(NAME)
    try:
        await asyncio.to_thread(_stack, "infra-up", "--name", NAME, env=env)
        values = read_env_file(state.env_file)
        ports = state.recorded_ports()
        assert ports is not None and ports.base == base
        yield OwnStack(
            Kafka(state),
            Postgres(state),
            ports,
            values["NAZAR_KAFKA_BOOTSTRAP"],
            values["NAZAR_PG_DSN"],
        )
    finally:
        await asyncio.to_thread(_stack, "infra-down", "--name", NAME, "--wipe", env=env)


async def readiness(http: httpx.AsyncClient, language: str = "en") -> httpx.Response:
    return await http.get("/readyz", headers={"Accept-Language": language})


async def until_status(http: httpx.AsyncClient, status: int, within: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while (await readiness(http)).status_code != status:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"/readyz never answered {status}")
        await asyncio.sleep(0.5)


def checks(response: httpx.Response) -> dict[str, Any]:
    result: dict[str, Any] = response.json()["checks"]
    return result


async def test_readyz_fails_while_kafka_or_postgresql_is_stopped(own_stack: OwnStack) -> None:
    admin = await asyncpg.connect(own_stack.admin_dsn)
    try:
        await admin.execute('CREATE DATABASE "readyz_app"')
    finally:
        await admin.close()
    topics = TopicFactory(own_stack.bootstrap)
    topic = await topics("notes")
    database = dsn_for_database(own_stack.admin_dsn, "readyz_app")
    async with serve_app(database, own_stack.bootstrap, topic) as running, client(running) as http:
        await until_status(http, 200, within=30)

        await asyncio.to_thread(own_stack.kafka.stop)
        await until_status(http, 503)
        down = await readiness(http)
        body = assert_problem(down, 503, "not_ready")
        assert checks(down) == {"postgresql": "ok", "kafka": "down", "tasks": "ok"}
        assert body["detail"] == "Not reachable: Kafka."
        assert down.headers["retry-after"] == "5"
        hindi = await readiness(http, "hi")
        assert assert_problem(hindi, 503, "not_ready")["detail"] == "संपर्क नहीं हो पा रहा: Kafka।"
        assert (await http.get("/healthz")).status_code == 200  # alive, only not ready

        await asyncio.to_thread(own_stack.kafka.start, own_stack.ports)
        await asyncio.to_thread(own_stack.kafka.wait_ready, own_stack.ports)
        await until_status(http, 200)

        await asyncio.to_thread(own_stack.postgres.stop)
        await until_status(http, 503)
        down = await readiness(http)
        assert_problem(down, 503, "not_ready")
        assert checks(down) == {"postgresql": "down", "kafka": "ok", "tasks": "ok"}
        assert down.json()["detail"] == "Not reachable: PostgreSQL."
        assert (await http.get("/healthz")).status_code == 200

        await asyncio.to_thread(own_stack.postgres.start, own_stack.ports)
        await until_status(http, 200)
        ready = await readiness(http)
        assert ready.json() == {
            "status": "ready",
            "checks": {"postgresql": "ok", "kafka": "ok", "tasks": "ok"},
        }
    await topics.delete_all()
