"""The deadline scheduler: one active per database (the platform's leader loop, as the outbox
publisher), calling `handlers.escalate.tick` every interval with the injected clock, and refreshing
the reach dashboard's gauges (`handlers.reach_gauges`) every `gauge_interval`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import sleep_or_stop

from directive import metrics
from directive.handlers import reach_gauges
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
        gauge_interval: timedelta = timedelta(seconds=30),
        ack_hold_max: timedelta = timedelta(hours=6),
    ) -> None:
        self._dsn = dsn
        self._pool = pool
        self._topics = topics
        self._clock = clock
        self._interval = interval.total_seconds()
        self._gauge_interval = gauge_interval
        self._hold_max = ack_hold_max
        self.ticks = 0

    async def run(self, stop: asyncio.Event) -> None:
        await lead(
            self._dsn,
            LOCK_KEY,
            self._work,
            stop,
            name="scheduler",
            on_change=self._leading,
        )

    @staticmethod
    def _leading(active: bool) -> None:
        metrics.SCHEDULER_ACTIVE.set(active)
        if not active:
            reach_gauges.clear()

    async def _work(self, _lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        gauges_due: datetime | None = None
        while not stop.is_set():
            now = self._clock()
            await tick(self._pool, self._topics, now, self._hold_max)
            self.ticks += 1
            if gauges_due is None or now >= gauges_due:
                await reach_gauges.refresh(self._pool, now)
                gauges_due = now + self._gauge_interval
            await sleep_or_stop(stop, self._interval)
