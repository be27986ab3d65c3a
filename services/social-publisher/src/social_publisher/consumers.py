"""Kafka intake: the two delivery topics (flash and routine) and the contacts topic.

A delivery source fetches a batch, records its intents (one transaction), commits the offsets
and hands the jobs to the dispatcher. When the channel is down or the dispatcher already holds
`queue_max` jobs of this priority, the source pauses its partitions but keeps polling (so the
group keeps it): the backlog stays in Kafka, never in memory, and drains when sending resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import asyncpg
import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.registry import InvalidEventError, parse_json
from nazar_platform.kafka.clients import make_consumer, make_producer
from nazar_platform.kafka.cloudevents import DecodeError, decode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.dlq import RawRecord, send_to_dlq
from nazar_platform.runtime.retry import TRANSIENT

from social_publisher import handlers, metrics
from social_publisher.dispatcher import Dispatcher
from social_publisher.handlers import Context
from social_publisher.schemas import DISPATCH_REQUESTED
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)


class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def on_partitions_revoked(self, revoked: object) -> None:
        async with self._lock:  # let the batch in hand commit first
            pass

    async def on_partitions_assigned(self, assigned: object) -> None:
        return None


class DeliverySource:
    def __init__(
        self,
        ctx: Context,
        dispatcher: Dispatcher,
        *,
        topic: str,
        priority: str,
        may_fetch: Callable[[], bool],
    ) -> None:
        self._ctx = ctx
        self._dispatcher = dispatcher
        self.topic = topic
        self.priority = priority
        self._may_fetch = may_fetch
        self._lock = asyncio.Lock()
        self.lag = 0
        self.admitting = False
        self.admitted = 0

    @property
    def waiting(self) -> bool:
        return self.admitting or self.lag > 0

    async def run(self, stop: asyncio.Event) -> None:
        s = self._ctx.settings
        consumer = make_consumer(
            s.kafka_bootstrap,
            f"{s.consumer_group}-{self.priority}",
            max_poll_records=s.batch_max,
            session_timeout_ms=s.consumer_session_timeout_ms,
            heartbeat_interval_ms=max(500, s.consumer_session_timeout_ms // 5),
        )
        consumer.subscribe([self.topic], listener=_Revocations(self._lock))
        producer = make_producer(s.kafka_bootstrap, client_id=f"{s.consumer_group}-dlq")
        await consumer.start()
        await producer.start()
        last_lag = 0.0
        try:
            while not stop.is_set():
                assigned = list(consumer.assignment())
                room = s.queue_max - self._dispatcher.queued(self.priority)
                if not self._may_fetch() or room < min(s.batch_max, s.queue_max // 2):
                    consumer.pause(*assigned)
                else:
                    consumer.resume(*assigned)
                batches = await consumer.getmany(timeout_ms=100, max_records=max(1, room))
                if time.monotonic() - last_lag > 1.0:
                    await self._measure_lag(consumer, assigned)
                    last_lag = time.monotonic()
                if not batches:
                    continue
                async with self._lock:
                    self.admitting = True
                    try:
                        await self._admit(batches, producer, stop)
                    finally:
                        self.admitting = False
                    offsets = {tp: recs[-1].offset + 1 for tp, recs in batches.items()}
                    try:
                        await consumer.commit(offsets)
                    except KafkaError as exc:
                        # The partition moved; its new owner replays and finds the intents.
                        log.warning("offset commit failed", error=repr(exc))
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _measure_lag(self, consumer: object, assigned: list[TopicPartition]) -> None:
        """Records not yet taken, per the broker's end offsets: `highwater` is not enough, it is
        refreshed by fetches only, and a paused partition (channel down) is not fetched."""
        if not assigned:
            self.lag = 0
            metrics.QUEUE_DEPTH.labels(self.priority).set(0)
            return
        try:
            ends = await consumer.end_offsets(assigned)  # type: ignore[attr-defined]
            lag = 0
            for tp in assigned:
                lag += max(0, ends[tp] - await consumer.position(tp))  # type: ignore[attr-defined]
        except (KafkaError, KeyError, AssertionError, OSError) as exc:
            log.debug("lag not measured", error=repr(exc))
            return
        self.lag = lag
        metrics.QUEUE_DEPTH.labels(self.priority).set(lag)

    async def _admit(self, batches: dict, producer: object, stop: asyncio.Event) -> None:  # type: ignore[type-arg]
        requests: list[DispatchRequested] = []
        raw_json: dict[str, str] = {}
        for records in batches.values():
            for r in records:
                raw = RawRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                try:
                    event = decode(raw.value, raw.headers)
                    if event.type != DISPATCH_REQUESTED:
                        continue  # another event type on the topic is not ours to act on
                    request = parse_json(DISPATCH_REQUESTED, raw.value or b"")
                    assert isinstance(request, DispatchRequested)
                    requests.append(request)
                    raw_json[request.delivery_id] = (raw.value or b"").decode()
                except (DecodeError, InvalidEventError, UnicodeDecodeError) as exc:
                    log.error(
                        "delivery record dead-lettered",
                        topic=raw.topic,
                        offset=raw.offset,
                        error=repr(exc)[:300],
                    )
                    await send_to_dlq(producer, raw, self._ctx.settings.consumer_group, exc)
        delay = 0.2
        while requests:
            try:
                jobs = await handlers.admit(self._ctx, requests, raw_json)
                break
            except TRANSIENT as exc:
                if stop.is_set():
                    raise
                log.warning("recording intents failed; retrying", error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        else:
            return
        self.admitted += len(requests)
        self._dispatcher.enqueue(jobs)


def contacts_consumer(s: PublisherSettings, pool: asyncpg.Pool) -> IdempotentConsumer:
    return IdempotentConsumer(
        name=f"{s.consumer_group}-contacts",
        topics=[s.contacts_topic],
        pool=pool,
        handler=handlers.apply_contacts,
        bootstrap=s.kafka_bootstrap,
        batch_max=s.consumer_batch_max,
        session_timeout_ms=s.consumer_session_timeout_ms,
        retention=s.processed_event_retention,
    )
