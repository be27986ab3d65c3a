"""Everything the publisher runs, wired together and started in the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import structlog
from nazar_platform import db, migrations
from nazar_platform.kafka import make_producer
from nazar_platform.outbox import OutboxRelay

from social_publisher import handlers, metrics, recovery
from social_publisher.consumers import DeliverySource, contacts_consumer
from social_publisher.dispatcher import Dispatcher
from social_publisher.domain.outcomes import RetryPolicy
from social_publisher.domain.pacing import Quota
from social_publisher.gates import Gate
from social_publisher.handlers import Context
from social_publisher.providers.sms import SmsGatewayClient
from social_publisher.providers.whatsapp import WhatsAppClient
from social_publisher.recorder import Recorder
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)


def policy_from(s: PublisherSettings) -> RetryPolicy:
    return RetryPolicy(
        base=s.retry_base,
        cap=s.retry_cap,
        max_attempts=s.retry_max_attempts,
        back_off_base=s.back_off_base,
        back_off_cap=max(s.back_off_base, 3600.0),
        recipient_hold=s.recipient_hold,
    )


async def database_dsn(s: PublisherSettings) -> str:
    if "database_url" in s.model_fields_set or s.pg_dsn is None:
        return s.database_url.get_secret_value()
    server = s.pg_dsn.get_secret_value()
    conn = await asyncpg.connect(server)
    try:
        exists = await conn.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", s.database_name
        )
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{s.database_name}"')
    finally:
        await conn.close()
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{s.database_name}"))


class Runtime:
    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.stop = asyncio.Event()
        self.pool: asyncpg.Pool | None = None
        self.session: aiohttp.ClientSession | None = None
        self.ctx: Context | None = None
        self.dispatcher: Dispatcher | None = None
        self.recorder: Recorder | None = None
        self.sources: dict[str, DeliverySource] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.started_at = datetime.now(UTC)

    async def start(self) -> None:
        s = self.settings
        dsn = await database_dsn(s)
        conn = await db.connect(dsn)
        try:
            await migrations.apply(
                conn,
                migrations.platform_migrations() + migrations.load("social-publisher", __package__),
            )
        finally:
            await conn.close()
        self.pool = await db.create_pool(
            dsn, min_size=s.database_pool_min, max_size=s.database_pool_max
        )
        connector = aiohttp.TCPConnector(
            limit=s.max_in_flight, keepalive_timeout=30, ttl_dns_cache=300
        )
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=s.http_timeout)
        )
        self.ctx = ctx = Context(self.pool, s, policy_from(s))
        self.recorder = Recorder(ctx)
        quota = Quota(limit=s.whatsapp_portfolio_limit, warn_ratio=s.quota_warn_ratio)
        for member, at in await handlers.quota_members(ctx):
            quota.record(member, at.timestamp())
        metrics.QUOTA_LIMIT.set(s.whatsapp_portfolio_limit)
        gates = {
            c: Gate(
                c,
                threshold=s.outage_threshold,
                probe_max=s.outage_probe_max,
                pause_probe=s.token_probe_interval,
            )
            for c in ("whatsapp", "sms")
        }
        self.dispatcher = d = Dispatcher(
            s,
            whatsapp=WhatsAppClient(
                self.session,
                s.whatsapp_base_url,
                s.whatsapp_api_version,
                s.whatsapp_token.get_secret_value(),
            ),
            sms=SmsGatewayClient(
                self.session,
                s.sms_base_url,
                s.sms_api_key.get_secret_value(),
                s.sms_entity_id,
                s.sms_sender,
            ),
            recorder=self.recorder,
            gates=gates,
            quota=quota,
        )

        def may_fetch() -> bool:
            return (
                gates["whatsapp"].is_open
                and self.recorder is not None
                and self.recorder.backlog < 20_000
            )

        flash = DeliverySource(ctx, d, topic=s.flash_topic, priority="flash", may_fetch=may_fetch)

        def may_fetch_routine() -> bool:
            return may_fetch() and not flash.waiting

        routine = DeliverySource(
            ctx, d, topic=s.deliveries_topic, priority="routine", may_fetch=may_fetch_routine
        )
        self.sources = {"flash": flash, "routine": routine}
        d.flash_upstream = lambda: flash.waiting
        relay = OutboxRelay(
            dsn,
            lambda: make_producer(s.kafka_bootstrap, client_id=f"{s.service_name}-relay"),
            batch_size=s.outbox_batch_size,
            poll_interval=s.outbox_poll_interval,
            retention=s.outbox_retention,
        )
        stop = self.stop
        self._tasks = [
            asyncio.create_task(relay.run(stop), name="outbox"),
            asyncio.create_task(contacts_consumer(ctx, self.pool).run(stop), name="contacts"),
            asyncio.create_task(self.recorder.run(stop), name="recorder"),
            asyncio.create_task(d.run(stop), name="dispatcher"),
            asyncio.create_task(flash.run(stop), name="flash"),
            asyncio.create_task(routine.run(stop), name="routine"),
            asyncio.create_task(recovery.poll_retries(ctx, d, stop), name="retries"),
            asyncio.create_task(recovery.sweep_orphans(ctx, d, stop), name="orphans"),
        ]
        for task in self._tasks:
            task.add_done_callback(self._died)
        log.info("social-publisher started", senders=len(s.whatsapp_phone_number_ids))

    def _died(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None and not self.stop.is_set():
            log.error(
                "background task died; stopping", task=task.get_name(), error=repr(task.exception())
            )
            # A half-running publisher is worse than a restarted one.
            asyncio.get_running_loop().call_soon(os._exit, 70)

    async def close(self) -> None:
        self.stop.set()
        if self.dispatcher is not None:
            await self.dispatcher.drain(10)
        if self.recorder is not None:
            await self.recorder.flush(10)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 20)
        for task in self._tasks:
            task.cancel()
        if self.session is not None:
            await self.session.close()
        if self.pool is not None:
            await self.pool.close()

    async def ready(self) -> bool:
        if self.pool is None:
            return False
        try:
            await self.pool.fetchval("SELECT 1")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False
        return all(not t.done() for t in self._tasks)
