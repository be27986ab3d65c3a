"""bench/outbox: events per second from the outbox to Kafka, beside a raw aiokafka producer.

    uv run python -m bench.outbox [--events 100000]

Both sides send the same 100,000 small CloudEvents (same keys, values and headers) with the same
producer settings (idempotent, acks=all) to topics of the same shape. The raw producer runs twice,
before and after the outbox publisher, so the machine's drift shows. Target: publisher >= 25,000
events/s and >= half the raw rate.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import timedelta

from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import dumps, format_time, headers_for
from nazar_platform.outbox.publisher import OutboxEvent, OutboxPublisher, enqueue

from bench.common import (
    create_database,
    create_topics,
    delete_topics,
    drop_database,
    infra,
    report,
)


def _events(topic: str, n: int) -> list[OutboxEvent]:
    return [
        OutboxEvent(
            topic=topic,
            key=f"member-{i % 5000:05d}",
            type="nazar.bench.happened.v1",
            source="/nazar/bench",
            data={"seq": i, "status": "delivered"},
        )
        for i in range(n)
    ]


async def raw_rate(bootstrap: str, topic: str, events: list[OutboxEvent]) -> float:
    records = [
        (
            e.key.encode() if e.key else None,
            dumps(e.data),
            headers_for(e.id, e.type, e.source, format_time(e.time)),
        )
        for e in events
    ]
    producer = make_producer(bootstrap, client_id="bench-raw")
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in records
        ]
        await asyncio.gather(*futures)
        return len(records) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def publisher_rate(
    bootstrap: str, dsn: str, events: list[OutboxEvent]
) -> tuple[float, float]:
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.platform_migrations())
    started = time.perf_counter()
    for i in range(0, len(events), 10_000):
        async with conn.transaction():
            await enqueue(conn, events[i : i + 10_000])
    write_rate = len(events) / (time.perf_counter() - started)

    stop = asyncio.Event()
    publisher = OutboxPublisher(
        dsn,
        lambda: make_producer(bootstrap, client_id="bench-outbox"),
        poll_interval=timedelta(milliseconds=50),
    )
    started = time.perf_counter()
    task = asyncio.create_task(publisher.run(stop))
    while publisher.published < len(events):  # noqa: ASYNC110 - polls the publisher's own counter
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    await conn.close()
    assert pending == 0, f"{pending} rows left unpublished"
    return len(events) / elapsed, write_rate


async def main(n: int) -> None:
    with infra() as servers:
        run = uuid.uuid4().hex[:8]
        raw_topic, published_topic = f"bench.raw.{run}", f"bench.outbox.{run}"
        await create_topics(servers.kafka_bootstrap, raw_topic, published_topic)
        dsn = await create_database(servers.pg_dsn, "bench_outbox")
        try:
            events = _events(published_topic, n)
            raw_before = await raw_rate(servers.kafka_bootstrap, raw_topic, events)
            published, write = await publisher_rate(servers.kafka_bootstrap, dsn, events)
            raw_after = await raw_rate(servers.kafka_bootstrap, raw_topic, events)
        finally:
            await drop_database(servers.pg_dsn, dsn)
            await delete_topics(servers.kafka_bootstrap, raw_topic, published_topic)
        raw = (raw_before + raw_after) / 2
        report(
            "outbox",
            {
                "events": n,
                "outbox write (COPY, 10k per tx) events/s": write,
                "raw aiokafka producer events/s (before)": raw_before,
                "raw aiokafka producer events/s (after)": raw_after,
                "outbox publisher events/s": published,
                "publisher / raw (mean of both raw runs)": round(published / raw, 3),
                "target publisher events/s": 25_000,
                "target publisher / raw": 0.5,
                "meets targets": published >= 25_000 and published / raw >= 0.5,
            },
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().events))
