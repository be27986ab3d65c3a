"""Processes the crash tests start and SIGKILL: an outbox publisher and a counting consumer.

    python -m tests.integration.platform.procs relay DSN BOOTSTRAP
    python -m tests.integration.platform.procs counter DSN BOOTSTRAP GROUP TOPIC [SLOW_MS]

Fault points come from NAZAR_FAULTS in the environment (see nazar_platform.runtime.faults).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import timedelta

from nazar_platform import db
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record
from nazar_platform.observability.logging import configure
from nazar_platform.outbox.publisher import OutboxPublisher

COUNTS_DDL = """
CREATE TABLE IF NOT EXISTS counts (
    event_id text PRIMARY KEY,
    n        integer NOT NULL,
    ord      bigserial
)"""


async def count(conn: db.Connection, records: Sequence[Record], slow_ms: int = 0) -> None:
    # A plain increment: if an event were applied twice, its n would be 2.
    await conn.execute(
        "INSERT INTO counts (event_id, n) SELECT unnest($1::text[]), 1 "
        "ON CONFLICT (event_id) DO UPDATE SET n = counts.n + 1",
        [r.event_id for r in records],
    )
    if slow_ms:
        await conn.execute("SELECT pg_sleep($1)", slow_ms / 1000)


async def run_relay(dsn: str, bootstrap: str) -> None:
    relay = OutboxPublisher(
        dsn,
        lambda: make_producer(bootstrap, client_id="relay-test"),
        batch_size=500,
        poll_interval=timedelta(milliseconds=100),
    )
    print("ready", flush=True)
    await relay.run(asyncio.Event())


async def run_counter(dsn: str, bootstrap: str, group: str, topic: str, slow_ms: int) -> None:
    pool = await db.create_pool(dsn, min_size=1, max_size=2)

    async def handler(conn: db.Connection, records: Sequence[Record]) -> None:
        await count(conn, records, slow_ms)

    consumer = IdempotentConsumer(
        name=group,
        topics=[topic],
        pool=pool,
        handler=handler,
        bootstrap=bootstrap,
        batch_max=100,
        session_timeout_ms=3000,
    )
    print("ready", flush=True)
    await consumer.run(asyncio.Event())


def main(argv: list[str]) -> None:
    kind = argv[0]
    configure(f"test-{kind}", "INFO")
    if kind == "relay":
        asyncio.run(run_relay(argv[1], argv[2]))
    elif kind == "counter":
        slow = int(argv[5]) if len(argv) > 5 else 0
        asyncio.run(run_counter(argv[1], argv[2], argv[3], argv[4], slow))
    else:
        raise SystemExit(f"unknown process {kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
