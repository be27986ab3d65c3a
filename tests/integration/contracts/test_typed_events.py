"""Typed events end to end: outbox_event -> outbox publisher -> Kafka -> consumer ->
parse_record."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence

from nazar_contracts.registry import parse
from nazar_platform import db
from nazar_platform.kafka import dlq
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record
from nazar_platform.outbox.events import outbox_event, tombstone
from nazar_platform.outbox.publisher import OutboxEvent, OutboxPublisher, enqueue

from tests.conftest import TopicFactory
from tests.integration.platform.support import prepare_database, read_topic, wait_for
from tests.unit.contracts.support import DATA_TYPES, golden

SOURCE = "/nazar/test"


async def test_every_event_type_arrives_as_its_model_and_bad_types_are_dead_lettered(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    # One test topic stands in for the real ones, so the run leaves the catalogue's topics alone.
    topic = await new_topic("typed-events")
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    await pool.execute("CREATE TABLE seen (event_id text PRIMARY KEY, ce_type text, data jsonb)")
    sent = {t: parse(t, golden(t)) for t in DATA_TYPES}
    events: list[OutboxEvent] = [outbox_event(m, source=SOURCE) for m in sent.values()]
    events.append(tombstone("nazar.member.erased.v1", "mbr-5e21c0d4", source=SOURCE))
    events.append(
        OutboxEvent(topic=topic, key="x", type="nazar.member.moved.v1", source=SOURCE, data={})
    )
    async with db.transaction(pool) as conn:
        await enqueue(conn, [dataclasses.replace(e, topic=topic) for e in events])

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        for record in records:
            data = parse_record(record)
            assert record.event is not None
            await conn.execute(
                "INSERT INTO seen VALUES ($1, $2, $3)",
                record.event_id,
                record.event.type,
                None if data is None else data.model_dump_json(),
            )

    stop = asyncio.Event()
    relay = OutboxPublisher(fresh_database, lambda: make_producer(kafka_bootstrap))
    consumer = IdempotentConsumer(
        name="typed", topics=[topic], pool=pool, handler=handler, bootstrap=kafka_bootstrap
    )
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]

    async def all_seen() -> bool:
        count = await pool.fetchval("SELECT count(*) FROM seen")
        return int(count) >= len(events) - 1 and consumer.dead_lettered == 1

    try:
        await wait_for(all_seen, within=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    rows = {r["ce_type"]: r["data"] for r in await pool.fetch("SELECT ce_type, data FROM seen")}
    assert rows.pop("nazar.member.erased.v1") is None
    assert {t: parse(t, json.loads(v)) for t, v in rows.items()} == sent
    (dead,) = await read_topic(kafka_bootstrap, f"{topic}.dlq")
    error = dlq.header(dead.headers, dlq.ERROR) or ""
    assert "PoisonRecordError" in error
    assert "unknown event type 'nazar.member.moved.v1'" in error
    await pool.close()
