"""`nazar-dlq`: list and replay dead-lettered records.

    nazar-dlq list   --topic dispatch.receipts.v1 [--limit 100]
    nazar-dlq replay --topic dispatch.receipts.v1 --offset 0:17 [--offset 1:3 ...] | --all

`replay` puts the original record (key, value, CloudEvents headers) back on its source topic, once
the cause is fixed. Consumers deduplicate by event id, so replaying a record that was meanwhile
applied changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from nazar_platform.kafka import dlq
from nazar_platform.kafka.clients import dlq_topic, make_producer


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"] for d in described if d["error_code"] == 0 for p in d["partitions"]
    )


async def read_all(bootstrap: str, topic: str) -> list[dlq.RawRecord]:
    """Every record currently in `topic`, partition by partition, without a consumer group."""
    out: list[dlq.RawRecord] = []
    tps = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
    if not tps:
        return out
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            while (await consumer.position(tp)) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=2000)
                out.extend(
                    dlq.RawRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                    for r in batch.get(tp, [])
                    if r.offset < ends[tp]
                )
    finally:
        await consumer.stop()
    return out


def describe(record: dlq.RawRecord) -> dict[str, object]:
    h = record.headers
    value = None if record.value is None else record.value.decode(errors="replace")
    return {
        "dlq_partition": record.partition,
        "dlq_offset": record.offset,
        "source": f"{dlq.header(h, dlq.SOURCE_TOPIC)}"
        f"[{dlq.header(h, dlq.SOURCE_PARTITION)}]@{dlq.header(h, dlq.SOURCE_OFFSET)}",
        "consumer": dlq.header(h, dlq.CONSUMER),
        "error": dlq.header(h, dlq.ERROR),
        "failed_at": dlq.header(h, dlq.FAILED_AT),
        "key": None if record.key is None else record.key.decode(errors="replace"),
        "ce_id": dlq.header(h, "ce_id"),
        "ce_type": dlq.header(h, "ce_type"),
        "value": value if value is None or len(value) <= 500 else value[:500] + "…",
    }


async def list_records(bootstrap: str, topic: str, limit: int) -> list[dict[str, object]]:
    return [describe(r) for r in (await read_all(bootstrap, dlq_topic(topic)))[:limit]]


async def replay(bootstrap: str, topic: str, wanted: set[tuple[int, int]] | None) -> int:
    """Re-publish chosen DLQ records (all when `wanted` is None) to their source topic."""
    producer = make_producer(bootstrap, client_id="nazar-dlq-replay")
    await producer.start()
    count = 0
    try:
        for record in await read_all(bootstrap, dlq_topic(topic)):
            if wanted is not None and (record.partition, record.offset) not in wanted:
                continue
            source = dlq.header(record.headers, dlq.SOURCE_TOPIC) or topic
            headers = [
                *dlq.original_headers(record.headers),
                (dlq.REPLAYED_FROM, f"{record.partition}:{record.offset}".encode()),
            ]
            await producer.send_and_wait(
                source, key=record.key, value=record.value, headers=headers
            )
            count += 1
    finally:
        await producer.stop()
    return count


def _offset(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    return int(partition), int(offset)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nazar-dlq", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--bootstrap", default=os.environ.get("NAZAR_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    )
    sub = parser.add_subparsers(dest="command", required=True)
    lister = sub.add_parser("list", help="show dead-lettered records of a topic")
    lister.add_argument("--topic", required=True, help="the source topic (without .dlq)")
    lister.add_argument("--limit", type=int, default=100)
    replayer = sub.add_parser("replay", help="put dead-lettered records back on their topic")
    replayer.add_argument("--topic", required=True, help="the source topic (without .dlq)")
    group = replayer.add_mutually_exclusive_group(required=True)
    group.add_argument("--offset", action="append", type=_offset, help="PARTITION:OFFSET in DLQ")
    group.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "list":
        for row in asyncio.run(list_records(args.bootstrap, args.topic, args.limit)):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    wanted = None if args.all else set(args.offset)
    n = asyncio.run(replay(args.bootstrap, args.topic, wanted))
    print(f"replayed {n} record(s) to {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
