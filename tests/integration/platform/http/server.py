"""Runs an app on a real uvicorn server on 127.0.0.1 (an ephemeral port) inside the test loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import uvicorn
from fastapi import FastAPI
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.http.ratelimit import RateLimitSettings

from tests.integration.platform.http.testapp import SAMPLE_TREE, add_units, build_app


@dataclass(frozen=True)
class RunningApp:
    app: FastAPI
    base_url: str
    database: str
    topic: str


def settings_for(database: str, bootstrap: str) -> PlatformSettings:
    return PlatformSettings(
        service_name="testapp",
        database_url=database,  # pydantic turns it into a SecretStr
        kafka_bootstrap=bootstrap,
        log_json=True,
        database_pool_min=1,
        database_pool_max=5,
        http_max_body_bytes=16 * 1024,
        outbox_poll_interval=timedelta(milliseconds=50),
        startup_timeout=timedelta(seconds=20),
        readiness_timeout=timedelta(seconds=1),
        shutdown_timeout=timedelta(seconds=10),
        metrics_port=0,  # the internal metrics listener, on a free port
    )


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Runs `app` (lifespan included) until the block ends; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(600):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if not server.started:
            if task.done():
                task.result()  # raises what stopped the startup
            raise TimeoutError("uvicorn did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def serve_app(
    database: str, bootstrap: str, topic: str, rate_limits: RateLimitSettings | None = None
) -> AsyncIterator[RunningApp]:
    app = build_app(settings_for(database, bootstrap), topic, rate_limits)
    async with serve(app) as base_url:
        # The app's migrations made its units table; fill it as its roster consumer would.
        await add_units(database, SAMPLE_TREE)
        yield RunningApp(app, base_url, database, topic)


def client(running: RunningApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=running.base_url, timeout=30)
