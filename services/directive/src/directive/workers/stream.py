"""The Faust app: the fan-out agent on the directive event stream.

Where Faust is used and why (see the README): the fan-out is a stateful stream processor over
`directive.events.v1` — each relay, issue, note, update, cancellation or escalation event starts a
job whose progress (a cursor) lives in PostgreSQL, and whose input offset may only be committed
once every record it produced is acknowledged by Kafka. Faust gives us the consumer group, the
partition assignment, ordered per-directive processing and offset commits of processed events
only (at least once). We do not use its `exactly_once` mode (faust-streaming issues 323 and 517)
nor its tables: exact counts live in PostgreSQL. Faust may not create topics: there are none of
its own (no tables, no repartitioning, leader topic disabled), and the source topic is in
deploy/topics.yaml. The records themselves go through a raw aiokafka producer with batches per
partition (`directive.workers.sink`): bench/fanout measured Faust's own `topic.send` at about a
sixth of that rate, too slow for a state-wide fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import faust
import structlog
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types as types
from nazar_contracts.registry import check_type, parse_json
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import DecodeError, decode
from nazar_platform.kafka.dlq import RawRecord, send_to_dlq
from nazar_platform.runtime.retry import TRANSIENT

from directive.handlers.common import utc_now
from directive.handlers.events import FANOUT_JOB_FIELD
from directive.settings import DirectiveSettings
from directive.workers.fanout import FanOut, FanOutConfig
from directive.workers.sink import KafkaSink

log = structlog.get_logger(__name__)

JobRunner = Callable[[UUID], Awaitable[int | None]]
DeadLetter = Callable[[RawRecord, BaseException], Awaitable[None]]


# Jobs that must start only after every job before them is done: an update or a cancellation
# reaches everyone who got the original, so the relays before it must have finished.
BARRIERS = frozenset({types.DIRECTIVE_UPDATED, types.DIRECTIVE_CANCELLED})


class FanOutStream:
    """Holds what the agent needs; the app's lifespan fills it in before starting Faust."""

    def __init__(self, concurrency: int = 4) -> None:
        self.run_job: JobRunner | None = None
        self.dead_letter: DeadLetter | None = None
        self.processed = 0
        self.stopping = False  # set on shutdown: transient failures then end the agent
        self._limit = asyncio.Semaphore(concurrency)

    async def handle_batch(self, raws: list[RawRecord], stopping: Callable[[], bool]) -> None:
        """Run the batch's jobs: independent ones side by side, a barrier after all before it.
        Returns once every job is done, so the batch's offsets are committed only then."""
        wave: list[Awaitable[None]] = []
        for raw in raws:
            job = await self._job_of(raw)
            if job is None:
                continue
            job_id, barrier = job
            if barrier:
                await asyncio.gather(*wave)
                wave = []
                await self._run(job_id, raw, stopping)
            else:
                wave.append(self._run(job_id, raw, stopping))
        await asyncio.gather(*wave)

    async def _job_of(self, raw: RawRecord) -> tuple[UUID, bool] | None:
        assert self.dead_letter is not None
        try:
            event = decode(raw.value, raw.headers)
            check_type(event.type, raw.topic)  # a newer version waits in the DLQ, never skipped
            field = FANOUT_JOB_FIELD.get(event.type)
            if field is None:
                return None  # acknowledged, closed, ...: nothing to send
            parse_json(event.type, raw.value or b"")  # data that does not fit is poison, named
            return UUID(str(event.data[field])), event.type in BARRIERS
        except (DecodeError, KeyError, ValueError) as exc:
            await self.dead_letter(raw, exc)
            return None

    async def _run(self, job_id: UUID, raw: RawRecord, stopping: Callable[[], bool]) -> None:
        assert self.run_job is not None and self.dead_letter is not None
        delay = 0.2
        async with self._limit:
            while True:
                try:
                    await self.run_job(job_id)
                    self.processed += 1
                    return
                except TRANSIENT as exc:
                    if stopping():
                        raise
                    log.warning("fan-out job failed; retrying", job=str(job_id), error=repr(exc))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
                except Exception as exc:
                    log.exception("fan-out job failed for good", job=str(job_id))
                    await self.dead_letter(raw, exc)
                    return


def create_app(
    *,
    app_id: str,
    bootstrap: str,
    topic: str,
    datadir: Path,
    handler: FanOutStream,
    session_timeout: float = 10.0,
) -> faust.App:
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        topic_allow_declare=False,
        topic_disable_leader=True,
        store="memory://",
        web_enabled=False,
        datadir=str(datadir),
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # A restarted replica takes over a dead one's partitions after this long.
        broker_session_timeout=session_timeout,
        broker_heartbeat_interval=max(1.0, session_timeout / 5),
    )
    source = app.topic(topic, value_serializer="raw", key_serializer="raw")

    @app.agent(source, name="fanout")
    async def fan_out(stream: Any) -> None:
        # take_events acknowledges a batch's events only after this loop's body is done with it.
        async for batch in stream.take_events(100, within=0.05):
            raws = [
                RawRecord(
                    e.message.topic,
                    e.message.partition,
                    e.message.offset,
                    e.message.key,
                    e.message.value,
                    tuple(e.message.headers or ()),
                )
                for e in batch
            ]
            await handler.handle_batch(raws, lambda: handler.stopping)

    return app


def dead_letter_to(producer: Any, consumer: str) -> DeadLetter:
    async def _send(raw: RawRecord, error: BaseException) -> None:
        log.error("directive event dead-lettered", offset=raw.offset, error=repr(error))
        await send_to_dlq(producer, raw, consumer, error)

    return _send


def fanout_producer(
    settings: DirectiveSettings, client_id: str = "directive-fanout"
) -> AIOKafkaProducer:
    """The fan-out's own producer: large batches, compressed (bench/fanout measures it)."""
    return make_producer(
        settings.kafka_bootstrap,
        client_id=client_id,
        compression_type=settings.fanout_compression,
        max_batch_size=512 * 1024,
        linger_ms=10,
    )


def fanout_config(settings: DirectiveSettings) -> FanOutConfig:
    return FanOutConfig(
        topic=settings.topic_deliveries,
        flash_topic=settings.topic_deliveries_flash,
        link_key=settings.inbox_link_key.get_secret_value().encode(),
        base_url=settings.public_base_url,
        link_ttl=settings.inbox_link_ttl,
        batch_size=settings.fanout_batch_size,
    )


async def run_fanout(
    settings: DirectiveSettings,
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = utc_now,
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
        fanout_config(settings),
        clock,
    )
    handler = FanOutStream(settings.fanout_concurrency)
    handler.run_job = engine.run_job
    group = f"{settings.consumer_group_prefix}-fanout"
    handler.dead_letter = dead_letter_to(producer, group)
    app = create_app(
        app_id=group,
        bootstrap=settings.kafka_bootstrap,
        topic=settings.topic_events,
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
