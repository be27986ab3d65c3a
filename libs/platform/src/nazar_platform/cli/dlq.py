"""`nazar-dlq`: list and replay dead-lettered records.

    nazar-dlq list   --topic dispatch.receipts.v1 [--limit 100]
    nazar-dlq replay --topic dispatch.receipts.v1 --offset 0:17 [--offset 1:3 ...] | --all
    nazar-dlq replay --topic directive.events.v1 --reason "unknown version" --since 2026-12-01 \
        [--type T] [--consumer GROUP] [--retype OLD=NEW] [--again] [--dry-run]

`replay` puts the original record (key, value, CloudEvents headers) back on its source topic, once
the cause is fixed, and marks it replayed in the DLQ (`nazar_platform.kafka.replay`): a second
replay skips it unless `--again`. Consumers deduplicate by event id, so replaying a record that was
meanwhile applied changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from nazar_contracts.registry import UnknownEventTypeError, check_type

from nazar_platform.kafka import dlq, replay
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


def describe(record: dlq.RawRecord, done: set[tuple[int, int]]) -> dict[str, object]:
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
        "replayed": (record.partition, record.offset) in done,
        "key": None if record.key is None else record.key.decode(errors="replace"),
        "ce_id": dlq.header(h, "ce_id"),
        "ce_type": dlq.header(h, "ce_type"),
        "value": value if value is None or len(value) <= 500 else value[:500] + "…",
    }


async def list_records(bootstrap: str, topic: str, limit: int) -> list[dict[str, object]]:
    records = await read_all(bootstrap, dlq_topic(topic))
    done = replay.replayed(records)
    return [describe(r, done) for r in records if not replay.is_marker(r)][:limit]


async def replay_records(
    bootstrap: str, topic: str, choice: replay.Choice, *, dry_run: bool = False
) -> list[dlq.RawRecord]:
    """Re-publish the chosen DLQ records to their source topic, each followed by its marker.
    Returns the records chosen (replayed, unless `dry_run`)."""
    records = replay.select(await read_all(bootstrap, dlq_topic(topic)), choice)
    if dry_run or not records:
        return records
    producer = make_producer(bootstrap, client_id="nazar-dlq-replay")
    await producer.start()
    try:
        for record in records:
            source = dlq.header(record.headers, dlq.SOURCE_TOPIC) or topic
            await producer.send_and_wait(
                source,
                key=record.key,
                value=record.value,
                headers=replay.replay_headers(record, choice.retype),
            )
            await producer.send_and_wait(
                dlq_topic(topic),
                key=record.key,
                value=None,
                headers=replay.marker_headers(record, datetime.now(UTC)),
            )
    finally:
        await producer.stop()
    return records


def _offset(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    return int(partition), int(offset)


def _choice(args: argparse.Namespace) -> replay.Choice:
    retype = replay.parse_retype(args.retype or [])
    for new in retype.values():
        check_type(new, args.topic)  # never put back a type the consumers would refuse again
    return replay.Choice(
        offsets=frozenset(args.offset or ()),
        everything=args.all,
        since=args.since,
        reason=args.reason,
        types=frozenset(args.type or ()),
        consumer=args.consumer,
        again=args.again,
        retype=retype,
    )


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
    replayer.add_argument("--offset", action="append", type=_offset, help="PARTITION:OFFSET in DLQ")
    replayer.add_argument("--all", action="store_true", help="every record not replayed yet")
    replayer.add_argument("--since", type=datetime.fromisoformat, help="failed at or after (ISO)")
    replayer.add_argument("--reason", help="text the error contains (case-insensitive)")
    replayer.add_argument("--type", action="append", help="the record's ce_type (repeatable)")
    replayer.add_argument("--consumer", help="the consumer group that dead-lettered it")
    replayer.add_argument("--retype", action="append", help="OLD=NEW: rewrite ce_type")
    replayer.add_argument("--again", action="store_true", help="include records replayed before")
    replayer.add_argument("--dry-run", action="store_true", help="only list what would go back")
    args = parser.parse_args(argv)
    if args.command == "list":
        for row in asyncio.run(list_records(args.bootstrap, args.topic, args.limit)):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    try:
        choice = _choice(args)
    except (ValueError, UnknownEventTypeError) as exc:
        parser.error(str(exc))
    if choice.empty:
        parser.error("choose records: --offset, --all, --since, --reason, --type or --consumer")
    chosen = asyncio.run(replay_records(args.bootstrap, args.topic, choice, dry_run=args.dry_run))
    if args.dry_run:
        for record in chosen:
            print(json.dumps(describe(record, set()), ensure_ascii=False))
    verb = "would replay" if args.dry_run else "replayed"
    print(f"{verb} {len(chosen)} record(s) to {args.topic}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
