"""The consumer's throughput options: `merge_partitions` applies one poll's records of every
partition in one transaction; `dedupe=False` skips the processed-event table, so a replay applies
events again (only for handlers whose effect is naturally idempotent)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nazar_platform import db
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, encode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record

from tests.conftest import TopicFactory
from tests.integration.platform.support import prepare_database, wait_for


async def _produce(bootstrap: str, topic: str, events: list[CloudEvent]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for i, event in enumerate(events):
            value, headers = encode(event)
            await producer.send(topic, value=value, key=f"k{i % 12}".encode(), headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def test_merged_partitions_without_dedupe(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("consumer-options", partitions=6)
    await prepare_database(fresh_database)
    await db_setup(fresh_database)
    events = [
        CloudEvent(type="nazar.test.happened.v1", source="/t", data={"i": i}) for i in range(600)
    ]
    await _produce(kafka_bootstrap, topic, events)
    pool = await db.create_pool(fresh_database, min_size=1, max_size=2)
    batches: list[set[int]] = []

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        await conn.execute(
            "INSERT INTO seen (event_id, n) SELECT unnest($1::text[]), 1 "
            "ON CONFLICT (event_id) DO UPDATE SET n = seen.n + 1",
            [r.event_id for r in records],
        )
        batches.append({r.raw.partition for r in records})

    async def run_once(group: str) -> None:
        stop = asyncio.Event()
        consumer = IdempotentConsumer(
            name=group,
            topics=[topic],
            pool=pool,
            handler=handler,
            bootstrap=kafka_bootstrap,
            batch_max=2000,
            dedupe=False,
            merge_partitions=True,
        )
        task = asyncio.create_task(consumer.run(stop))

        async def all_seen() -> bool:
            return bool(await pool.fetchval("SELECT count(*) FROM seen") == 600)

        try:
            await wait_for(all_seen, within=60)
            await wait_for(lambda: _total(pool, 600 * runs[group]), within=60)
        finally:
            stop.set()
            await task

    runs = {"g1": 1, "g2": 2}
    try:
        await run_once("g1")
        # One poll brought several partitions and they were applied together.
        assert any(len(p) > 1 for p in batches)
        assert await pool.fetchval("SELECT max(n) FROM seen") == 1
        assert await pool.fetchval("SELECT count(*) FROM processed_events") == 0
        # A second group replays everything: without the table, every event applies again.
        await run_once("g2")
        assert await pool.fetchval("SELECT min(n) FROM seen") == 2
        assert await pool.fetchval("SELECT max(n) FROM seen") == 2
    finally:
        await pool.close()


async def _total(pool, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await pool.fetchval("SELECT sum(n) FROM seen") == expected)


async def db_setup(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await conn.execute("CREATE TABLE seen (event_id text PRIMARY KEY, n integer NOT NULL)")
    finally:
        await conn.close()
