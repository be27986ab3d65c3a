"""Poison mixed into a contract topic: every kind goes to the DLQ with its reason, the valid
records around it are applied, and `nazar-dlq replay` brings back the fixed ones once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence

from nazar_contracts import topics as t
from nazar_contracts.registry import parse, spec_for_type
from nazar_contracts.schemas import load_golden
from nazar_platform import db
from nazar_platform.kafka import dlq
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, encode
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record

from tests.conftest import TopicFactory
from tests.integration.platform.procs import count
from tests.integration.platform.support import prepare_database, read_topic, wait_for
from tests.integration.platform.test_consumer import _cli, _rows
from tests.poison import CONTRACTS, KINDS, Poison, data_type_of, mixed, says_why

CONTRACT = t.DISPATCH_RECEIPTS
VALID = 300
POISON = 100  # 25 of each kind


async def _produce(bootstrap: str, topic: str, valid: list[CloudEvent], bad: list[Poison]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        sends = []
        for i, event in enumerate(valid):
            value, headers = encode(event)
            sends.append(await producer.send(topic, value=value, key=b"k%d" % i, headers=headers))
            if i % 3 == 0 and bad:  # poison spread between the valid records
                p = bad.pop()
                sends.append(
                    await producer.send(topic, value=p.value, key=p.key, headers=p.headers)
                )
        for p in bad:
            sends.append(await producer.send(topic, value=p.value, key=p.key, headers=p.headers))
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


def _valid(n: int) -> list[CloudEvent]:
    ce_type = data_type_of(CONTRACT)
    data = load_golden(ce_type, CONTRACTS)
    parse(ce_type, data)  # the golden example fits, as the contract tests prove
    assert spec_for_type(ce_type).topic == CONTRACT
    return [CloudEvent(type=ce_type, source="/t", data=data) for _ in range(n)]


async def test_poison_is_dead_lettered_with_its_reason_and_the_fixed_ones_come_back_once(
    fresh_database: str, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("poison", partitions=3)
    await prepare_database(fresh_database)
    pool = await db.create_pool(fresh_database)
    bad = mixed(CONTRACT, POISON)
    by_id = {p.event_id: p for p in bad}
    await _produce(kafka_bootstrap, topic, _valid(VALID), list(bad))

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        for r in records:
            parse_record(r)  # as every service's handler does: a misfit is poison here
        await count(conn, records)

    stop = asyncio.Event()
    consumer = IdempotentConsumer(
        name="poison",
        topics=[topic],
        pool=pool,
        handler=handler,
        bootstrap=kafka_bootstrap,
        batch_max=50,
        contracts={topic: CONTRACT},
    )
    task = asyncio.create_task(consumer.run(stop))
    try:

        async def settled() -> bool:
            return consumer.dead_lettered >= POISON and await _rows(pool) >= VALID

        await wait_for(settled, 90)
        assert await _rows(pool) == VALID  # every valid record, no poison
        dead = await read_topic(kafka_bootstrap, f"{topic}.dlq")
        assert len(dead) == POISON
        kinds: Counter[str] = Counter()
        for record in dead:
            event_id = dlq.header(record.headers, "ce_id") or ""
            kind = by_id[event_id].kind
            kinds[kind] += 1
            error = dlq.header(record.headers, dlq.ERROR) or ""
            assert says_why(kind, error), (kind, error)
            assert dlq.header(record.headers, dlq.CONSUMER) == "poison"
        assert kinds == {kind: POISON // len(KINDS) for kind in KINDS}

        # The producer's new version: relabelled as the version this build knows, it is applied.
        retype = next(p.retype for p in bad if p.kind == "new_version")
        args = ("replay", "--topic", topic, "--reason", "unknown version", "--retype", retype)
        planned = [
            json.loads(line) for line in _cli(kafka_bootstrap, *args, "--dry-run").splitlines()
        ]
        assert len(planned) == POISON // len(KINDS)
        assert await _rows(pool) == VALID  # a dry run changes nothing
        _cli(kafka_bootstrap, *args)
        await wait_for(lambda: _at_least(pool, VALID + POISON // len(KINDS)), 60)
        assert _cli(kafka_bootstrap, *args, "--dry-run") == ""  # replayed already: skipped
        listed = [
            json.loads(line)
            for line in _cli(
                kafka_bootstrap, "list", "--topic", topic, "--limit", "1000"
            ).splitlines()
        ]
        assert sum(1 for row in listed if row["replayed"]) == POISON // len(KINDS)
        assert len(listed) == POISON  # the markers are not listed as records
        await asyncio.sleep(2)
    finally:
        stop.set()
        await task
    counted = {r["event_id"]: r["n"] for r in await pool.fetch("SELECT event_id, n FROM counts")}
    assert len(counted) == VALID + POISON // len(KINDS)
    assert set(counted.values()) == {1}  # each applied once
    assert consumer.dead_lettered == POISON
    await pool.close()


async def _at_least(pool, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await _rows(pool) >= n
