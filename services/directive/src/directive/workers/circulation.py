"""The runner of fan-out jobs that no directive event starts: a story's circulation and the
notices to its author (written by the story consumer, `handlers.stories`), and the PHQ social
media cell's notices that an official account stopped (`handlers.accounts`).

A directive's job is run by the Faust agent when its event arrives, and a job killed mid-way
runs again because the event's offset was not committed. A story's job has no event of its own
on directive.events.v1; it is found in the `jobs` table instead: one runner per database (the
platform's leader loop, as the scheduler) runs every unfinished job of origin `story`, oldest
first, through the same fan-out engine. A process killed mid-job leaves the job unfinished, so
the next runner resumes it at its cursor: each member still gets the message once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from directive import metrics
from directive.domain.model import OriginKind
from directive.handlers.common import utc_now
from directive.settings import DirectiveSettings
from directive.store import fanout as store
from directive.workers.fanout import FanOut
from directive.workers.sink import KafkaSink
from directive.workers.stream import fanout_config, fanout_producer

log = structlog.get_logger(__name__)

LOCK_KEY = 0x44495253544F  # "DIRSTO": one runner of story jobs per database
# Jobs no directive event starts: stories' (circulations, author notices) and the cell's notices
# that an official account stopped (`handlers.accounts`).
RUNNER_ORIGINS = (OriginKind.STORY, OriginKind.ACCOUNT)
# A job that failed for good (a bug, bad data) is tried again after this long, not in a loop.
FAILED_RETRY_SECONDS = 60.0


class CirculationRunner:
    def __init__(self, dsn: str, pool: asyncpg.Pool, engine: FanOut, interval: float) -> None:
        self._dsn = dsn
        self._pool = pool
        self._engine = engine
        self._interval = interval
        self._failed: dict[UUID, float] = {}
        self.runs = 0

    async def run(self, stop: asyncio.Event) -> None:
        await lead(
            self._dsn,
            LOCK_KEY,
            self._work,
            stop,
            name="circulation runner",
            on_change=metrics.CIRCULATION_RUNNER_ACTIVE.set,
        )

    async def _work(self, _lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.run_pending(stop)
            await sleep_or_stop(stop, self._interval)

    async def run_pending(self, stop: asyncio.Event | None = None) -> int:
        """Run every unfinished story job once; how many ran to the end."""
        async with self._pool.acquire() as conn:
            pending = await store.unfinished_jobs(conn, RUNNER_ORIGINS)
        done = 0
        for job_id in pending:
            if stop is not None and stop.is_set():
                break
            if time.monotonic() < self._failed.get(job_id, 0.0):
                continue
            try:
                await self._engine.run_job(job_id)
                self._failed.pop(job_id, None)
                done += 1
            except TRANSIENT:
                raise  # the leader loop reconnects and the job resumes at its cursor
            except Exception:
                log.exception("story fan-out job failed; retried later", job=str(job_id))
                self._failed[job_id] = time.monotonic() + FAILED_RETRY_SECONDS
        self.runs += 1
        return done


async def run_circulation(
    settings: DirectiveSettings,
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """The runner with its own producer (the fan-out's settings), until `stop` is set."""
    producer = fanout_producer(settings, client_id="directive-circulation")
    await producer.start()
    try:
        engine = FanOut(pool, KafkaSink(producer), fanout_config(settings), clock)
        interval = settings.circulation_interval.total_seconds()
        await CirculationRunner(settings.dsn, pool, engine, interval).run(stop)
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()
