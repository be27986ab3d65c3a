"""Helpers shared by the platform's integration tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.dlq import RawRecord

from tests.integration.platform.procs import COUNTS_DDL

ROOT = Path(__file__).resolve().parents[3]


async def prepare_database(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, migrations.platform_migrations())
        await conn.execute(COUNTS_DDL)
    finally:
        await conn.close()


LOG_DIR = ROOT / ".state" / "test-logs"


def spawn(*args: str, faults: str = "") -> subprocess.Popen[bytes]:
    """Start a test process in its own session; its stderr is appended to .state/test-logs."""
    env = {**os.environ, "NAZAR_FAULTS": faults, "PYTHONUNBUFFERED": "1"}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{args[0]}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.platform.procs", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


async def read_topic(bootstrap: str, topic: str) -> list[RawRecord]:
    """Every record now in the topic, in partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    out: list[RawRecord] = []
    try:
        await consumer._client.force_metadata_update()
        partitions = sorted(consumer.partitions_for_topic(topic) or set())
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                got = await consumer.getmany(tp, timeout_ms=2000)
                out.extend(
                    RawRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                    for r in got.get(tp, [])
                )
    finally:
        await consumer.stop()
    return out


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], within: float = 60.0, every: float = 0.2
) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(every)


async def automatic_entries(
    conn: asyncpg.Pool | asyncpg.Connection, **where: str
) -> list[dict[str, Any]]:
    """The audit trail's automatic entries matching every `column=value`, oldest first."""
    conditions = ["actor IS NOT NULL"] + [f"{c} = ${n}" for n, c in enumerate(where, 1)]
    rows = await conn.fetch(
        "SELECT actor, action, subject, target_unit, target_member, outcome, reason, "
        f"cause_event_id, method, status FROM audit_log WHERE {' AND '.join(conditions)} "
        "ORDER BY id",
        *where.values(),
    )
    return [dict(r) for r in rows]
