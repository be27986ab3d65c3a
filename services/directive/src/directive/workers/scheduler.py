"""The deadline scheduler: one active per database (the platform's leader loop, as the outbox
publisher), calling `handlers.escalate.tick` every interval with the injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import sleep_or_stop

from directive import metrics
from directive.handlers.common import Topics
from directive.handlers.escalate import tick

LOCK_KEY = 0x444952534348  # "DIRSCH": one active scheduler per database


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
        await lead(
            self._dsn,
            LOCK_KEY,
            self._work,
            stop,
            name="scheduler",
            on_change=metrics.SCHEDULER_ACTIVE.set,
        )

    async def _work(self, _lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await tick(self._pool, self._topics, self._clock())
            self.ticks += 1
            await sleep_or_stop(stop, self._interval)
