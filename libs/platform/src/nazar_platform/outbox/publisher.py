"""Transactional outbox: write events in the caller's transaction, publish them to Kafka in order.

`enqueue` inserts rows with the connection the caller's use case already holds, so the event
commits or rolls back with the state change it announces. `OutboxPublisher` runs in every replica
on the leader loop (`nazar_platform.runtime.leader`): only the one holding the advisory lock
publishes; it sends rows in id order through an idempotent `acks=all` producer and marks them
published only after Kafka acknowledged them. A crash between the two republishes a batch
(consumers are idempotent); nothing committed is ever skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from nazar_platform import db
from nazar_platform.kafka.cloudevents import dumps, format_time, headers_for
from nazar_platform.observability import metrics
from nazar_platform.runtime import faults
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import sleep_or_stop, wait_for_either

log = structlog.get_logger(__name__)

CHANNEL = "nazar_outbox"
_LOCK_KEY = 0x4F5554424F58  # "OUTBOX": one active publisher per database
_COPY_THRESHOLD = 64
_COLUMNS = ("topic", "key", "value", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject")


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """An event to publish. `data=None` publishes a tombstone (a deletion on a compacted topic)."""

    topic: str
    key: str | None
    type: str
    source: str
    data: BaseModel | dict[str, Any] | list[Any] | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None


def _value(data: BaseModel | dict[str, Any] | list[Any] | None) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, BaseModel):
        return data.model_dump_json(by_alias=True).encode()
    return dumps(data)


def _row(e: OutboxEvent) -> tuple[Any, ...]:
    return (
        e.topic,
        None if e.key is None else e.key.encode(),
        _value(e.data),
        e.id,
        e.type,
        e.source,
        format_time(e.time),
        e.subject,
    )


async def enqueue(conn: db.Connection, events: Iterable[OutboxEvent]) -> int:
    """Add events to the outbox inside the caller's transaction. Returns how many."""
    rows = [_row(e) for e in events]
    if not rows:
        return 0
    if len(rows) >= _COPY_THRESHOLD:
        await conn.copy_records_to_table("outbox", records=rows, columns=_COLUMNS)
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    else:
        # One round trip for the rows and the wake-up: nearly every use case of every service
        # ends here, and at hundreds of requests a second each round trip is felt.
        await conn.execute(_INSERT_AND_NOTIFY, *zip(*rows, strict=True), CHANNEL)
    return len(rows)


# The rows keep their order (ids are given in it: the relay publishes in id order). The wake-up
# is delivered at commit, so the publisher wakes only for committed work.
_INSERT_AND_NOTIFY = (
    "WITH added AS ("
    f" INSERT INTO outbox ({', '.join(_COLUMNS)})"
    " SELECT t, k, v, i, ty, s, tm, sub FROM unnest($1::text[], $2::bytea[], $3::bytea[],"
    " $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])"
    " WITH ORDINALITY AS u(t, k, v, i, ty, s, tm, sub, n) ORDER BY n RETURNING 1)"
    " SELECT pg_notify($9, '') FROM (SELECT count(*) FROM added) AS c"
)


# For set-based producers: `WITH ... INSERT_INTO_OUTBOX SELECT topic, key, value, ce_id, ce_type,
# ce_source, ce_time, ce_subject FROM ...` builds the events inside PostgreSQL, so a bulk change
# never ships its rows to Python and back. CE_TIME_NOW is the matching `ce_time` expression.
INSERT_INTO_OUTBOX = f"INSERT INTO outbox ({', '.join(_COLUMNS)})"
CE_TIME_NOW = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


async def enqueue_statement(conn: db.Connection, statement: str, *args: Any) -> int:
    """Run one statement that inserts outbox rows (see INSERT_INTO_OUTBOX) in the caller's
    transaction and wake the outbox publisher at commit. Returns how many rows it inserted."""
    status = await conn.execute(statement, *args)
    inserted = int(status.split()[-1]) if status.startswith("INSERT") else 0
    if inserted:
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return inserted


async def enqueue_select(
    conn: db.Connection,
    select: str,
    *args: Any,
    topic: str,
    type: str,
    source: str,
    ctes: str = "",
) -> int:
    """The set-based twin of `enqueue`: one outbox row per row of `select`, built inside
    PostgreSQL so that a bulk change never ships its rows to Python and back.

    `select` yields `key` (text; also the subject) and `value` (the event's JSON as text, NULL for
    a tombstone), in the order they are to be published; `args` are its `$1..$n`. The envelope
    (id, type, source, time) is added here. `ctes` are WITH items the select reads, without the
    WITH keyword: PostgreSQL allows a data-modifying one only at the statement's top level."""
    n = len(args)
    statement = f"""{f"WITH {ctes}" if ctes else ""}
{INSERT_INTO_OUTBOX}
SELECT ${n + 1}, convert_to(e.key, 'UTF8'), convert_to(e.value, 'UTF8'), gen_random_uuid()::text,
       ${n + 2}, ${n + 3}, {CE_TIME_NOW}, e.key
FROM ({select}) AS e"""
    return await enqueue_statement(conn, statement, *args, topic, type, source)


