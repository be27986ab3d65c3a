"""What every service process runs besides HTTP, the same for `serve` and for `worker`.

A service describes its parts once (`ServiceParts`: migrations, consumers, background tasks,
startup hooks); `started(parts)` opens the pool, applies the platform's and then the service's
migrations, starts one shared idempotent producer, runs the startup hooks, and starts on the
runtime's supervisor (`nazar_platform.runtime.supervisor`) the outbox publisher (stage PUBLISH),
the consumers and the background tasks. Leaving it stops the stages in order — what takes work
in first, the outbox publisher last, so that what the others committed still goes out — then the
producer and the pool. `serve` runs it in the HTTP app's lifespan; `run_worker` runs it alone
until SIGTERM, SIGINT or a task's death (a worker that lost a part exits, and is restarted).

    def parts(settings: RosterSettings) -> ServiceParts:
        return ServiceParts(
            settings, migrations=migrations.load("roster", "roster"),
            consumers=lambda rt: [IdempotentConsumer(...)],
            background=[Task("scheduler", run_scheduler)],
        )
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from nazar_platform import db
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.db import migrations as nazar_migrations
from nazar_platform.db.migrations import Migration
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.observability import logging as nazar_logging
from nazar_platform.observability import metrics_listener
from nazar_platform.outbox.publisher import OutboxPublisher
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.supervisor import Stage

log = structlog.get_logger(__name__)

ConsumerFactory = Callable[[Runtime], list[IdempotentConsumer]]
StartupHook = Callable[[Runtime], Awaitable[None]]
TaskRun = Callable[[Runtime, asyncio.Event], Awaitable[None]]

_UNREACHABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError, TimeoutError)


@dataclass(frozen=True)
class Task:
    """A long-running loop of the service: `run(runtime, stop)` returns soon after `stop`."""

    name: str
    run: TaskRun
    stage: Stage = Stage.WORK


@dataclass(frozen=True)
class ServiceParts:
    settings: PlatformSettings
    migrations: Sequence[Migration] = ()
    consumers: ConsumerFactory | None = None
    background: Sequence[Task] = ()
    on_startup: Sequence[StartupHook] = ()
    # Tasks of the HTTP app only (the idempotency-key pruner, the refusal counts), added by it.
    extra: Sequence[Task] = field(default=())


@contextlib.asynccontextmanager
async def started(parts: ServiceParts) -> AsyncIterator[Runtime]:
    """The service's runtime with everything of `parts` running (see the module docstring)."""
    settings = parts.settings
    pool = await _open_pool(settings)
    producer: AIOKafkaProducer | None = None
    try:
        await _migrate(settings, parts.migrations)
        producer = await _start_producer(settings)
        runtime = Runtime(settings=settings, pool=pool, producer=producer)
        for hook in parts.on_startup:
            await hook(runtime)
        _start_tasks(runtime, parts)
        log.info("service started", service=settings.service_name, tasks=sorted(runtime.tasks))
        try:
            yield runtime
        finally:
            await runtime.supervisor.stop(settings.shutdown_timeout.total_seconds())
            log.info("service stopped", service=settings.service_name)
    finally:
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()
        await pool.close()


def _start_tasks(runtime: Runtime, parts: ServiceParts) -> None:
    settings, supervisor = parts.settings, runtime.supervisor
    publisher = OutboxPublisher(
        settings.database_url.get_secret_value(),
        lambda: make_producer(
            settings.kafka_bootstrap, client_id=f"{settings.service_name}-outbox"
        ),
        batch_size=settings.outbox_batch_size,
        poll_interval=settings.outbox_poll_interval,
        retention=settings.outbox_retention,
    )
    supervisor.start("outbox-publisher", publisher.run, Stage.PUBLISH)
    for consumer in parts.consumers(runtime) if parts.consumers else []:
        supervisor.start(f"consumer:{consumer.name}", consumer.run)
    for task in [*parts.background, *parts.extra]:
        supervisor.start(task.name, _bound(task.run, runtime), task.stage)


def _bound(run: TaskRun, runtime: Runtime) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def work(stop: asyncio.Event) -> None:
        await run(runtime, stop)

    return work


async def run_worker(parts: ServiceParts) -> int:
    """Everything of `parts` without HTTP, until SIGTERM / SIGINT (0) or a task's death (1); the
    metrics listener on NAZAR_METRICS_PORT meanwhile."""
    settings = parts.settings
    nazar_logging.configure(
        settings.service_name, settings.log_level, json_output=settings.log_json
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    listener = None
    if settings.metrics_port is not None:
        listener = metrics_listener.start(settings.metrics_host, settings.metrics_port)
    try:
        async with started(parts) as runtime:
            dead = await runtime.supervisor.until_stopped_or_died(stop)
        if dead:
            log.error("worker stops: a task died", tasks=dead)
            return 1
        return 0
    finally:
        if listener is not None:
            await asyncio.to_thread(listener.stop)


async def migrate(parts: ServiceParts) -> None:
    """Apply the platform's and the service's migrations, and nothing else (`<service> migrate`)."""
    await _migrate(parts.settings, parts.migrations)


async def _migrate(settings: PlatformSettings, service_migrations: Sequence[Migration]) -> None:
    conn = await db.connect(settings.database_url.get_secret_value())
    try:
        await nazar_migrations.apply(
            conn, [*nazar_migrations.platform_migrations(), *service_migrations]
        )
    finally:
        await conn.close()


async def _open_pool(settings: PlatformSettings) -> asyncpg.Pool:
    async for attempt in _retrying(settings, "PostgreSQL"):
        with attempt:
            return await db.create_pool(
                settings.database_url.get_secret_value(),
                min_size=settings.database_pool_min,
                max_size=settings.database_pool_max,
            )
    raise AssertionError("unreachable")  # tenacity reraises the last error


async def _start_producer(settings: PlatformSettings) -> AIOKafkaProducer:
    async for attempt in _retrying(settings, "Kafka"):
        with attempt:
            # A producer whose start failed is not restartable: make a new one per attempt.
            producer = make_producer(settings.kafka_bootstrap, client_id=settings.service_name)
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            return producer
    raise AssertionError("unreachable")


def _retrying(settings: PlatformSettings, what: str) -> AsyncRetrying:
    def before_sleep(state: Any) -> None:
        log.warning(f"{what} not reachable yet; retrying", error=repr(state.outcome.exception()))

    return AsyncRetrying(
        stop=stop_after_delay(settings.startup_timeout.total_seconds()),
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception_type(_UNREACHABLE),
        before_sleep=before_sleep,
        reraise=True,
    )
