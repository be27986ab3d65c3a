"""The idempotent consumer and its dead-letter path against the real broker and database."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import uuid
from collections.abc import Sequence

import pytest
from nazar_platform import db
from nazar_platform.kafka import dlq
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, encode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import PoisonRecordError, Record
from prometheus_client import REGISTRY

from tests.conftest import TopicFactory
from tests.integration.platform.support import (
    ROOT,
    kill,
    prepare_database,
    read_topic,
    spawn,
    wait_for,
)


async def _produce(bootstrap: str, topic: str, events: list[tuple[str, CloudEvent]]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        futures = []
        for key, event in events:
            value, headers = encode(event)
            futures.append(
                await producer.send(topic, value=value, key=key.encode(), headers=headers)
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _events(n: int, **extra: object) -> list[tuple[str, CloudEvent]]:
    return [
        (
            f"agg-{i % 40}",
            CloudEvent(type="nazar.test.happened.v1", source="/t", data={"seq": i, **extra}),
        )
        for i in range(n)
    ]


async def _rows(pool, table: str = "counts") -> int:  # type: ignore[no-untyped-def]
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


@pytest.mark.slow
async def test_consumer_killed_mid_batch_applies_each_event_once(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    total = 5000
    topic = await new_topic("consumer-kill", partitions=3)
    await prepare_database(fresh_database)
    events = _events(total)
    # Upstream is at-least-once too: 500 events arrive twice.
    await _produce(kafka_bootstrap, topic, events + random.sample(events, 500))
    pool = await db.create_pool(fresh_database)
    kills = crashes = 0
    while kills < 10 and await _rows(pool) < total:
        proc = spawn(
            "counter",
            fresh_database,
            kafka_bootstrap,
            "kill-group",
            topic,
            "100",
            faults="consumer.after_effect=0.02",
        )
        assert proc.stdout is not None
        await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline)
        before = await _rows(pool)

        async def progressed_or_died(p: subprocess.Popen[bytes] = proc, b: int = before) -> bool:
            return p.poll() is not None or await _rows(pool) > b

        await wait_for(progressed_or_died, within=60, every=0.05)
        await asyncio.sleep(random.uniform(0.05, 0.3))
        if proc.poll() is None:
            kill(proc)
            kills += 1
        else:
            crashes += 1
    assert kills >= 5, "the consumer finished before it could be killed enough times"
    final = spawn("counter", fresh_database, kafka_bootstrap, "kill-group", topic)
    try:
        await wait_for(lambda: _at_least(pool, total), within=120)
        await asyncio.sleep(2)  # any late double-apply would show now
    finally:
        kill(final)
    assert await _rows(pool) == total
    assert await pool.fetchval("SELECT count(*) FROM counts WHERE n <> 1") == 0
    await pool.close()


async def _at_least(pool, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await _rows(pool) >= n


async def test_poison_record_goes_to_dlq_and_replays_once_fixed(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("consumer-poison")
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    await pool.execute(
        "CREATE TABLE applied (seq integer PRIMARY KEY, ord bigserial);"
        "CREATE TABLE switch (fixed boolean NOT NULL); INSERT INTO switch VALUES (false);"
    )
    events = _events(1000)
    poison_key, poison = events[500]
    events[500] = (
        poison_key,
        CloudEvent(
            type=poison.type, source=poison.source, id=poison.id, data={"seq": 500, "bad": True}
        ),
    )
    await _produce(kafka_bootstrap, topic, events)

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        fixed = await conn.fetchval("SELECT fixed FROM switch")
        for r in records:
            assert r.event is not None
            if r.event.data.get("bad") and not fixed:
                raise PoisonRecordError("seq 500 cannot be applied: unknown unit 'X-99'")
        await conn.executemany(
            "INSERT INTO applied (seq) VALUES ($1)",
            [(r.event.data["seq"],) for r in records if r.event is not None],
        )

    stop = asyncio.Event()
    consumer = IdempotentConsumer(
        name="poison",
        topics=[topic],
        pool=pool,
        handler=handler,
        bootstrap=kafka_bootstrap,
        batch_max=100,
    )
    task = asyncio.create_task(consumer.run(stop))
    try:
        await wait_for(lambda: _at_least_applied(pool, 999), within=60)
        order = [r["seq"] for r in await pool.fetch("SELECT seq FROM applied ORDER BY ord")]
        assert order == [i for i in range(1000) if i != 500]

        dead = await read_topic(kafka_bootstrap, f"{topic}.dlq")
        assert len(dead) == 1
        (record,) = dead
        value, headers = encode(events[500][1])
        assert record.key == poison_key.encode()
        assert record.value == value
        assert dlq.original_headers(record.headers) == headers
        assert "unknown unit 'X-99'" in (dlq.header(record.headers, dlq.ERROR) or "")
        assert dlq.header(record.headers, dlq.SOURCE_TOPIC) == topic
        assert dlq.header(record.headers, dlq.SOURCE_PARTITION) == "0"
        assert dlq.header(record.headers, dlq.SOURCE_OFFSET) == "500"
        assert dlq.header(record.headers, dlq.CONSUMER) == "poison"

        listed = _cli(kafka_bootstrap, "list", "--topic", topic)
        assert '"dlq_offset": 0' in listed and "X-99" in listed

        await pool.execute("UPDATE switch SET fixed = true")
        _cli(kafka_bootstrap, "replay", "--topic", topic, "--all")
        await wait_for(lambda: _at_least_applied(pool, 1000), within=60)
        _cli(kafka_bootstrap, "replay", "--topic", topic, "--offset", "0:0")  # a second replay
        await asyncio.sleep(2)
    finally:
        stop.set()
        await task
    assert await _rows(pool, "applied") == 1000
    assert consumer.dead_lettered == 1
    await pool.close()


async def _at_least_applied(pool, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await _rows(pool, "applied") >= n


def _cli(bootstrap: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "nazar_platform.cli.dlq", "--bootstrap", bootstrap, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


async def test_undecodable_record_is_dead_lettered_and_the_rest_flow(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("consumer-garbage")
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    await producer.send_and_wait(topic, value=b"\xff not an event", key=b"x")
    await producer.stop()
    await _produce(kafka_bootstrap, topic, _events(10))

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        from tests.integration.platform.procs import count

        await count(conn, records)

    stop = asyncio.Event()
    consumer = IdempotentConsumer(
        name="garbage", topics=[topic], pool=pool, handler=handler, bootstrap=kafka_bootstrap
    )
    task = asyncio.create_task(consumer.run(stop))
    await wait_for(lambda: _at_least(pool, 10), within=60)
    stop.set()
    await task
    dead = await read_topic(kafka_bootstrap, f"{topic}.dlq")
    assert [r.value for r in dead] == [b"\xff not an event"]
    assert "missing header" in (dlq.header(dead[0].headers, dlq.ERROR) or "")
    await pool.close()


async def test_lag_series_go_with_the_partitions_a_consumer_loses(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    """A revoked partition's lag is its new owner's to report: a series left behind would stay
    frozen, perhaps high enough to keep the lag alert firing for a partition nobody lags on."""
    topic = await new_topic("consumer-lag", partitions=2)
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    name = f"lag-{uuid.uuid4().hex[:8]}"

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        from tests.integration.platform.procs import count

        await count(conn, records)

    def lag(partition: int) -> float | None:
        labels = {"consumer": name, "topic": topic, "partition": str(partition)}
        return REGISTRY.get_sample_value("nazar_consumer_lag", labels)

    async def reported(*partitions: int) -> bool:
        return all(lag(p) == 0 for p in partitions)

    async def forgotten() -> bool:
        return lag(0) is None and lag(1) is None

    def member() -> tuple[asyncio.Event, asyncio.Task[None]]:
        stop = asyncio.Event()
        consumer = IdempotentConsumer(
            name=name,
            topics=[topic],
            pool=pool,
            handler=handler,
            bootstrap=kafka_bootstrap,
            session_timeout_ms=6000,
        )
        return stop, asyncio.create_task(consumer.run(stop))

    first = member()
    await _produce(kafka_bootstrap, topic, _events(40))  # 40 keys: both partitions get some
    await wait_for(lambda: reported(0, 1), within=60)
    second = member()
    try:
        # Joining rebalances the group: the first member gives both partitions up, and their
        # series go with them until an owner reads from each again.
        await wait_for(forgotten, within=60)
        await _produce(kafka_bootstrap, topic, _events(40, round=2))
        await wait_for(lambda: _at_least(pool, 80), within=60)
        await wait_for(lambda: reported(0, 1), within=30)
    finally:
        for stop, task in (first, second):
            stop.set()
            await task
    # Stopping leaves the group without a revocation callback: the run forgets its own series.
    assert await forgotten()
    await pool.close()
