"""The service runtime: startup hooks, supervised tasks, orderly stop, `serve()` as a process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
from nazar_platform.auth.tokens import AuthSettings, Grant, TokenVerifier, ensure_dev_keypair, mint
from nazar_platform.db.migrations import platform_migrations
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app
from prometheus_client import REGISTRY

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve, settings_for
from tests.integration.platform.http.testapp import MIGRATIONS
from tests.integration.platform.support import wait_for

ROOT = Path(__file__).resolve().parents[4]


async def test_hooks_run_a_dead_task_fails_readiness_and_everything_stops(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> None:
    database = await databases.create("runtime")
    happened: list[str] = []

    async def hook(runtime: Runtime) -> None:
        happened.append(f"startup: pool {await runtime.pool.fetchval('SELECT 1')}")

    async def explode(_runtime: Runtime, _stop: asyncio.Event) -> None:
        raise RuntimeError("a bug in a background task")

    async def patient(_runtime: Runtime, stop: asyncio.Event) -> None:
        await stop.wait()
        happened.append("patient stopped")

    parts = ServiceParts(
        settings_for(database, kafka_bootstrap),
        migrations=MIGRATIONS,
        background=[Task("explode", explode), Task("patient", patient)],
        on_startup=[hook],
    )
    app = create_app(parts, title="runtime test", version="1")
    failures = REGISTRY.get_sample_value("nazar_runtime_task_failures_total", {"task": "explode"})
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        runtime: Runtime = app.state.runtime
        assert set(runtime.tasks) == {
            "outbox-publisher",
            "idempotency-pruner",
            "audit-refusals",
            "explode",
            "patient",
        }
        await wait_for(lambda: _done(runtime, "explode"), within=10)
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {
            "postgresql": "ok",
            "kafka": "ok",
            "tasks": "down: explode",
        }
        assert ready.json()["detail"] == "Not reachable: background tasks."
        tables = await runtime.pool.fetchval(
            "SELECT count(*) FROM schema_migrations WHERE component IN ('platform', 'testapp')"
        )
        assert tables == len(platform_migrations()) + len(MIGRATIONS)
        # The app set no verifier and no audit_read: the runtime's defaults apply, with the
        # stack's dev key (NAZAR_AUTH_DEV_PRIVATE_KEY_PATH from stack.env).
        assert isinstance(app.state.token_verifier, TokenVerifier)
        hq = await http.get("/api/v1/audit", headers=_dev_token("M-ADG", "adg:PHQ"))
        district = await http.get("/api/v1/audit", headers=_dev_token("M-SP", "sp:DST-BIKANER"))
        assert hq.status_code == 200, hq.text
        assert district.status_code == 403
        assert district.json()["code"] == "access.forbidden"
    assert happened == ["startup: pool 1", "patient stopped"]
    assert all(task.done() for task in runtime.tasks.values())
    assert runtime.pool.is_closing()
    assert (
        REGISTRY.get_sample_value("nazar_runtime_task_failures_total", {"task": "explode"})
        == (failures or 0) + 1
    )
    await databases.drop(database)


def _dev_token(member: str, grant: str) -> dict[str, str]:
    settings = AuthSettings()
    token = mint(
        member,
        [Grant.parse(grant)],
        private_key=ensure_dev_keypair(settings.dev_private_key_path),
        issuer=settings.issuer,
        audience=settings.audience,
        ttl=timedelta(minutes=5),
        kid=settings.dev_kid,
    )
    return {"Authorization": f"Bearer {token}"}


async def _done(runtime: Runtime, name: str) -> bool:
    return runtime.tasks[name].done()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_serve_runs_the_app_on_the_configured_port_and_stops_on_sigterm(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> None:
    database = await databases.create("serve")
    topics = TopicFactory(kafka_bootstrap)
    topic = await topics("serve")
    port, metrics_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "NAZAR_SERVICE_NAME": "testapp-serve",
        "NAZAR_HTTP_PORT": str(port),
        "NAZAR_METRICS_PORT": str(metrics_port),
        "NAZAR_DATABASE_URL": database,
        "NAZAR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "TESTAPP_TOPIC": topic,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.platform.http.serve_main"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return proc.poll() is not None  # stop waiting if it died

            await wait_for(ready, within=60)
            assert proc.poll() is None
            response = await http.get("/api/v1/notes")
            assert response.status_code == 401
            # /metrics: on the internal listener that serve() started, not on the public port.
            assert (await http.get("/metrics")).status_code == 404
            scraped = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert scraped.status_code == 200 and "nazar_http_requests_total" in scraped.text
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        await topics.delete_all()
        await databases.drop(database)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the process ends "by the signal".
    assert proc.returncode in (0, -signal.SIGTERM), stderr.decode(errors="replace")[-3000:]
    events = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    names = [e["event"] for e in events]
    assert "service started" in names and "service stopped" in names
    assert names.index("service stopped") < names.index("Application shutdown complete.")
    assert all(e.get("service") == "testapp-serve" for e in events if e["event"].startswith("serv"))
