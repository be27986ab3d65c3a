"""Set-based outbox writes: rows built inside PostgreSQL commit with the change, or not at all."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import decode
from nazar_platform.outbox.publisher import (
    CE_TIME_NOW,
    INSERT_INTO_OUTBOX,
    OutboxPublisher,
    enqueue_select,
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


async def test_select_rows_get_their_envelope_in_the_select_order(fresh_database: str) -> None:
    conn = await db.connect(fresh_database)
    try:
        await migrations.apply(conn, migrations.platform_migrations())
        await conn.execute("CREATE TABLE counted (n int)")
        async with conn.transaction():
            added = await enqueue_select(
                conn,
                "SELECT 'k' || n AS key, json_build_object('n', n)::text AS value"
                " FROM made ORDER BY n DESC",
                3,
                # A data-modifying WITH item: allowed only at the statement's top level.
                ctes="made AS (INSERT INTO counted SELECT generate_series(1, $1) RETURNING n)",
                topic="counted",
                type="nazar.test.counted.v1",
                source="/nazar/test",
            )
            gone = await enqueue_select(
                conn,
                "SELECT k AS key, NULL::text AS value FROM unnest($1::text[]) AS k",
                ["k9"],
                topic="counted",
                type="nazar.test.removed.v1",
                source="/nazar/test",
            )
        rows = await conn.fetch("SELECT * FROM outbox ORDER BY id")
        assert await conn.fetchval("SELECT count(*) FROM counted") == 3
    finally:
        await conn.close()
    assert (added, gone) == (3, 1)
    assert [(r["key"], r["value"], r["ce_subject"]) for r in rows] == [
        (b"k3", b'{"n" : 3}', "k3"),
        (b"k2", b'{"n" : 2}', "k2"),
        (b"k1", b'{"n" : 1}', "k1"),
        (b"k9", None, "k9"),
    ]
    assert {r["topic"] for r in rows} == {"counted"}
    assert [r["ce_type"] for r in rows] == ["nazar.test.counted.v1"] * 3 + ["nazar.test.removed.v1"]
    assert {r["ce_source"] for r in rows} == {"/nazar/test"}
    assert len({r["ce_id"] for r in rows}) == 4
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", r["ce_time"]) for r in rows)
