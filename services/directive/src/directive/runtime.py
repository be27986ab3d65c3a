"""Everything the service runs besides HTTP: the fan-out (Faust), the outbox relay, the consumers
and the scheduler. The app's lifespan starts one `Runtime`; benchmarks and tests start their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from nazar_platform import db, migrations
from nazar_platform.kafka import make_producer
from nazar_platform.outbox import OutboxRelay

from directive import stream
from directive.fanout import FanOut, FanOutConfig, utc_now
from directive.settings import DirectiveSettings
from directive.sink import KafkaSink

log = structlog.get_logger(__name__)


def service_migrations() -> list[migrations.Migration]:
    return [*migrations.platform_migrations(), *migrations.load("directive", "directive")]


async def migrate(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, service_migrations())
    finally:
        await conn.close()


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


@dataclass
class Runtime:
    settings: DirectiveSettings
    clock: Callable[[], datetime] = utc_now
    fanout_enabled: bool = True
    relay_enabled: bool = True
    pool: asyncpg.Pool | None = None
    fanout: FanOut | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _producers: list[AIOKafkaProducer] = field(default_factory=list)
    _faust: object | None = None

    async def start(self) -> None:
        s = self.settings
        await migrate(s.dsn)
        self.pool = await db.create_pool(
            s.dsn, min_size=s.database_pool_min, max_size=s.database_pool_max
        )
        if self.relay_enabled:
            relay = OutboxRelay(
                s.dsn,
                lambda: make_producer(s.kafka_bootstrap, client_id="directive-outbox"),
                batch_size=s.outbox_batch_size,
                poll_interval=s.outbox_poll_interval,
                retention=s.outbox_retention,
            )
            self._tasks.append(asyncio.create_task(relay.run(self._stop)))
        if self.fanout_enabled:
            await self._start_fanout()

    async def _start_fanout(self) -> None:
        s = self.settings
        assert self.pool is not None
        producer = fanout_producer(s)
        await producer.start()
        self._producers.append(producer)
        self.fanout = FanOut(
            self.pool,
            KafkaSink(producer),
            FanOutConfig(
                topic=s.deliveries_topic,
                flash_topic=s.flash_deliveries_topic,
                link_key=s.inbox_link_key.get_secret_value().encode(),
                base_url=s.public_base_url,
                link_ttl=s.inbox_link_ttl,
                batch_size=s.fanout_batch_size,
            ),
            self.clock,
        )
        handler = stream.FanOutStream(s.fanout_concurrency)
        handler.run_job = self.fanout.run_job
        handler.dead_letter = stream.dead_letter_to(producer, f"{s.consumer_group_prefix}-fanout")
        app = stream.create_app(
            app_id=f"{s.consumer_group_prefix}-fanout",
            bootstrap=s.kafka_bootstrap,
            topic=s.events_topic,
            datadir=s.faust_datadir,
            handler=handler,
        )
        app.finalize()
        await app.start()
        self._faust = app

    async def stop(self) -> None:
        self._stop.set()
        if self._faust is not None:
            self._faust.nazar_stopping["flag"] = True  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._faust.stop(), 15)  # type: ignore[attr-defined]
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 15)
        for producer in self._producers:
            with contextlib.suppress(Exception):
                await producer.stop()
        if self.pool is not None:
            await self.pool.close()
