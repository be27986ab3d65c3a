"""`/healthz` and `/readyz`, the same in every service.

* `/healthz`: the process answers (for a liveness probe: restart only when this fails).
* `/readyz`: PostgreSQL answers `SELECT 1` through the app's pool, Kafka answers a metadata request
  through the shared producer's connection, and none of the service's background tasks
  (outbox publisher, consumers) has died; each check has a short timeout. Otherwise a 503 problem
  (`not_ready`) naming what is down, with `checks` saying the state of each.

`/metrics` is not here: it is served on the internal metrics listener only
(`nazar_platform.observability.metrics_listener`), and the public port answers it with a 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request

from nazar_platform.http.problems import ProblemError
from nazar_platform.observability import metrics
from nazar_platform.runtime.context import Runtime, runtime_of

router = APIRouter(tags=["operations"])

_NAMES = {"postgresql": "PostgreSQL", "kafka": "Kafka", "tasks": "background tasks"}


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _passes(check: Awaitable[Any], seconds: float) -> bool:
    try:
        await asyncio.wait_for(check, seconds)
    except Exception:  # any failure, whatever its kind, means "not ready"
        return False
    return True


async def readiness(runtime: Runtime) -> dict[str, str]:
    """`{"postgresql": "ok" | "down", "kafka": ..., "tasks": "ok" | "down: a, b"}`."""
    timeout = runtime.settings.readiness_timeout.total_seconds()
    pg, kafka = await asyncio.gather(
        _passes(runtime.pool.fetchval("SELECT 1"), timeout),
        _passes(runtime.producer.client.fetch_all_metadata(), timeout),
    )
    dead = runtime.dead_tasks()
    checks = {
        "postgresql": "ok" if pg else "down",
        "kafka": "ok" if kafka else "down",
        "tasks": "ok" if not dead else "down: " + ", ".join(dead),
    }
    for name, state in checks.items():
        metrics.READY.labels(name).set(1 if state == "ok" else 0)
    return checks


@router.get("/readyz", summary="PostgreSQL and Kafka are reachable and the service's tasks run")
async def readyz(request: Request) -> dict[str, Any]:
    checks = await readiness(runtime_of(request))
    down = [_NAMES[name] for name, state in checks.items() if state != "ok"]
    if down:
        raise ProblemError(
            503,
            "not_ready",
            detail_params={"dependencies": down},
            headers={"Retry-After": "5"},
            extensions={"checks": checks},
        )
    return {"status": "ready", "checks": checks}
