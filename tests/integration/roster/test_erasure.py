"""Erasure: after compaction no roster topic, and no table, holds the member's name or number."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
from nazar_platform.kafka.clients import make_producer

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    Running,
    erase,
    hq_token,
    import_roster,
    make_topics,
    read_all,
    running_roster,
    wait_relayed,
)

# A test topic configuration in which the log cleaner really runs within seconds: segments roll
# every 500 ms (once a record arrives after that), any dirty share is worth cleaning, and no
# record may stay uncompacted for more than a second. The broker's cleaner wakes every second.
CLEANER = {
    "segment.ms": "500",
    "min.cleanable.dirty.ratio": "0.001",
    "min.compaction.lag.ms": "0",
    "max.compaction.lag.ms": "1000",
    "delete.retention.ms": "1000",
}
NAME_HI = "रुक्मिणी परीक्षणवाली"
NAME_LATIN = "Rukmini Parikshanwali"
PHONES = ("+917000999901", "+917000999902")


async def _appends(running: Running, rounds: int) -> None:
    """Filler tombstones on every partition, so that the segment holding the old records
    closes and becomes cleanable."""
    producer = make_producer(running.bootstrap)
    await producer.start()
    try:
        for topic in running.topics.compacted:
            for partition in await producer.partitions_for(topic):
                await producer.send_and_wait(
                    topic, key=f"filler-{rounds}-{partition}".encode(), value=None,
                    partition=partition,
                )  # fmt: skip
    finally:
        await producer.stop()


NEEDLES = (NAME_HI, NAME_LATIN, *PHONES, PHONES[0][3:], PHONES[1][3:])


async def _database_hits(database: str) -> set[tuple[str, str]]:
    """(table, needle) for every table whose rows hold a needle, in text or in bytea columns."""
    conn = await asyncpg.connect(database)
    try:
        columns = await conn.fetch(
            """SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
               JOIN information_schema.tables t USING (table_schema, table_name)
               WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"""
        )
        hits = set()
        for col in columns:
            table, column = col["table_name"], col["column_name"]
            for needle in NEEDLES:
                if col["data_type"] == "bytea":
                    where = f"position(convert_to($1, 'UTF8') IN \"{column}\") > 0"
                else:
                    where = f"\"{column}\"::text LIKE '%' || $1 || '%'"
                if await conn.fetchval(f'SELECT count(*) FROM "{table}" WHERE {where}', needle):
                    hits.add((table, needle))
        return hits
    finally:
        await conn.close()


def _leaks(values: list[bytes]) -> list[str]:
    found = []
    for needle in NEEDLES:
        if any(needle.encode() in v for v in values):
            found.append(needle)
    return found


async def test_erasure_leaves_no_name_or_number_in_topics_or_database(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> None:
    database = await databases.create("roster_erasure")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory, config=CLEANER, partitions=2)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            await import_roster(running, demo_files)
            async with running.client(hq_token()) as c:
                created = await c.post(
                    "/api/v1/members",
                    headers={"Idempotency-Key": "erasure-test-1"},
                    json={
                        "volunteer_id": "V-ERASE-1", "name_hi": NAME_HI, "name_latin": NAME_LATIN,
                        "postings": [{"role": "suraksha_sakhi", "unit_id": "PS-BAKHTBADI-KOTWALI",
                                      "primary": True}],
                        "whatsapp": PHONES[0], "sms": PHONES[0],
                        "consent": {"state": "granted", "method": "form",
                                    "given_on": "2025-03-01"},
                    },
                )  # fmt: skip
                assert created.status_code == 201, created.text
                member = created.json()["member_id"]
                changed = await c.patch(f"/api/v1/members/{member}", json={"whatsapp": PHONES[1]})
                assert changed.status_code == 200 and changed.json()["whatsapp"] == PHONES[1]
                await wait_relayed(database)
                values = [r.value for t in topics.compacted for r in await read_all(
                    kafka_bootstrap, t) if r.value]  # fmt: skip
                assert set(_leaks(values)) == {
                    NAME_HI,
                    NAME_LATIN,
                    *PHONES,
                    *(p[3:] for p in PHONES),
                }
                in_group = [v for v in values if member.encode() in v and b'"members"' in v]
                assert in_group, "the new volunteer joined the circle group"
                before = await _database_hits(database)
                assert {t for t, _ in before} >= {"members", "contacts", "outbox"}
                assert {n for _, n in before} == set(NEEDLES)

                erased = await erase(running, member)
                assert erased.status_code == 200, erased.text
                assert (await c.get(f"/api/v1/members/{member}")).status_code in (403, 404)
            await wait_relayed(database)

            deadline = time.monotonic() + 120
            rounds = 0
            while True:
                await asyncio.sleep(1.2)
                rounds += 1
                await _appends(running, rounds)
                records = {t: await read_all(kafka_bootstrap, t) for t in topics.compacted}
                values = [r.value for rs in records.values() for r in rs if r.value]
                if not _leaks(values):
                    break
                assert time.monotonic() < deadline, f"still in the topics: {_leaks(values)}"
            # The member's groups were republished without them.
            groups = {}
            for r in records[topics.groups]:
                groups[r.key] = r.value
            assert not any(member.encode() in (v or b"") for v in groups.values())

        assert await _database_hits(database) == set()
        conn = await asyncpg.connect(database)
        try:
            left = await conn.fetchrow(
                "SELECT name_hi, name_latin, volunteer_id, erased_at FROM members"
                " WHERE member_id = $1",
                member,
            )
            assert left is not None and left["erased_at"] is not None
            assert (left["name_hi"], left["name_latin"], left["volunteer_id"]) == (None, None, None)
        finally:
            await conn.close()
    finally:
        await factory.delete_all()
        await databases.drop(database)