_FETCH = """
SELECT id, topic, key, value, ce_id, ce_type, ce_source, ce_time, ce_subject
FROM outbox WHERE published_at IS NULL AND id > $1 ORDER BY id LIMIT $2
"""


@dataclass
class _InFlight:
    ids: list[int]
    topics: list[str]
    futures: list[asyncio.Future[Any]]


class OutboxPublisher:
    """Publishes outbox rows; run one per process, only the leader works."""

    def __init__(
        self,
        dsn: str,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        batch_size: int = 5000,
        poll_interval: timedelta = timedelta(milliseconds=500),
        retention: timedelta = timedelta(days=7),
        prune_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self._dsn = dsn
        self._producer_factory = producer_factory
        self._batch_size = batch_size
        self._poll = poll_interval.total_seconds()
        self._retention = retention
        self._prune_every = prune_every.total_seconds()
        self._wake = asyncio.Event()
        self.published = 0

    async def run(self, stop: asyncio.Event) -> None:
        await lead(
            self._dsn,
            _LOCK_KEY,
            self._publish_while_leading,
            stop,
            name="outbox publisher",
            on_change=lambda active: metrics.OUTBOX_IS_LEADER.set(int(active)),
        )

    async def _publish_while_leading(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        await conn.add_listener(CHANNEL, self._on_notify)
        try:
            await self._publish_loop(conn, stop)
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            metrics.OUTBOX_FAILURES.labels(reason="database").inc()
            raise

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def _publish_loop(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        producer = self._producer_factory()
        await producer.start()
        try:
            last_prune = 0.0
            last_gauge = 0.0
            while not stop.is_set():
                try:
                    await self._drain(conn, producer, stop)
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    raise
                except Exception as exc:  # Kafka trouble: keep rows, rebuild the producer
                    metrics.OUTBOX_FAILURES.labels(reason="kafka").inc()
                    log.warning("outbox publish failed; will retry", error=repr(exc))
                    with contextlib.suppress(Exception):
                        await producer.stop()
                    await sleep_or_stop(stop, 1.0)
                    producer = self._producer_factory()
                    await producer.start()
                    continue
                now = time.monotonic()
                if now - last_gauge > 5:
                    await self._update_gauges(conn)
                    last_gauge = now
                if now - last_prune > self._prune_every:
                    await self.prune(conn)
                    last_prune = now
                self._wake.clear()
                await wait_for_either(self._wake, stop, self._poll)
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _drain(
        self, conn: asyncpg.Connection, producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> None:
        """Publish until caught up: fetch the next batch while the previous one is being acked."""
        cursor = 0
        inflight: _InFlight | None = None
        while not stop.is_set():
            rows = await conn.fetch(_FETCH, cursor, self._batch_size)
            sending = await self._send(producer, rows) if rows else None
            if rows:
                cursor = rows[-1]["id"]
            if inflight is not None:
                await self._settle(conn, inflight)
            inflight = sending
            if inflight is None:
                return

    async def _send(self, producer: AIOKafkaProducer, rows: Sequence[asyncpg.Record]) -> _InFlight:
        futures: list[asyncio.Future[Any]] = []
        for r in rows:
            headers = headers_for(
                r["ce_id"],
                r["ce_type"],
                r["ce_source"],
                r["ce_time"],
                r["ce_subject"],
                tombstone=r["value"] is None,
            )
            futures.append(
                await producer.send(r["topic"], value=r["value"], key=r["key"], headers=headers)
            )
        return _InFlight([r["id"] for r in rows], [r["topic"] for r in rows], futures)

    async def _settle(self, conn: asyncpg.Connection, batch: _InFlight) -> None:
        results = await asyncio.gather(*batch.futures, return_exceptions=True)
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        faults.point("outbox.after_publish")
        await conn.execute(
            "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", batch.ids
        )
        self.published += len(batch.ids)
        counts: dict[str, int] = {}
        for topic in batch.topics:
            counts[topic] = counts.get(topic, 0) + 1
        for topic, n in counts.items():
            metrics.OUTBOX_PUBLISHED.labels(topic=topic).inc(n)

    async def _update_gauges(self, conn: asyncpg.Connection) -> None:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age "
            "FROM outbox WHERE published_at IS NULL"
        )
        assert row is not None
        metrics.OUTBOX_BACKLOG.set(row["n"])
        metrics.OUTBOX_OLDEST_AGE.set(float(row["age"] or 0))

    async def prune(self, conn: asyncpg.Connection) -> int:
        """Delete published rows older than the retention, in chunks to keep locks short."""
        total = 0
        while True:
            status = await conn.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at < "
                "now() - $1::interval LIMIT 10000)",
                self._retention,
            )
            deleted = int(status.split()[-1])
            total += deleted
            if deleted < 10000:
                break
        if total:
            metrics.OUTBOX_PRUNED.inc(total)
        return total
