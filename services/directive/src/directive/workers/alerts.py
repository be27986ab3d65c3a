"""Field alerts' workers (issue 15): the consumer of alert.events.v1, the alert runner and the
escalation loop.

* The consumer (the platform's `IdempotentConsumer`, under the directive's consumer construction)
  takes each `AlertRaised` in (`handlers.alerts.receive`): the processed-event row commits with
  the case it writes; a record that does not fit its contract goes to the DLQ.
* The alert runner runs the jobs of origin `alert` (officers' messages, raisers' notices) through
  the fan-out engine. An alert must not wait behind anything: not behind a state-wide
  directive's fan-out (the Faust agent, its own producer), nor behind stories' circulations (the
  circulation runner), nor behind a poll interval — the consumer's transaction notifies on commit
  (LISTEN/NOTIFY), and the runner has its own producer that does not linger and its own small
  pool, so a storm's batches do not hold the connections it needs. One runner per database (the
  platform's leader loop); a process killed mid-job leaves it unfinished and the next runner
  resumes it at its cursor: one delivery per officer.
* The escalation loop (the platform's leader loop, as the scheduler) climbs every case due.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types as types
from nazar_contracts.alerts import AlertRaised
from nazar_platform import db
from nazar_platform.db import Connection
from nazar_platform.db.audit import Cause
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop, wait_for_either

from directive import metrics
from directive.domain.model import OriginKind
from directive.handlers import alerts, incidents
from directive.handlers.alerts import CaseConfig, case_config
from directive.handlers.common import Topics, utc_now
from directive.settings import DirectiveSettings
from directive.store import alerts as alert_store
from directive.store import fanout as store
from directive.workers.consumers import Handler, directive_consumer
from directive.workers.fanout import FanOut
from directive.workers.sink import KafkaSink
from directive.workers.stream import fanout_config

log = structlog.get_logger(__name__)

RUNNER_LOCK = 0x444952414C52  # "DIRALR": one alert runner per database
ESCALATOR_LOCK = 0x444952414C45  # "DIRALE": one escalation loop per database
RUNNER_ORIGINS = (OriginKind.ALERT,)
RUNNER_CONCURRENCY = 4  # jobs side by side: a burst of alerts does not queue one behind another
RUNNER_POOL_SIZE = 6
FAILED_RETRY_SECONDS = 30.0


def topics_of(settings: DirectiveSettings) -> Topics:
    return Topics(events=settings.topic_events, alert_cases=settings.topic_alert_cases)


def alerts_handler(
    topics: Topics, config: CaseConfig, clock: Callable[[], datetime] = utc_now
) -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        for record in records:
            if record.event is None or record.event.type != types.ALERT_RAISED:
                continue
            data = parse_record(record)
            if not isinstance(data, AlertRaised):
                raise PoisonRecordError("an alert.raised record without its data")
            await alerts.receive(conn, topics, data, config, clock(), Cause.event(record.event_id))

    return handle


def alerts_consumer(
    settings: DirectiveSettings, pool: asyncpg.Pool, clock: Callable[[], datetime] = utc_now
) -> IdempotentConsumer:
    return directive_consumer(
        settings,
        pool,
        "alerts",
        [settings.topic_alert_events],
        alerts_handler(topics_of(settings), case_config(settings), clock),
    )


class AlertRunner:
    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        engine: FanOut,
        interval: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._dsn = dsn
        self._pool = pool
        self._engine = engine
        self._interval = interval
        self._clock = clock
        self._failed: dict[UUID, float] = {}
        self._wake = asyncio.Event()
        self.runs = 0

    async def run(self, stop: asyncio.Event) -> None:
        await lead(
            self._dsn,
            RUNNER_LOCK,
            self._work,
            stop,
            name="alert runner",
            on_change=metrics.ALERT_RUNNER_ACTIVE.set,
        )

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    async def _work(self, lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        await lock.add_listener(alert_store.RUNNER_CHANNEL, self._notified)
        try:
            while not stop.is_set():
                self._wake.clear()
                await self.run_pending(stop)
                await wait_for_either(self._wake, stop, self._interval)
        finally:
            with contextlib.suppress(Exception):
                await lock.remove_listener(alert_store.RUNNER_CHANNEL, self._notified)

    async def run_pending(self, stop: asyncio.Event | None = None) -> int:
        """Run every unfinished alert job once, a few side by side; how many ran to the end."""
        async with self._pool.acquire() as conn:
            pending = await store.unfinished_jobs(conn, RUNNER_ORIGINS)
        now = time.monotonic()
        pending = [j for j in pending if now >= self._failed.get(j, 0.0)]
        gate = asyncio.Semaphore(RUNNER_CONCURRENCY)

        async def one(job_id: UUID) -> bool:
            async with gate:
                if stop is not None and stop.is_set():
                    return False
                return await self._run(job_id)

        # Every job finishes or fails before a lost connection is raised to the leader loop: none
        # is left running beside the next runner's attempt at it.
        results = await asyncio.gather(*(one(j) for j in pending), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        self.runs += 1
        return sum(1 for result in results if result is True)

    async def _run(self, job_id: UUID) -> bool:
        try:
            await self._engine.run_job(job_id)
        except TRANSIENT:
            raise  # the leader loop reconnects and the job resumes at its cursor
        except Exception:
            log.exception("alert fan-out job failed; retried later", job=str(job_id))
            self._failed[job_id] = time.monotonic() + FAILED_RETRY_SECONDS
            return False
        self._failed.pop(job_id, None)
        await alerts.requested(self._pool, job_id, self._clock())
        return True


def alert_producer(settings: DirectiveSettings) -> AIOKafkaProducer:
    """The runner's producer: a handful of records at a time, sent at once (no linger, no
    compression to wait for), apart from the fan-out's large-batch producer."""
    return make_producer(settings.kafka_bootstrap, client_id="directive-alerts", linger_ms=0)


async def run_alert_runner(
    settings: DirectiveSettings, stop: asyncio.Event, clock: Callable[[], datetime] = utc_now
) -> None:
    """The runner with its own producer and pool, until `stop` is set."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=RUNNER_POOL_SIZE)
    producer = alert_producer(settings)
    await producer.start()
    try:
        engine = FanOut(pool, KafkaSink(producer), fanout_config(settings), clock)
        interval = settings.alert_runner_interval.total_seconds()
        await AlertRunner(settings.dsn, pool, engine, interval, clock).run(stop)
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()
        await pool.close()


class AlertEscalator:
    def __init__(
        self,
        settings: DirectiveSettings,
        pool: asyncpg.Pool,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._dsn = settings.dsn
        self._pool = pool
        self._topics = topics_of(settings)
        self._config = case_config(settings)
        self._interval = settings.alert_escalation_interval.total_seconds()
        self._clock = clock
        self.ticks = 0

    async def run(self, stop: asyncio.Event) -> None:
        await lead(
            self._dsn,
            ESCALATOR_LOCK,
            self._work,
            stop,
            name="alert escalation",
            on_change=metrics.ALERT_ESCALATOR_ACTIVE.set,
        )

    async def _work(self, _lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await incidents.escalate_due(self._pool, self._topics, self._config, self._clock())
            self.ticks += 1
            await sleep_or_stop(stop, self._interval)
