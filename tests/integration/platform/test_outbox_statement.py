"""Set-based outbox writes: rows built inside PostgreSQL commit with the change, or not at all."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import decode
from nazar_platform.outbox.publisher import (
    CE_TIME_NOW,
    INSERT_INTO_OUTBOX,
    OutboxPublisher,
    enqueue_statement,
)

from tests.conftest import TopicFactory
from tests.integration.platform.support import read_topic

STATEMENT = f"""
{INSERT_INTO_OUTBOX}
SELECT $1, convert_to('k' || n, 'UTF8'), convert_to(json_build_object('n', n)::text, 'UTF8'),
       gen_random_uuid()::text, 'nazar.test.counted.v1', '/nazar/test', {CE_TIME_NOW}, NULL
FROM generate_series(1, $2) AS n
"""


async def test_statement_rows_are_relayed_and_rolled_back_rows_are_not(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("statement")
    conn = await db.connect(fresh_database)
    try:
        await migrations.apply(conn, migrations.platform_migrations())
        async with conn.transaction():
            assert await enqueue_statement(conn, STATEMENT, topic, 300) == 300
        tx = conn.transaction()
        await tx.start()
        assert await enqueue_statement(conn, STATEMENT, topic, 5) == 5
        await tx.rollback()
        assert await enqueue_statement(conn, "SELECT 1") == 0
    finally:
        await conn.close()
    stop = asyncio.Event()
    relay = OutboxPublisher(
        fresh_database,
        lambda: make_producer(kafka_bootstrap),
        poll_interval=timedelta(milliseconds=50),
    )
    task = asyncio.create_task(relay.run(stop))
    try:
        for _ in range(200):
            if relay.published >= 300:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    records = await read_topic(kafka_bootstrap, topic)
    assert len(records) == 300
    event = decode(records[0].value, records[0].headers)
    assert event.type == "nazar.test.counted.v1" and event.data == {"n": 1}
