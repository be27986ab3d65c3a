"""The idempotent consumer: each event's effect is applied exactly once, whatever is replayed.

For every batch the handler's effect and the ids of the events it applied commit in one
PostgreSQL transaction; offsets are committed to Kafka only afterwards. A crash anywhere replays
from the last committed offset, and the `processed_events` table turns the replay into no-ops.
A batch whose handler fails is retried record by record: a transient failure (database or broker
unreachable) is retried until it passes; any other failure sends that one record to
`<topic>.dlq` with the error, and the partition keeps flowing.

Two options trade the general guarantee for throughput where a handler can carry it itself:
* `dedupe=False` skips the `processed_events` table. Only for a handler whose effect is naturally
  idempotent (applying an event again changes nothing, e.g. a status that only moves forward):
  a replay then re-applies events, which must be harmless. Duplicate event ids within one batch
  are still dropped.
* `merge_partitions=True` applies everything one poll returned, from all partitions, in one
  transaction instead of one per partition: fewer commits when many partitions each bring a few
  records. Offsets are still committed per partition, after the transaction.

A record whose type the contracts do not place on its topic (a newer version, a typo) is
dead-lettered before the handler sees it. `contracts` maps a topic that is named otherwise than its
contract (a test's own topic) to the contract topic whose types it carries.

`feed=Feed(...)` is the batch mode (`nazar_platform.kafka.feed`): the handler's result for each
batch goes to a bounded queue in the process after its transaction committed (offsets after
that), and fetching pauses while the queue has no room.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import KafkaError

from nazar_platform.db import Connection
from nazar_platform.kafka.clients import make_consumer, make_producer
from nazar_platform.kafka.cloudevents import DecodeError
from nazar_platform.kafka.dlq import RawRecord, send_to_dlq
from nazar_platform.kafka.feed import Feed, flow, measure_lag
from nazar_platform.kafka.records import PoisonRecordError, Record, checked, to_record
from nazar_platform.observability import metrics
from nazar_platform.runtime import faults
from nazar_platform.runtime.retry import TRANSIENT

log = structlog.get_logger(__name__)


# Returns nothing, or (batch mode) what goes to the feed's queue.
Handler = Callable[[Connection, Sequence[Record]], Awaitable[Any]]


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, name: str, lock: asyncio.Lock) -> None:
        self._name = name
        self._lock = lock

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        # Wait for the batch in hand to commit, so the next owner starts after it.
        async with self._lock:
            # The lag of a partition we no longer read is the new owner's to report; a value
            # left here would stay frozen (perhaps high, tripping the lag alert) for good.
            forget_lag(self._name, revoked)

    async def on_partitions_assigned(self, assigned: object) -> None:
        return None


def forget_lag(consumer: str, partitions: Iterable[TopicPartition]) -> None:
    """Remove the `nazar_consumer_lag` series of `partitions` reported by `consumer`."""
    for tp in partitions:
        with contextlib.suppress(KeyError):  # never reported: nothing to remove
            metrics.CONSUMER_LAG.remove(consumer, tp.topic, str(tp.partition))


class IdempotentConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        pool: asyncpg.Pool,
        handler: Handler,
        bootstrap: str,
        batch_max: int = 1000,
        session_timeout_ms: int = 10_000,
        retention: timedelta = timedelta(days=14),
        consumer_options: dict[str, object] | None = None,
        dedupe: bool = True,
        merge_partitions: bool = False,
        contracts: Mapping[str, str] | None = None,
        feed: Feed | None = None,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self._pool = pool
        self._handler = handler
        self._bootstrap = bootstrap
        self._batch_max = batch_max
        self._session_timeout_ms = session_timeout_ms
        self._retention = retention
        self._options = consumer_options or {}
        self._contracts = contracts or {}
        self._dedupe = dedupe
        self._merge = merge_partitions
        self._feed = feed
        self._lock = asyncio.Lock()
        self.applied = 0
        self.dead_lettered = 0
        # Batch mode: records fetched and not yet handed over, and records not yet fetched.
        self.in_hand = 0
        self.lag = 0

    @property
    def waiting(self) -> bool:
        """Records of our partitions are in hand or still unread in Kafka (batch mode)."""
        return self.in_hand > 0 or self.lag > 0

    async def run(self, stop: asyncio.Event) -> None:
        consumer = make_consumer(
            self._bootstrap,
            self.name,
            max_poll_records=self._batch_max,
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(500, self._session_timeout_ms // 5),
            **self._options,
        )
        consumer.subscribe(self.topics, listener=_Rebalance(self.name, self._lock))
        for topic in self.topics:  # 0 dead-lettered until one is: a series from the start
            metrics.DEAD_LETTERED.labels(self.name, topic)
        metrics.CONSUMER_RETRIES.labels(self.name)  # and 0 retried
        producer = make_producer(self._bootstrap, client_id=f"{self.name}-dlq")
        await consumer.start()
        await producer.start()
        last_prune = last_lag = 0.0
        feed = self._feed
        # Two batches overlap: the next one is fetched and decoded (Python) while the previous
        # one is applied (PostgreSQL). Effects and offset commits still happen strictly in order.
        previous: asyncio.Task[bool] | None = None
        try:
            while not stop.is_set():
                if feed is None:
                    batches = await consumer.getmany(timeout_ms=500, max_records=self._batch_max)
                else:
                    most = flow(consumer, feed, self.in_hand, self._batch_max)
                    batches = await consumer.getmany(
                        timeout_ms=feed.poll_timeout_ms, max_records=most
                    )
                    if time.monotonic() - last_lag > feed.lag_interval:
                        await self._measure_lag(consumer, feed)
                        last_lag = time.monotonic()
                if not batches:
                    if previous is not None:
                        await previous
                        previous = None
                    if time.monotonic() - last_prune > 300:
                        await self._prune()
                        last_prune = time.monotonic()
                    continue
                self.in_hand += sum(len(records) for records in batches.values())
                waiting, previous = (
                    previous,
                    asyncio.create_task(self._handle(consumer, producer, batches, previous, stop)),
                )
                if waiting is not None and not await waiting:
                    break
            if previous is not None:
                await previous
                previous = None
        finally:
            if previous is not None and not previous.done():
                previous.cancel()
                with contextlib.suppress(BaseException):
                    await previous
            # Leaving the group revokes nothing through the listener: forget our lag here.
            forget_lag(self.name, consumer.assignment())
            with contextlib.suppress(Exception):
                await consumer.stop()
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _handle(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]],
        previous: asyncio.Task[bool] | None,
        stop: asyncio.Event,
    ) -> bool:
        """Decode, wait for the previous batch, then apply and commit this one. False when the
        loop should end (stopping with nothing applied)."""
        try:
            return await self._handle_batch(consumer, producer, batches, previous, stop)
        finally:
            self.in_hand -= sum(len(records) for records in batches.values())

    async def _handle_batch(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        batches: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]],
        previous: asyncio.Task[bool] | None,
        stop: asyncio.Event,
    ) -> bool:
        groups = [list(batches.items())] if self._merge else [[item] for item in batches.items()]
        decoded = [(group, await self._decode(group, producer, stop)) for group in groups]
        if previous is not None and not await previous:
            return False
        async with self._lock:
            offsets: dict[TopicPartition, int] = {}
            for group, records in decoded:
                if records:
                    await self._process(records, producer, stop)
                for tp, raw in group:
                    offsets[tp] = raw[-1].offset + 1
            if stop.is_set() and not offsets:
                return False
            await self._commit(consumer, offsets)
            self._report_lag(consumer, offsets)
        return True

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:
            # A rebalance took the partition; its new owner replays, and dedup makes that a no-op.
            log.warning("offset commit failed", consumer=self.name, error=repr(exc))

    async def _measure_lag(self, consumer: AIOKafkaConsumer, feed: Feed) -> None:
        lag = await measure_lag(consumer, list(consumer.assignment()))
        if lag is not None:
            self.lag = lag
            if feed.on_lag is not None:
                feed.on_lag(lag)

    def _report_lag(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        for tp, next_offset in offsets.items():
            high = consumer.highwater(tp)
            if high is not None:
                metrics.CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(
                    max(0, high - next_offset)
                )

    async def _decode(
        self,
        group: list[tuple[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]],
        producer: AIOKafkaProducer,
        stop: asyncio.Event,
    ) -> list[Record]:
        """The group's records as events; one that cannot be decoded goes to the DLQ."""
        records: list[Record] = []
        for _, consumed in group:
            for r in consumed:
                raw = RawRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                try:
                    contract = self._contracts.get(r.topic, r.topic)
                    records.append(checked(to_record(raw), contract))
                except (DecodeError, UnicodeDecodeError, PoisonRecordError) as exc:
                    await self._dead_letter(producer, raw, exc, stop)
        return records

    async def _process(
        self, records: list[Record], producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> None:
        started = time.perf_counter()
        try:
            await self._retrying(lambda: self._apply(records), stop)
        except Exception as exc:
            if isinstance(exc, TRANSIENT):
                raise
            log.warning("batch failed; applying one by one", consumer=self.name, error=repr(exc))
            for record in records:
                try:
                    await self._retrying(lambda r=record: self._apply([r]), stop)  # type: ignore[misc]
                except Exception as one:
                    if isinstance(one, TRANSIENT):
                        raise
                    await self._dead_letter(producer, record.raw, one, stop)
        metrics.CONSUMER_BATCH_SECONDS.labels(self.name).observe(time.perf_counter() - started)

    async def _retrying(self, attempt: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
        delay = 0.2
        while True:
            try:
                await attempt()
                return
            except TRANSIENT as exc:
                if stop.is_set():
                    raise
                metrics.CONSUMER_RETRIES.labels(self.name).inc()
                log.warning("transient failure; retrying", consumer=self.name, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _apply(self, records: Sequence[Record]) -> None:
        first: dict[str, Record] = {}
        for r in records:
            first.setdefault(r.event_id, r)
        async with self._pool.acquire() as conn, conn.transaction():
            if self._dedupe:
                rows = await conn.fetch(
                    "INSERT INTO processed_events (consumer, event_id) "
                    "SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id",
                    self.name,
                    list(first),
                )
                fresh_ids = {r["event_id"] for r in rows}
                fresh = [r for eid, r in first.items() if eid in fresh_ids]
            else:
                fresh = list(first.values())
            result = await self._handler(conn, fresh) if fresh else None
        # Dying here leaves the effect committed and the offset not: the replay must be a no-op.
        faults.point("consumer.after_effect")
        if self._feed is not None and fresh:
            self._feed.put(result)
        self.applied += len(fresh)
        per_topic: dict[str, int] = {}
        for r in fresh:
            per_topic[r.topic] = per_topic.get(r.topic, 0) + 1
        for topic, n in per_topic.items():
            metrics.CONSUMED.labels(self.name, topic, "applied").inc(n)
        duplicates = len(records) - len(fresh)
        if duplicates:
            metrics.CONSUMED.labels(self.name, records[0].topic, "duplicate").inc(duplicates)

    async def _dead_letter(
        self, producer: AIOKafkaProducer, raw: RawRecord, error: BaseException, stop: asyncio.Event
    ) -> None:
        log.error(
            "record dead-lettered",
            consumer=self.name,
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            error=repr(error),
        )

        async def attempt() -> None:
            await send_to_dlq(producer, raw, self.name, error)

        await self._retrying(attempt, stop)
        self.dead_lettered += 1
        metrics.DEAD_LETTERED.labels(self.name, raw.topic).inc()
        metrics.CONSUMED.labels(self.name, raw.topic, "dead_lettered").inc()

    async def _prune(self) -> None:
        with contextlib.suppress(*TRANSIENT):
            await self._pool.execute(
                "DELETE FROM processed_events WHERE consumer = $1 AND processed_at < "
                "now() - $2::interval",
                self.name,
                self._retention,
            )
