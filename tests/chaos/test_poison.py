"""Issue 19 item 8 on the whole system: poison mixed into every consumed topic.

1,000 poison records (`tests.poison`: not JSON, unknown types, a newer version, data that does not
fit) go into each contract topic a service consumes, ahead of real work: the e2e cascade (two
districts, escalations, replies) runs through the same partitions. Then:
* every consumer group of a topic dead-lettered each always-poison record exactly once, with its
  reason, and each misfit at most once (a consumer that never acts on that type has nothing to
  refuse); none was applied;
* the cascade still reached every member exactly once (`check_deliveries`), and every group's
  lag on every topic is 0;
* the roster members' newer version, relabelled with `nazar-dlq replay --retype`, reaches the
  directive's read model, and a second replay puts back nothing.

    NAZAR_POISON_PER_TOPIC=1000 ./deploy/stack chaos -k poison
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from nazar_contracts import event_types as e
from nazar_contracts import topics as t
from nazar_contracts.registry import SPECS
from nazar_platform.kafka import dlq
from nazar_platform.kafka.clients import dlq_topic, make_producer
from nazar_platform.kafka.cloudevents import format_time, headers_for

from tests.conftest import dsn_for_database
from tests.e2e.flow import Timing, run
from tests.e2e.system import System
from tests.e2e.test_cascade import check_deliveries
from tests.integration.platform.support import ROOT, read_topic, wait_for
from tests.poison import Poison, mixed, says_why

pytestmark = pytest.mark.timeout(1800)
PER_TOPIC = int(os.environ.get("NAZAR_POISON_PER_TOPIC", "1000"))
CONTRACT_TOPICS = sorted({topic for spec in SPECS for topic in spec.topics})
ALWAYS = ("not_json", "unknown_type", "new_version")


async def _groups(bootstrap: str) -> dict[str, dict[TopicPartition, int]]:
    """Committed offsets of every consumer group, on the contract topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        out: dict[str, dict[TopicPartition, int]] = {}
        for group, _ in await admin.list_consumer_groups():
            offsets = await admin.list_consumer_group_offsets(group)
            mine = {tp: o.offset for tp, o in offsets.items() if tp.topic in CONTRACT_TOPICS}
            if mine:
                out[group] = mine
        return out
    finally:
        await admin.close()


async def _ends(bootstrap: str, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(list(partitions)))
    finally:
        await consumer.stop()


async def _lag(bootstrap: str) -> int:
    groups = await _groups(bootstrap)
    ends = await _ends(bootstrap, {tp for g in groups.values() for tp in g})
    return sum(max(0, ends[tp] - o) for g in groups.values() for tp, o in g.items())


async def _inject(bootstrap: str) -> dict[str, list[Poison]]:
    producer = make_producer(bootstrap)
    await producer.start()
    out: dict[str, list[Poison]] = {}
    try:
        for topic in CONTRACT_TOPICS:
            out[topic] = mixed(topic, PER_TOPIC)
            sends = [
                await producer.send(topic, key=p.key, value=p.value, headers=p.headers)
                for p in out[topic]
            ]
            await asyncio.gather(*sends)
    finally:
        await producer.stop()
    return out


def _cli(bootstrap: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "nazar_platform.cli.dlq", "--bootstrap", bootstrap, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


async def test_poison_in_every_topic_goes_to_the_dlq_and_the_work_flows(
    system: System, kafka_bootstrap: str, pg_dsn: str
) -> None:
    started = time.monotonic()
    poisoned = await _inject(kafka_bootstrap)
    injected = time.monotonic()
    outcome = await run(system, Timing(relay_deadline=25, automatic_deadline=10, ack_window=20))
    check_deliveries(outcome)

    async def drained() -> bool:
        return await _lag(kafka_bootstrap) == 0

    await wait_for(drained, 300, 2.0)
    settled = time.monotonic()
    groups = await _groups(kafka_bootstrap)
    figures: dict[str, str] = {}
    unclear: set[tuple[str, str, str, str]] = set()  # a reason that does not say what was wrong
    for topic, bad in poisoned.items():
        consumers = sorted(
            g for g, offsets in groups.items() if any(tp.topic == topic for tp in offsets)
        )
        ids = {p.event_id: p for p in bad}
        seen: Counter[tuple[str, str]] = Counter()
        for record in await read_topic(kafka_bootstrap, dlq_topic(topic)):
            event_id = dlq.header(record.headers, "ce_id") or ""
            if event_id not in ids:
                continue  # an earlier test's record, or a replay marker
            kind = ids[event_id].kind
            error = dlq.header(record.headers, dlq.ERROR) or ""
            if not says_why(kind, error):
                unclear.add((topic, dlq.header(record.headers, dlq.CONSUMER) or "", kind, error))
            seen[(dlq.header(record.headers, dlq.CONSUMER) or "", event_id)] += 1
        assert all(n == 1 for n in seen.values()), f"{topic}: dead-lettered twice"
        by_consumer: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for consumer, event_id in seen:
            by_consumer[consumer][ids[event_id].kind] += 1
        for consumer in consumers:
            kinds = by_consumer[consumer]
            for kind in ALWAYS:
                assert kinds[kind] == sum(p.kind == kind for p in bad), (topic, consumer, kinds)
        figures[topic] = f"{len(consumers)} group(s), {sum(seen.values())} dead-lettered"

    assert not unclear, sorted(unclear)
    # The members' newer version, once relabelled, is applied: the directive's read model has it.
    members = [p for p in poisoned[t.ROSTER_MEMBERS] if p.kind == "new_version"]
    args = (
        "replay",
        "--topic",
        t.ROSTER_MEMBERS,
        "--type",
        members[0].ce_type,
        "--retype",
        members[0].retype,
    )
    _cli(kafka_bootstrap, *args)
    member_id = json.loads(members[0].value)["member_id"]
    directive_db = await asyncpg.connect(dsn_for_database(pg_dsn, "nazar_directive"))
    try:

        async def arrived() -> bool:
            return bool(
                await directive_db.fetchval("SELECT count(*) FROM members WHERE id = $1", member_id)
            )

        await wait_for(arrived, 60, 1.0)
        await wait_for(drained, 120, 2.0)
        assert _cli(kafka_bootstrap, *args, "--dry-run") == ""
    finally:
        await directive_db.close()
        await _erase(kafka_bootstrap, member_id)
    print(
        f"poison: {PER_TOPIC} per topic on {len(poisoned)} topics; injected in "
        f"{injected - started:.1f}s, cascade checked and lag 0 after {settled - injected:.1f}s; "
        f"{len(members)} replayed; " + "; ".join(f"{k}: {v}" for k, v in figures.items())
    )


async def _erase(bootstrap: str, member_id: str) -> None:
    """The replayed synthetic member leaves the read models as an erased member does."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        headers = headers_for(
            f"poison-erase-{member_id}",
            e.MEMBER_ERASED,
            "/tests/poison",
            format_time(datetime.now(UTC)),
            tombstone=True,
        )
        await producer.send_and_wait(
            t.ROSTER_MEMBERS, key=member_id.encode(), value=None, headers=headers
        )
    finally:
        await producer.stop()
