"""The service's long-running work besides HTTP, as functions the app's lifespan (and the
`worker` command, benchmarks and tests) start: the Faust fan-out, the consumers (roster read
model, receipts, replies) and the deadline scheduler. `Worker` runs all of it without HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.outbox.publisher import OutboxPublisher

from directive import consumers, stream
from directive.fanout import FanOut, FanOutConfig, utc_now
from directive.handlers.common import Topics
from directive.scheduler import Scheduler
from directive.settings import DirectiveSettings
from directive.sink import KafkaSink

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


def service_migrations() -> list[migrations.Migration]:
    return migrations.load("directive", "directive")


async def migrate(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, [*migrations.platform_migrations(), *service_migrations()])
    finally:
        await conn.close()


def topics_of(settings: DirectiveSettings) -> Topics:
    return Topics(events=settings.events_topic)


def fanout_producer(
    settings: DirectiveSettings, client_id: str = "directive-fanout"
) -> AIOKafkaProducer:
    return make_producer(
        settings.kafka_bootstrap,
        client_id=client_id,
        compression_type=settings.fanout_compression,
        max_batch_size=512 * 1024,
        linger_ms=10,
    )


def make_consumers(settings: DirectiveSettings, pool: asyncpg.Pool) -> list[IdempotentConsumer]:
    prefix = settings.consumer_group_prefix
    common: dict[str, Any] = {
        "pool": pool,
        "bootstrap": settings.kafka_bootstrap,
        "session_timeout_ms": settings.consumer_session_timeout_ms,
        "retention": settings.processed_event_retention,
    }
    return [
        IdempotentConsumer(
            name=f"{prefix}-roster",
            topics=[settings.units_topic, settings.members_topic, settings.groups_topic],
            handler=consumers.roster_handler(),
            batch_max=settings.consumer_batch_max,
            **common,
        ),
        receipts_consumer(settings, pool),
        IdempotentConsumer(
            name=f"{prefix}-replies",
            topics=[settings.replies_topic],
            handler=consumers.replies_handler(topics_of(settings)),
            batch_max=settings.consumer_batch_max,
            **common,
        ),
    ]


def receipts_consumer(settings: DirectiveSettings, pool: asyncpg.Pool) -> IdempotentConsumer:
    """Receipts arrive in storms (one to three per delivery of a state-wide fan-out). Their effect
    is naturally idempotent — a status only moves forward, a time is kept once, counters change
    by real transitions only — so they skip the processed-event table, and one transaction
    applies a whole poll across partitions (bench/fanout measures both)."""
    return IdempotentConsumer(
        name=f"{settings.consumer_group_prefix}-receipts",
        topics=[settings.receipts_topic],
        pool=pool,
        handler=consumers.receipts_handler(),
        bootstrap=settings.kafka_bootstrap,
        batch_max=settings.receipts_batch_max,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        retention=settings.processed_event_retention,
        dedupe=False,
        merge_partitions=True,
    )


async def run_fanout(
    settings: DirectiveSettings,
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    clock: Clock = utc_now,
    on_ready: Callable[[FanOut], None] | None = None,
) -> None:
    """The Faust fan-out agent with its raw producer, until `stop` is set."""
    # Faust narrates every start and stop of its services at INFO.
    for name in ("faust", "mode"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    await asyncio.to_thread(Path(settings.faust_datadir).mkdir, parents=True, exist_ok=True)
    producer = fanout_producer(settings)
    await producer.start()
    engine = FanOut(
        pool,
        KafkaSink(producer),
        FanOutConfig(
            topic=settings.deliveries_topic,
            flash_topic=settings.flash_deliveries_topic,
            link_key=settings.inbox_link_key.get_secret_value().encode(),
            base_url=settings.public_base_url,
            link_ttl=settings.inbox_link_ttl,
            batch_size=settings.fanout_batch_size,
        ),
        clock,
    )
    handler = stream.FanOutStream(settings.fanout_concurrency)
    handler.run_job = engine.run_job
    group = f"{settings.consumer_group_prefix}-fanout"
    handler.dead_letter = stream.dead_letter_to(producer, group)
    app = stream.create_app(
        app_id=group,
        bootstrap=settings.kafka_bootstrap,
        topic=settings.events_topic,
        datadir=settings.faust_datadir,
        handler=handler,
        session_timeout=settings.consumer_session_timeout_ms / 1000,
    )
    try:
        app.finalize()
        await app.start()
        if on_ready is not None:
            on_ready(engine)
        await stop.wait()
    finally:
        handler.stopping = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(app.stop(), 15)
        with contextlib.suppress(Exception):
            await producer.stop()


async def run_scheduler(
    settings: DirectiveSettings, pool: asyncpg.Pool, stop: asyncio.Event, clock: Clock = utc_now
) -> None:
    await Scheduler(
        settings.dsn, pool, topics_of(settings), clock, settings.scheduler_interval
    ).run(stop)


@dataclass
class Worker:
    """Everything but HTTP: `python -m directive worker`, benchmarks and tests."""

    settings: DirectiveSettings
    clock: Clock = utc_now
    fanout: bool = True
    consume: bool = True
    schedule: bool = True
    pool: asyncpg.Pool | None = None
    engine: FanOut | None = None
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    fanout_ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        s = self.settings
        await migrate(s.dsn)
        self.pool = await db.create_pool(
            s.dsn, min_size=s.database_pool_min, max_size=s.database_pool_max
        )
        relay = OutboxPublisher(
            s.dsn,
            lambda: make_producer(s.kafka_bootstrap, client_id="directive-outbox"),
            batch_size=s.outbox_batch_size,
            poll_interval=s.outbox_poll_interval,
            retention=s.outbox_retention,
        )
        self.tasks.append(asyncio.create_task(relay.run(self.stop_event)))
        if self.consume:
            for c in make_consumers(s, self.pool):
                self.tasks.append(asyncio.create_task(c.run(self.stop_event)))
        if self.schedule:
            self.tasks.append(
                asyncio.create_task(run_scheduler(s, self.pool, self.stop_event, self.clock))
            )
        if self.fanout:

            def ready(engine: FanOut) -> None:
                self.engine = engine
                self.fanout_ready.set()

            self.tasks.append(
                asyncio.create_task(
                    run_fanout(s, self.pool, self.stop_event, self.clock, on_ready=ready)
                )
            )

    async def stop(self) -> None:
        self.stop_event.set()
        for task in self.tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 20)
        if self.pool is not None:
            await self.pool.close()
