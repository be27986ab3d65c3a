"""The consumer's batch mode (`Feed`): it hands each applied batch to a bounded queue in the
process, fetches only what the queue has room for (the rest stays in Kafka, counted as lag), and
commits offsets only after the batch's transaction committed and the batch was handed over."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from nazar_platform import db
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, encode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.feed import Feed
from nazar_platform.kafka.records import Record

from tests.conftest import TopicFactory
from tests.integration.platform.support import prepare_database, wait_for

N = 600
CAPACITY = 100


async def _produce(bootstrap: str, topic: str, n: int) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for i in range(n):
            event = CloudEvent(type="nazar.test.happened.v1", source="/t", data={"i": i})
            value, headers = encode(event)
            await producer.send(topic, value=value, key=f"k{i % 12}".encode(), headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    """The sum of the group's committed offsets over the topic's partitions."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        total = 0
        for p in range(partitions):
            total += await consumer.committed(TopicPartition(topic, p)) or 0
        return total
    finally:
        await consumer.stop()


async def test_a_feed_is_bounded_and_gets_every_batch_after_its_commit(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("consumer-feed", partitions=3)
    await prepare_database(fresh_database)
    conn = await db.connect(fresh_database)
    await conn.execute("CREATE TABLE seen (event_id text PRIMARY KEY, i integer NOT NULL)")
    await conn.close()
    await _produce(kafka_bootstrap, topic, N)
    pool = await db.create_pool(fresh_database, min_size=1, max_size=3)
    queue: list[int] = []
    taken: list[int] = []
    open_tap = asyncio.Event()
    largest = 0
    lags: list[int] = []
    checks: list[tuple[int, asyncio.Future[int]]] = []

    async def handler(conn: db.Connection, records: Sequence[Record]) -> list[int]:
        values = [int(r.event.data["i"]) for r in records if r.event is not None]
        await conn.execute(
            "INSERT INTO seen (event_id, i) SELECT * FROM unnest($1::text[], $2::int[])",
            [r.event_id for r in records],
            values,
        )
        return values

    def put(values: list[int]) -> None:
        nonlocal largest
        queue.extend(values)
        largest = max(largest, len(queue))
        # What was handed over is committed already: another connection sees all of it.
        counted = pool.fetchval("SELECT count(*) FROM seen WHERE i = ANY($1::int[])", values)
        checks.append((len(values), asyncio.ensure_future(counted)))

    def room() -> int:
        return CAPACITY - len(queue) if open_tap.is_set() else 0

    consumer = IdempotentConsumer(
        name="feed-group",
        topics=[topic],
        pool=pool,
        handler=handler,
        bootstrap=kafka_bootstrap,
        batch_max=40,
        dedupe=False,
        merge_partitions=True,
        feed=Feed(room=room, put=put, min_room=10, on_lag=lags.append, lag_interval=0.2),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        # No room: nothing is fetched, the backlog waits in Kafka and is reported as lag.
        await wait_for(lambda: _true(bool(lags) and lags[-1] == N), within=30)
        assert consumer.waiting and not queue
        assert await pool.fetchval("SELECT count(*) FROM seen") == 0
        open_tap.set()

        async def drained() -> bool:
            taken.extend(queue)
            queue.clear()
            return len(taken) == N

        await wait_for(drained, within=60)
        assert sorted(taken) == list(range(N))
        assert largest <= CAPACITY
        assert checks
        for n, counted in checks:
            assert await counted == n
        await wait_for(lambda: _true(not consumer.waiting), within=10)

        async def all_committed() -> bool:
            return await _committed(kafka_bootstrap, "feed-group", topic, 3) == N

        await wait_for(all_committed, within=30)
        assert await pool.fetchval("SELECT count(*) FROM processed_events") == 0
    finally:
        stop.set()
        await task
        await pool.close()


async def _true(value: bool) -> bool:
    return value
