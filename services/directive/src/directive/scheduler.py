"""The deadline scheduler: one active per database (a PostgreSQL advisory lock, as the outbox
relay), calling `handlers.escalate.tick` every interval with the injected clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
import structlog
from nazar_platform import db
from nazar_platform.runtime.retry import TRANSIENT

from directive import metrics
from directive.handlers.common import Topics
from directive.handlers.escalate import tick

log = structlog.get_logger(__name__)

_LOCK_KEY = 0x444952534348  # "DIRSCH": one active scheduler per database


class Scheduler:
    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        topics: Topics,
        clock: Callable[[], datetime],
        interval: timedelta,
    ) -> None:
        self._dsn = dsn
        self._pool = pool
        self._topics = topics
        self._clock = clock
        self._interval = interval.total_seconds()
        self.ticks = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._lead(stop)
            except TRANSIENT as exc:
                log.warning("scheduler lost its database; retrying", error=repr(exc))
            finally:
                metrics.SCHEDULER_ACTIVE.set(0)
            await _sleep(stop, 1.0)

    async def _lead(self, stop: asyncio.Event) -> None:
        conn = await db.connect(self._dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_KEY):
                if await _sleep(stop, 2.0):
                    return
            metrics.SCHEDULER_ACTIVE.set(1)
            while not stop.is_set():
                await tick(self._pool, self._topics, self._clock())
                self.ticks += 1
                await _sleep(stop, self._interval)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)


async def _sleep(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
