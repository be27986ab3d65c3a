"""The transactional outbox against the real broker and database."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

import pytest
from nazar_platform import db
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import decode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record
from nazar_platform.outbox.publisher import OutboxEvent, OutboxPublisher, enqueue

from tests.conftest import TopicFactory
from tests.integration.platform import procs
from tests.integration.platform.support import (
    kill,
    prepare_database,
    read_topic,
    spawn,
    wait_for,
)

SOURCE = "/nazar/test"


def _event(topic: str, key: str, seq: int) -> OutboxEvent:
    return OutboxEvent(
        topic=topic, key=key, type="nazar.test.happened.v1", source=SOURCE, data={"seq": seq}
    )


async def test_rolled_back_event_is_never_published(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("outbox-rollback")
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    kept_before, lost, kept_after = (_event(topic, "k", i) for i in range(3))
    async with db.transaction(pool) as conn:
        await enqueue(conn, [kept_before])
    with pytest.raises(RuntimeError):
        async with db.transaction(pool) as conn:
            await enqueue(conn, [lost])
            raise RuntimeError("use case failed after writing its event")
    async with db.transaction(pool) as conn:
        await enqueue(conn, [kept_after])

    stop = asyncio.Event()
    relay = OutboxPublisher(fresh_database, lambda: make_producer(kafka_bootstrap))
    task = asyncio.create_task(relay.run(stop))
    await wait_for(lambda: _published(pool, 2), within=30)
    await asyncio.sleep(1)  # a rolled-back row would have had time to go out too
    stop.set()
    await task
    ids = [dict(r.headers)["ce_id"].decode() for r in await read_topic(kafka_bootstrap, topic)]
    assert ids == [kept_before.id, kept_after.id]
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 2
    await pool.close()


async def _published(pool, n: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") >= n
    )


@pytest.mark.slow
async def test_relay_killed_20_times_loses_nothing_and_counts_once(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    total, kills_wanted = 10_000, 20
    topic = await new_topic("outbox-crash", partitions=3)
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)

    async def write() -> list[str]:
        ids: list[str] = []
        for start in range(0, total, 100):
            batch = [_event(topic, f"agg-{i % 50}", i) for i in range(start, start + 100)]
            async with db.transaction(pool) as conn:
                await enqueue(conn, batch)
            ids.extend(e.id for e in batch)
            await asyncio.sleep(0.1)  # spread writes over the kills
        return ids

    writer = asyncio.create_task(write())
    kills = crashes = 0
    while kills < kills_wanted or not writer.done():
        relay = spawn("relay", fresh_database, kafka_bootstrap, faults="outbox.after_publish=0.15")
        # Start the clock once the relay has imported everything: a loaded machine takes seconds.
        assert relay.stdout is not None
        await asyncio.get_running_loop().run_in_executor(None, relay.stdout.readline)
        await asyncio.sleep(random.uniform(0.3, 1.2))
        if relay.poll() is None:
            kill(relay)
            kills += 1
        else:
            crashes += 1
    ids = await writer
    final = spawn("relay", fresh_database, kafka_bootstrap)
    try:
        await wait_for(lambda: _published(pool, total), within=120)
    finally:
        kill(final)

    records = await read_topic(kafka_bootstrap, topic)
    seen = [decode(r.value, r.headers) for r in records]
    assert set(ids) <= {e.id for e in seen}, "a committed event never reached Kafka"
    assert crashes >= 1, "the crash between publish and mark was never exercised"
    assert len(seen) > total, "no event was republished: the kill tests proved nothing"
    first_seen: dict[str, list[int]] = defaultdict(list)
    known: set[str] = set()
    for r, e in zip(records, seen, strict=True):
        if e.id not in known:
            known.add(e.id)
            first_seen[r.key.decode() if r.key else ""].append(e.data["seq"])
    for key, seqs in first_seen.items():
        assert seqs == sorted(seqs), f"events of {key} were published out of order"

    stop = asyncio.Event()

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        await procs.count(conn, records)

    consumer = IdempotentConsumer(
        name="counter", topics=[topic], pool=pool, handler=handler, bootstrap=kafka_bootstrap
    )
    task = asyncio.create_task(consumer.run(stop))
    try:
        await wait_for(lambda: _count_rows(pool, total), within=120)
    finally:
        stop.set()
        await task
    assert await pool.fetchval("SELECT count(*) FROM counts WHERE n <> 1") == 0
    assert await pool.fetchval("SELECT count(*) FROM counts") == total
    await pool.close()


async def _count_rows(pool, n: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await pool.fetchval("SELECT count(*) FROM counts") >= n)


async def test_published_rows_are_pruned_after_retention(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("outbox-prune")
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    async with db.transaction(pool) as conn:
        await enqueue(conn, [_event(topic, "k", i) for i in range(10)])
    stop = asyncio.Event()
    relay = OutboxPublisher(
        fresh_database,
        lambda: make_producer(kafka_bootstrap),
        retention=timedelta(seconds=0),
        prune_every=timedelta(milliseconds=100),
    )
    task = asyncio.create_task(relay.run(stop))
    await wait_for(lambda: _empty(pool), within=30)
    stop.set()
    await task
    assert len(await read_topic(kafka_bootstrap, topic)) == 10
    await pool.close()


async def _empty(pool) -> bool:  # type: ignore[no-untyped-def]
    return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)
